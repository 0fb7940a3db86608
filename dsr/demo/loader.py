"""Build the demo: four organisations, their register, their staff, and about 200 requests.

Requests are not inserted as rows: their history is replayed through `dsr.workflow`
at the moments it happened (the clock is moved with time-machine), in time order
across all organisations, so every date, deadline and audit event is what the
product itself would have produced.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from dsr import audit, workflow
from dsr.demo import data, register_texts
from dsr.models import (
    AnswerChannel,
    Channel,
    EvidenceKind,
    Outcome,
    ProcessingActivity,
    Recipient,
    RefusalGround,
    ReplyTemplate,
    Request,
    Right,
)
from dsr.models.register import ACTIVITY_TEXTS, RECIPIENT_TEXTS

DEMO_PASSWORD = "demo-desk-2026"  # noqa: S105 — printed on purpose: these are demo logins
ADMIN_EMAIL = "admin@dsr-desk.example"
SEED = 20261123

# How the ~50 requests of each organisation end up (scenario, how many).
SCENARIOS: list[tuple[str, int]] = [
    ("unverified", 3),
    ("identity_check", 5),
    ("in_progress", 6),
    ("awaiting_subject", 4),
    ("resumed", 3),
    ("extended", 4),
    ("overdue", 4),
    ("due_this_week", 4),
    ("completed", 10),
    ("refused", 4),
    ("withdrawn", 3),
]
# Age in days (since receipt) each scenario needs to be true today.
AGES: dict[str, tuple[int, int]] = {
    "unverified": (0, 4),
    "identity_check": (0, 18),
    "in_progress": (4, 22),
    "awaiting_subject": (3, 18),
    "resumed": (12, 26),
    "extended": (30, 70),
    "overdue": (36, 60),
    "due_this_week": (25, 29),
    "completed": (12, 150),
    "refused": (12, 150),
    "withdrawn": (6, 150),
}
CHANNELS = [
    Channel.WEB,
    Channel.WEB,
    Channel.EMAIL,
    Channel.POST,
    Channel.API,
    Channel.PHONE,
    Channel.IN_PERSON,
]
# Reply templates the desk offers when writing to a subject (managers edit them in Settings).
REPLY_TEMPLATES: list[tuple[str, str, str, str]] = [
    (
        "Acknowledgement",
        "",
        "en",
        "Dear {name},\n\nWe received your request {reference} and are working on it. You will "
        "have our answer by {due_date} at the latest.\n\nKind regards,\n{organization}",
    ),
    (
        "Ontvangstbevestiging",
        "",
        "nl",
        "Beste {name},\n\nWe hebben uw verzoek {reference} ontvangen en behandelen het. U "
        "krijgt ons antwoord uiterlijk op {due_date}.\n\nMet vriendelijke groet,\n{organization}",
    ),
    (
        "Accusé de réception",
        "",
        "fr",
        "Madame, Monsieur {name},\n\nNous avons bien reçu votre demande {reference} et la "
        "traitons. Vous recevrez notre réponse au plus tard le {due_date}.\n\nCordialement,\n"
        "{organization}",
    ),
    (
        "Your data is being collected",
        "access",
        "en",
        "Dear {name},\n\nWe are collecting a copy of your personal data from our systems for "
        "request {reference}. You will receive it, with an explanation of how we use it, by "
        "{due_date}.\n\nKind regards,\n{organization}",
    ),
    (
        "Uw gegevens worden verzameld",
        "access",
        "nl",
        "Beste {name},\n\nWe verzamelen een kopie van uw persoonsgegevens uit onze systemen "
        "voor verzoek {reference}. U ontvangt die, met uitleg over hoe we ze gebruiken, uiterlijk "
        "op {due_date}.\n\nMet vriendelijke groet,\n{organization}",
    ),
    (
        "Erasure under way",
        "erasure",
        "en",
        "Dear {name},\n\nWe are erasing your personal data for request {reference}. Data we "
        "must keep by law (such as invoices) will be kept only as long as required, and we will "
        "tell you which.\n\nKind regards,\n{organization}",
    ),
]
REFUSAL_GROUNDS = {
    Right.ERASURE: [RefusalGround.LEGAL_OBLIGATION, RefusalGround.LEGAL_CLAIMS],
    Right.OBJECTION: [RefusalGround.COMPELLING_GROUNDS],
}


@dataclass
class Step:
    at: datetime
    run: Callable[[], None]
    order: int = 0


@dataclass
class Plan:
    """One request's (or submission's) history, replayed step by step."""

    steps: list[Step] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)


def load(*, stdout: Callable[[str], None] = print) -> dict[str, int]:
    """Create or update the demo. Requests are created only for organisations that have none."""
    counts = {"organizations": 0, "staff": 0, "requests": 0}
    rng = random.Random(SEED)  # noqa: S311 — reproducible demo data, not security
    with transaction.atomic():
        _admin()
        plans: list[Plan] = []
        for spec in data.ORGANIZATIONS:
            organization = _organization(spec)
            staff = _staff(organization, spec["staff"])
            _reply_templates(organization)
            counts["organizations"] += 1
            counts["staff"] += len(staff)
            if not organization.requests.exists():
                plans += _plans(organization, staff, rng)
        steps = sorted((s for p in plans for s in p.steps), key=lambda s: (s.at, s.order))
        for step in steps:
            with time_machine.travel(step.at, tick=False):
                step.run()
        counts["requests"] = sum(len(p.requests) for p in plans)
    # The controllers' own systems, registered as data sources (dsr/demo/systems.py); built
    # again when the requests were just created, so their subjects are in them.
    from dsr.demo import systems

    counts["data_sources"] = systems.load(rebuild=bool(counts["requests"]))
    counts["packages_in_review"] = _package_in_review()
    # iLumen's privacy mailbox: real messages through the real intake (dsr/demo/mailbox.py).
    from dsr.demo import mailbox

    counts["mails"] = sum(mailbox.load().values())
    return counts


def _package_in_review() -> int:
    """One access request of Maxem carried out in its portal, its data package waiting in
    review (dsr/fulfilment/review.py), so a newcomer sees what an officer does before
    anything is sent. Returns 1 when one was made now, 0 when one exists or none could be."""
    from dsr.fulfilment import jobs, runner
    from dsr.models import IdentityStatus, PackageReview, Right, Status

    if PackageReview.objects.exists():
        return 0
    maxem = Organization.objects.filter(slug="maxem").first()
    if maxem is None or not maxem.data_sources.filter(active=True).exists():
        return 0
    actor = audit.Actor.system("demo loader")
    candidates = Request.objects.filter(
        organization=maxem,
        right=Right.ACCESS,
        status=Status.IN_PROGRESS,
        identity_status=IdentityStatus.VERIFIED,
        jobs__isnull=True,
    ).order_by("pk")
    for request in candidates[:5]:
        try:
            job = jobs.job_plan(request=request, actor=actor)
            job = jobs.job_confirm(job=job, actor=actor)
        except jobs.JobError:
            continue
        for step in job.steps.all():
            while runner.step_run(step_id=step.pk) is not None:
                pass
        if PackageReview.objects.filter(job=job).exists():
            return 1
    return 0


def demo_totp_key(email: str) -> str:
    """The demo login's authenticator secret (hex): derived from its e-mail address, so it
    is the same after every reload and a newcomer's app keeps working. Demo only."""
    return hmac.new(b"dsr-desk-demo-totp", email.lower().encode(), hashlib.sha256).hexdigest()[:40]


