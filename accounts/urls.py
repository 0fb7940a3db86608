"""Sign-in, two-factor enrolment, password reset (issue: the officer's desk)."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns: list = []
