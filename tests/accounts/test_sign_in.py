"""Desk sign-in: password, then a one-time code; enrolment on first sign-in; recovery codes;
lockout with a growing delay; expiry after inactivity; password reset by e-mail."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lockout
from accounts.middleware import LAST_ACTIVITY_KEY
from dsr.models import OutboundEmail
from tests.conftest import PASSWORD, enrol_totp, totp_code

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
ENROL = "/accounts/login/enrol/"


def password_step(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


def fresh_code(device: TOTPDevice) -> str:
    """The current code, usable even if this test already used one in this 30-second step."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return totp_code(device)


def test_password_then_code_signs_in_to_the_desk(client, officer):
    device = enrol_totp(officer)
    response = password_step(client, officer.email)
    assert response.status_code == 302 and response.url == CODE
    # The password alone is not a session: the desk still sends you to sign in.
    assert client.get("/desk/").url.startswith(LOGIN)
    response = client.post(CODE, {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_the_code_page_refuses_a_wrong_code_and_the_same_code_twice(client, officer):
    device = enrol_totp(officer)
    password_step(client, officer.email)
    code = totp_code(device)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 401
    assert b"That code is not right" in response.content
    time.sleep(1.1)  # django-otp's own throttle: 1 s after one failure
    assert client.post(CODE, {"code": code}).status_code == 302
    other = Client()
    password_step(other, officer.email)
    assert other.post(CODE, {"code": code}).status_code in (401, 429)  # replay refused


def test_wrong_password_says_so_without_telling_whether_the_account_exists(client, officer):
    wrong = password_step(client, officer.email, "not the password")
    unknown = password_step(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    message = b"That e-mail address and password do not match."
    assert message in wrong.content and message in unknown.content


def test_first_sign_in_enrols_an_app_with_an_inline_qr_code_and_the_key_in_text(client, officer):
    response = password_step(client, officer.email)
    assert response.url == ENROL
    page = client.get(ENROL)
    html = page.content.decode()
    assert "<svg" in html and "<img" not in html  # drawn on the server, nothing fetched
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    response = client.post(ENROL, {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == "/accounts/recovery-codes/"
    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", codes_page)
    assert len(codes) == 10
    # Shown once only.
    assert "<code>" not in client.get("/accounts/recovery-codes/").content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/desk/").status_code == 200


def test_enrolment_refuses_a_wrong_code_and_keeps_the_same_key(client, officer):
    password_step(client, officer.email)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(ENROL, {"code": "000000" if totp_code(device) != "000000" else "1"})
    assert response.status_code in (400, 401)
    client.get(ENROL)
    assert TOTPDevice.objects.get(user=officer).key == device.key
    assert not TOTPDevice.objects.get(user=officer).confirmed


def test_a_recovery_code_signs_in_once(client, officer):
    from accounts import two_factor

    enrol_totp(officer)
    codes = two_factor.recovery_codes_create(officer)
    password_step(client, officer.email)
    response = client.post(CODE, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == "/desk/"
    assert b"recovery code; 9 are left" in response.content
    again = Client()
    password_step(again, officer.email)
    assert again.post(CODE, {"code": codes[0]}).status_code == 401
    assert StaticToken.objects.filter(device__user=officer).count() == 9


def test_making_new_recovery_codes_invalidates_the_old_ones(desk_client, officer):
    from accounts import two_factor

    old = two_factor.recovery_codes_create(officer)
    client = desk_client(officer)
    response = client.post("/accounts/recovery-codes/", follow=True)
    new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_the_code_step_expires_after_five_minutes(client, officer, monkeypatch):
    device = enrol_totp(officer)
    password_step(client, officer.email)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.post(CODE, {"code": totp_code(device)})
    assert response.status_code == 302 and response.url == LOGIN


def test_next_is_followed_only_within_the_site(client, officer):
    device = enrol_totp(officer)
    client.post(
        LOGIN + "?next=https://evil.example/", {"email": officer.email, "password": PASSWORD}
    )
    assert client.post(CODE, {"code": totp_code(device)}).url == "/desk/"
    other = Client()
    other.post(LOGIN + "?next=/desk/log/", {"email": officer.email, "password": PASSWORD})
    assert other.post(CODE, {"code": fresh_code(device)}).url == "/desk/log/"


# --- lockout ------------------------------------------------------------------------------


def test_the_delay_grows_after_five_failures_and_stops_at_an_hour():
    delays = [lockout.delay_after(n, lockout.ACCOUNT_FREE_FAILURES) for n in range(1, 14)]
    assert delays[:5] == [0, 0, 0, 0, 0]
    assert delays[5:9] == [60, 120, 240, 480]
    assert delays[-1] == 3600


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(client, officer):
    enrol_totp(officer)
    for _ in range(5):
        assert password_step(client, officer.email, "guess").status_code == 401
    response = password_step(client, officer.email, "guess")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-in attempts. Try again after" in text
    assert re.search(r"after \d\d:\d\d \(in about 1 minutes\)", text)
    # Locked: even the right password is not checked now, from another address too.
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert password_step(other, officer.email).status_code == 429


def test_the_lock_ends_after_its_delay(client, officer, monkeypatch):
    enrol_totp(officer)
    for _ in range(6):
        password_step(client, officer.email, "guess")
    assert password_step(client, officer.email).status_code == 429
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert password_step(client, officer.email).status_code == 302


def test_one_address_is_locked_after_many_failures_across_accounts(client, officer):
    for number in range(lockout.ADDRESS_FREE_FAILURES + 1):
        password_step(client, f"user{number}@example.com", "guess")
    response = password_step(client, officer.email)
    assert response.status_code == 429
    assert password_step(Client(REMOTE_ADDR="192.0.2.8"), officer.email).status_code == 302


def test_wrong_one_time_codes_lock_the_account_too(client, officer):
    device = enrol_totp(officer)
    password_step(client, officer.email)
    good = totp_code(device)
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    statuses = []
    for _ in range(6):
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        statuses.append(client.post(CODE, {"code": wrong}).status_code)
    assert statuses[-1] == 429
    assert client.post(CODE, {"code": good}).status_code == 429


def test_a_full_sign_in_clears_the_accounts_failures(client, officer):
    device = enrol_totp(officer)
    for _ in range(4):
        password_step(client, officer.email, "guess")
    password_step(client, officer.email)
    client.post(CODE, {"code": totp_code(device)})
    other = Client()
    for _ in range(5):
        password_step(other, officer.email, "guess")
    assert password_step(other, officer.email).status_code == 302  # 5 free failures again


def test_client_address_comes_from_the_configured_proxy_header(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2")
    assert lockout.client_address(request) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert lockout.client_address(request) == "10.0.0.2"


# --- sessions -----------------------------------------------------------------------------


def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(desk_client, officer, settings):
    settings.IDLE_TIMEOUT_SECONDS = 1800
    client = desk_client(officer)
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 1801
    session.save()
    response = client.get("/desk/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    page = client.get(response.url)
    assert b"You were signed out because the desk was not used for a while" in page.content
    assert client.get("/desk/").status_code == 302


def test_activity_keeps_the_session_alive(desk_client, officer, settings):
    settings.IDLE_TIMEOUT_SECONDS = 1800
    client = desk_client(officer)
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 1700
    session.save()
    assert client.get("/desk/").status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 5


def test_a_password_only_session_does_not_open_the_desk(client, officer):
    client.force_login(officer)  # as the admin's login would leave it: no one-time code
    response = client.get("/desk/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_signing_out(desk_client, officer):
    client = desk_client(officer)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/desk/").status_code == 302


def test_someone_without_a_membership_is_refused(desk_client, db):
    from tests.conftest import make_user

    loner = make_user("loner@example.com", None)
    assert desk_client(loner).get("/desk/").status_code == 403


# --- password reset -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_password_reset_by_e_mail(client, officer, settings):
    settings.SITE_URL = "https://desk.example.com"
    for _ in range(7):
        password_step(client, officer.email, "forgotten")
    response = client.post("/accounts/password-reset/", {"email": officer.email.upper()})
    assert response.url == "/accounts/password-reset/sent/"
    mail = OutboundEmail.objects.get(to=officer.email)
    assert mail.subject == "DSR Desk: set a new password"
    link = re.search(r"https://desk\.example\.com(/accounts/password-reset/\S+/)", mail.text_body)
    assert link and link.group(1) in mail.html_body
    form_page = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form_page.content
    new = "a brand new passphrase 2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.url == "/accounts/password-reset/done/"
    # The new password works at once: the lockout was lifted by proving the mailbox.
    assert password_step(Client(), officer.email, new).status_code == 302
    # The link works once.
    assert b"does not work any more" in client.get(form_page.redirect_chain[-1][0]).content


def test_password_reset_for_an_unknown_address_looks_the_same(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response.url == "/accounts/password-reset/sent/"
    assert not OutboundEmail.objects.exists()


def test_the_admin_signs_in_through_the_desk_sign_in(client, manager):
    response = client.get("/admin/login/?next=/admin/dsr/request/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Fdsr%2Frequest%2F"
    manager.is_staff = True
    manager.save()
    device = enrol_totp(manager)
    client.post(response.url, {"email": manager.email, "password": PASSWORD})
    assert client.post(CODE, {"code": totp_code(device)}).url == "/admin/dsr/request/"
    assert client.get("/admin/dsr/request/").status_code == 200
