"""Every letter the desk allows, for every demo organisation, as a reviewer reads it (issue 16).

For each demo organisation (dsr.demo.loader, registers and all), each language it offers,
each right (an objection twice: to direct marketing and not) and each state a letter needs,
a request is made through the workflow, and every letter kind `rules.letter_kinds` allows
is issued (`services.letter_issue`); a refused request is made once per refusal ground
`rules.refusal_grounds` offers for its right, a partial refusal withholds an item on the
first ground of PARTIAL_GROUNDS the right allows. About 1,200 letters.

Every letter is checked at the HTML level; one letter per template x language x country,
and every access answer (the longest letters, one per organisation and language), is also
laid out as the PDF the subject receives and read back with pypdf. Checked: no register
text of another language, the supervisory authority of the organisation's country (and
never the other one), no empty section heading, no unconditional recipient sentence, the
Dutch of the Netherlands or of Belgium as the organisation's country writes it, no doubled
full stop, and, in the PDF, the closing never alone on its page.

Cost: about 30 s on one core (issuing ~1,200 letters through the workflow and rendering their
HTML ~20 s; ~80 PDFs laid out in-process ~9 s): rendering every letter to PDF would take
minutes, and letters of one template differ only in text the HTML checks already read.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from letter_helpers import issue
from pypdf import PdfReader

from accounts.models import Membership, Organization, Role, User
from dsr import audit, workflow
from dsr.demo import data, loader
from dsr.letters import render, rules
from dsr.models import (
    EvidenceKind,
    LetterKind,
    Outcome,
    RefusalGround,
    RegisterIncomplete,
    Right,
    organization_missing,
    processing_register,
)
from tests.builders import verified

pytestmark = pytest.mark.django_db

AUTHORITY = {
    "BE": {
        "en": [
            "Gegevensbeschermingsautoriteit / Autorité de protection des données",
            "Drukpersstraat 35 / Rue de la Presse 35",
            "1000 Brussel/Bruxelles",
        ],
        "nl": ["Gegevensbeschermingsautoriteit", "Drukpersstraat 35", "1000 Brussel"],
        "fr": ["Autorité de protection des données", "Rue de la Presse 35", "1000 Bruxelles"],
    },
    "NL": {
        language: ["Autoriteit Persoonsgegevens", "Postbus 93374", "2509 AJ Den Haag"]
        for language in ("en", "nl", "fr")
    },
}
# The other country's authority, in any language: never in the letter.
FOREIGN_AUTHORITY = {
    "BE": ["Autoriteit Persoonsgegevens", "Postbus 93374"],
    "NL": ["Gegevensbeschermingsautoriteit", "Autorité de protection", "Drukpersstraat"],
}
# Letters that must give the complaint route (LEGAL.md, "Refusal and fees"; LEGAL-CHOICES.md).
COMPLAINT_KINDS = {LetterKind.REFUSAL, LetterKind.PARTIAL_REFUSAL, LetterKind.EXTENSION_NOTICE}
# Sentences about recipients that are never true of every request (Art. 19).
UNCONDITIONAL_RECIPIENT_SENTENCES = [
    "On request, we tell you who these recipients are",
    "Op uw verzoek delen wij u mee wie deze ontvangers zijn",
    "Sur demande, nous vous indiquons qui sont ces destinataires",
    "We did not disclose the data concerned to any recipient",
    "Wij hebben de betrokken gegevens aan geen enkele ontvanger verstrekt",
    "Nous n\u2019avons communiqué les données concernées à aucun destinataire",
]
CLOSING = {
    "en": "Yours sincerely,",
    "nl": "Met vriendelijke groet",  # and "groeten" in Belgium
    "fr": "Nous vous prions d\u2019agréer",
}
# Dutch as each country writes it (templates/letters/nl_BE/ overrides letters/nl/).
DUTCH = {
    "NL": {"present": ["Ons kenmerk", "Met vriendelijke groet,"], "absent": ["bezorgen"]},
    "BE": {"present": ["Onze referentie", "Met vriendelijke groeten,"], "absent": ["kenmerk"]},
}
# What the officer writes, in the letter's language.
TEXTS = {
    "en": {
        "reason": "Your data sit in six separate systems that we must search one by one.",
        "information": "The customer number printed on your invoice.",
        "note": "We corrected your postal address.",
        "what": "The invoices of 2024 and 2025.",
        "why": "The accounting law requires us to keep invoices for seven years.",
        "explanation": "You sent the same request on 3 and 10 November; we answered both.",
    },
    "nl": {
        "reason": "Uw gegevens staan in zes afzonderlijke systemen die wij één voor één "
        "moeten doorzoeken.",
        "information": "Het klantnummer dat op uw factuur staat.",
        "note": "Wij hebben uw postadres verbeterd.",
        "what": "De facturen van 2024 en 2025.",
        "why": "De boekhoudwetgeving verplicht ons facturen zeven jaar te bewaren.",
        "explanation": "U stuurde hetzelfde verzoek op 3 en 10 november; wij beantwoordden beide.",
    },
    "fr": {
        "reason": "Vos données se trouvent dans six systèmes distincts que nous devons "
        "examiner un par un.",
        "information": "Le numéro de client qui figure sur votre facture.",
        "note": "Nous avons corrigé votre adresse postale.",
        "what": "Les factures de 2024 et 2025.",
        "why": "La loi comptable nous oblige à conserver les factures pendant sept ans.",
        "explanation": "Vous avez envoyé la même demande le 3 et le 10 novembre ; nous avons "
        "répondu aux deux.",
    },
}
# The ground a partial refusal withholds its item on: the first of these the right allows.
PARTIAL_GROUNDS = [
    RefusalGround.LEGAL_OBLIGATION,
    RefusalGround.RIGHTS_OF_OTHERS,
    RefusalGround.COMPELLING_GROUNDS,
    RefusalGround.OTHER,
]
# (right, direct marketing) pairs: an objection to direct marketing has its own grounds.
RIGHTS = [(right, False) for right in Right.values] + [(Right.OBJECTION, True)]
STATES = ["open", "extended", "completed", "partial", "withdrawn"]


@dataclass
class Issued:
    organization: Organization
    language: str
    right: str
    kind: str
    content: dict[str, Any]
    html: str
    label: str
    text: str = ""  # the HTML's visible text
    pages: list[str] | None = None  # the PDF's text per page, where it was laid out


def _text_of(markup: str) -> str:
    """The letter's visible text: tags gone, entities decoded, spaces collapsed."""
    body = markup.split("<body>", 1)[-1]
    body = re.sub(r'<div class="footer-source">.*?</div>', " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _empty_headings(markup: str) -> list[str]:
    """Headings with nothing under them before the next heading of their rank or above."""
    main = markup.split("<main>", 1)[-1].split('<div class="closing">', 1)[0]
    pieces = re.split(r"(<h[123][^>]*>.*?</h[123]>)", main, flags=re.S)
    empty = []
    for index, piece in enumerate(pieces):
        match = re.match(r"<h([123])", piece)
        if not match:
            continue
        rank = int(match.group(1))
        following = ""
        for later in pieces[index + 1 :]:
            other = re.match(r"<h([123])", later)
            if other and int(other.group(1)) <= rank:
                break
            following += re.sub(r"<h[123][^>]*>.*?</h[123]>", "", later, flags=re.S)
        if not _text_of(following).strip():
            empty.append(_text_of(piece))
    return empty


def _register_texts(organization: Organization, language: str) -> set[str]:
    """What the register and the letterhead print in `language` (long enough to be telling)."""
    texts = {
        organization.letter_text("signatory_title", language),
        organization.letter_text("place", language),
    }
    for line in processing_register(organization, language):
        texts |= {line.name, line.purpose, line.retention, line.source}
        texts |= {line.automated_decision_logic, *line.data_categories}
        for recipient in line.recipients:
            texts |= {recipient.name, recipient.purpose, *recipient.data_categories}
    return {text for text in texts if text and len(text) >= 12}


def _officer(organization: Organization) -> audit.Actor:
    user, _ = User.objects.get_or_create(
        email=f"generator-officer@{organization.slug}.example",
        defaults={"full_name": "Generator Officer"},
    )
    Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": Role.OFFICER}
    )
    return audit.Actor.for_user(user)


