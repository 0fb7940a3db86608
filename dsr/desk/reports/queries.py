"""The reports' figures, each an aggregate the database computes (no rows are loaded).

Every function takes the requests the user may see of one organisation (`desk_requests`) and
returns a few rows: one per right, channel, ground, age band or officer, never one per
request. Which requests each figure counts (docs/REPORTS.md):

- received, extensions' rights, identity checks, the register: requests *received* in the
  period (by `received_at`, local days);
- answers, days to answer, refusals, officers' answers: requests *answered* in the period,
  that is completed or refused (`closed_at`, local days); a withdrawn request owes no answer;
- extensions: requests whose extension was *granted* in the period (`extended_at`);
- the backlog and the officers' open requests: the open requests *today*, whatever the period.

An answer is late when its local date is after the request's effective due date (LEGAL.md:
lateness counts against the effective date; the statutory one is counted beside it). Days to
answer are calendar days from the local date of receipt to the local date of the answer (the
day of receipt does not count, as for the deadline; paused days are included: the subject
waited them too).

Medians and 90th percentiles are `percentile_cont` (linear interpolation) on PostgreSQL; on
SQLite, which has no such aggregate, one window query numbers the answers per right in order
of their days and returns only the one or two rows around each wanted position, and the same
interpolation is done on those (`_percentiles_by_window`): the figures are identical.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber, TruncDate

from dsr.desk.reports.period import Period
from dsr.models import OPEN_STATUSES, RUNNING_STATUSES, IdentityStatus, Request, Status

ANSWERED_STATUSES = (Status.COMPLETED, Status.REFUSED)
PERCENTILES = {"median": 0.5, "p90": 0.9}  # name: fraction
# Age bands of the open backlog, in whole days since the day of receipt (None: no limit).
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (8, 14),
    (15, 30),
    (31, 60),
    (61, 90),
    (91, None),
)


class DaysBetween(Func):
    """Whole days from one DATE expression to a later one (an integer)."""

    arity = 2
    template = "(%(expressions)s)"  # PostgreSQL: date - date is an integer
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, earlier: object, later: object) -> None:
        super().__init__(later, earlier)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django gives SQLite dates as 'YYYY-MM-DD' text; julianday() makes them numbers.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile of an expression."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: object, fraction: float) -> None:
        super().__init__(expression, fraction=repr(float(fraction)))


def local_date(field: str, zone: ZoneInfo) -> TruncDate:
    """The calendar date of a datetime column in the organisation's time zone."""
    return TruncDate(field, tzinfo=zone)


def days_to_answer(zone: ZoneInfo) -> DaysBetween:
    return DaysBetween(local_date("received_at", zone), local_date("closed_at", zone))


def received_in(requests: QuerySet[Request], period: Period) -> QuerySet[Request]:
    """Requests received in the period (index `queue_all_by_received`)."""
    return requests.filter(received_at__gte=period.start_at, received_at__lt=period.end_before)


def answered_in(requests: QuerySet[Request], period: Period) -> QuerySet[Request]:
    """Requests completed or refused in the period (index `request_closed_at`)."""
    return requests.filter(
        closed_at__gte=period.start_at,
        closed_at__lt=period.end_before,
        status__in=ANSWERED_STATUSES,
    )


def _late(field: str = "effective_due_date") -> Q:
    """Answered after the end of the due day (needs the `answered_on` alias)."""
    return Q(answered_on__gt=F(field))


def count_by(queryset: QuerySet[Request], field: str) -> dict[str, int]:
    """{value of `field`: requests} in one GROUP BY."""
    return dict(queryset.order_by().values_list(field).annotate(count=Count("pk")))


def received_by(requests: QuerySet[Request], period: Period, field: str) -> dict[str, int]:
    """Requests received in the period per right or per channel."""
    return count_by(received_in(requests, period), field)


def extensions_by_right(requests: QuerySet[Request], period: Period) -> dict[str, int]:
    """Extensions granted in the period, per right (partial index `extended_by_due`)."""
    extended = requests.filter(
        extended_due_date__isnull=False,
        extended_at__gte=period.start_at,
        extended_at__lt=period.end_before,
    )
    return count_by(extended, "right")


def refusals_by_ground(requests: QuerySet[Request], period: Period) -> dict[str, int]:
    return count_by(answered_in(requests, period).filter(status=Status.REFUSED), "refusal_ground")


def identity_by_evidence(requests: QuerySet[Request], period: Period) -> dict[str, dict]:
    """Per evidence kind ("" = not checked yet): how many checks established identity and
    how many could not, among the requests received in the period."""
    rows = (
        received_in(requests, period)
        .order_by()
        .values("identity_evidence")
        .annotate(
            verified=Count("pk", filter=Q(identity_status=IdentityStatus.VERIFIED)),
            failed=Count("pk", filter=Q(identity_status=IdentityStatus.FAILED)),
            not_checked=Count("pk", filter=Q(identity_status=IdentityStatus.NOT_CHECKED)),
        )
    )
    return {row.pop("identity_evidence"): row for row in rows}


