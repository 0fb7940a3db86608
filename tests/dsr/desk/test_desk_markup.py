"""The desk's markup as assistive technology reads it, and dates as a European reads them.

Every id on a page is unique (the request page holds every action's form at once), every
label and `aria-describedby` points at an element that exists, and English dates are
written day first with a 24-hour clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import formats, translation

from dsr import audit, workflow
from dsr.desk.forms import request_version
from tests.dsr.desk.desk_helpers import days_ago


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []  # (attribute, id pointed at)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "label" and values.get("for"):
            self.references.append(("for", values["for"]))
        for name in ("aria-describedby", "aria-labelledby"):
            for target in (values.get(name) or "").split():
                self.references.append((name, target))


def _parse(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_the_request_page_has_unique_ids_and_no_dangling_references(
    desk_client, officer, make_request, language
):
    request_obj = workflow.request_extend(
        request=make_request(received_at=days_ago(3)),
        reason="Eleven systems to search",
        actor=audit.Actor.for_user(officer),
    )
    client = desk_client(officer)
    client.cookies["django_language"] = language
    response = client.get(reverse("desk:request", args=[request_obj.reference]))
    assert response.status_code == 200
    page = _parse(response.content.decode())
    repeated = {name: count for name, count in Counter(page.ids).items() if count > 1}
    assert repeated == {}
    dangling = [(kind, target) for kind, target in page.references if target not in page.ids]
    assert dangling == []
    # Both free-text reasons exist and each has a label of its own.
    assert "id_extend_reason" in page.ids or "id_withdraw_reason" in page.ids


def test_an_invalid_action_names_its_error_for_assistive_technology(
    desk_client, officer, make_request
):
    request_obj = make_request()
    client = desk_client(officer)
    response = client.post(
        reverse("desk:request_withdraw", args=[request_obj.reference]),
        {"version": request_version(request_obj), "reason": ""},
    )
    html = response.content.decode()
    page = _parse(html)
    assert [target for kind, target in page.references if target not in page.ids] == []
    if "id_withdraw_reason_error" in page.ids:  # the reason is required where withdrawal asks it
        assert ("aria-describedby", "id_withdraw_reason_error") in page.references


def test_english_dates_are_written_day_first_with_a_24_hour_clock():
    moment = datetime(2026, 12, 2, 14, 7, tzinfo=ZoneInfo("Europe/Brussels"))
    with translation.override("en"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "2 December 2026"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "2 December 2026, 14:07"
        assert formats.date_format(moment.date(), "SHORT_DATE_FORMAT") == "2 Dec 2026"
        assert formats.time_format(moment, "TIME_FORMAT") == "14:07"
    with translation.override("nl"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "2 december 2026"
    with translation.override("fr"):
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "2 décembre 2026"


def test_an_english_form_reads_a_typed_date_day_first():
    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("02/12/2026") == date(2026, 12, 2)
        assert field.clean("2026-12-02") == date(2026, 12, 2)
        with pytest.raises(forms.ValidationError):
            field.clean("12/31/2026")  # an American date is refused, not misread