class Generator:
    def __init__(self, organization: Organization, actor: audit.Actor) -> None:
        self.organization = organization
        self.actor = actor
        self.user = actor.user
        self.recipients = list(
            organization.recipients.order_by("name").values_list("name", flat=True)
        )

    def request(self, *, right: str, language: str, direct_marketing: bool) -> Any:
        (request,) = workflow.submission_create(
            organization=self.organization,
            rights=[right],
            channel="email",
            language=language,
            subject_name="Sofie Claes",
            subject_email="sofie.claes@example.com",
            subject_postal_address="Kerkstraat 12 bus 3\n9000 Gent",
            direct_marketing=direct_marketing,
            actor=self.actor,
        )
        return request

    def in_state(self, request: Any, state: str, language: str) -> Any:
        texts = TEXTS[language]
        if state == "withdrawn":
            return workflow.request_withdraw(request=request, actor=self.actor)
        if state == "open":
            return request
        request = verified(request, self.actor)
        if state == "extended":
            return workflow.request_extend(
                request=request, reason=texts["reason"], actor=self.actor
            )
        outcome = Outcome.FULFILLED if state == "completed" else Outcome.PARTIALLY_FULFILLED
        return workflow.request_complete(
            request=request, outcome=outcome, note=texts["note"], actor=self.actor
        )

    def refused(self, *, right: str, language: str, direct_marketing: bool) -> list[Any]:
        probe = self.request(right=right, language=language, direct_marketing=direct_marketing)
        probe = verified(probe, self.actor)
        grounds = [value for value, _ in rules.refusal_grounds(probe)]
        failed = self.request(right=right, language=language, direct_marketing=direct_marketing)
        failed = workflow.identity_decide(
            request=failed, verified=False, evidence=EvidenceKind.OTHER, actor=self.actor
        )
        grounds += [
            value
            for value, _ in rules.refusal_grounds(failed)
            if value == RefusalGround.IDENTITY_NOT_ESTABLISHED
        ]
        refused = []
        for ground in grounds:
            if ground == RefusalGround.IDENTITY_NOT_ESTABLISHED:
                request = failed
            else:
                request = (
                    probe
                    if not refused
                    else verified(
                        self.request(
                            right=right, language=language, direct_marketing=direct_marketing
                        ),
                        self.actor,
                    )
                )
            refused.append(
                workflow.request_refuse(
                    request=request,
                    ground=ground,
                    explanation=TEXTS[language]["explanation"],
                    actor=self.actor,
                )
            )
        return refused

    def fields(self, request: Any, kind: str, language: str) -> dict[str, Any]:
        texts = TEXTS[language]
        if kind == LetterKind.INFORMATION_REQUEST:
            return {"information": texts["information"]}
        if kind == LetterKind.PARTIAL_REFUSAL:
            offered = [value for value, _ in rules.refusal_grounds(request, partial=True)]
            ground = next(g for g in PARTIAL_GROUNDS if g in offered)
            return {"withheld": [{"what": texts["what"], "ground": ground, "reason": texts["why"]}]}
        if kind == LetterKind.ANSWER and request.right in rules.ART19_RIGHTS:
            fields: dict[str, Any] = {"recipients_told": self.recipients}
            if request.right == Right.ERASURE:
                fields["systems"] = [
                    {"system": "Customer account", "action": "erased", "legal_ground": ""},
                    {"system": "Invoices", "action": "kept", "legal_ground": texts["why"]},
                ]
            return fields
        return {}

    def issue_all(self, request: Any, language: str, label: str) -> list[Issued]:
        from django.utils import timezone

        issued = []
        for kind in rules.letter_kinds(request, now=timezone.now()):
            letter = issue(request, kind, self.user, **self.fields(request, kind, language))
            markup = render.render_html(letter.content, signed=True)
            issued.append(
                Issued(
                    organization=self.organization,
                    language=language,
                    right=request.right,
                    kind=kind,
                    content=letter.content,
                    html=markup,
                    text=_text_of(markup),
                    label=f"{self.organization.slug}/{language}/{label}/{kind}",
                )
            )
        return issued


