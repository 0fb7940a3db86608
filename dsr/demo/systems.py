"""The demo controllers' own systems, registered as data sources (issue: fulfilment).

- OpenMotics' customer platform: customers, gateways, a power reading every 15 minutes for
  two years per gateway, invoices (kept 7 years), newsletter subscriptions and support
  tickets — a SQLite file in the directory for SQLite sources (DSR_SQL_SOURCE_SQLITE_DIR,
  `sources/demo/`), whichever database the desk itself uses: a data source is never the
  desk's own database. Readings are made only for the subjects of OpenMotics' access,
  erasure and portability requests (about 70,000 each), inserted in bulk.
- Maxem's portal: accounts and hourly measurements that erasure *anonymises* (the link to
  the account is cut, time and place coarsened), as Maxem's policy describes.
- HTTP sources served by `manage.py demo_receiver` (the run command starts it), and manual
  tasks (OpenMotics' paper archive, iLumen's Fluvius mandate).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from django.conf import settings

from accounts.models import Organization
from dsr import audit
from dsr.demo.receiver import DEMO_RECEIVER_SECRET, DEMO_RECEIVER_URL
from dsr.fulfilment.sources import data_source_save
from dsr.models import ConnectorKind, DataSource, Request, Right

READINGS_PER_DAY = 96
READING_DAYS = 2 * 365
MAXEM_HOURS = 90 * 24
SUBJECT_RIGHTS = (Right.ACCESS, Right.ERASURE, Right.PORTABILITY)

OPENMOTICS_CATEGORIES = [
    "Names",
    "E-mail address",
    "Telephone number",
    "Postal address",
    "Login details",
    "Real-time and historical power measurements",
    "System usage information",
    "Technical configuration (power grid, inputs and outputs, dimmers, thermostats, gas, water)",
    "Order and invoice details",
]
CUSTOMER_COLUMNS = ["customer_number", "name", "email", "phone", "street", "postal_code", "city"]
OPENMOTICS_MAP: dict[str, Any] = {
    "tables": [
        {
            "table": "customers",
            "label": "Customer account",
            "match": {"email": "subject_email", "customer_number": "subject_customer_number"},
            "export": [*CUSTOMER_COLUMNS, "created_at"],
            "erase": {
                "action": "anonymise",
                "columns": {
                    "name": {"method": "fixed", "value": "(erased)"},
                    "email": {"method": "hash"},
                    "phone": {"method": "null"},
                    "street": {"method": "null"},
                    "postal_code": {"method": "coarsen_location", "keep": 2},
                },
            },
            "restrict": {"column": "processing_restricted", "value": True},
            "rectify": ["name", "phone", "street", "postal_code", "city"],
        },
        {
            "table": "gateways",
            "label": "Gateways",
            "parent": "customers",
            "foreign_key": "customer_id",
            "export": ["serial", "installed_at", "latitude", "longitude"],
            "erase": {"action": "delete"},
        },
        {
            "table": "power_readings",
            "label": "Power readings (every 15 minutes)",
            "parent": "gateways",
            "foreign_key": "gateway_id",
            "export": ["measured_at", "watts", "kwh_total"],
            "erase": {"action": "delete"},
        },
        {
            "table": "invoices",
            "label": "Invoices",
            "parent": "customers",
            "foreign_key": "customer_id",
            "export": ["number", "issued_at", "amount_eur", "billing_name", "billing_address"],
            "portable": False,
            "erase": {
                "action": "keep",
                "legal_ground": "Belgian accounting law (Code of Economic Law, book III) and "
                "VAT rules require invoices to be kept",
                "retention": "7 years after the end of the financial year",
            },
        },
        {
            "table": "newsletter_subscriptions",
            "label": "Newsletter subscription",
            "match": {"email": "subject_email"},
            "export": ["email", "language", "subscribed_at"],
            "erase": {"action": "delete"},
        },
        {
            "table": "support_tickets",
            "label": "Support tickets",
            "parent": "customers",
            "foreign_key": "customer_id",
            "export": ["opened_at", "title", "body"],
            "erase": {"action": "delete"},
        },
    ]
}
MAXEM_MAP: dict[str, Any] = {
    "tables": [
        {
            "table": "accounts",
            "label": "Maxem account",
            "match": {"email": "subject_email"},
            "export": ["email", "name", "postcode", "created_at"],
            "erase": {"action": "delete"},
        },
        {
            "table": "measurements",
            "label": "Metering data (hourly)",
            "parent": "accounts",
            "foreign_key": "account_id",
            "export": ["measured_at", "postcode", "kwh"],
            # Maxem's policy: metering data is anonymised, not deleted, once the link to the
            # person is cut (time and place coarsened so it cannot point to an address).
            "erase": {
                "action": "anonymise",
                "columns": {
                    "account_id": {"method": "null"},
                    "measured_at": {"method": "coarsen_timestamp", "to": "day"},
                    "postcode": {"method": "coarsen_location", "keep": 2},
                },
            },
        },
    ]
}


def demo_metadata(schema: str | None) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    metadata = sa.MetaData(schema=schema)
    big_key = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    customers = sa.Table(
        "customers", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_number", sa.String(20), unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("phone", sa.String(40)),
        sa.Column("street", sa.String(200)),
        sa.Column("postal_code", sa.String(10)),
        sa.Column("city", sa.String(100)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("processing_restricted", sa.Boolean, nullable=False, default=False),
    )  # fmt: skip
    gateways = sa.Table(
        "gateways", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(customers.c.id), index=True),
        sa.Column("serial", sa.String(30), nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
    )  # fmt: skip
    sa.Table(
        "power_readings", metadata,
        sa.Column("id", big_key, primary_key=True),
        sa.Column("gateway_id", sa.Integer, sa.ForeignKey(gateways.c.id), nullable=False),
        sa.Column("measured_at", sa.DateTime, nullable=False),
        sa.Column("watts", sa.Integer, nullable=False),
        sa.Column("kwh_total", sa.Float, nullable=False),
        # A gateway's readings in key order: what erasure and export batches read.
        sa.Index("power_readings_gateway", "gateway_id", "id"),
    )  # fmt: skip
    sa.Table(
        "invoices", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(customers.c.id), index=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("issued_at", sa.Date, nullable=False),
        sa.Column("amount_eur", sa.Numeric(10, 2), nullable=False),
        sa.Column("billing_name", sa.String(200)),
        sa.Column("billing_address", sa.String(300)),
    )  # fmt: skip
    sa.Table(
        "newsletter_subscriptions", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("subscribed_at", sa.DateTime, nullable=False),
    )  # fmt: skip
    sa.Table(
        "support_tickets", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey(customers.c.id), index=True),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )  # fmt: skip
    accounts = sa.Table(
        "accounts", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("postcode", sa.String(10)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )  # fmt: skip
    sa.Table(
        "measurements", metadata,
        sa.Column("id", big_key, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey(accounts.c.id)),
        sa.Column("measured_at", sa.DateTime, nullable=False),
        sa.Column("postcode", sa.String(10)),
        sa.Column("kwh", sa.Float, nullable=False),
        sa.Index("measurements_account", "account_id", "id"),
    )  # fmt: skip
    return metadata, {table.name: table for table in metadata.tables.values()}


# --- where the demo systems live -------------------------------------------------------------


def database_url(system: str) -> tuple[str, str | None]:
    """(SQLAlchemy URL, schema) of a demo system: a SQLite file under the directory for
    SQLite sources, never beside the desk's own tables (sql_policy refuses those)."""
    folder = Path(settings.SQL_SOURCE_SQLITE_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / f'{system}.sqlite3'}", None


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _prepare(url: str, schema: str | None, names: list[str], *, rebuild: bool) -> bool:
    """Create the system's tables; True when they are new (and must be filled)."""
    metadata, tables = demo_metadata(schema)
    wanted = [tables[name] for name in names]
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            if schema:
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            existing = sa.inspect(connection).has_table(names[0], schema=schema)
            if existing and not rebuild:
                return False
            metadata.drop_all(connection, tables=list(reversed(wanted)))
            metadata.create_all(connection, tables=wanted)
        return True
    finally:
        engine.dispose()