def answers_by_right(requests: QuerySet[Request], period: Period) -> dict[str | None, dict]:
    """Per right, and for all rights under the key None: answered, late against the
    effective and against the statutory due date, median and 90th-percentile days.

    Two queries on either database: the counts per right (with the percentiles per right
    on PostgreSQL), then the percentiles of all answers (PostgreSQL) or every percentile
    (SQLite, `_percentiles_by_window`)."""
    zone = period.zone
    answered = answered_in(requests, period).alias(answered_on=local_date("closed_at", zone))
    days = days_to_answer(zone)
    by_database = connection.vendor == "postgresql"
    percentiles = (
        {name: PercentileCont(days, fraction) for name, fraction in PERCENTILES.items()}
        if by_database
        else {}
    )
    rows = {
        row.pop("right"): row
        for row in answered.order_by()
        .values("right")
        .annotate(
            answered=Count("pk"),
            late=Count("pk", filter=_late()),
            late_statutory=Count("pk", filter=_late("due_date")),
            **percentiles,
        )
    }
    total = {
        key: sum(row[key] for row in rows.values())
        for key in ("answered", "late", "late_statutory")
    }
    if by_database:
        total |= answered.aggregate(**percentiles) if rows else {}
    else:
        wanted = {right: row["answered"] for right, row in rows.items()}
        found = _percentiles_by_window(answered, days, wanted, total["answered"])
        for key, values in found.items():
            (rows[key] if key is not None else total).update(values)
    for row in [*rows.values(), total]:
        row["on_time"] = row["answered"] - row["late"]
        for name in PERCENTILES:
            row.setdefault(name, None)
    return {**rows, None: total}


def _positions(count: int, fraction: float) -> tuple[int, int, float]:
    """The 1-based positions around a percentile among `count` sorted values, and the
    weight of the upper one: PostgreSQL's percentile_cont, step for step."""
    exact = fraction * (count - 1)
    lower, upper = math.floor(exact), math.ceil(exact)
    return lower + 1, upper + 1, exact - lower


def _percentiles_by_window(
    answered: QuerySet[Request],
    days: DaysBetween,
    counts: dict[str, int],
    total: int,
) -> dict[str | None, dict[str, float]]:
    """Percentiles per right (and of all, key None) from one window query that returns
    only the rows at the positions needed (at most four per right, four overall)."""
    if not total:
        return {}
    ranked = answered.annotate(
        days=days,
        position=Window(RowNumber(), partition_by=[F("right")], order_by=F("days").asc()),
        overall=Window(RowNumber(), order_by=F("days").asc()),
    )

    def needed(count: int) -> set[int]:
        return {p for fraction in PERCENTILES.values() for p in _positions(count, fraction)[:2]}

    wanted = Q(overall__in=needed(total))
    for right, count in counts.items():
        wanted |= Q(right=right, position__in=needed(count))
    values: dict[tuple[str | None, int], int] = {}
    for right, position, overall, value in ranked.filter(wanted).values_list(
        "right", "position", "overall", "days"
    ):
        values[(right, position)] = value
        values[(None, overall)] = value
    found: dict[str | None, dict[str, float]] = {}
    for key, count in [*counts.items(), (None, total)]:
        found[key] = {}
        for name, fraction in PERCENTILES.items():
            lower, upper, weight = _positions(count, fraction)
            low, high = values[(key, lower)], values[(key, upper)]
            found[key][name] = low + (high - low) * weight
    return found


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def backlog_by_age(requests: QuerySet[Request], *, today: date, zone: ZoneInfo) -> list[dict]:
    """Open requests today per age band: open, of which the clock is paused, of which
    overdue (the clock runs and the effective due date has passed). One aggregate over the
    open requests (a partial index on the open statuses, `open_by_*`)."""
    running_late = Q(status__in=RUNNING_STATUSES, effective_due_date__lt=today)
    paused = Q(paused_since__isnull=False)
    aggregates, bands = {}, []
    for index, (youngest, oldest) in enumerate(AGE_BANDS):
        # Age in [youngest, oldest] days <=> received on or after today - oldest and
        # before the day after today - youngest.
        band = Q()
        if oldest is not None:
            band &= Q(received_at__gte=_midnight(today - timedelta(days=oldest), zone))
        if youngest > 0:
            band &= Q(received_at__lt=_midnight(today - timedelta(days=youngest - 1), zone))
        aggregates |= {
            f"open_{index}": Count("pk", filter=band),
            f"paused_{index}": Count("pk", filter=band & paused),
            f"overdue_{index}": Count("pk", filter=band & running_late),
        }
        bands.append((youngest, oldest))
    counts = requests.filter(status__in=OPEN_STATUSES).order_by().aggregate(**aggregates)
    return [
        {
            "youngest": youngest,
            "oldest": oldest,
            "open": counts[f"open_{index}"],
            "paused": counts[f"paused_{index}"],
            "overdue": counts[f"overdue_{index}"],
        }
        for index, (youngest, oldest) in enumerate(bands)
    ]


def workload_by_assignee(
    requests: QuerySet[Request], period: Period, *, today: date
) -> dict[int | None, dict]:
    """Per assignee (None: unassigned): open today, of which overdue; answered in the period,
    of which late. One aggregate over the open requests and the period's answers."""
    open_now = Q(status__in=OPEN_STATUSES)
    answered = Q(
        status__in=ANSWERED_STATUSES,
        closed_at__gte=period.start_at,
        closed_at__lt=period.end_before,
    )
    rows = (
        requests.filter(open_now | answered)
        .alias(answered_on=local_date("closed_at", period.zone))
        .order_by()
        .values("assignee", "assignee__full_name", "assignee__email")
        .annotate(
            open=Count("pk", filter=open_now),
            overdue=Count(
                "pk", filter=Q(status__in=RUNNING_STATUSES, effective_due_date__lt=today)
            ),
            answered=Count("pk", filter=answered),
            late=Count("pk", filter=answered & _late()),
        )
    )
    found = {}
    for row in rows:
        name, email = row.pop("assignee__full_name"), row.pop("assignee__email")
        found[row.pop("assignee")] = {**row, "name": name or email or ""}
    return found