@dataclass
class Generated:
    letters: list[Issued]
    # "slug/language" -> what the demo register lacks in that language (no letter issued)
    incomplete: dict[str, list[str]]
    # (organisation id, language) -> what its register and letterhead print in it
    register_texts: dict[tuple[int, str], set[str]]


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker) -> Generated:
    """Every allowed letter of every demo organisation, issued once for the module (in a
    transaction rolled back at the end: the tests read only what is collected here)."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        incomplete: dict[str, list[str]] = {}
        issued = _generate(incomplete)
        _render_pdfs(issued)
        register_texts = {
            (organization.pk, language): _register_texts(organization, language)
            for organization in {letter.organization for letter in issued}
            for language in organization.offered_languages
            if f"{organization.slug}/{language}" not in incomplete
        }
        transaction.set_rollback(True)
    return Generated(letters=issued, register_texts=register_texts, incomplete=incomplete)


@pytest.fixture
def letters(generated: Generated) -> list[Issued]:
    return generated.letters


def _register_missing(organization: Organization, language: str) -> list[str]:
    """What the organisation's register lacks in `language` (every letter is refused then)."""
    try:
        processing_register(organization, language)
    except RegisterIncomplete as error:
        return organization_missing(organization, language) + error.missing
    return organization_missing(organization, language)


def _generate(incomplete: dict[str, list[str]]) -> list[Issued]:
    issued = []
    for spec in data.ORGANIZATIONS:
        organization = loader._organization(spec)
        generator = Generator(organization, _officer(organization))
        for language in organization.offered_languages:
            missing = _register_missing(organization, language)
            if missing:
                incomplete[f"{organization.slug}/{language}"] = missing
                continue
            for right, direct_marketing in RIGHTS:
                suffix = f"{right}{'-dm' if direct_marketing else ''}"
                for state in STATES:
                    request = generator.request(
                        right=right, language=language, direct_marketing=direct_marketing
                    )
                    request = generator.in_state(request, state, language)
                    issued += generator.issue_all(request, language, f"{suffix}/{state}")
                for request in generator.refused(
                    right=right, language=language, direct_marketing=direct_marketing
                ):
                    label = f"{suffix}/refused-{request.refusal_ground}"
                    issued += generator.issue_all(request, language, label)
    return issued