def demo_totp_secret(email: str) -> str:
    """The same secret in base32, as an authenticator app wants it typed."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(email))).decode()


def _two_factor(user: User) -> None:
    """Enrol the demo login's authenticator app, unless it already has one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=demo_totp_key(user.email), confirmed=True
        )


def _reply_templates(organization: Organization) -> None:
    for name, right, language, body in REPLY_TEMPLATES:
        if language in organization.offered_languages:
            ReplyTemplate.objects.get_or_create(
                organization=organization,
                name=name,
                right=right,
                language=language,
                defaults={"body": body},
            )


def logins() -> list[tuple[str, str, str]]:
    """(organisation, role, e-mail) of every demo login, for the run command to print."""
    rows = [("all", "superuser (admin site)", ADMIN_EMAIL)]
    for spec in data.ORGANIZATIONS:
        rows += [(spec["name"], person["role"], person["email"]) for person in spec["staff"]]
    return rows


# --- organisations and people ---------------------------------------------------------------


def _admin() -> None:
    admin, created = User.objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={"full_name": "Desk Administrator", "is_staff": True, "is_superuser": True},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    _two_factor(admin)


def _organization(spec: dict) -> Organization:
    fields = {
        key: spec[key]
        for key in (
            "name",
            "legal_name",
            "street_address",
            "postal_code",
            "city",
            "country",
            "company_number",
            "default_language",
            "offered_languages",
            "reference_prefix",
            "privacy_email",
            "website",
            "signatory_name",
            "signatory_title",
        )
    }
    languages = register_texts.TEXTS.get(spec["slug"], {})
    default = spec["default_language"]
    organization_texts = languages.get("organization", {})
    if default != "en":  # data.py writes English: the default language's title is here
        fields["signatory_title"] = organization_texts[default]["signatory_title"]
    fields["texts"] = {
        language: entry for language, entry in organization_texts.items() if language != default
    }
    organization, _ = Organization.objects.update_or_create(slug=spec["slug"], defaults=fields)
    if not organization.time_zone:
        organization.save()
    recipients = {}
    for item in spec["recipients"]:
        values = _in_languages(
            {k: item[k] for k in ("name", "kind", "purpose", "contact_email", "country")}
            | {"data_categories": item["data_categories"]},
            languages.get("recipients", {}).get(item["name"], {}),
            default,
            RECIPIENT_TEXTS,
        )
        recipient, _ = Recipient.objects.update_or_create(
            organization=organization, name=values.pop("name"), defaults=values
        )
        recipients[item["name"]] = recipient  # data.py's activities name them in English
    for position, item in enumerate(spec["activities"]):
        values = _in_languages(
            {"position": position, "name": item["name"]}
            | {
                k: item[k]
                for k in (
                    "purpose",
                    "data_categories",
                    "legal_basis",
                    "retention",
                    "source",
                    "automated_decision_logic",
                )
            },
            languages.get("activities", {}).get(item["name"], {}),
            default,
            ACTIVITY_TEXTS,
        )
        activity, _ = ProcessingActivity.objects.update_or_create(
            organization=organization, name=values.pop("name"), defaults=values
        )
        activity.recipients.set([recipients[name] for name in item["recipients"]])
    _letter_signing(organization)
    return organization


