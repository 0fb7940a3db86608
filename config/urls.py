from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_sign_in, set_language
from dsr import views

admin.site.site_header = "DSR Desk administration"
admin.site.site_title = "DSR Desk"
# The admin signs in through the desk's sign-in: password and one-time code.
admin.site.login = admin_sign_in

# A dropped database connection outside a view's own handling is a 503 "try again", not a 500.
handler500 = "dsr.views.server_error"
handler400 = "dsr.views.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("readyz/", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # The desk header's EN/NL/FR switch: Django's set_language (a cookie), and the
    # officer's account remembers the choice.
    path("i18n/setlang/", set_language, name="set_language"),
    # Letters: /desk/letters/, the print queue /desk/print/, the subject's /r/<token>/letters/.
    path("", include("dsr.letters.urls")),
    path("desk/settings/integrations/", include("dsr.api.desk_urls")),
    path("desk/", include("dsr.desk.urls")),
    path("api/", include("dsr.api.urls")),
    # Fulfilment: /desk/fulfilment/..., the systems' callback, the subject's /r/<token>/package/.
    path("", include("dsr.fulfilment.urls")),
    # Last: the subject's pages, /r/<token>/ and /<organisation-slug>/request/.
    path("", include("dsr.intake.urls")),
]
