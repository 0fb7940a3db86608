"""No CSV the product writes carries a formula a spreadsheet would run (issue 14, item 8).

Before this fix the data package copied what the controller's systems held into its CSVs as
it was: a customer name `=HYPERLINK("http://evil","x")`, typed into a webshop by anyone,
became a live link (or, with DDE, a command) in the subject's spreadsheet. The desk's own
downloads neutralised formulas, but not one behind a leading space. Now one function
(`dsr.spreadsheet.csv_safe`) is used by every CSV writer: a text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return, also after leading whitespace, gets a leading `'`
(OWASP). The JSON of the package keeps every value as the source holds it.

Made as the attack: the hostile values are written into the customer platform's database,
the real sql connector exports them, the real package is built, unzipped and read with
Python's csv module; the desk's queue CSV is downloaded by an officer.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from dsr.connectors.sql import normalise_url
from dsr.fulfilment import delivery, jobs, review, runner
from dsr.fulfilment.packages import package_chunks
from dsr.models import Right
from tests.dsr.fulfilment.fulfilment_helpers import platform_build, sql_source, verified

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil","x")'
# (what a source holds, what the package's CSV must hold)
HOSTILE_TICKETS = [
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ('   =HYPERLINK("http://evil","x")', '\'   =HYPERLINK("http://evil","x")'),
    ("\n@SUM(A1)", "'\n@SUM(A1)"),
    ("Offline since Monday", "Offline since Monday"),
]


def _hostile_platform(tmp_path, settings) -> str:
    settings.SQL_SOURCE_SQLITE_DIR = tmp_path  # the operator's folder for SQLite sources
    url = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    platform_build(url)
    engine = sa.create_engine(normalise_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE customers SET name = :name WHERE id = 1"), {"name": HYPERLINK}
        )
        connection.execute(sa.text("DELETE FROM support_tickets"))
        for title, _ in HOSTILE_TICKETS:
            connection.execute(
                sa.text(
                    "INSERT INTO support_tickets (customer_id, opened_at, title, body) "
                    "VALUES (1, '2024-01-01 00:00:00', :title, 'body')"
                ),
                {"title": title},
            )
    engine.dispose()
    return url


@pytest.fixture
def package_archive(tmp_path, settings, organization, make_request, officer_actor):
    sql_source(organization, _hostile_platform(tmp_path, settings))
    request_obj = verified(
        make_request(right=Right.ACCESS, subject_customer_number="OPM-C1"), officer_actor
    )
    job = jobs.job_confirm(
        job=jobs.job_plan(request=request_obj, actor=officer_actor), actor=officer_actor
    )
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    review.package_release(review=job.review, by=officer_actor)  # reviewed, nothing withheld
    package = delivery.package_create(job_id=job.pk)
    assert package is not None
    return zipfile.ZipFile(io.BytesIO(b"".join(package_chunks(package))))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode(), newline="")))


def _json(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return json.loads(archive.read(name))


def test_a_hyperlink_from_a_source_is_text_in_the_csv_and_unchanged_in_the_json(package_archive):
    (customer,) = _csv(package_archive, "customer-platform/customers.csv")
    assert customer["name"] == "'" + HYPERLINK
    (original,) = _json(package_archive, "customer-platform/customers.json")
    assert original["name"] == HYPERLINK


def test_every_formula_start_is_neutralised_also_after_leading_whitespace(package_archive):
    rows = _csv(package_archive, "customer-platform/support_tickets.csv")
    assert sorted(row["title"] for row in rows) == sorted(safe for _, safe in HOSTILE_TICKETS)
    originals = _json(package_archive, "customer-platform/support_tickets.json")
    assert sorted(row["title"] for row in originals) == sorted(raw for raw, _ in HOSTILE_TICKETS)


def test_numbers_stay_numbers_in_the_csv(package_archive):
    rows = _csv(package_archive, "customer-platform/power_readings.csv")
    assert rows and all(not row["watts"].startswith("'") for row in rows)


def test_the_desk_s_csv_writer_uses_the_same_rule():
    """The queue, report and register downloads all write through `csv_lines` (the names on
    the desk are stripped by the workflow, so the leading-space case is shown on the writer)."""
    from dsr.desk.csv_export import csv_lines

    written = "".join(csv_lines([[raw for raw, _ in HOSTILE_TICKETS] + [-3, 2.5, None]]))
    (row,) = list(csv.reader(io.StringIO(written, newline="")))
    assert row == [safe for _, safe in HOSTILE_TICKETS] + ["-3", "2.5", ""]
