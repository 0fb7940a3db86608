"""What the fulfilment jobs did, in the words of an answer letter: the letters' seam to the
fulfilment record (DESIGN.md, "Fulfilment"; issue 7).

An erasure answer says, per system, what was erased, anonymised or kept and on which
legal ground, and which recipients were told (Art. 19); an access or portability answer
says what is enclosed. Fulfilment jobs (dsr/fulfilment/, docs/FULFILMENT.md) record exactly
that: `fulfilment_record` turns their record into the `FulfilmentRecord` the compose form
starts from. Where no job ran (a system handled by hand before the desk knew it), it
returns None and the officer records the same facts on the form. The letter itself only
ever reads the snapshot taken from the form, so what it says is what the officer saw.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dsr.fulfilment import records
from dsr.models import Art19Notice, DataPackage, Request

ERASED = "erased"
ANONYMISED = "anonymised"
KEPT = "kept"
ACTIONS = (ERASED, ANONYMISED, KEPT)


@dataclass(frozen=True)
class SystemOutcome:
    system: str
    action: str  # one of ACTIONS
    legal_ground: str = ""  # why data was kept (e.g. "accounting law, Art. 17(3)(b)")


@dataclass(frozen=True)
class FulfilmentRecord:
    systems: list[SystemOutcome] = field(default_factory=list)
    recipients_told: list[str] = field(default_factory=list)
    enclosures: list[str] = field(default_factory=list)

    def as_content(self) -> dict:
        return asdict(self)


# What a source's entries say, in the words of an erasure letter.
_LETTER_ACTIONS = {"erased": ERASED, "anonymised": ANONYMISED, "kept": KEPT}


def fulfilment_record(request: Request) -> FulfilmentRecord | None:
    """What the fulfilment jobs recorded for `request`, or None when no job ran."""
    sources = records.fulfilment_record(request)
    systems = [
        SystemOutcome(
            system=f"{source.source}: {entry.what}" if entry.what else source.source,
            action=_LETTER_ACTIONS[entry.action],
            legal_ground=entry.reason if entry.action == "kept" else "",
        )
        for source in sources
        for entry in source.entries
        if entry.action in _LETTER_ACTIONS
    ]
    told = list(
        Art19Notice.objects.filter(job__request=request)
        .order_by("recipient_name")
        .values_list("recipient_name", flat=True)
        .distinct()
    )
    enclosures = [
        f"{request.reference}-{package.created_at:%Y%m%d}.zip (sha256 {package.sha256[:16]}…)"
        for package in DataPackage.objects.filter(request=request).order_by("created_at")
        if package.sha256
    ]
    if not (sources or told or enclosures):
        return None
    return FulfilmentRecord(systems=systems, recipients_told=told, enclosures=enclosures)
