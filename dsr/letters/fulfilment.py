"""The seam between letters and fulfilment (DESIGN.md, "Fulfilment"; issue 7).

An erasure answer says, per system, what was erased, anonymised or kept and on which
legal ground, and which recipients were told (Art. 19); an access or portability answer
says what is enclosed. When fulfilment jobs exist they record exactly that, and
`fulfilment_record` will return it. Until then it returns None and the letter's compose
form asks the officer, who records the same facts by hand; the letter itself only ever
reads the `FulfilmentRecord` shape, so nothing else changes when the jobs land.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from dsr.models import Request

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


def fulfilment_record(request: Request) -> FulfilmentRecord | None:
    """What the fulfilment jobs recorded for `request`; None until issue 7 builds them."""
    return None
