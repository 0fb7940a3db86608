"""Letters: one letter through the production path, and the print queue, against WeasyPrint
with its defaults, on the same letter HTML, in the same run (issue 6, "Performance").

    .venv/bin/python bench/letters.py            # full run (about three minutes)
    .venv/bin/python bench/letters.py --smoke    # seconds; what CI runs

The letter is a two-page access answer in Dutch (a register of two activities, recipients,
the complaint route, the signature box), rendered once from the real templates; both sides
get exactly that HTML.

- baseline: `HTML(string=...).write_pdf(stylesheets=[CSS(string=...)])` per letter, with
  WeasyPrint's defaults (its own URL fetcher, user-agent stylesheet and a new font
  configuration per document) and the letter stylesheet on the system fonts (the same CSS
  without its @font-face rules: fontconfig's sans-serif, DejaVu Sans here).
- ours, one letter: what the worker does for a letter (`dsr.letters.services.letter_pdf` but
  for the database): the templates, tagged PDF/A-2a through the letter fetcher with the
  process's shared fonts and stylesheets, the PAdES signature, the sha256 and encryption.
- ours, print queue: what `printing.print_batch_build` does with 200 stored letters: read
  each (decrypt, check its sha256) and merge them, every letter on an odd page. The letters
  were rendered when they were issued, so the mailroom never waits for WeasyPrint.
- memory: a fresh child process renders, signs and stores 1,000 letters, and another merges
  those 1,000 into one print batch; each reports its peak resident set (getrusage).

Targets: one letter in at most 0.5x the baseline's time; the print queue at least 5x the
baseline's letters per second; peak memory for 1,000 letters under 1 GiB. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"
]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DSR_VAR_DIR", tempfile.mkdtemp(prefix="dsr-bench-letters-"))

GIB = 1024**3
PASSWORD = "bench-letters"  # noqa: S105 (a throw-away certificate's)


def setup_django() -> None:
    import django

    django.setup()


def letter_content() -> dict:
    """A realistic access answer, as `content.letter_content` snapshots it."""
    organization = {
        "id": 1,
        "name": "OpenMotics",
        "legal_name": "OpenMotics BVBA",
        "street_address": "Vlasgaardstraat 52",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "company_number": "BE0500.927.202",
        "privacy_email": "info@openmotics.com",
        "website": "https://www.openmotics.com",
        "signatory_name": "Griet Van Wesemael",
        "signatory_title": "Functionaris voor gegevensbescherming",
        "letter_window": "left",
        "time_zone": "Europe/Brussels",
    }
    recipients = [
        {"name": "Cloud hosting provider (EU)", "kind": "processor", "country": "BE"},
        {"name": "Sub-contractors (support and development)", "kind": "processor", "country": "BE"},
        {"name": "Google Analytics", "kind": "processor", "country": "IE"},
    ]
    register = [
        {
            "name": "Klantenaccount en gateway",
            "purpose": "Uw account beheren, uw gateway op afstand configureren en u ondersteuning "
            "bieden wanneer u daarom vraagt.",
            "data_categories": ["Naam", "E-mailadres", "Adres", "Serienummer van de gateway"],
            "legal_basis": "contract",
            "retention": "Vijf jaar na het einde van de overeenkomst.",
            "source": "Door u verstrekt bij de registratie.",
            "automated_decision_logic": "",
            "recipients": recipients[:2],
        },
        {
            "name": "Energiemetingen",
            "purpose": "Uw verbruik en productie tonen en uw installatie optimaliseren.",
            "data_categories": ["Vermogensmetingen per kwartier", "Gebruiksgegevens"],
            "legal_basis": "consent",
            "retention": "Twee jaar, daarna geanonimiseerd.",
            "source": "Gemeten door uw gateway.",
            "automated_decision_logic": "Een piekafvlakkingsschema berekend uit uw verbruik.",
            "recipients": recipients,
        },
    ]
    return {
        "kind": "answer",
        "language": "nl",
        "right": "access",
        "reference": "OPM-2026-00042",
        "letter_date": "2026-03-05",
        "issued_at": datetime(2026, 3, 5, 10, 15, tzinfo=ZoneInfo("Europe/Brussels")).isoformat(),
        "organization": organization,
        "subject": {
            "name": "Jan Peeters",
            "postal_address": ["Kerkstraat 12 bus 3", "9000 Gent"],
            "email": "jan.peeters@example.com",
            "customer_number": "OPM-C12345",
        },
        "request": {
            "channel": "email",
            "status": "completed",
            "received": "2026-02-03",
            "due_date": "2026-03-03",
            "effective_due_date": "2026-03-05",
            "extended_due_date": None,
            "extension_reason": "",
            "extended": None,
            "paused": False,
            "identity_status": "verified",
            "outcome": "fulfilled",
            "outcome_note": "",
            "refusal_ground": "",
            "refusal_explanation": "",
            "closed": "2026-03-05",
        },
        "note": "",
        "information": "",
        "enclosures": ["gegevens.json", "gegevens.csv", "leesmij.html"],
        "systems": [],
        "recipients_told": [],
        "ground": "",
        "explanation": "",
        "previous": None,
        "register": register,
    }


def signer():
    from dsr.letters import signing

    data = signing.self_signed_pkcs12(
        common_name="OpenMotics BVBA letters",
        organization_name="OpenMotics BVBA",
        country="BE",
        password=PASSWORD,
    )
    return signing._load_signer(0, "bench", _encrypt(data), _encrypt(PASSWORD.encode()))


def _encrypt(data: bytes) -> bytes:
    from dsr import crypto

    return crypto.encrypt(data)


def produce(content: dict, sign) -> tuple[bytes, str]:
    """The worker's path for one letter, without the database row: PDF, signature, sha256,
    encryption (what is stored)."""
    from dsr import crypto
    from dsr.letters import render, signing

    html = render.render_html(content, signed=True)
    rendered = render.render_pdf(html, for_signing=True)
    page_index, box = rendered.signature_box
    pdf = signing.sign_pdf(
        rendered.pdf, signer=sign, page_index=page_index, box=box, location="Gent"
    )
    return crypto.encrypt(pdf), hashlib.sha256(pdf).hexdigest()


def layout(html: str):
    """Only the layout step of `render.render_pdf` (the same engine, fonts and fetcher)."""
    from dsr.letters import render
    from dsr.letters.fetcher import LetterFetcher

    shared = render.engine()
    return shared.html_class(
        string=html, base_url=render.ASSET_ORIGIN, url_fetcher=LetterFetcher(None)
    ).render(
        font_config=shared.font_config,
        stylesheets=[shared.stylesheet],
        pdf_variant=render.PDF_VARIANT,
        pdf_tags=True,
        cache=shared.image_cache,
    )


def baseline_stylesheet() -> str:
    css = (ROOT / "static" / "letters" / "letter.css").read_text()
    css = re.sub(r"@font-face\s*\{.*?\}\s*", "", css, flags=re.S)
    return css.replace('"DSR Letter", "DejaVu Sans", ', "")


def timed(function, repeats: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def timed_pair(first, second, repeats: int, warm: int = 2) -> tuple[list[float], list[float]]:
    """Time two functions alternately, so that a machine busier at one moment than at
    another weighs on both sides alike."""
    for _ in range(warm):
        first()
        second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, seconds in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - start)
    return times


def fonttools_subsetting(enabled: bool) -> None:
    """Diagnostic only: WeasyPrint without HarfBuzz's subsetter (libharfbuzz-subset) falls
    back to fontTools, which is where the time of a letter on system fonts goes."""
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi

    fonts.harfbuzz_subset = None if enabled else ffi.harfbuzz_subset


def read_stored(stored: list[tuple[bytes, str]]):
    from dsr import crypto

    for encrypted, digest in stored:
        pdf = crypto.decrypt(encrypted)
        if hashlib.sha256(pdf).hexdigest() != digest:
            raise AssertionError("stored letter changed")
        yield pdf


def child(mode: str, count: int, folder: Path) -> None:
    """Run in a fresh process so its peak RSS is its own (one JSON line on stdout)."""
    setup_django()
    start = time.perf_counter()
    if mode == "render":
        sign = signer()
        content = letter_content()
        for number in range(count):
            content["reference"] = f"OPM-2026-{number:05d}"
            encrypted, digest = produce(content, sign)
            (folder / f"{number:05d}.{digest}.enc").write_bytes(encrypted)
    else:
        from dsr.letters import printing

        stored = [
            (path.read_bytes(), path.name.split(".")[1]) for path in sorted(folder.glob("*.enc"))
        ]
        merged, _pages = printing.merge_letters(read_stored(stored))
        (folder / "batch.pdf").write_bytes(merged)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    print(json.dumps({"mode": mode, "letters": count, "seconds": seconds, "peak_rss": peak}))


def run_child(mode: str, count: int, folder: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(count), str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds, for CI")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "FOLDER"))
    arguments = parser.parse_args()
    if arguments.child:
        mode, count, folder = arguments.child
        child(mode, int(count), Path(folder))
        return

    smoke = arguments.smoke
    repeats = 3 if smoke else 30
    queue_size = 20 if smoke else 200
    memory_letters = 20 if smoke else 1000

    setup_django()
    from weasyprint import CSS, HTML

    from dsr.letters import printing, render

    content = letter_content()
    html = render.render_html(content, signed=True)  # the same HTML for both sides
    css = baseline_stylesheet()

    def baseline() -> bytes:
        return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])

    sign = signer()
    baseline_seconds, ours_seconds = timed_pair(baseline, lambda: produce(content, sign), repeats)
    baseline_one = statistics.median(baseline_seconds)
    ours_one = statistics.median(ours_seconds)
    # The floor: our layout alone (no PDF writing, tagging or signature) of the same HTML.
    # When it already takes more than half the baseline's whole letter, no change outside
    # WeasyPrint's layout can bring one letter under 0.5x.
    layout_only = statistics.median(timed(lambda: layout(html), repeats))
    fonttools_subsetting(True)
    baseline_fonttools, ours_fonttools = timed_pair(
        baseline, lambda: produce(content, sign), max(3, repeats // 5), warm=1
    )
    fonttools_subsetting(False)

    stored = []
    for number in range(queue_size):
        content["reference"] = f"OPM-2026-{number:05d}"
        stored.append(produce(content, sign))
    queue_runs = timed(lambda: printing.merge_letters(read_stored(stored)), 1 if smoke else 3, 1)
    queue_seconds = statistics.median(queue_runs)
    queue_rate = queue_size / queue_seconds
    baseline_rate = 1 / baseline_one

    with tempfile.TemporaryDirectory(prefix="dsr-bench-letters-") as folder:
        rendered = run_child("render", memory_letters, Path(folder))
        merged = run_child("merge", memory_letters, Path(folder))
    peak = max(rendered["peak_rss"], merged["peak_rss"])

    print(
        json.dumps(
            {
                "benchmark": "letters",
                "smoke": smoke,
                "date": date.today().isoformat(),
                "letter_pages": render.render_pdf(html).page_count,
                "baseline_one_letter_s": round(baseline_one, 4),
                "ours_one_letter_s": round(ours_one, 4),
                "one_letter_ratio": round(ours_one / baseline_one, 3),
                "target_one_letter_ratio": 0.5,
                "ours_layout_only_s": round(layout_only, 4),
                "layout_floor_ratio": round(layout_only / baseline_one, 3),
                "diagnostic_without_harfbuzz_subset": {
                    "baseline_one_letter_s": round(statistics.median(baseline_fonttools), 4),
                    "ours_one_letter_s": round(statistics.median(ours_fonttools), 4),
                },
                "baseline_letters_per_s": round(baseline_rate, 1),
                "print_queue_letters": queue_size,
                "print_queue_s": round(queue_seconds, 3),
                "print_queue_letters_per_s": round(queue_rate, 1),
                "print_queue_speedup": round(queue_rate / baseline_rate, 2),
                "target_print_queue_speedup": 5.0,
                "memory_letters": memory_letters,
                "render_1000_s": round(rendered["seconds"], 1),
                "render_peak_rss_mib": round(rendered["peak_rss"] / 2**20, 1),
                "merge_1000_s": round(merged["seconds"], 2),
                "merge_peak_rss_mib": round(merged["peak_rss"] / 2**20, 1),
                "peak_rss_mib": round(peak / 2**20, 1),
                "target_peak_rss_mib": 1024,
                "targets_met": {
                    "one_letter": ours_one <= 0.5 * baseline_one,
                    "print_queue": queue_rate >= 5 * baseline_rate,
                    "memory": peak < GIB,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