def _in_languages(
    english: dict, translations: dict, default: str, translated: tuple[str, ...]
) -> dict:
    """A register row's fields in the organisation's default language, and its `texts` in
    the others: data.py writes English, register_texts.py the other languages."""
    by_language = {"en": {k: english[k] for k in translated if k in english}, **translations}
    values = dict(english)
    for name in translated:
        if name in english:
            values[name] = by_language.get(default, {}).get(
                name, "" if name != "data_categories" else []
            )
    values["texts"] = {
        language: {k: v for k, v in entry.items() if v}
        for language, entry in by_language.items()
        if language != default
    }
    return values


def _letter_signing(organization: Organization) -> None:
    """A self-signed signing certificate and a drawn signature, so demo letters are signed.

    Real organisations upload a certificate from a trust-service provider (letter settings)."""
    import secrets

    from dsr.attachments import branding_content
    from dsr.letters import signing

    if not organization.signing_certificate:
        password = secrets.token_urlsafe(16)
        signing.organization_set_certificate(
            organization=organization,
            data=signing.self_signed_pkcs12(
                common_name=f"{organization.legal_name} (demo letters)",
                organization_name=organization.legal_name,
                country=organization.country,
                password=password,
            ),
            password=password,
            actor=audit.Actor.system("demo loader"),
        )
        organization.refresh_from_db()
    if not organization.signature_image and organization.signatory_name:
        signature = branding_content(_drawn_signature(organization.signatory_name))
        organization.signature_image.save(signature.name, signature)


