"""The demo signs in like production: every demo login has an authenticator linked, its key
printed by load_demo, and `demo_code` shows the current code for demo logins only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsr.demo import loader
from dsr.models import ReplyTemplate


def test_demo_logins_sign_in_with_the_printed_key(db):
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    text = output.getvalue()
    email = "an.peeters@openmotics.example"
    assert f"{email:<42} {loader.demo_totp_secret(email)}" in text
    assert TOTPDevice.objects.filter(confirmed=True).count() == len(loader.logins())
    assert ReplyTemplate.objects.filter(organization__slug="openmotics", language="nl").exists()

    code = io.StringIO()
    call_command("demo_code", email, stdout=code)
    client = Client()
    client.post("/accounts/login/", {"email": email, "password": loader.DEMO_PASSWORD})
    response = client.post("/accounts/login/code/", {"code": code.getvalue().strip()})
    assert response.status_code == 302 and response.url == "/desk/"
    assert b"OpenMotics" in client.get("/desk/").content

    # Loading again keeps the same keys (a newcomer's app keeps working).
    call_command("load_demo", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(confirmed=True).count() == len(loader.logins())


def test_demo_code_refuses_real_accounts(officer):
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("demo_code", officer.email, stdout=io.StringIO())
