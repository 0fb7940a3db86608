"""What the letters say, read back from the PDF, per language (issue 6, "Tests")."""

from __future__ import annotations

from datetime import date

import pytest
from letter_helpers import issue_and_render, make_state, pdf_text

from dsr.letters import dates, services
from dsr.letters.content import available_kinds
from dsr.models import LetterKind, Right

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "nl", "fr"]
# The date each language writes: 1 March 2026 (French writes the first of the month "1er").
WRITTEN = {"en": "1 March 2026", "nl": "1 maart 2026", "fr": "1er mars 2026"}
PLACE_DATE = {
    "en": "Ternat, 1 March 2026",
    "nl": "Ternat, 1 maart 2026",
    "fr": "Ternat, le 1er mars 2026",
}
BE_AUTHORITY = {
    "en": [
        "Gegevensbeschermingsautoriteit / Autorité de protection des données",
        "Drukpersstraat 35 / Rue de la Presse 35",
        "1000 Brussel/Bruxelles",
    ],
    "nl": ["Gegevensbeschermingsautoriteit", "Drukpersstraat 35", "1000 Brussel"],
    "fr": ["Autorité de protection des données", "Rue de la Presse 35", "1000 Bruxelles"],
}
NL_AUTHORITY = ["Autoriteit Persoonsgegevens", "Postbus 93374", "2509 AJ Den Haag"]
COURT = {
    "en": "court of first instance",
    "nl": "rechtbank van eerste aanleg",
    "fr": "tribunal de première instance",
}
NL_COURT = {
    "en": "district court (rechtbank)",
    "nl": "de rechtbank",
    "fr": "le tribunal (rechtbank)",
}


@pytest.fixture
def time_machine():
    import time_machine as tm

    with tm.travel("2026-03-01 10:00:00+01:00", tick=False) as traveller:
        yield traveller


def test_dates_are_written_the_way_each_language_writes_them():
    assert dates.written_date(date(2026, 3, 5), "en") == "5 March 2026"
    assert dates.written_date(date(2026, 3, 5), "nl") == "5 maart 2026"
    assert dates.written_date(date(2026, 3, 5), "fr") == "5 mars 2026"
    assert dates.written_date(date(2026, 8, 1), "fr") == "1er août 2026"
    assert dates.written_date(date(2026, 8, 1), "nl") == "1 augustus 2026"
    assert dates.place_and_date("Gent", date(2026, 2, 28), "fr") == "Gent, le 28 février 2026"


