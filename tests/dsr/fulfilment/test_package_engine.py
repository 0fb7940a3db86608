"""The package engine (dsr/fulfilment/packages.py): tables exported once into deflated,
encrypted parts; the ZIP built from them as they are, or with a review's decisions applied
(nothing withheld leaves a trace in any file); stored tables read back row by row."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile

import pytest
from django.core.files.storage import default_storage
from fulfilment_helpers import FakeSystem, http_source, started

from dsr import crypto
from dsr.fulfilment import packages, runner
from dsr.fulfilment import review_rules as rules
from dsr.fulfilment.streams import EncryptedUpload
from dsr.models import Right

THIRD = "Marie Dubois"
WEBSHOP_TABLES = {
    "orders": {
        "label": "Webshop orders",
        "columns": ["order", "total", "note", "meta"],
        "rows": [
            ["W1", 9, f"Delivered to neighbour {THIRD}", {"by": f"{THIRD.upper()} (neighbour)"}],
            ["W2", 2**70, '=HYPERLINK("http://evil.example")', ["a", 1]],
            ["W3", -4, "  @SUM(A1)", None],
            ["W4", 1.5, "call marie dubois back", {"tags": ["vip"]}],
        ],
    },
    "notes": {
        "label": "Notes about Marie Dubois",
        "columns": ["when", "text"],
        "rows": [["2024-01-02", "ok"], ["2024-01-03"], ["2024-01-04", "seen", "extra"]],
    },
}


@pytest.fixture
def exported(organization, platform_source, in_progress, officer_actor):
    """An access request whose export ran in the customer platform and a webshop."""
    answers = [(200, {}), (200, {"status": "done", "tables": WEBSHOP_TABLES})]
    with FakeSystem(answers) as system:
        http_source(organization, system.url)
        job = started(in_progress(Right.ACCESS), officer_actor)
        for step in job.steps.all():
            while runner.step_run(step_id=step.pk) is not None:
                pass
    job.refresh_from_db()
    return job


def _files(package) -> dict[str, bytes]:
    data = b"".join(packages.package_chunks(package))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def _parts(job) -> list[dict]:
    return [part for source in packages.package_tables(job) for part in source.tables]


def test_the_export_stores_deflated_encrypted_parts_that_read_back_row_by_row(exported):
    parts = {part["name"]: part for part in _parts(exported)}
    readings = parts["power_readings"]
    assert readings["format"] == 2 and readings["rows"] == 300
    for kind in ("json", "csv"):
        with default_storage.open(readings[kind], "rb") as stored:
            at_rest = stored.read()
        assert b"measured_at" not in at_rest and b"2024-01-01" not in at_rest
    rows = list(packages.table_rows(readings))
    assert len(rows) == 300
    assert rows[0] == ["2024-01-01T00:00:00", 100, 0.0]
    assert list(packages.table_rows(readings, 150, 3)) == rows[150:153]
    assert list(packages.table_rows(readings, 299, 10)) == rows[299:]
    assert list(packages.table_rows(readings, 300, 10)) == []
    assert list(packages.table_rows(readings, 0, 0)) == []
    assert list(packages.part_rows(readings)) == rows
    (customer,) = packages.table_rows(parts["customers"])
    assert "Jan Peeters" in customer


def test_the_unreviewed_package_copies_the_parts_into_a_valid_zip(exported, tmp_path):
    package, parts = packages.package_build(job=exported)
    files = _files(package)
    readings = json.loads(files["customer-platform/power_readings.json"])
    assert len(readings) == 300
    assert readings[1] == {"measured_at": "2024-01-01T00:15:00", "watts": 101, "kwh_total": 0.25}
    table = list(csv.reader(io.StringIO(files["customer-platform/power_readings.csv"].decode())))
    assert table[0] == ["measured_at", "watts", "kwh_total"] and len(table) == 301
    assert table[2] == ["2024-01-01T00:15:00", "101", "0.25"]

    orders = json.loads(files["webshop/orders.json"])
    assert orders[1]["total"] == 2**70  # beyond orjson's 64 bits: the standard encoder
    assert orders[0]["meta"] == {"by": "MARIE DUBOIS (neighbour)"}
    cells = list(csv.reader(io.StringIO(files["webshop/orders.csv"].decode())))
    assert cells[2][2] == '\'=HYPERLINK("http://evil.example")'
    assert cells[3][1:3] == ["-4", "'  @SUM(A1)"]  # a negative number is no formula
    notes = list(csv.reader(io.StringIO(files["webshop/notes.csv"].decode())))
    assert notes[1:] == [["2024-01-02", "ok"], ["2024-01-03"], ["2024-01-04", "seen", "extra"]]
    assert "Webshop orders" in files["index.html"].decode()
    assert {part["name"] for part in parts} >= {"power_readings", "orders", "notes"}

    at_rest = default_storage.open(package.file.name, "rb").read()
    assert b"PK" not in at_rest[:16] and b"Jan Peeters" not in at_rest
    whole = tmp_path / "package.zip"
    whole.write_bytes(b"".join(packages.package_chunks(package)))
    tested = subprocess.run(["unzip", "-t", str(whole)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # The parts stay until the caller deletes them (the review reads them).
    assert all(default_storage.exists(part["json"]) for part in parts)
    packages.parts_delete(parts)
    assert not any(default_storage.exists(part["json"]) for part in parts)


def _decisions(job) -> rules.ReviewDecisions:
    third = rules.Ground("third_party")
    folders = {source.folder for source in packages.package_tables(job)}
    assert folders == {"customer-platform", "webshop"}
    return rules.ReviewDecisions(
        tables={
            rules.TableKey("customer-platform", "customers"): rules.TableDecisions(
                columns=(rules.ColumnExclusion("phone", third),)
            ),
            rules.TableKey("customer-platform", "power_readings"): rules.TableDecisions(
                rows=(rules.RowExclusion(0, third), rules.RowExclusion(299, third)),
                cells=(rules.CellRedaction(5, "watts", rules.Ground("trade_secret")),),
            ),
            rules.TableKey("customer-platform", "invoices"): rules.TableDecisions(
                excluded=rules.Ground("legal_privilege")
            ),
        },
        texts=(rules.TextRedaction(THIRD, rules.Ground("other", "a neighbour")),),
    )


def test_a_reviewed_package_leaves_no_trace_of_what_was_withheld_in_any_file(exported):
    phone = "+32 470 11 22 33"
    unreviewed = _files(packages.package_build(job=exported)[0])
    everything = b"".join(unreviewed.values())
    assert phone.encode() in everything and b"marie dubois" in everything.lower()
    assert "customer-platform/invoices.json" in unreviewed

    package, _ = packages.package_build(job=exported, decisions=_decisions(exported))
    files = _files(package)
    for name, data in files.items():
        lowered = data.lower()
        assert b"marie dubois" not in lowered, name
        assert "marie dubois".encode("utf-16-le") not in lowered, name
        assert phone.encode() not in data and b"470 11 22" not in data, name
        assert b"INV-1" not in data, name
    assert not any(name.startswith("customer-platform/invoices") for name in files)

    (customer,) = json.loads(files["customer-platform/customers.json"])
    assert "phone" not in customer and customer["name"] == "Jan Peeters"
    header = files["customer-platform/customers.csv"].decode().splitlines()[0]
    assert "phone" not in header
    readings = json.loads(files["customer-platform/power_readings.json"])
    assert len(readings) == 298
    assert readings[0]["measured_at"] == "2024-01-01T00:15:00"  # row 0 left out
    assert readings[4]["watts"] == rules.REDACTED  # row 5
    assert readings[5]["watts"] == 106
    orders = json.loads(files["webshop/orders.json"])
    assert orders[0]["note"] == f"Delivered to neighbour {rules.REDACTED}"
    assert orders[0]["meta"] == {"by": f"{rules.REDACTED} (neighbour)"}
    assert orders[3]["note"] == f"call {rules.REDACTED} back"
    assert orders[1]["total"] == 2**70
    cells = list(csv.reader(io.StringIO(files["webshop/orders.csv"].decode())))
    assert cells[2][2].startswith("'=HYPERLINK")  # still no formula after the review
    index = files["index.html"].decode()
    assert "Notes about [withheld]" in index
    assert json.loads(files["information.json"])["controller"]


def test_redacting_a_number_reaches_numbers_and_text_alike(exported):
    decisions = rules.ReviewDecisions(
        texts=(rules.TextRedaction("0.25", rules.Ground("third_party")),)
    )
    files = _files(packages.package_build(job=exported, decisions=decisions)[0])
    readings = json.loads(files["customer-platform/power_readings.json"])
    assert readings[1]["kwh_total"] == rules.REDACTED
    assert readings[2]["kwh_total"] == 0.5
    assert all(b"0.25" not in data for data in files.values())


def test_grounds_and_bad_decisions():
    third = rules.Ground("third_party")
    decisions = rules.ReviewDecisions(
        texts=(rules.TextRedaction("x.y(", rules.Ground("other", "neighbour")),),
        files=(rules.FileExclusion("scan.pdf", third),),
    )
    assert decisions.grounds() == [third, rules.Ground("other", "neighbour")]
    assert decisions.redact_text("A X.Y( b x.y(") == "A [withheld] b [withheld]"  # literal
    assert rules.ReviewDecisions.from_json(decisions.as_json()) == decisions
    for bad in (
        lambda: rules.Ground("because"),
        lambda: rules.Ground("other", "  "),
        lambda: rules.TextRedaction(" a ", third),
        lambda: rules.RowExclusion(-1, third),
        lambda: rules.ReviewDecisions.from_json({"texts": [{"text": "ab"}]}),
        lambda: rules.ReviewDecisions.from_json(
            {"tables": [{"folder": "a", "table": "b", "rows": [{"row": "1", "ground": {}}]}]}
        ),
    ):
        with pytest.raises(rules.DecisionError):
            bad()
    assert rules.ReviewDecisions().is_empty() and rules.ReviewDecisions().grounds() == []


def test_a_part_from_before_the_deflated_format_still_builds_and_reads(exported):
    """Parts stored by the previous release: plain JSON and CSV, and a preview file."""
    step = exported.steps.get(source__name="Webshop")
    legacy = []
    for part in step.state["files"]:
        stored = {}
        for kind, body in (
            ("json", "[\n" + ",\n".join(json.dumps(dict(zip(part["columns"], row, strict=False)))
                                        for row in WEBSHOP_TABLES[part["name"]]["rows"]) + "\n]\n"),
            ("csv", "a,b\r\n1,2\r\n"),
            ("preview", json.dumps([["W1"]])),
        ):  # fmt: skip
            upload = EncryptedUpload()
            upload.stream.write(body.encode())
            stored[kind] = upload.save(f"legacy/{part['name']}.{kind}.enc")
        legacy.append({key: part[key] for key in ("name", "label", "columns", "rows")} | stored)
    step.state = {**step.state, "files": legacy}
    step.save(update_fields=["state"])

    orders = next(part for part in legacy if part["name"] == "orders")
    assert [row[0] for row in packages.table_rows(orders)] == ["W1", "W2", "W3", "W4"]
    files = _files(packages.package_build(job=exported)[0])
    assert files["webshop/orders.csv"] == b"a,b\r\n1,2\r\n"
    assert len(json.loads(files["webshop/orders.json"])) == 4
    reviewed = packages.package_build(job=exported, decisions=_decisions(exported))[0]
    assert all(b"marie dubois" not in data.lower() for data in _files(reviewed).values())


def test_a_tampered_part_stops_the_build_and_stores_nothing(exported):
    part = next(part for part in _parts(exported) if part["name"] == "power_readings")
    with default_storage.open(part["json"], "rb") as stored:
        data = bytearray(stored.read())
    data[len(data) // 2] ^= 1
    default_storage.delete(part["json"])
    default_storage.save(part["json"], io.BytesIO(bytes(data)))
    folder = f"packages/{exported.request.organization_id}"

    def stored() -> set[str]:
        return set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()

    before = stored()
    with pytest.raises(crypto.InvalidToken):
        packages.package_build(job=exported)
    assert stored() == before


def test_small_batches_page_and_review_across_batch_boundaries(
    monkeypatch, organization, platform_source, in_progress, officer_actor
):
    monkeypatch.setattr(packages, "BATCH_ROWS", 7)
    job = started(in_progress(Right.ACCESS), officer_actor)
    for step in job.steps.all():
        while runner.step_run(step_id=step.pk) is not None:
            pass
    job.refresh_from_db()
    readings = next(part for part in _parts(job) if part["name"] == "power_readings")
    assert readings["batch_rows"] == 7
    rows = list(packages.table_rows(readings))
    assert len(rows) == 300 and rows[0][1] == 100 and rows[-1][1] == 399
    for start, limit in ((0, 7), (6, 2), (7, 7), (13, 15), (294, 10), (298, None)):
        expected = rows[start : None if limit is None else start + limit]
        assert list(packages.table_rows(readings, start, limit)) == expected
    third = rules.Ground("third_party")
    decisions = rules.ReviewDecisions(
        tables={
            rules.TableKey("customer-platform", "power_readings"): rules.TableDecisions(
                rows=tuple(rules.RowExclusion(index, third) for index in (6, 7, 13, 14, 299)),
                cells=(rules.CellRedaction(20, "kwh_total", third),),
            )
        }
    )
    files = _files(packages.package_build(job=job, decisions=decisions)[0])
    kept = json.loads(files["customer-platform/power_readings.json"])
    assert [row["watts"] for row in kept] == [
        100 + index for index in range(300) if index not in (6, 7, 13, 14, 299)
    ]
    assert kept[16]["kwh_total"] == rules.REDACTED and kept[16]["watts"] == 120


def test_extra_files_join_the_package_text_redacted_or_excluded_whole(exported):
    step = exported.steps.get(source__name="Webshop")
    extra = []
    for name, content_type, body in (
        ("letter.csv", "text/csv", f"who,what\r\n{THIRD},visit\r\nJan,call\r\n".encode() * 3000),
        ("scan.pdf", "application/pdf", b"%PDF-1.7 " + THIRD.encode()),
        ("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
    ):
        upload = EncryptedUpload()
        upload.stream.write(body)
        path = upload.save(f"fulfilment/{exported.pk}/{step.pk}/files/{name}.enc")
        extra.append({"name": name, "content_type": content_type, "path": path})
    step.state = {**step.state, "extra_files": extra}
    step.save(update_fields=["state"])

    files = _files(packages.package_build(job=exported)[0])
    assert files["webshop/files/scan.pdf"].endswith(THIRD.encode())
    assert files["webshop/files/letter.csv"].count(THIRD.encode()) == 3000

    decisions = rules.ReviewDecisions(
        texts=(rules.TextRedaction(THIRD, rules.Ground("third_party")),),
        files=(rules.FileExclusion("scan.pdf", rules.Ground("third_party"), "webshop"),),
    )
    files = _files(packages.package_build(job=exported, decisions=decisions)[0])
    assert "webshop/files/scan.pdf" not in files
    assert files["webshop/files/photo.png"] == b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    letter = files["webshop/files/letter.csv"]
    assert letter.count(b"[withheld],visit\r\n") == 3000 and letter.endswith(b"Jan,call\r\n")
    assert all(b"marie dubois" not in data.lower() for data in files.values())
    elsewhere = rules.ReviewDecisions(
        files=(rules.FileExclusion("scan.pdf", rules.Ground("third_party"), "other"),)
    )
    assert "webshop/files/scan.pdf" in _files(
        packages.package_build(job=exported, decisions=elsewhere)[0]
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_export_reads_psycopg_rows_as_sqlalchemy_would(
    settings, monkeypatch, organization, in_progress, officer_actor
):
    """On PostgreSQL the export reads plain rows straight from psycopg's named cursor; the
    parts are byte for byte those of SQLAlchemy's Row path."""
    import psycopg
    from django.db import connection
    from fulfilment_helpers import platform_build, sql_source

    from dsr.connectors import sql

    settings.EGRESS_ALLOW = ["127.0.0.1/32"]
    database = connection.settings_dict
    base = (
        f"postgresql://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}"
    )
    name = f"{database['NAME']}_engine_source"

    def admin(statement: str) -> None:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(statement)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    try:
        platform_build(f"{base}/{name}", readings=4_321, other_readings=100)
        sql_source(organization, f"{base}/{name}")
        used = {}
        real = sql._processors

        def spy(connection, query, description):
            used[tuple(column.name for column in query.selected_columns)] = found = real(
                connection, query, description
            )
            return found

        monkeypatch.setattr(sql, "_processors", spy)
        parts = {}
        for raw in (True, False):
            if not raw:  # through SQLAlchemy's Row objects
                monkeypatch.setattr(sql, "_processors", lambda *args: None)
            job = started(in_progress(Right.ACCESS), officer_actor)
            for step in job.steps.all():
                while runner.step_run(step_id=step.pk) is not None:
                    pass
            job.refresh_from_db()
            parts[raw] = {part["name"]: part for part in _parts(job)}
        # Timestamps, integers and floats come from psycopg as they should be.
        assert used[("measured_at", "watts", "kwh_total")] == [None, None, None]
        readings = parts[True]["power_readings"]
        assert readings["rows"] == 4_321
        for table, part in parts[True].items():
            for kind in ("json_zip", "csv_zip"):
                assert part[kind] == parts[False][table][kind], (table, kind)
        assert list(packages.table_rows(readings, 4_320)) == [["2024-02-15T00:00:00", 820, 1080.0]]
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
