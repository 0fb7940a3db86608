from django.contrib import admin
from django.urls import include, path

from dsr import views

admin.site.site_header = "DSR Desk administration"
admin.site.site_title = "DSR Desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("desk/", include("dsr.desk.urls")),
    # Last: the subject's pages, /r/<token>/ and /<organisation-slug>/request/.
    path("", include("dsr.intake.urls")),
]
