"""Desk sign-in: password, then a one-time code; enrolment on first sign-in; recovery codes.

After the password the session only remembers *who is signing in* (for five minutes); the
user is signed in — `django.contrib.auth.login` — only once the one-time code is right, so
every signed-in desk session is two-factor verified.
"""

from __future__ import annotations

import time

import django_otp
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import lockout, two_factor
from accounts.forms import (
    CodeForm,
    DeskPasswordResetForm,
    DeskSetPasswordForm,
    EnrolForm,
    SignInForm,
)
from accounts.middleware import TIMED_OUT_KEY, stamp
from accounts.models import User

PENDING_KEY = "signin_pending"
PENDING_SECONDS = 5 * 60
NEW_CODES_KEY = "recovery_codes_to_show"


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("desk:queue")


def _locked_message(until) -> str:
    local = timezone.localtime(until)
    return _(
        "Too many failed sign-in attempts. Try again after %(time)s (in about %(minutes)s "
        "minutes), or reset your password by e-mail."
    ) % {"time": formats.time_format(local, "H:i"), "minutes": lockout.minutes_until(until)}


def _pending_user(request: HttpRequest) -> User | None:
    """The user who gave the right password in this session less than five minutes ago."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending.get("user"), is_active=True).first()


def _complete_sign_in(request: HttpRequest, user: User, device) -> HttpResponseRedirect:
    next_url = request.session.get(PENDING_KEY, {}).get("next")
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    django_otp.login(request, device)
    stamp(request)
    lockout.record_success(email=user.email)
    return redirect(_next_url(request, next_url))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and user.is_verified():
        return redirect(_next_url(request, request.GET.get("next")))
    timed_out = request.session.pop(TIMED_OUT_KEY, False)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email, address = form.cleaned_data["email"], lockout.client_address(request)
        until = lockout.locked_until(email=email, address=address)
        if until is None:
            user = auth.authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is not None:
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "user": user.pk,
                    "since": time.time(),
                    "next": request.POST.get("next") or request.GET.get("next") or "",
                }
                if two_factor.has_app(user):
                    return redirect("accounts:code")
                return redirect("accounts:enrol")
            until = lockout.record_failure(email=email, address=address)
        if until is not None:
            form.add_error(None, _locked_message(until))
            status = 429
        else:
            form.add_error(None, _("That e-mail address and password do not match."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "timed_out": timed_out, "next": request.GET.get("next", "")},
        status=status,
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, _("Sign in again: the sign-in took longer than five minutes."))
        return redirect("accounts:login")
    if not two_factor.has_app(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        address = lockout.client_address(request)
        until = lockout.locked_until(email=user.email, address=address)
        throttled = False
        if until is None:
            device, throttled = two_factor.code_verify(user, form.cleaned_data["code"])
            if device is not None:
                if isinstance(device, StaticDevice):
                    left = two_factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code; %(left)s are left. "
                            "Make new ones on your security page if you are running out."
                        )
                        % {"left": left},
                    )
                return _complete_sign_in(request, user, device)
            until = lockout.record_failure(email=user.email, address=address)
        if until is not None:
            form.add_error(None, _locked_message(until))
            status = 429
        elif throttled:
            form.add_error(None, _("Wait a few seconds before trying another code."))
            status = 429
        else:
            form.add_error("code", _("That code is not right. Codes change every 30 seconds."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/sign_in_code.html", {"form": form}, status=status)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: link an authenticator app, prove it with one code, get recovery codes."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if two_factor.has_app(user):
        return redirect("accounts:code")
    device = two_factor.pending_app(user)
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        address = lockout.client_address(request)
        until = lockout.locked_until(email=user.email, address=address)
        if until is None and two_factor.app_confirm(device, form.cleaned_data["code"]):
            device.refresh_from_db()
            request.session[NEW_CODES_KEY] = two_factor.recovery_codes_create(user)
            _complete_sign_in(request, user, device)
            return redirect("accounts:recovery_codes")
        if until is None:
            until = lockout.record_failure(email=user.email, address=address)
        if until is not None:
            form.add_error(None, _locked_message(until))
            status = 429
        else:
            form.add_error(
                "code",
                _("That code is not right. Check the app's clock and type the current code."),
            )
            status = 401
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "qr_svg": two_factor.qr_svg(device),
        "secret": two_factor.secret_text(device),
        "account": user.email,
    }
    return render(request, "accounts/enrol.html", context, status=status)


def _verified(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.is_verified()


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows new recovery codes once; POST makes a fresh set (the old ones stop working)."""
    if not _verified(request):
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if request.method == "POST":
        request.session[NEW_CODES_KEY] = two_factor.recovery_codes_create(request.user)
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    context = {"codes": codes, "left": two_factor.recovery_codes_left(request.user)}
    return render(request, "accounts/recovery_codes.html", context)


def admin_sign_in(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Replaces the admin's own login page, so the admin too needs the one-time code."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = DeskPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = DeskSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which an officer's choice also outlives: it is kept on their
    account for the desk on other browsers and for the e-mails the desk sends them."""
    from django.conf import settings
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    chosen = language in dict(settings.LANGUAGES)
    if chosen and request.user.is_authenticated and request.user.language != language:
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