def _drawn_signature(name: str) -> bytes:
    """A pen-like scribble, different per name: clearly a demo, never someone's signature."""
    import io
    import math

    from PIL import Image, ImageDraw

    width, height = 480, 150
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    seed = sum(ord(ch) for ch in name)
    points = []
    for step in range(220):
        t = step / 219
        x = 20 + t * (width - 60)
        y = height / 2 + 34 * math.sin(t * (9 + seed % 5) + seed) * math.cos(t * 3.1)
        points.append((x, y - 18 * t))
    draw.line(points, fill=(18, 42, 110, 255), width=4, joint="curve")
    draw.line([(40, height - 28), (width - 80, height - 36)], fill=(18, 42, 110, 255), width=3)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _staff(organization: Organization, people: list[dict]) -> dict[str, list[User]]:
    staff: dict[str, list[User]] = {"officer": [], "manager": []}
    for person in people:
        user, created = User.objects.get_or_create(
            email=person["email"], defaults={"full_name": person["full_name"], "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Membership.objects.update_or_create(
            user=user, organization=organization, defaults={"role": person["role"]}
        )
        _two_factor(user)
        staff[person["role"]].append(user)
    return staff


# --- requests -------------------------------------------------------------------------------


def _email_for(name: str, rng: random.Random) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z]+", ".", ascii_name.lower()).strip(".")
    return f"{local}@{rng.choice(['example.com', 'example.net', 'example.org'])}"


def _plans(
    organization: Organization, staff: dict[str, list[User]], rng: random.Random
) -> list[Plan]:
    now = timezone.now().replace(second=0, microsecond=0)
    officers = staff["officer"] + staff["manager"]
    languages = organization.offered_languages
    streets = data.STREETS[organization.country]
    rights = list(Right.values)
    plans = []
    index = 0
    for scenario, count in SCENARIOS:
        for _ in range(count):
            language = languages[index % len(languages)]
            right = rights[index % len(rights)]
            channel = Channel.WEB if scenario == "unverified" else CHANNELS[index % len(CHANNELS)]
            low, high = AGES[scenario]
            received_at = now - timedelta(days=rng.uniform(low, high))
            if channel != Channel.WEB:  # logged by hand: received in office hours
                received_at = received_at.replace(
                    hour=rng.randint(7, 15), minute=rng.randint(0, 59)
                )
                received_at = min(received_at, now - timedelta(hours=1))
            name = rng.choice(data.SUBJECT_NAMES[language])
            street, postcode, city = rng.choice(streets)
            by_post = channel == Channel.POST
            # A few web submissions ask for two rights at once.
            extra = (
                [Right.ACCESS]
                if channel == Channel.WEB and right != Right.ACCESS and index % 4 == 0
                else []
            )
            subject = {
                "subject_name": name,
                "subject_email": _email_for(name, rng),
                "subject_postal_address": f"{street}\n{postcode} {city}",
                "subject_customer_number": (
                    f"{organization.reference_prefix}-C{rng.randint(10000, 99999)}"
                    if index % 3
                    else ""
                ),
                "description": rng.choice(data.DESCRIPTIONS[language][right]),
                "answer_channel": AnswerChannel.POST if by_post else AnswerChannel.EMAIL,
            }
            # An objection to newsletters and promotions is one to direct marketing (Art. 21(3)).
            subject["direct_marketing"] = (
                right == Right.OBJECTION
                and subject["description"] in data.DIRECT_MARKETING_OBJECTIONS
            )
            plans.append(
                _plan(
                    organization=organization,
                    scenario=scenario,
                    rights=[right, *extra],
                    channel=channel,
                    language=language,
                    received_at=received_at,
                    now=now,
                    officer=officers[index % len(officers)],
                    rng=rng,
                    subject=subject,
                )
            )
            index += 1
    return plans


