"""The reports' tables: the figures of `queries.py` with their labels, in a fixed order.

One `Table` is what the page shows beside its chart and what its CSV download holds, so
the two cannot disagree. `Report` runs each query once, on first use: the page asks for
every table, a CSV download for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from dsr.desk.reports import queries
from dsr.desk.reports.period import Period
from dsr.models import Channel, EvidenceKind, RefusalGround, Request, Right


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Series:
    """One kind of bar in a chart: its legend, its colour class, and its value per row."""

    label: str
    css: str
    value: Callable[[dict], float | None]


@dataclass(frozen=True)
class Chart:
    series: tuple[Series, ...]
    # "stacked": the series of a row make one bar; "grouped": one bar each, side by side.
    mode: str = "stacked"
    unit: str = ""


@dataclass
class Table:
    slug: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    total: dict | None = None
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def cells(self, row: dict) -> list[object]:
        return [row.get(column.key) for column in self.columns]

    def body(self) -> list[list[object]]:
        return [self.cells(row) for row in self.rows]

    def footer(self) -> list[object] | None:
        return self.cells(self.total) if self.total is not None else None


def _count(key: str) -> Callable[[dict], float]:
    return lambda row: row.get(key) or 0


def _figure(value: float | None) -> float | None:
    """Days to answer with one decimal (a median can fall between two answers)."""
    return None if value is None else round(value, 1)


def _band_label(youngest: int, oldest: int | None) -> str:
    if oldest is None:
        return str(_("%(days)s days or more") % {"days": youngest})
    return str(_("%(youngest)s to %(oldest)s days") % {"youngest": youngest, "oldest": oldest})


class Report:
    """Every table of the reports page for one organisation, period and day."""

    def __init__(
        self,
        requests: QuerySet[Request],
        *,
        organization: Organization,
        period: Period,
        today: date,
        officers: list[User],
    ) -> None:
        self.requests, self.organization = requests, organization
        self.period, self.today, self.officers = period, today, officers

    # --- the queries, each run at most once ------------------------------------------------

    @cached_property
    def _answers(self) -> dict:
        return queries.answers_by_right(self.requests, self.period)

    # --- the tables -----------------------------------------------------------------------

    def received_by_right(self) -> Table:
        counts = queries.received_by(self.requests, self.period, "right")
        return self._counted(
            "received-by-right",
            _("Requests received, by right"),
            _("Requests received in the period, whatever has happened to them since."),
            _("Right"),
            Right.choices,
            counts,
            _("Received"),
        )

    def received_by_channel(self) -> Table:
        counts = queries.received_by(self.requests, self.period, "channel")
        return self._counted(
            "received-by-channel",
            _("Requests received, by channel"),
            _("How the requests received in the period reached the organisation."),
            _("Channel"),
            Channel.choices,
            counts,
            _("Received"),
        )

    def timeliness(self) -> Table:
        rows = [
            {"label": str(label), **self._answers.get(value, self._no_answers())}
            for value, label in Right.choices
        ]
        total = {"label": str(_("All rights")), **self._answers[None]}
        return Table(
            slug="timeliness",
            title=str(_("Answered on time and late")),
            description=str(
                _(
                    "Requests completed or refused in the period. Late: answered after the "
                    "effective due date (the statutory date moved by an extension and by the "
                    "days the clock was paused). Beside it, the answers that came after the "
                    "statutory one-month date: the difference is the requests answered on time "
                    "only thanks to an extension or a pause."
                )
            ),
            columns=[
                Column("label", str(_("Right"))),
                Column("answered", str(_("Answered"))),
                Column("on_time", str(_("On time"))),
                Column("late", str(_("Late (effective due date)"))),
                Column("late_statutory", str(_("After the statutory due date"))),
            ],
            rows=rows,
            total=total,
            chart=Chart(
                series=(
                    Series(str(_("On time")), "good", _count("on_time")),
                    Series(str(_("Late")), "bad", _count("late")),
                )
            ),
        )

    def days_to_answer(self) -> Table:
        def figures(values: dict) -> dict:
            return {
                "answered": values["answered"],
                "median": _figure(values["median"]),
                "p90": _figure(values["p90"]),
            }

        rows = [
            {"label": str(label), **figures(self._answers.get(value, self._no_answers()))}
            for value, label in Right.choices
        ]
        return Table(
            slug="days-to-answer",
            title=str(_("Days to answer")),
            description=str(
                _(
                    "Calendar days from the day of receipt to the day of the answer (completed "
                    "or refused in the period), paused days included: the median and the 90th "
                    "percentile (nine answers in ten took at most this long)."
                )
            ),
            columns=[
                Column("label", str(_("Right"))),
                Column("answered", str(_("Answered"))),
                Column("median", str(_("Median days"))),
                Column("p90", str(_("90th percentile days"))),
            ],
            rows=rows,
            total={"label": str(_("All rights")), **figures(self._answers[None])},
            chart=Chart(
                series=(
                    Series(str(_("Median")), "primary", lambda row: row.get("median")),
                    Series(str(_("90th percentile")), "secondary", lambda row: row.get("p90")),
                ),
                mode="grouped",
                unit=str(_("days")),
            ),
        )

    def extensions(self) -> Table:
        counts = queries.extensions_by_right(self.requests, self.period)
        return self._counted(
            "extensions",
            _("Extensions used"),
            _("Deadlines extended by two months (Art. 12(3)) in the period, by right."),
            _("Right"),
            Right.choices,
            counts,
            _("Extensions"),
        )

    def refusals(self) -> Table:
        counts = queries.refusals_by_ground(self.requests, self.period)
        return self._counted(
            "refusals",
            _("Refusals by ground"),
            _("Requests refused in the period, by the ground given to the subject."),
            _("Ground"),
            RefusalGround.choices,
            counts,
            _("Refusals"),
        )

    def identity(self) -> Table:
        found = queries.identity_by_evidence(self.requests, self.period)
        rows = []
        for value, label in EvidenceKind.choices:
            counts = found.get(value, {})
            rows.append(
                {
                    "label": str(label),
                    "verified": counts.get("verified", 0),
                    "failed": counts.get("failed", 0),
                }
            )
        not_checked = sum(counts.get("not_checked", 0) for counts in found.values())
        table = Table(
            slug="identity",
            title=str(_("Identity checks by evidence")),
            description=str(
                _(
                    "How identity was checked for the requests received in the period: "
                    "established, or could not be established, per kind of evidence."
                )
            ),
            columns=[
                Column("label", str(_("Evidence"))),
                Column("verified", str(_("Identity established"))),
                Column("failed", str(_("Could not be established"))),
            ],
            rows=rows,
            total={
                "label": str(_("All evidence")),
                "verified": sum(row["verified"] for row in rows),
                "failed": sum(row["failed"] for row in rows),
            },
            chart=Chart(
                series=(
                    Series(str(_("Established")), "good", _count("verified")),
                    Series(str(_("Could not be established")), "bad", _count("failed")),
                )
            ),
        )
        table.notes.append(
            str(_("Not checked (yet): %(count)s requests.") % {"count": not_checked})
        )
        return table

    def backlog(self) -> Table:
        bands = queries.backlog_by_age(self.requests, today=self.today, zone=self.period.zone)
        rows = [
            {
                "label": _band_label(band["youngest"], band["oldest"]),
                "open": band["open"],
                "paused": band["paused"],
                "overdue": band["overdue"],
            }
            for band in bands
        ]
        return Table(
            slug="backlog",
            title=str(_("Open backlog by age")),
            description=str(
                _(
                    "Requests open today (%(today)s), whatever the period, by days since "
                    "receipt: how many wait for the subject (clock paused) and how many are "
                    "overdue (past the effective due date with the clock running)."
                )
                % {"today": self.today.isoformat()}
            ),
            columns=[
                Column("label", str(_("Age"))),
                Column("open", str(_("Open"))),
                Column("paused", str(_("Clock paused"))),
                Column("overdue", str(_("Overdue"))),
            ],
            rows=rows,
            total={
                "label": str(_("All open requests")),
                **{key: sum(row[key] for row in rows) for key in ("open", "paused", "overdue")},
            },
            chart=Chart(
                series=(
                    Series(str(_("Overdue")), "bad", _count("overdue")),
                    Series(str(_("Clock paused")), "secondary", _count("paused")),
                    Series(
                        str(_("Within the deadline")),
                        "good",
                        lambda row: row["open"] - row["paused"] - row["overdue"],
                    ),
                )
            ),
        )

    def workload(self) -> Table:
        found = queries.workload_by_assignee(self.requests, self.period, today=self.today)
        empty = {"open": 0, "overdue": 0, "answered": 0, "late": 0}
        # Every officer (none working is a figure too), then anyone else still named on
        # requests (a former officer), then the unassigned requests.
        people = {officer.pk: str(officer) for officer in self.officers}
        for pk, row in found.items():
            if pk is not None and pk not in people:
                people[pk] = row["name"]
        rows = [{"label": name, **found.get(pk, empty)} for pk, name in people.items()]
        rows.append({"label": str(_("Unassigned")), **found.get(None, empty)})
        keys = ("open", "overdue", "answered", "late")
        return Table(
            slug="workload",
            title=str(_("Workload per officer")),
            description=str(
                _(
                    "Per assignee: requests open today and how many of them are overdue; "
                    "requests answered in the period and how many of them late."
                )
            ),
            columns=[
                Column("label", str(_("Officer"))),
                Column("open", str(_("Open today"))),
                Column("overdue", str(_("Overdue today"))),
                Column("answered", str(_("Answered in the period"))),
                Column("late", str(_("Answered late"))),
            ],
            rows=rows,
            total={
                "label": str(_("Everyone")),
                **{key: sum(row[key] for row in rows) for key in keys},
            },
            chart=Chart(
                series=(
                    Series(str(_("Answered on time")), "good", lambda r: r["answered"] - r["late"]),
                    Series(str(_("Answered late")), "bad", _count("late")),
                )
            ),
        )

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _no_answers() -> dict:
        return {
            "answered": 0,
            "on_time": 0,
            "late": 0,
            "late_statutory": 0,
            **dict.fromkeys(queries.PERCENTILES),
        }

    @staticmethod
    def _counted(
        slug: str,
        title: object,
        description: object,
        label: object,
        choices: list[tuple[str, str]],
        counts: dict[str, int],
        counted: object,
    ) -> Table:
        rows = [{"label": str(name), "count": counts.get(value, 0)} for value, name in choices]
        return Table(
            slug=slug,
            title=str(title),
            description=str(description),
            columns=[Column("label", str(label)), Column("count", str(counted))],
            rows=rows,
            total={"label": str(_("Total")), "count": sum(row["count"] for row in rows)},
            chart=Chart(series=(Series(str(counted), "primary", _count("count")),)),
        )


# The tables in the order of the page; the slug names each CSV download.
TABLES: dict[str, Callable[[Report], Table]] = {
    "received-by-right": Report.received_by_right,
    "received-by-channel": Report.received_by_channel,
    "timeliness": Report.timeliness,
    "days-to-answer": Report.days_to_answer,
    "extensions": Report.extensions,
    "refusals": Report.refusals,
    "identity": Report.identity,
    "backlog": Report.backlog,
    "workload": Report.workload,
}
