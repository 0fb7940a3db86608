"""Every filter and order of the queue can be served by an index on PostgreSQL.

With sequential scans priced out (`enable_seqscan = off`) the planner must still find an
index for each query the queue runs: that proves an index matching the query exists (which
index it prefers on real data is measured by bench/queue.py and docs/BENCHMARKS.md)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsr.models import OPEN_STATUS_VALUES, OPEN_STATUSES

QUERIES = [
    "",
    "status=in_progress",
    "status=completed&assignee=any",
    "status=all&assignee=any",
    "status=closed&assignee=any",
    "right=erasure&assignee=any",
    "assignee=me",
    "assignee=none",
    "channel=post&assignee=any",
    "language=fr&assignee=any",
    "overdue=on&assignee=any",
    "due_within=7&assignee=any",
    "extended=on&assignee=any",
    "paused=on&assignee=any",
    "status=all&assignee=any&q=peeters",
    "status=all&assignee=any&q=OPM-2026",
    "status=all&assignee=any&q=example.com",
    "sort=-received&assignee=any",
    "sort=received&status=completed&assignee=any",
    "sort=-due&status=all&assignee=any",
]


def test_the_index_conditions_list_the_open_statuses():
    assert [str(status) for status in OPEN_STATUSES] == OPEN_STATUS_VALUES


def _plan_nodes(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes, stack = [], [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    return nodes


@pytest.mark.postgres
@pytest.mark.parametrize("query", QUERIES)
def test_every_queue_query_has_an_index(desk_client, officer, make_request, query):
    make_request()
    client = desk_client(officer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/desk/?{query}").status_code == 200
    request_queries = [q["sql"] for q in captured.captured_queries if "dsr_request" in q["sql"]]
    # The count, the page (unless empty), the counts; a search finds its matches first; the
    # page's repeat requests (issue 18, one query when the page has rows).
    assert len(request_queries) in (2, 3, 4, 5)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        for sql in request_queries:
            nodes = [n for n in _plan_nodes(sql) if n.get("Relation Name") == "dsr_request"]
            assert nodes, sql
            assert all(n["Node Type"] != "Seq Scan" for n in nodes), (query, sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("field", "index"),
    [
        ("reference", "request_reference_trgm"),
        ("subject_name", "request_name_trgm"),
        ("subject_email", "request_email_trgm"),
    ],
)
def test_the_search_has_a_trigram_index_per_column(make_request, field, index):
    """icontains compiles to UPPER(column::text) LIKE …: the index is on that expression."""
    from dsr.models import Request

    make_request(subject_name="Katrien Van Damme")
    sql, params = (
        Request.objects.filter(**{f"{field}__icontains": "damme"})
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("SET enable_seqscan = on")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert index in json.dumps(plan)