def _plan(
    *,
    organization: Organization,
    scenario: str,
    rights: list[str],
    channel: str,
    language: str,
    received_at: datetime,
    now: datetime,
    officer: User,
    rng: random.Random,
    subject: dict,
) -> Plan:
    plan = Plan()
    officer_actor = audit.Actor.for_user(officer)
    subject_actor = audit.Actor.subject()
    receiver = (
        subject_actor
        if channel == Channel.WEB
        else audit.Actor.api("customer app")
        if channel == Channel.API
        else officer_actor
    )

    def at(days: float) -> datetime:
        return min(received_at + timedelta(days=days), now - timedelta(minutes=1))

    def each(action: Callable[[Request], object]) -> Callable[[], None]:
        def run() -> None:
            for position, request in enumerate(plan.requests):
                plan.requests[position] = action(Request.objects.get(pk=request.pk)) or request

        return run

    def create() -> None:
        plan.requests = workflow.submission_create(
            organization=organization,
            rights=rights,
            channel=channel,
            language=language,
            received_at=received_at,
            actor=receiver,
            **subject,
        )

    def step(days: float, action: Callable[[], None]) -> None:
        plan.steps.append(Step(at(days), action, order=len(plan.steps)))

    plan.steps.append(Step(received_at, create))
    if scenario == "unverified":
        return plan

    clock = 0.0
    if channel == Channel.WEB:
        clock = rng.uniform(0.02, 1.5)
        step(clock, each(lambda r: workflow.request_confirm_email(request=r, actor=subject_actor)))
    if scenario != "identity_check" or rng.random() < 0.6:
        clock += rng.uniform(0.1, 1.0)
        step(
            clock,
            each(
                lambda r: workflow.request_assign(request=r, assignee=officer, actor=officer_actor)
            ),
        )
    if scenario == "identity_check":
        return plan

    def verify() -> None:
        nonlocal clock
        clock += rng.uniform(0.5, 3)
        evidence = rng.choice(
            [
                EvidenceKind.EMAIL_MATCHES_RECORD,
                EvidenceKind.CUSTOMER_DETAILS,
                EvidenceKind.ACCOUNT_SESSION,
            ]
        )
        step(
            clock,
            each(
                lambda r: workflow.identity_decide(
                    request=r, verified=True, evidence=evidence, actor=officer_actor
                )
            ),
        )

    def ask(answer_after: float | None) -> None:
        nonlocal clock
        clock += rng.uniform(0.5, 2)
        message = data.INFORMATION_REQUESTS[language]
        step(
            clock,
            each(
                lambda r: workflow.request_ask_information(
                    request=r, message=message, actor=officer_actor
                )
            ),
        )
        if answer_after is not None:
            clock += answer_after
            step(
                clock,
                each(
                    lambda r: workflow.request_record_information(
                        request=r, message="OK — see my customer number above.", actor=subject_actor
                    )
                ),
            )

    if scenario == "awaiting_subject":
        ask(answer_after=None)
        return plan
    if scenario == "resumed":
        ask(answer_after=rng.uniform(3, 7))
        verify()
        return plan
    verify()
    if scenario in ("in_progress", "overdue", "due_this_week"):
        return plan
    if scenario == "extended":
        clock = max(clock, rng.uniform(8, 20))
        reason = rng.choice(data.EXTENSION_REASONS)
        step(
            clock,
            each(lambda r: workflow.request_extend(request=r, reason=reason, actor=officer_actor)),
        )
        return plan

    age = (now - received_at).days
    clock = max(clock + 0.5, min(age - 1, rng.uniform(5, 34)))
    if scenario == "completed":
        outcome = rng.choice(
            [Outcome.FULFILLED, Outcome.FULFILLED, Outcome.NO_DATA, Outcome.PARTIALLY_FULFILLED]
        )
        partial = outcome == Outcome.PARTIALLY_FULFILLED
        step(
            clock,
            each(
                lambda r: workflow.request_complete(
                    request=r,
                    outcome=outcome,
                    note=register_texts.PARTIAL_NOTE[r.language] if partial else "",
                    actor=officer_actor,
                )
            ),
        )
    elif scenario == "refused":

        def refuse(request: Request) -> Request:
            grounds = (
                None if request.direct_marketing else REFUSAL_GROUNDS.get(request.right)
            ) or [RefusalGround.MANIFESTLY_UNFOUNDED, RefusalGround.EXCESSIVE]
            ground = grounds[request.pk % len(grounds)]
            return workflow.request_refuse(
                request=request,
                ground=ground,
                explanation=register_texts.REFUSAL_EXPLANATION[request.language],
                actor=officer_actor,
            )

        step(clock, each(refuse))
    elif scenario == "withdrawn":
        step(
            clock,
            each(lambda r: workflow.request_withdraw(request=r, actor=subject_actor, reason="")),
        )
    return plan