TITLE = {
    "en": "Data Protection Officer",
    "nl": "Functionaris voor gegevensbescherming",
    "fr": "Délégué à la protection des données",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusal_reads_back_with_date_reference_address_signatory_and_complaint_route(
    language, signed_organization, make_request, officer, officer_actor, time_machine
):
    signed_organization.signatory_name = "Griet Van Wesemael"
    signed_organization.signatory_title = "Data Protection Officer"
    signed_organization.texts = {
        "nl": {"signatory_title": TITLE["nl"], "place": "Ternat"},
        "fr": {"signatory_title": TITLE["fr"], "place": "Ternat"},
    }
    signed_organization.save()
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="refused", language=language
    )
    letter = issue_and_render(request, LetterKind.REFUSAL, officer)
    text = pdf_text(services.letter_read(letter))

    assert PLACE_DATE[language] in text
    assert request.reference in text
    assert "Jan Peeters" in text
    assert "Kerkstraat 12 bus 3" in text and "9000 Gent" in text
    assert "Griet Van Wesemael" in text and TITLE[language] in text
    for line in BE_AUTHORITY[language]:
        assert line in text
    assert COURT[language] in text
    assert "17(3)" in text or "17, lid 3" in text or "17, paragraphe 3" in text
    assert "Invoices are kept" not in text  # the fixture's explanation is "See above."
    assert "See above." in text
    assert letter.page_count >= 1 and "1/" in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dutch_organisation_names_the_autoriteit_persoonsgegevens(
    language, other_organization, outsider, time_machine
):
    from dsr import audit, workflow

    actor = audit.Actor.for_user(outsider)
    (request,) = workflow.submission_create(
        organization=other_organization,
        rights=[Right.ACCESS],
        channel="email",
        language=language,
        subject_name="Sanne de Vries",
        subject_email="sanne@example.nl",
        subject_postal_address="Oudegracht 1\n3511 AA Utrecht",
        actor=actor,
    )
    request = workflow.request_refuse(
        request=request,
        ground="manifestly_unfounded",
        explanation="The same request, the fifth time this week.",
        actor=actor,
    )
    letter = issue_and_render(request, LetterKind.REFUSAL, outsider)
    text = pdf_text(services.letter_read(letter))
    for line in NL_AUTHORITY:
        assert line in text
    assert NL_COURT[language] in text
    assert "Gegevensbeschermingsautoriteit" not in text
    assert "Utrecht, " + WRITTEN[language] in text
    assert "Oudegracht 1" in text and "3511 AA Utrecht" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_access_answer_lists_every_article_15_item_from_the_register(
    language, organization, make_request, officer, officer_actor, register, time_machine
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="completed", language=language
    )
    letter = issue_and_render(
        request, LetterKind.ANSWER, officer, enclosures=["export.json", "export.csv"]
    )
    text = pdf_text(services.letter_read(letter))
    english = []
    for activity in register:
        entry = activity.texts.get(language) or {
            name: getattr(activity, name)
            for name in ("name", "purpose", "data_categories", "retention", "source")
        }
        assert entry["name"] in text
        assert entry["purpose"] in text  # (a)
        for category in entry["data_categories"]:  # (b)
            assert category in text
        assert entry["retention"] in text  # (d)
        assert entry["source"] in text  # (g)
        english += [activity.name, activity.purpose, activity.retention, activity.source]
    cloud = register[0].recipients.get()
    cloud_name = (cloud.texts.get(language) or {}).get("name") or cloud.name
    assert f"{cloud_name} (BE)" in text  # (c) recipients by name, in the letter's language
    if language != "en":
        assert "Cloud hosting provider (EU)" not in text
    assert "Google Analytics (US)" in text
    logic = register[1].texts.get(language, {}).get("automated_decision_logic")
    assert (logic or register[1].automated_decision_logic) in text  # (h)
    if language != "en":  # the register in the subject's language, never mixed
        assert not [entry for entry in english if entry in text]
    for item in ("(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)", "(h)"):
        assert item in text
    assert "export.json" in text and "export.csv" in text  # what is enclosed
    for line in BE_AUTHORITY[language]:  # (f) the right to complain
        assert line in text
    assert WRITTEN[language] in text
    assert request.reference in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("right", "state", "kind"),
    [
        (Right.ACCESS, "open", LetterKind.ACKNOWLEDGEMENT),
        (Right.ACCESS, "open", LetterKind.INFORMATION_REQUEST),
        (Right.ACCESS, "extended", LetterKind.EXTENSION_NOTICE),
        (Right.ERASURE, "completed", LetterKind.ANSWER),
        (Right.RECTIFICATION, "completed", LetterKind.ANSWER),
        (Right.RESTRICTION, "completed", LetterKind.ANSWER),
        (Right.PORTABILITY, "completed", LetterKind.ANSWER),
        (Right.OBJECTION, "completed", LetterKind.ANSWER),
        (Right.AUTOMATED_DECISION, "completed", LetterKind.ANSWER),
        (Right.ERASURE, "partial", LetterKind.PARTIAL_REFUSAL),
        (Right.OBJECTION, "withdrawn", LetterKind.WITHDRAWAL_CONFIRMATION),
    ],
)
def test_every_kind_renders_in_every_language(
    language, right, state, kind, organization, make_request, officer, officer_actor, time_machine
):
    request = make_state(make_request, officer_actor, right=right, state=state, language=language)
    assert kind in available_kinds(request)
    fields = {"information": "A copy of your last invoice."}
    if kind == LetterKind.ANSWER and right == Right.ERASURE:
        fields["systems"] = [
            {"system": "Customer database", "action": "erased", "legal_ground": ""},
            {"system": "Invoices", "action": "kept", "legal_ground": "Accounting law"},
        ]
        fields["recipients_told"] = ["Cloud hosting (EU)"]
    if kind == LetterKind.PARTIAL_REFUSAL:
        fields["withheld"] = [
            {
                "what": "Invoices were not erased.",
                "ground": "legal_obligation",
                "reason": "Accounting law: seven years.",
            }
        ]
    letter = issue_and_render(request, kind, officer, **fields)
    text = pdf_text(services.letter_read(letter))
    assert PLACE_DATE[language] in text
    assert request.reference in text
    assert "Kerkstraat 12 bus 3" in text
    if kind == LetterKind.INFORMATION_REQUEST:
        assert "A copy of your last invoice." in text
    if kind == LetterKind.EXTENSION_NOTICE:
        assert "Your data sit in six separate systems." in text
        for line in BE_AUTHORITY[language]:
            assert line in text
    if kind == LetterKind.PARTIAL_REFUSAL:
        assert "Invoices were not erased." in text
        assert "Accounting law: seven years." in text
        for line in BE_AUTHORITY[language]:
            assert line in text
    if kind == LetterKind.ANSWER and right == Right.ERASURE:
        assert "Customer database" in text and "Accounting law" in text
        assert "Cloud hosting (EU)" in text
        for line in BE_AUTHORITY[language]:  # data kept: the complaint route too
            assert line in text


def test_letters_the_state_does_not_allow_are_not_offered(
    make_request, officer_actor, time_machine
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    kinds = available_kinds(request)
    assert LetterKind.REFUSAL not in kinds and LetterKind.ANSWER not in kinds
    assert LetterKind.EXTENSION_NOTICE not in kinds
    with pytest.raises(services.LetterError):
        issue_and_render(request, LetterKind.REFUSAL, officer_actor.user)


def test_window_side_follows_the_organisation(
    organization, make_request, officer, officer_actor, time_machine
):
    """The subject's address sits in the left or right window of the envelope."""
    import io

    from pypdf import PdfReader

    def address_x(letter) -> float:
        positions = []

        def visitor(text, cm, tm, font, size):
            if "Kerkstraat 12 bus 3" in text:
                # The text's x on the page: its text matrix through the current transform.
                positions.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

        PdfReader(io.BytesIO(services.letter_read(letter))).pages[0].extract_text(
            visitor_text=visitor
        )
        return positions[0]

    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="open", language="en"
    )
    left = issue_and_render(request, LetterKind.ACKNOWLEDGEMENT, officer)
    organization.letter_window = "right"
    organization.save()
    request.refresh_from_db()
    right = issue_and_render(request, LetterKind.ACKNOWLEDGEMENT, officer)
    mm = 72 / 25.4
    assert 18 * mm < address_x(left) < 30 * mm
    assert 100 * mm < address_x(right) < 115 * mm
