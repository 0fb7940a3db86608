"""Letters in the desk (/desk/letters/), the print queue (/desk/print/), and the
subject's download from the status page (/r/<token>/letters/<public id>/).

Included once at the site root (config/urls.py) so the three prefixes share the
"letters" namespace: `letters:subject_download` is what the status page links to.
"""

from django.urls import path

from dsr.letters import views

app_name = "letters"
urlpatterns = [
    path("desk/letters/request/<int:request_id>/", views.request_letters, name="request"),
    path("desk/letters/request/<int:request_id>/new/", views.compose, name="compose"),
    path("desk/letters/request/<int:request_id>/issue/", views.issue, name="issue"),
    path("desk/letters/<int:letter_id>/download/", views.download, name="download"),
    path("desk/letters/<int:letter_id>/status/", views.status, name="status"),
    path("desk/letters/<int:letter_id>/send/", views.send_email, name="send_email"),
    path("desk/letters/<int:letter_id>/post/", views.queue_post, name="queue_post"),
    path("desk/letters/<int:letter_id>/retry/", views.retry, name="retry"),
    path(
        "desk/letters/organization/<int:organization_id>/settings/",
        views.letter_settings,
        name="settings",
    ),
    path(
        "desk/letters/organization/<int:organization_id>/branding/<str:role>/",
        views.branding,
        name="branding",
    ),
    path("desk/print/", views.print_queue, name="print_queue"),
    path("desk/print/<int:batch_id>/", views.print_batch, name="print_batch"),
    path(
        "desk/print/<int:batch_id>/download/",
        views.print_batch_download,
        name="print_batch_download",
    ),
    path("desk/print/<int:batch_id>/posted/", views.print_batch_posted, name="print_batch_posted"),
    path(
        "r/<str:token>/letters/<uuid:letter_id>/",
        views.subject_download,
        name="subject_download",
    ),
]