def _bulk(connection: sa.Connection, table: sa.Table, columns: list[str], rows: Iterable) -> None:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite."""
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        buffer.seek(0)
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        return
    statement = sa.insert(table).values({column: sa.bindparam(column) for column in columns})
    compiled = statement.compile(dialect=connection.dialect)
    # SQLite's placeholders are positional, in the table's column order: reorder the rows.
    order = [columns.index(name) for name in compiled.positiontup]
    connection.exec_driver_sql(
        str(compiled), [tuple(row[index] for index in order) for row in rows]
    )


def _number(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _subjects(organization: Organization) -> list[Request]:
    """One request per subject e-mail (the first), OpenMotics' subjects of the demo."""
    seen: dict[str, Request] = {}
    for request in Request.objects.filter(organization=organization).order_by("pk"):
        if request.subject_email and request.subject_email not in seen:
            seen[request.subject_email] = request
    return list(seen.values())


def _fill_customer_platform(url: str, schema: str | None, organization: Organization) -> None:
    _, tables = demo_metadata(schema)
    subjects = _subjects(organization)
    with_readings = set(
        Request.objects.filter(organization=organization, right__in=SUBJECT_RIGHTS).values_list(
            "subject_email", flat=True
        )
    )
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=READING_DAYS)
    stamps = [
        (start + timedelta(minutes=15 * index)).strftime("%Y-%m-%d %H:%M:%S")
        for index in range(READING_DAYS * READINGS_PER_DAY)
    ]
    customers, gateways, invoices, newsletter, tickets, readings = [], [], [], [], [], []
    # Two customers nobody asked about, so a dry run shows that only the subject matches.
    others = [
        ("Els Bogaert", "els.bogaert@example.net", ""),
        ("Tom Claes", "t.claes@example.org", ""),
    ]
    people = [(r.subject_name, r.subject_email, r.subject_customer_number) for r in subjects]
    for customer_id, (name, email, number) in enumerate([*people, *others], 1):
        seed = _number(email)
        postal = str(1000 + seed % 8999)
        customers.append(
            (customer_id, number or f"OPM-C{10000 + customer_id}", name, email,
             f"+32 4{seed % 100_000_000:08d}", f"Stationsstraat {seed % 120 + 1}", postal,
             "Gent", start.strftime("%Y-%m-%d %H:%M:%S"), False)
        )  # fmt: skip
        gateways.append(
            (customer_id, customer_id, f"OM-{seed % 1_000_000:06d}",
             start.strftime("%Y-%m-%d %H:%M:%S"), round(51.05 + (seed % 100) / 1000, 5),
             round(3.72 + (seed % 97) / 1000, 5))
        )  # fmt: skip
        for year_back in range(3):
            issued = date(now.year - year_back, 1 + seed % 12, 1 + seed % 28)
            invoices.append(
                (f"INV-{now.year - year_back}-{customer_id:05d}", customer_id, issued,
                 f"{150 + seed % 700}.00", name, f"Stationsstraat {seed % 120 + 1}, {postal} Gent")
            )  # fmt: skip
        if seed % 2 == 0 or email in with_readings:
            newsletter.append((email, "nl", start.strftime("%Y-%m-%d %H:%M:%S")))
        tickets.append(
            (customer_id, (now - timedelta(days=seed % 300)).strftime("%Y-%m-%d %H:%M:%S"),
             "Gateway offline", f"My gateway {gateways[-1][2]} does not report since yesterday.")
        )  # fmt: skip
        if email in with_readings:
            base, total = 180 + seed % 300, 0.0
            for index, stamp in enumerate(stamps):
                watts = base + (index * 7919 + seed) % 2400
                total += watts / 4000
                readings.append((customer_id, stamp, watts, round(total, 3)))
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            columns = [
                "id", "customer_number", "name", "email", "phone", "street", "postal_code",
                "city", "created_at", "processing_restricted",
            ]  # fmt: skip
            _bulk(connection, tables["customers"], columns, customers)
            _bulk(
                connection,
                tables["gateways"],
                ["id", "customer_id", "serial", "installed_at", "latitude", "longitude"],
                gateways,
            )
            _bulk(
                connection,
                tables["invoices"],
                ["number", "customer_id", "issued_at", "amount_eur", "billing_name",
                 "billing_address"],
                invoices,
            )  # fmt: skip
            _bulk(
                connection,
                tables["newsletter_subscriptions"],
                ["email", "language", "subscribed_at"],
                newsletter,
            )
            _bulk(
                connection,
                tables["support_tickets"],
                ["customer_id", "opened_at", "title", "body"],
                tickets,
            )
            _bulk(
                connection,
                tables["power_readings"],
                ["gateway_id", "measured_at", "watts", "kwh_total"],
                readings,
            )
    finally:
        engine.dispose()


