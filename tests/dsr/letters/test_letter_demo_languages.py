"""Every demo organisation answers an access request in each language it offers with its
register in that language only: no line of the register's other languages in the PDF, the
signatory's title and the place translated (issue 16)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from letter_helpers import issue_and_render, make_state, pdf_text

from accounts.models import Membership, Role, User
from dsr import audit, workflow
from dsr.demo import data, loader
from dsr.letters import services
from dsr.models import LetterKind, ProcessingActivity, Right
from dsr.models.register import ACTIVITY_TEXTS

pytestmark = pytest.mark.django_db

PLACE_DATE = {
    ("zensor", "nl"): "Brussel, 2 december 2026",
    ("zensor", "fr"): "Bruxelles, le 2 décembre 2026",
    ("zensor", "en"): "Brussels, 2 December 2026",
    ("openmotics", "nl"): "Gent, 2 december 2026",
    ("openmotics", "fr"): "Gand, le 2 décembre 2026",
    ("openmotics", "en"): "Ghent, 2 December 2026",
    ("ilumen", "nl"): "Gent, 2 december 2026",
    ("ilumen", "fr"): "Gand, le 2 décembre 2026",
    ("ilumen", "en"): "Ghent, 2 December 2026",
    ("maxem", "nl"): "Amsterdam, 2 december 2026",
    ("maxem", "en"): "Amsterdam, 2 December 2026",
}
CASES = [
    (spec["slug"], language)
    for spec in data.ORGANIZATIONS
    for language in spec["offered_languages"]
    if language != "en" or spec["default_language"] != "en"
]


def _texts_by_language(organization) -> dict[str, set[str]]:
    """Every register text the access answer prints, per language: the activities' texts
    and the names of their recipients."""
    default = organization.default_language
    found: dict[str, set[str]] = {}
    for activity in ProcessingActivity.objects.filter(organization=organization):
        entries = {default: {name: getattr(activity, name) for name in ACTIVITY_TEXTS}}
        entries.update(activity.texts)
        for recipient in activity.recipients.all():
            names = {default: recipient.name} | {
                language: entry["name"] for language, entry in recipient.texts.items()
            }
            for language, name in names.items():
                found.setdefault(language, set()).add(name)
        for language, entry in entries.items():
            for name, value in entry.items():
                values = value if name == "data_categories" else [value]
                found.setdefault(language, set()).update(v for v in values if v)
    return found


@pytest.mark.parametrize(("slug", "language"), CASES)
def test_demo_access_answer_is_in_one_language(slug, language, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Brussels")))
    spec = next(spec for spec in data.ORGANIZATIONS if spec["slug"] == slug)
    organization = loader._organization(spec)
    user = User.objects.create_user(f"officer@{slug}.example", "x" * 16)
    Membership.objects.create(user=user, organization=organization, role=Role.OFFICER)
    actor = audit.Actor.for_user(user)

    def make_request(**fields):
        fields.setdefault("subject_name", "Jan Peeters")
        fields.setdefault("subject_email", "jan@example.com")
        (request,) = workflow.submission_create(
            organization=organization,
            rights=[fields.pop("right")],
            channel="email",
            actor=actor,
            **fields,
        )
        return request

    request = make_state(
        make_request, actor, right=Right.ACCESS, state="completed", language=language
    )
    letter = issue_and_render(request, LetterKind.ANSWER, user)
    text = pdf_text(services.letter_read(letter))

    texts = _texts_by_language(organization)
    own = texts[language]
    for entry in own:
        assert " ".join(entry.split()) in text, entry
    others = {entry for other, entries in texts.items() if other != language for entry in entries}
    leaked = sorted(entry for entry in others - own if len(entry) > 12 and entry in text)
    assert not leaked, f"{slug} {language}: {leaked}"

    title = organization.letter_text("signatory_title", language)
    assert title and title in text
    assert PLACE_DATE[(slug, language)] in text
