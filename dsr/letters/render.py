"""Letters from their content snapshot to HTML, and from HTML to tagged PDF/A.

The PDF path keeps what does not change between letters in the worker process: one
WeasyPrint `FontConfiguration` with the letter fonts loaded, the parsed letter stylesheet,
and an image cache for the organisations' logos and signatures. Each letter then only
parses its own HTML, lays it out and writes it.

PDF/A-2a (ISO 19005-2, level A: tagged, Unicode text, embedded fonts, sRGB output
intent, XMP metadata) is the best-supported tagged variant of WeasyPrint: PDF/A-1 forbids
the transparency of PNG logos and PDF/A-3 only adds arbitrary attachments, which letters
do not carry.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Organization
from dsr import storage
from dsr.attachments import branding_read, sniff_content_type
from dsr.letters import dates, variants
from dsr.letters.assets import ASSET_ORIGIN, asset_url
from dsr.models import LetterKind

PDF_VARIANT = "pdf/a-2a"
# PDF/A-2 may embed only PDF/A files; PDF/A-3 any file (the register's CSV), tagged alike.
PDF_VARIANT_WITH_FILES = "pdf/a-3a"
STYLESHEET = "letter.css"
USER_AGENT_STYLESHEET = "ua.css"
# European Economic Area: a recipient elsewhere is a transfer (Art. 15(2)).
EEA = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "  # noqa: SIM905
    "IS LI NO".split()
)
CSS_PX_TO_PT = 0.75
IMAGE_CACHE_LIMIT = 64
BRANDING_MAX_BYTES = 2 * 1024 * 1024

# WeasyPrint reports every rendering step at INFO; a worker rendering letters all day
# would log little else.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    page_count: int
    # (page index, (x1, y1, x2, y2) in PDF points) of the visible signature box, if any.
    signature_box: tuple[int, tuple[float, float, float, float]] | None


def template_name(content: dict[str, Any]) -> str:
    language, kind = content["language"], content["kind"]
    if kind == LetterKind.ANSWER:
        return f"letters/{language}/answer_{content['right']}.html"
    return f"letters/{language}/{kind}.html"


def _date(value: str | None, language: str) -> str:
    return dates.written_date(date.fromisoformat(value), language) if value else ""


def letter_title(content: dict[str, Any]) -> str:
    text = variants.render(
        f"letters/{content['language']}/_title.html",
        {"c": content},
        country=content["organization"].get("country", ""),
    )
    return " ".join(text.split())


def company_number_kind(organization: dict[str, Any]) -> str:
    """What the organisation's number is, for its label: a VAT number starts with its
    country's code ("BE0500.927.202"); a bare number is the enterprise number (KBO/BCE)
    in Belgium and the Chamber of Commerce (KvK) number in the Netherlands."""
    number = (organization.get("company_number") or "").strip()
    if number[:2].isalpha():
        return "vat"
    return organization.get("country") or ""


def context_for(
    content: dict[str, Any], *, signed: bool, preview: bool, urls: dict[str, str]
) -> dict[str, Any]:
    """What the templates see: the snapshot, plus dates written in the letter's language."""
    language = content["language"]
    organization = content["organization"]
    request = content["request"]
    letter_date = date.fromisoformat(content["letter_date"])
    register = content.get("register") or []
    transfers = {
        (recipient["name"], recipient["country"]): recipient
        for activity in register
        for recipient in activity["recipients"]
        if recipient.get("country") and recipient["country"] not in EEA
    }
    # The creation date in the organisation's time zone, as the letter's date is: a letter
    # issued at 00:30 in Brussels is created on that day, not on the day before in UTC.
    time_zone = ZoneInfo(organization.get("time_zone") or "Europe/Brussels")
    if content.get("issued_at"):
        created = datetime.fromisoformat(content["issued_at"]).astimezone(time_zone)
    else:
        created = datetime.combine(letter_date, time(12, 0), tzinfo=time_zone)
    return {
        "c": content,
        "lang": language,
        "title": letter_title(content),
        "org": organization,
        "subject": content["subject"],
        "ref": content["reference"],
        "window": organization.get("letter_window") or "left",
        "company_number_label": " ".join(
            variants.render(
                f"letters/{language}/_company_number_label.html",
                {"kind": company_number_kind(organization)},
                country=organization.get("country", ""),
            ).split()
        ),
        "place_date": dates.place_and_date(
            organization.get("place") or organization["city"], letter_date, language
        ),
        "created_iso": created.isoformat(),
        "dates": {
            "letter": dates.written_date(letter_date, language),
            "received": _date(request.get("received"), language),
            "due": _date(request.get("due_date"), language),
            "effective_due": _date(request.get("effective_due_date"), language),
            "extended_due": _date(request.get("extended_due_date"), language),
            "closed": _date(request.get("closed"), language),
            "previous": _date((content.get("previous") or {}).get("letter_date"), language),
        },
        "register": register,
        "transfers": list(transfers.values()),
        "kept_any": any(item.get("action") == "kept" for item in content.get("systems") or []),
        "signed": signed,
        "preview": preview,
        "urls": urls,
    }