def _fill_maxem(url: str, schema: str | None, organization: Organization) -> None:
    _, tables = demo_metadata(schema)
    subjects = _subjects(organization)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(hours=MAXEM_HOURS)
    accounts, measurements = [], []
    for account_id, request in enumerate(subjects, 1):
        seed = _number(request.subject_email)
        postcode = f"{3500 + seed % 400} {chr(65 + seed % 26)}{chr(65 + seed // 26 % 26)}"
        accounts.append(
            (account_id, request.subject_email, request.subject_name, postcode,
             start.strftime("%Y-%m-%d %H:%M:%S"))
        )  # fmt: skip
        if request.right in SUBJECT_RIGHTS:
            for hour in range(MAXEM_HOURS):
                stamp = (start + timedelta(hours=hour)).strftime("%Y-%m-%d %H:%M:%S")
                measurements.append((account_id, stamp, postcode, ((hour * 31 + seed) % 90) / 10))
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            _bulk(
                connection,
                tables["accounts"],
                ["id", "email", "name", "postcode", "created_at"],
                accounts,
            )
            _bulk(
                connection,
                tables["measurements"],
                ["account_id", "measured_at", "postcode", "kwh"],
                measurements,
            )
    finally:
        engine.dispose()


# --- registering the sources -----------------------------------------------------------------


