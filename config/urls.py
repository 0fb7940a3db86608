from django.contrib import admin
from django.urls import path

from dsr import views

admin.site.site_header = "DSR Desk administration"
admin.site.site_title = "DSR Desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