def render_html(
    content: dict[str, Any], *, signed: bool, preview: bool = False, urls: dict | None = None
) -> str:
    return variants.render(
        template_name(content),
        context_for(content, signed=signed, preview=preview, urls=urls or {}),
        country=content["organization"].get("country", ""),
    )


# --- branding images ---------------------------------------------------------------------


@lru_cache(maxsize=32)
def _stored_image(storage_name: str) -> tuple[bytes, str] | None:
    """A logo or signature image from storage, if it is a PNG or JPEG of sensible size.

    Keyed by the storage name: an upload gets a new name, so the cache never goes stale."""
    from django.core.files.storage import default_storage

    try:
        content = branding_read(default_storage.open(storage_name, "rb"), BRANDING_MAX_BYTES)
    except OSError as error:
        if storage.bucket_unavailable(error):
            raise  # not a letter without its logo: the render waits for the storage
        return None
    if content is None:
        return None
    content_type = sniff_content_type(content)
    if content_type not in ("image/png", "image/jpeg"):
        return None
    return content, content_type


def branding_files(organization: Organization) -> dict[str, tuple[bytes, str]]:
    """URL -> (bytes, type) of the organisation's logo and signature image, for the fetcher.

    The URL carries the organisation and a digest of the image, so WeasyPrint's image
    cache never serves one organisation's logo in another's letter."""
    files = {}
    for role, field in (("logo", organization.logo), ("signature", organization.signature_image)):
        if not field:
            continue
        image = _stored_image(field.name)
        if image is None:
            continue
        digest = hashlib.sha256(image[0]).hexdigest()[:16]
        files[f"{ASSET_ORIGIN}branding/{organization.pk}/{digest}/{role}"] = image
    return files


def branding_urls(files: dict[str, tuple[bytes, str]]) -> dict[str, str]:
    return {url.rsplit("/", 1)[1]: url for url in files}


# --- PDF -------------------------------------------------------------------------------------


class _Engine:
    """What every letter shares in one process: fonts, the parsed stylesheets, images."""

    def __init__(self) -> None:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        from dsr.letters.fetcher import LetterFetcher

        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            url=asset_url(STYLESHEET),
            url_fetcher=LetterFetcher(),
            font_config=self.font_config,
        )
        user_agent = CSS(url=asset_url(USER_AGENT_STYLESHEET), url_fetcher=LetterFetcher())

        class LetterHTML(HTML):
            # WeasyPrint's hook for its user-agent stylesheet (weasyprint is pinned): letters
            # use a few elements, so they get a stylesheet with the rules for those only.
            def _ua_stylesheets(self, forms: bool = False) -> list:
                return [user_agent]

        self.html_class = LetterHTML
        self.image_cache: dict = {}


@lru_cache(maxsize=1)
def engine() -> _Engine:
    return _Engine()


# Let the engine go while the interpreter still has its modules (WeasyPrint's font
# configuration cleans up in __del__ and fails noisily at the very end of the process).
atexit.register(engine.cache_clear)


def _drop_producer(document: Any, pdf: Any) -> None:
    """Let pyHanko write the producer: it records its own name in the document
    information and in the XMP metadata alike, which PDF/A requires to agree."""
    pdf.info.pop("Producer", None)


def render_pdf(
    html: str,
    *,
    files: dict[str, tuple[bytes, str]] | None = None,
    for_signing: bool = False,
    attachments: list[Any] | None = None,
) -> RenderedPdf:
    """Lay out and write one letter as tagged PDF/A; everything is read via the fetcher.

    With `attachments` (weasyprint.Attachment, made from bytes in hand: nothing is fetched)
    the files are embedded, which takes PDF/A-3a instead of PDF/A-2a."""
    from dsr.letters.fetcher import LetterFetcher

    shared = engine()
    if len(shared.image_cache) > IMAGE_CACHE_LIMIT:
        shared.image_cache.clear()
    fetcher = LetterFetcher(files)
    variant = PDF_VARIANT_WITH_FILES if attachments else PDF_VARIANT
    document = shared.html_class(string=html, base_url=ASSET_ORIGIN, url_fetcher=fetcher).render(
        font_config=shared.font_config,
        stylesheets=[shared.stylesheet],
        pdf_variant=variant,
        pdf_tags=True,
        cache=shared.image_cache,
    )
    signature_box = None
    for index, page in enumerate(document.pages):
        box = page.anchors.get("signature-box")
        if box:
            x0, y0, x1, y1 = box
            height = page.height * CSS_PX_TO_PT
            signature_box = (
                index,
                (
                    round(x0 * CSS_PX_TO_PT, 2),
                    round(height - y1 * CSS_PX_TO_PT, 2),
                    round(x1 * CSS_PX_TO_PT, 2),
                    round(height - y0 * CSS_PX_TO_PT, 2),
                ),
            )
    pdf = document.write_pdf(
        pdf_variant=variant,
        attachments=attachments or None,
        pdf_tags=True,
        cache=shared.image_cache,
        finisher=_drop_producer if for_signing else None,
    )
    return RenderedPdf(pdf=pdf, page_count=len(document.pages), signature_box=signature_box)