def _save(organization: Organization, name: str, kind: str, **values: Any) -> DataSource:
    existing = DataSource.objects.filter(organization=organization, name=name).first()
    return data_source_save(
        organization=organization,
        actor=audit.Actor.system("demo loader"),
        source=existing,
        name=name,
        kind=kind,
        **values,
    )


def load(*, rebuild: bool) -> int:
    """Create the demo systems (once, or again when `rebuild`) and register their sources.

    Returns how many data sources the demo organisations have."""
    organizations = {o.slug: o for o in Organization.objects.all()}
    openmotics = organizations.get("openmotics")
    if openmotics is not None:
        url, schema = database_url("openmotics")
        names = [
            "customers", "gateways", "power_readings", "invoices", "newsletter_subscriptions",
            "support_tickets",
        ]  # fmt: skip
        if _prepare(url, schema, names, rebuild=rebuild):
            _fill_customer_platform(url, schema, openmotics)
        _save(
            openmotics,
            "Customer platform",
            ConnectorKind.SQL,
            description="Accounts, gateways, power readings, invoices, newsletter, support.",
            config={**OPENMOTICS_MAP, "schema": schema, "batch_rows": 10_000},
            secrets={"url": url},
            data_categories=OPENMOTICS_CATEGORIES,
        )
        _save(
            openmotics,
            "Paper archive (Ternat)",
            ConnectorKind.MANUAL,
            description="Signed order forms and letters kept on paper.",
            config={
                "assignee_name": "Office manager, Ternat",
                "assignee_email": "archive@openmotics.example",
                "instructions": "Look in the customer binders (by postcode) for paper order "
                "forms and letters of this customer. Access: scan them. Erasure: shred them "
                "unless an invoice is attached (kept 7 years).",
            },
            data_categories=["Names", "Postal address", "Order and invoice details"],
        )
        _save(
            openmotics,
            "Webshop",
            ConnectorKind.HTTP,
            description="The webshop's privacy endpoint (demo receiver).",
            config={
                "url": f"{DEMO_RECEIVER_URL}/openmotics/",
                "capabilities": ["export", "erase", "rectify", "restrict"],
                "timeout_seconds": 5,
                "poll_seconds": 10,
            },
            secrets={"hmac_secret": DEMO_RECEIVER_SECRET},
            data_categories=["Names", "E-mail address", "Shipping and billing address"],
        )
    maxem = organizations.get("maxem")
    if maxem is not None:
        url, schema = database_url("maxem")
        if _prepare(url, schema, ["accounts", "measurements"], rebuild=rebuild):
            _fill_maxem(url, schema, maxem)
        _save(
            maxem,
            "Maxem portal",
            ConnectorKind.SQL,
            description="Accounts and hourly metering data; metering data is anonymised.",
            config={**MAXEM_MAP, "schema": schema},
            secrets={"url": url},
            data_categories=[
                "First and last name",
                "E-mail address",
                "Address and postcode",
                "Electricity use of the installation",
                "Electricity use of connected appliances (charge point, heat pump)",
            ],
        )
    ilumen = organizations.get("ilumen")
    if ilumen is not None:
        _save(
            ilumen,
            "Fluvius data mandate",
            ConnectorKind.MANUAL,
            description="The mandate the customer approved in 'Mijn Fluvius'.",
            config={
                "assignee_name": "iLusmart support",
                "assignee_email": "ilusmart-support@ilumen.example",
                "instructions": "Erasure or restriction: revoke the customer's data mandate in "
                "the Fluvius partner portal and note the revocation reference. Access: "
                "download the mandate confirmation.",
            },
            # In iLumen's language, as its register (Art. 19 notices match the two).
            data_categories=["EAN-code van de aansluiting", "Afnamegegevens van de digitale meter"],
        )
        _save(
            ilumen,
            "iLusmart app",
            ConnectorKind.HTTP,
            description="The app back-end's privacy endpoint (demo receiver).",
            config={
                "url": f"{DEMO_RECEIVER_URL}/ilumen/",
                "capabilities": ["export", "erase", "restrict"],
                "timeout_seconds": 5,
            },
            secrets={"hmac_secret": DEMO_RECEIVER_SECRET},
            data_categories=["Naam en voornaam", "E-mailadres", "Telefoonnummer"],
        )
    zensor = organizations.get("zensor")
    if zensor is not None:
        _save(
            zensor,
            "Building portal",
            ConnectorKind.HTTP,
            description="zensor.be accounts and sensor dashboards (demo receiver).",
            config={
                "url": f"{DEMO_RECEIVER_URL}/zensor/",
                "capabilities": ["export", "erase", "rectify", "restrict"],
                "timeout_seconds": 5,
            },
            secrets={"hmac_secret": DEMO_RECEIVER_SECRET},
            data_categories=["Name", "E-mail address", "Login details"],
        )
    return DataSource.objects.filter(organization__in=organizations.values()).count()
