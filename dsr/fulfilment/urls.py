"""Fulfilment pages: the desk's (sources, jobs, tasks), the systems' callback, the subject's
package download. Included once in config/urls.py, before the subject's pages."""

from django.urls import path

from dsr.fulfilment import views

app_name = "fulfilment"
urlpatterns = [
    path("desk/fulfilment/sources/", views.sources, name="sources"),
    path("desk/fulfilment/sources/new/<str:kind>/", views.source_edit, name="source_new"),
    path("desk/fulfilment/sources/<int:pk>/", views.source_edit, name="source_edit"),
    path("desk/fulfilment/requests/<int:request_id>/", views.job_page, name="job"),
    path("desk/fulfilment/requests/<int:request_id>/plan/", views.job_plan, name="plan"),
    path("desk/fulfilment/requests/<int:request_id>/confirm/", views.job_confirm, name="confirm"),
    path("desk/fulfilment/requests/<int:request_id>/panel/", views.panel, name="panel"),
    path("desk/fulfilment/steps/<int:pk>/retry/", views.step_retry, name="retry"),
    path("desk/fulfilment/steps/<int:pk>/task/", views.task, name="task"),
    path("fulfilment/callback/<str:token>/", views.callback, name="callback"),
    path(
        "r/<str:public_token>/package/<str:token>/",
        views.package_download,
        name="package_download",
    ),
]
