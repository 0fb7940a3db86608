"""The subject's pages: the public form, the confirmation link and the status page.

Included at the site root, last: `/r/<token>/...` comes first so that no organisation
slug can shadow it ("r" is a reserved slug, accounts.models.RESERVED_SLUGS).
"""

from django.urls import path

from dsr.intake import status_views, views

app_name = "intake"
urlpatterns = [
    path("r/<str:token>/", status_views.status_page, name="status"),
    path("r/<str:token>/answer/", status_views.answer, name="answer"),
    path("r/<str:token>/withdraw/", status_views.withdraw, name="withdraw"),
    path("<slug:organization_slug>/request/", views.submission_form, name="form"),
    path("<slug:organization_slug>/request/sent/", views.submission_sent, name="sent"),
    path("<slug:organization_slug>/request/confirm/<str:token>/", views.confirm, name="confirm"),
    path("<slug:organization_slug>/logo/", views.organization_logo, name="logo"),
]
