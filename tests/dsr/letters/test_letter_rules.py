"""The letter rules (dsr/letters/rules.py; issue 16, "What was found" 2-5): which letter kind
a request's state and the date allow, which refusal ground applies to which right, what a
partial refusal must say, and what an answer may say about recipients (Art. 19)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from letter_helpers import issue, issue_and_render, make_state, pdf_text, verify_session

from dsr import workflow
from dsr.letters import forms, rules, services
from dsr.models import IdentityStatus, Letter, LetterKind, Outcome, Request, Right, Status
from tests.builders import verified

BRUSSELS = ZoneInfo("Europe/Brussels")
# Received 2 November 2026: the first month ends on Wednesday 2 December 2026.
DUE = date(2026, 12, 2)
IN_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=BRUSSELS)
LAST_DAY = datetime(2026, 12, 2, 23, 30, tzinfo=BRUSSELS)
TOO_LATE = datetime(2026, 12, 3, 0, 30, tzinfo=BRUSSELS)
OK = ""


def request_in(organization, *, status: str, right: str = Right.ACCESS, **fields) -> Request:
    """An unsaved request: the rules read only its fields."""
    values = {
        "organization": organization,
        "right": right,
        "status": status,
        "due_date": DUE,
        "effective_due_date": DUE,
        "paused_days": 0,
    }
    values.update(fields)
    return Request(**values)


# --- which letter, in which state, before which date --------------------------------------------

EXTENDED = {"extended_due_date": date(2027, 2, 2)}
PARTIAL = {"outcome": Outcome.PARTIALLY_FULFILLED}


@pytest.mark.parametrize(
    ("kind", "status", "fields", "now", "expected"),
    [
        (LetterKind.ACKNOWLEDGEMENT, Status.IDENTITY_CHECK, {}, IN_TIME, OK),
        (LetterKind.ACKNOWLEDGEMENT, Status.UNVERIFIED, {}, IN_TIME, "while the request is open"),
        (LetterKind.ACKNOWLEDGEMENT, Status.COMPLETED, {}, IN_TIME, "while the request is open"),
        (LetterKind.INFORMATION_REQUEST, Status.AWAITING_SUBJECT, {}, IN_TIME, OK),
        (LetterKind.INFORMATION_REQUEST, Status.REFUSED, {}, IN_TIME, "while the request is open"),
        (LetterKind.EXTENSION_NOTICE, Status.IN_PROGRESS, EXTENDED, IN_TIME, OK),
        (LetterKind.EXTENSION_NOTICE, Status.AWAITING_SUBJECT, EXTENDED, LAST_DAY, OK),
        (LetterKind.EXTENSION_NOTICE, Status.IN_PROGRESS, {}, IN_TIME, "extend it first"),
        (LetterKind.EXTENSION_NOTICE, Status.IN_PROGRESS, EXTENDED, TOO_LATE, "first month"),
        (LetterKind.EXTENSION_NOTICE, Status.COMPLETED, EXTENDED, IN_TIME, "never after"),
        (LetterKind.EXTENSION_NOTICE, Status.REFUSED, EXTENDED, IN_TIME, "never after"),
        (
            LetterKind.EXTENSION_NOTICE,
            Status.IN_PROGRESS,
            {**EXTENDED, "paused_days": 3},  # paused days lengthen the first month
            TOO_LATE,
            OK,
        ),
        (LetterKind.ANSWER, Status.COMPLETED, {}, TOO_LATE, OK),
        (LetterKind.ANSWER, Status.IN_PROGRESS, {}, IN_TIME, "once the request is completed"),
        (LetterKind.ANSWER, Status.REFUSED, {}, IN_TIME, "once the request is completed"),
        (LetterKind.PARTIAL_REFUSAL, Status.COMPLETED, PARTIAL, IN_TIME, OK),
        (
            LetterKind.PARTIAL_REFUSAL,
            Status.COMPLETED,
            {"outcome": Outcome.FULFILLED},
            IN_TIME,
            "partially fulfilled",
        ),
        (LetterKind.PARTIAL_REFUSAL, Status.REFUSED, {}, IN_TIME, "partially fulfilled"),
        (LetterKind.REFUSAL, Status.REFUSED, {}, IN_TIME, OK),
        (LetterKind.REFUSAL, Status.COMPLETED, {}, IN_TIME, "once the request is refused"),
        (LetterKind.WITHDRAWAL_CONFIRMATION, Status.WITHDRAWN, {}, IN_TIME, OK),
        (LetterKind.WITHDRAWAL_CONFIRMATION, Status.IN_PROGRESS, {}, IN_TIME, "withdrawn"),
        (LetterKind.ANSWER, Status.COMPLETED, {"minimised_at": IN_TIME}, IN_TIME, "statistics"),
        ("love_letter", Status.COMPLETED, {}, IN_TIME, "Unknown letter kind"),
    ],
)
def test_letter_kind_rules(organization, kind, status, fields, now, expected):
    request = request_in(organization, status=status, **fields)
    blocker = rules.letter_blocker(request, kind, now=now)
    if expected == OK:
        assert blocker == ""
        assert kind in rules.letter_kinds(request, now=now)
    else:
        assert expected in blocker
        assert kind not in rules.letter_kinds(request, now=now)


# --- which refusal ground, for which right --------------------------------------------------------

ERASURE_ONLY = "Art. 17(3) grounds only refuse an erasure request"
MARKETING = "absolute (Art. 21(3))"
EXPLAIN = "needs an explanation"


@pytest.mark.parametrize(
    ("right", "ground", "options", "expected"),
    [
        (Right.ERASURE, "legal_obligation", {}, OK),
        (Right.ERASURE, "legal_claims", {"partial": True}, OK),
        (Right.ACCESS, "legal_obligation", {}, ERASURE_ONLY),
        (Right.ACCESS, "legal_obligation", {"partial": True}, ERASURE_ONLY),
        (Right.RECTIFICATION, "freedom_of_expression", {}, ERASURE_ONLY),
        (Right.OBJECTION, "public_health", {}, ERASURE_ONLY),
        # Art. 21(1)'s second alternative: legal claims, for an objection not to marketing.
        (Right.OBJECTION, "legal_claims", {}, OK),
        (Right.OBJECTION, "legal_claims", {"direct_marketing": True}, MARKETING),
        (Right.OBJECTION, "compelling_grounds", {}, OK),
        (Right.OBJECTION, "compelling_grounds", {"explanation": ""}, EXPLAIN),
        (Right.OBJECTION, "compelling_grounds", {"direct_marketing": True}, MARKETING),
        (Right.ERASURE, "compelling_grounds", {}, "only refuse an objection"),
        (Right.ACCESS, "rights_of_others", {}, OK),
        (Right.PORTABILITY, "rights_of_others", {"partial": True}, OK),
        (Right.ACCESS, "rights_of_others", {"explanation": ""}, EXPLAIN),
        (Right.ERASURE, "rights_of_others", {}, "only limit an access or portability request"),
        (Right.OBJECTION, "rights_of_others", {}, "only limit an access or portability request"),
        (Right.ACCESS, "manifestly_unfounded", {}, OK),
        (Right.ACCESS, "manifestly_unfounded", {"explanation": " "}, EXPLAIN),
        (Right.OBJECTION, "excessive", {"direct_marketing": True}, OK),
        (Right.ERASURE, "excessive", {"explanation": ""}, EXPLAIN),
        (Right.ACCESS, "identity_not_established", {"identity_failed": True}, OK),
        (
            Right.ACCESS,
            "identity_not_established",
            {"identity_failed": True, "explanation": ""},
            OK,
        ),
        (Right.ACCESS, "identity_not_established", {}, "Record that identity could not"),
        (
            Right.ERASURE,
            "identity_not_established",
            {"identity_failed": True, "partial": True},
            "never a part",
        ),
        (Right.RESTRICTION, "other", {}, OK),
        (Right.RESTRICTION, "other", {"explanation": ""}, EXPLAIN),
        (Right.ACCESS, "because", {}, "Unknown refusal ground"),
    ],
)
def test_refusal_ground_rules(organization, right, ground, options, expected):
    options = {"explanation": "The facts.", **options}
    request = request_in(
        organization,
        status=Status.IN_PROGRESS,
        right=right,
        direct_marketing=options.pop("direct_marketing", False),
        identity_status=(
            IdentityStatus.FAILED if options.pop("identity_failed", False) else "verified"
        ),
    )
    blocker = rules.ground_blocker(request, ground, **options)
    if expected == OK:
        assert blocker == ""
        partial = options.get("partial", False)
        assert ground in dict(rules.refusal_grounds(request, partial=partial))
    else:
        assert expected in blocker


def test_the_desk_offers_only_the_grounds_the_right_allows(organization):
    access = request_in(organization, status=Status.IN_PROGRESS, right=Right.ACCESS)
    marketing = request_in(
        organization, status=Status.IN_PROGRESS, right=Right.OBJECTION, direct_marketing=True
    )
    objection = request_in(organization, status=Status.IN_PROGRESS, right=Right.OBJECTION)
    offered = dict(rules.refusal_grounds(access))
    assert "rights_of_others" in offered and "legal_obligation" not in offered
    assert "identity_not_established" not in offered  # identity did not fail
    assert "compelling_grounds" in dict(rules.refusal_grounds(objection))
    assert "legal_claims" in dict(rules.refusal_grounds(objection))
    offered = dict(rules.refusal_grounds(marketing))
    assert "compelling_grounds" not in offered and "legal_claims" not in offered
    partial = dict(forms.WithheldItemForm(request_obj=access).fields["ground"].choices)
    assert "rights_of_others" in partial
    assert "legal_obligation" not in partial and "identity_not_established" not in partial


# --- what a partial refusal must say ------------------------------------------------------------


@pytest.mark.parametrize(
    ("right", "items", "expected"),
    [
        (Right.ERASURE, [{"what": "Invoices", "ground": "legal_obligation", "reason": "Tax"}], []),
        (Right.ERASURE, [], ["at least one withheld item"]),
        (Right.ERASURE, [{"what": " ", "ground": "", "reason": ""}], ["at least one"]),
        (
            Right.ERASURE,
            [{"what": "Invoices", "ground": "legal_obligation", "reason": ""}],
            ["item 1: say why"],
        ),
        (Right.ERASURE, [{"what": "Invoices", "reason": "Tax"}], ["item 1: choose the ground"]),
        (
            Right.ACCESS,
            [{"what": "Invoices", "ground": "legal_obligation", "reason": "Tax"}],
            [f"item 1: {ERASURE_ONLY}"],
        ),
        (
            Right.ACCESS,
            [
                {"what": "Camera images", "ground": "rights_of_others", "reason": "Neighbours"},
                {"what": "", "ground": "excessive", "reason": "Asked daily"},
            ],
            ["item 2: say what was not done"],
        ),
    ],
)
def test_withheld_item_rules(organization, right, items, expected):
    request = request_in(organization, status=Status.COMPLETED, right=right, **PARTIAL)
    problems = rules.withheld_problems(request, items)
    assert len(problems) == len(expected)
    for problem, part in zip(problems, expected, strict=True):
        assert part in problem


# --- what an answer says about recipients (Art. 19) ---------------------------------------------


@pytest.mark.parametrize(
    ("told", "register", "reason", "expected"),
    [
        (["Cloud"], ["Cloud"], "", {"told": ["Cloud"], "not_told": [], "none": False}),
        (
            ["Cloud"],
            ["Cloud", "Analytics"],
            "Never received it.",
            {"told": ["Cloud"], "not_told": ["Analytics"], "none": False},
        ),
        ([], ["Cloud"], "", {"told": [], "not_told": ["Cloud"], "none": False}),
        ([], [], "", {"told": [], "not_told": [], "none": True}),
        (["Courier"], [], "", {"told": ["Courier"], "not_told": [], "none": False}),
    ],
)
def test_art19_facts(told, register, reason, expected):
    facts = rules.art19_facts(told=told, register_recipients=register, not_told_reason=reason)
    assert facts["told"] == expected["told"]
    assert facts["not_told"] == expected["not_told"]
    assert facts["none_in_register"] is expected["none"]
    assert facts["not_told_reason"] == reason


# --- the cases found, through the services and the workflow -----------------------------------

INVOICES_KEPT = {"what": "Your invoices", "ground": "legal_obligation", "reason": "Tax law."}


def test_an_access_request_cannot_be_partly_refused_on_an_art_17_3_ground(
    make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="partial", language="en"
    )
    with pytest.raises(services.LetterError, match=r"Art\. 17\(3\) grounds only refuse"):
        issue(request, LetterKind.PARTIAL_REFUSAL, officer, withheld=[INVOICES_KEPT])
    assert not request.letters.exists()


@pytest.mark.parametrize(
    ("withheld", "message"),
    [
        ([], "at least one withheld item"),
        ([{**INVOICES_KEPT, "reason": ""}], "say why the ground applies"),
    ],
)
def test_a_partial_refusal_needs_a_withheld_item_with_its_reason(
    make_request, officer, officer_actor, withheld, message
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="partial", language="en"
    )
    with pytest.raises(services.LetterError, match=message):
        issue(request, LetterKind.PARTIAL_REFUSAL, officer, withheld=withheld)
    assert not request.letters.exists()


def test_a_partial_refusal_prints_each_item_with_its_ground_and_reason(
    make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="partial", language="en"
    )
    letter = issue_and_render(
        request, LetterKind.PARTIAL_REFUSAL, officer, withheld=[INVOICES_KEPT]
    )
    text = pdf_text(services.letter_read(letter))
    assert "Your invoices" in text and "Tax law." in text
    assert "Article 17(3)(b)" in text


def test_no_extension_notice_once_the_request_is_answered(make_request, officer, officer_actor):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="extended", language="en"
    )
    request = workflow.request_complete(
        request=request, outcome=Outcome.FULFILLED, actor=officer_actor
    )
    with pytest.raises(services.LetterError, match="never after the answer"):
        issue(request, LetterKind.EXTENSION_NOTICE, officer)


def test_no_extension_notice_after_the_first_month(
    make_request, officer, officer_actor, time_machine
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="extended", language="en"
    )
    time_machine.move_to(datetime.combine(request.due_date, datetime.min.time(), BRUSSELS))
    issue(request, LetterKind.EXTENSION_NOTICE, officer)  # the last day of the first month
    time_machine.move_to(
        datetime.combine(request.due_date + timedelta(days=1), datetime.min.time(), BRUSSELS)
        + timedelta(hours=1)
    )
    with pytest.raises(services.LetterError, match="within the first month"):
        issue(request, LetterKind.EXTENSION_NOTICE, officer)
    assert request.letters.count() == 1


def test_an_objection_to_direct_marketing_is_not_refused_on_compelling_grounds(
    make_request, officer_actor
):
    request = verified(make_request(right=Right.OBJECTION, direct_marketing=True), officer_actor)
    with pytest.raises(workflow.InvalidInput, match=r"Art\. 21\(3\)"):
        workflow.request_refuse(
            request=request,
            ground="compelling_grounds",
            explanation="We need the newsletter revenue.",
            actor=officer_actor,
        )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS and request.direct_marketing


def test_only_an_objection_is_to_direct_marketing(make_request):
    with pytest.raises(workflow.InvalidInput, match="Only an objection"):
        make_request(right=Right.ACCESS, direct_marketing=True)


def test_an_erasure_answer_without_a_record_says_only_what_is_true(
    make_request, register, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="completed", language="en"
    )
    letter = issue_and_render(request, LetterKind.ANSWER, officer)
    text = pdf_text(services.letter_read(letter))
    assert "What we did, system by system" not in text  # no empty heading
    assert "did not disclose the data" not in text  # the register names recipients
    assert "On request, we tell you who these recipients are" not in text
    assert "have not informed these recipients" in text
    assert "Cloud hosting provider (EU)" in text  # named, not offered on request


def test_an_answer_names_the_recipients_told_and_no_others(
    make_request, register, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.RESTRICTION, state="completed", language="en"
    )
    told = [recipient.name for recipient in request.organization.recipients.all()]
    letter = issue_and_render(request, LetterKind.ANSWER, officer, recipients_told=told)
    text = pdf_text(services.letter_read(letter))
    assert all(name in text for name in told)
    assert "have not informed" not in text
    assert "On request, we tell you who these recipients are" not in text


def test_an_answer_without_recipients_in_the_register_says_so(make_request, officer, officer_actor):
    request = make_state(
        make_request, officer_actor, right=Right.ERASURE, state="completed", language="en"
    )
    letter = issue_and_render(request, LetterKind.ANSWER, officer)
    text = pdf_text(services.letter_read(letter))
    assert "We do not disclose your personal data to any recipient" in text
    assert "On request, we tell you who these recipients are" not in text


def test_a_rectification_done_in_part_does_not_say_as_you_asked(
    make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.RECTIFICATION, state="partial", language="en"
    )
    letter = issue_and_render(request, LetterKind.ANSWER, officer)
    text = pdf_text(services.letter_read(letter))
    assert "as you asked" not in text
    assert "in part" in text


def withheld_post(rows: list[dict]) -> dict:
    data = {
        "kind": LetterKind.PARTIAL_REFUSAL,
        "withheld-TOTAL_FORMS": str(len(rows)),
        "withheld-INITIAL_FORMS": "0",
    }
    for number, row in enumerate(rows):
        data.update({f"withheld-{number}-{key}": value for key, value in row.items()})
    return data


def test_the_compose_page_takes_withheld_items_and_refuses_a_ground_that_does_not_fit(
    client, make_request, officer, officer_actor
):
    request = make_state(
        make_request, officer_actor, right=Right.ACCESS, state="partial", language="en"
    )
    verify_session(client, officer)
    url = reverse("letters:issue", args=[request.pk])
    page = client.get(
        reverse("letters:compose", args=[request.pk]) + "?kind=partial_refusal"
    ).content.decode()
    assert 'value="rights_of_others"' in page and 'value="legal_obligation"' not in page

    response = client.post(url, withheld_post([{**INVOICES_KEPT}]))
    assert response.status_code == 200  # shown again: not one of the offered grounds
    assert not Letter.objects.exists()
    response = client.post(url, withheld_post([{"what": "", "ground": "", "reason": ""}]))
    assert "at least one withheld item" in response.content.decode()
    assert not Letter.objects.exists()

    camera = {"what": "Camera images", "ground": "rights_of_others", "reason": "Neighbours."}
    response = client.post(url, withheld_post([camera, {"what": "", "ground": "", "reason": ""}]))
    assert response.status_code == 302
    assert Letter.objects.get().content["withheld"] == [camera]
