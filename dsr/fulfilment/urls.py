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
    path("desk/fulfilment/requests/<int:request_id>/review/", views.review_page, name="review"),
    path(
        "desk/fulfilment/requests/<int:request_id>/review/decide/",
        views.review_decide,
        name="review_decide",
    ),
    path(
        "desk/fulfilment/requests/<int:request_id>/review/undo/<int:decision_id>/",
        views.review_undo,
        name="review_undo",
    ),
    path(
        "desk/fulfilment/requests/<int:request_id>/review/release/",
        views.review_release,
        name="review_release",
    ),
    path("desk/fulfilment/steps/<int:pk>/file/", views.task_file, name="task_file"),
    path("desk/fulfilment/steps/<int:pk>/retry/", views.step_retry, name="retry"),
    path("desk/fulfilment/steps/<int:pk>/task/", views.task, name="task"),
    path("fulfilment/callback/<str:token>/", views.callback, name="callback"),
    path(
        "r/<str:public_token>/package/<str:token>/",
        views.package_download,
        name="package_download",
    ),
]