def _render_pdfs(issued: list[Issued]) -> None:
    """The PDF of one letter per template x language x country, and of every access answer."""
    seen = set()
    for letter in issued:
        template = render.template_name(letter.content)
        key = (template, letter.organization.country)
        is_access = letter.kind == LetterKind.ANSWER and letter.right == Right.ACCESS
        if key in seen and not is_access:
            continue
        seen.add(key)
        files = render.branding_files(letter.organization)
        markup = render.render_html(letter.content, signed=True, urls=render.branding_urls(files))
        pdf = render.render_pdf(markup, files=files).pdf
        letter.pages = [
            " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
        ]


def test_the_demo_register_is_complete_in_every_offered_language(generated):
    assert not generated.incomplete, generated.incomplete


def test_every_allowed_letter_is_generated(letters):
    kinds = {letter.kind for letter in letters}
    assert kinds == set(LetterKind.values)
    grounds = {letter.content["request"]["refusal_ground"] for letter in letters}
    assert set(RefusalGround.values) <= grounds | {""}
    assert len(letters) >= 400
    assert sum(1 for letter in letters if letter.pages) >= 40


def test_no_register_text_of_another_language(generated):
    texts = generated.register_texts
    problems = []
    for letter in generated.letters:
        own = texts[letter.organization.pk, letter.language]
        text = letter.text
        for language in letter.organization.offered_languages:
            foreign = texts.get((letter.organization.pk, language), set()) - own
            problems += [
                f"{letter.label}: {language} register text {entry!r}"
                for entry in foreign
                if entry in text
            ]
    assert not problems, "\n".join(problems[:20])


def test_the_authority_of_the_organisations_country(letters):
    problems = []
    for letter in letters:
        country = letter.organization.country
        text = letter.text
        complains = any(word in text for word in ("Article 77", "artikel 77", "article 77"))
        if letter.kind in COMPLAINT_KINDS or complains:
            problems += [
                f"{letter.label}: no {line!r}"
                for line in AUTHORITY[country][letter.language]
                if line not in text
            ]
        problems += [
            f"{letter.label}: {line!r}" for line in FOREIGN_AUTHORITY[country] if line in text
        ]
        if letter.pages:
            text = " ".join(letter.pages)
            if letter.kind in COMPLAINT_KINDS:
                problems += [
                    f"{letter.label} (PDF): no {line!r}"
                    for line in AUTHORITY[country][letter.language]
                    if line not in text
                ]
    assert not problems, "\n".join(problems[:20])


def test_no_empty_section_heading(letters):
    problems = [
        f"{letter.label}: {heading!r}"
        for letter in letters
        for heading in _empty_headings(letter.html)
    ]
    assert not problems, "\n".join(problems[:20])


def test_no_unconditional_recipient_sentence(letters):
    problems = [
        f"{letter.label}: {sentence!r}"
        for letter in letters
        for sentence in UNCONDITIONAL_RECIPIENT_SENTENCES
        if sentence in letter.text
    ]
    assert not problems, "\n".join(problems[:20])


def test_no_doubled_full_stop(letters):
    """A stock sentence never ends right after the officer's own full stop ("years..")."""
    problems = [
        f"{letter.label}: {letter.text[max(0, i - 60) : i + 2]!r}"
        for letter in letters
        for i in [letter.text.find("..")]
        if i >= 0
    ]
    assert not problems, "\n".join(problems[:20])


def test_dutch_as_the_organisations_country_writes_it(letters):
    problems = []
    for letter in letters:
        if letter.language != "nl":
            continue
        text = letter.text
        wording = DUTCH[letter.organization.country]
        problems += [f"{letter.label}: no {w!r}" for w in wording["present"] if w not in text]
        problems += [f"{letter.label}: {w!r}" for w in wording["absent"] if w in text]
    assert not problems, "\n".join(problems[:20])


def test_the_closing_is_never_alone_on_its_page(letters):
    problems = []
    for letter in letters:
        if not letter.pages:
            continue
        pages = letter.pages
        closing = CLOSING[letter.language]
        (index,) = [i for i, page in enumerate(pages) if closing in page]
        if index == 0:
            continue
        before = pages[index].split(closing, 1)[0]
        before = before.replace(letter.content["reference"], "").strip()
        if len(before) < 60:  # two lines of text at least
            problems.append(f"{letter.label}: page {index + 1} starts with the closing")
    assert not problems, "\n".join(problems[:20])
