"""A controller's database, reached by URL through SQLAlchemy Core (no hand-built SQL).

The source's `config["tables"]` is a declarative map, checked against the real schema
when the source is saved (`validate`):

    {"table": "customers", "key": "id",
     "match": {"email": "subject_email", "customer_number": "subject_customer_number"},
     "export": ["id", "name", "email"],
     "erase": {"action": "anonymise", "columns": {"name": {"method": "fixed", "value": "-"},
                                                   "email": {"method": "hash"}}},
     "restrict": {"column": "processing_restricted", "value": true},
     "rectify": ["name", "street"]}
    {"table": "power_readings", "parent": "gateways", "foreign_key": "gateway_id",
     "export": ["measured_at", "watts"], "erase": {"action": "delete"}}
    {"table": "invoices", "parent": "customers", "foreign_key": "customer_id",
     "erase": {"action": "keep", "legal_ground": "Accounting law", "retention": "7 years"}}

`schema` (optional) names the database schema of every table (PostgreSQL).
A table with `match` is found by the request's e-mail (case-insensitive) or customer
number; a table with `parent` through its foreign key. Erasure works children first, in
batches of `batch_rows` keyed on the table's key, one short transaction per batch; the
step's state records each batch *before* it is applied (and the subject's root keys
before anything changes), so a run killed at any point resumes and counts each row once.
Every anonymisation is idempotent (a keyed hash is recognisable, coarsening twice is
coarsening once), so re-applying a batch changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

import dsr.connectors.sql_errors as sql_errors
import dsr.connectors.sql_policy as sql_policy
from dsr.connectors.anonymise import anonymise
from dsr.connectors.base import (
    ConfigError,
    Connector,
    Entry,
    Outcome,
    PermanentError,
    PlanLine,
    StepContext,
    Subject,
    TransientError,
)
from dsr.connectors.sql_map import TableSpec, describe_rule, parse_map
from dsr.models import Right

# A table matched directly holds accounts, not readings: more matches is a mapping mistake.
MAX_DIRECT_MATCHES = 10_000
# A batch of 100,000 rows is deleted in about a tenth of a second: no lock is held for long.
DEFAULT_BATCH_ROWS = 100_000
# Export reads rows from a server-side cursor this many at a time (memory stays flat), and
# checkpoints (progress, lease) every so many rows.
EXPORT_FETCH_ROWS = 5_000
EXPORT_CHECKPOINT_ROWS = 50_000


def _jsonable(value: Any) -> Any:
    """A key as the step's JSON state can hold it (and compare it back)."""
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


# --- the connector ---------------------------------------------------------------------------


def normalise_url(raw: str) -> sa.URL:
    """The URL SQLAlchemy understands, with the one driver the desk uses per kind."""
    text = raw.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url = make_url(text)
    except sa_exc.ArgumentError:
        raise ConfigError("the database URL is not a URL SQLAlchemy understands") from None
    backend = url.get_backend_name()
    driver = url.drivername.partition("+")[2]  # '' when the URL names none
    if backend not in ("postgresql", "mysql", "mariadb", "sqlite"):
        raise ConfigError(f"databases of kind '{backend}' are not supported")
    if backend == "postgresql" and driver in ("psycopg2", "psycopg", ""):
        return url.set(drivername="postgresql+psycopg")
    if backend in ("mysql", "mariadb") and driver in ("pymysql", ""):
        return url.set(drivername=f"{backend}+pymysql")
    if backend == "sqlite" and driver in ("pysqlite", ""):
        return url.set(drivername="sqlite")
    raise ConfigError(
        f"the driver '{driver}' is not supported; use postgresql://, mysql:// or sqlite://"
    )


def masked_url(raw: str) -> str:
    try:
        return normalise_url(raw).render_as_string(hide_password=True)
    except ConfigError:
        return "(not a database URL)"


def _processors(connection: Connection, query: sa.Select, description: Any) -> list | None:
    """SQLAlchemy's conversion of each selected column's values, given the types PostgreSQL
    reports (None for a column psycopg already gives as it should be); None when a type
    cannot say."""
    dialect = connection.dialect
    try:
        return [
            column.type.dialect_impl(dialect).result_processor(dialect, item.type_code)
            for column, item in zip(query.selected_columns, description, strict=True)
        ]
    except Exception:
        return None


def _export_batches(connection: Connection, query: sa.Select) -> Iterator[Sequence[Any]]:
    """The export's rows in fetched batches, streamed from a server-side cursor. On
    PostgreSQL through psycopg straight from a named cursor: tuples, not SQLAlchemy Row
    objects, which at a million rows cost a third of the export's time; the few columns
    whose values SQLAlchemy would convert are converted the same way. The statement is
    SQLAlchemy's, compiled with bound parameters (IN lists expanded)."""
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        raw = connection.connection.dbapi_connection
        with raw.cursor(name=f"dsr_export_{uuid.uuid4().hex}") as cursor:
            cursor.execute(str(compiled), compiled.params)
            processors = _processors(connection, query, cursor.description)
            if processors is not None:
                convert = [(index, p) for index, p in enumerate(processors) if p is not None]
                while rows := cursor.fetchmany(EXPORT_FETCH_ROWS):
                    if convert:
                        rows = [list(row) for row in rows]
                        for row in rows:
                            for index, processor in convert:
                                row[index] = processor(row[index])
                    yield rows
        if not connection.in_transaction():
            raw.rollback()  # psycopg's own read transaction: ended, as between tables
        if processors is not None:
            return
    result = connection.execution_options(stream_results=True, yield_per=EXPORT_FETCH_ROWS).execute(
        query
    )
    yield from result.partitions()


class SqlConnector(Connector):
    kind = "sql"

    def __init__(self, source: Any) -> None:
        super().__init__(source)
        self._specs: list[TableSpec] | None = None

    # -- configuration

    @property
    def specs(self) -> list[TableSpec]:
        if self._specs is None:
            self._specs = parse_map(self.config)
        return self._specs

    def spec(self, table: str) -> TableSpec:
        return next(spec for spec in self.specs if spec.table == table)

    @property
    def batch_rows(self) -> int:
        return max(1, int(self.config.get("batch_rows", DEFAULT_BATCH_ROWS)))

    @property
    def hash_key(self) -> bytes:
        return str(self.secrets.get("hash_key", "")).encode() or b"dsr-desk"

    def _engine(self) -> Engine:
        """An engine for the source's database as the policy allows it (sql_policy.py),
        checked again on every connection: a source saved before a rule is refused too."""
        raw = self.secrets.get("url", "")
        if not raw:
            raise ConfigError("the source has no database URL")
        target = sql_policy.checked_target(
            normalise_url(raw), connect_timeout=int(self.config.get("connect_timeout", 5))
        )
        try:
            return sa.create_engine(
                target.url, poolclass=NullPool, connect_args=target.connect_args
            )
        except (sa_exc.SQLAlchemyError, TypeError, ValueError):
            raise ConfigError("the database URL cannot be used") from None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection, with driver errors turned into the class of failure: a page never
        shows what the driver said (it can name addresses and quote other services)."""
        engine = self._engine()
        try:
            try:
                connection = engine.connect()
            except Exception as error:
                raise TransientError(
                    f"cannot connect to the database ({sql_errors.connect_failure(error)})"
                ) from error
            with connection:
                try:
                    sql_policy.refuse_if_desk(connection)
                    yield connection
                except sa_exc.SQLAlchemyError as error:
                    raise sql_errors.statement_failure(
                        error, tables=[spec.table for spec in self.specs]
                    ) from error
        finally:
            engine.dispose()

    def _tables(self, connection: Connection) -> dict[str, sa.Table]:
        """The map's tables with their real columns (types, lengths, nullability), read from
        the database's catalogue in one query per schema."""
        metadata = sa.MetaData()
        inspector = sa.inspect(connection)
        wanted: dict[str | None, list[tuple[str, str]]] = {}
        for spec in self.specs:
            schema, _, name = spec.table.rpartition(".")
            schema = schema or str(self.config.get("schema") or "")
            wanted.setdefault(schema or None, []).append((spec.table, name))
        tables = {}
        for schema, names in wanted.items():
            found = inspector.get_multi_columns(
                schema=schema, filter_names=[name for _, name in names]
            )
            for table_name, name in names:
                columns = found.get((schema, name))
                if not columns:
                    raise ConfigError(f"table '{table_name}' does not exist in the database")
                tables[table_name] = sa.Table(
                    name,
                    metadata,
                    *[
                        sa.Column(column["name"], column["type"], nullable=column["nullable"])
                        for column in columns
                    ],
                    schema=schema,
                )
        return tables

    def validate(self) -> None:
        """Check the map against the real schema: every table and column must exist."""
        specs = self.specs
        try:
            with self.connect() as connection:
                tables = self._tables(connection)
        except TransientError as error:  # at save time: say why it cannot be checked now
            raise ConfigError(str(error)) from None
        for spec in specs:
            table = tables[spec.table]
            columns = set(table.c.keys())

            def need(column: str, role: str, spec: TableSpec = spec, columns=columns) -> None:
                if column not in columns:
                    raise ConfigError(
                        f"table '{spec.table}' has no column '{column}' ({role}); it has: "
                        f"{', '.join(sorted(columns))}"
                    )

            need(spec.key, "key")
            for column in spec.match:
                need(column, "match")
            if spec.parent:
                need(spec.foreign_key, "foreign key")
                parent = self.spec(spec.parent)
                parent_key = spec.parent_key or parent.key
                if parent_key not in tables[spec.parent].c:
                    raise ConfigError(f"table '{spec.parent}' has no column '{parent_key}'")
            for column in spec.export:
                need(column, "export")
            for column, rule in spec.erase.get("columns", {}).items():
                need(column, "anonymise")
                if rule["method"] == "hash" and not _is_text(table.c[column]):
                    raise ConfigError(
                        f"table '{spec.table}': column '{column}' is not text; a keyed hash "
                        "needs a text column (use null or a fixed value)"
                    )
                if rule["method"] in ("null",) and not table.c[column].nullable:
                    raise ConfigError(
                        f"table '{spec.table}': column '{column}' cannot be empty (NOT NULL); "
                        "use a fixed value"
                    )
            if spec.restrict:
                need(spec.restrict["column"], "restriction flag")
            for column in spec.rectify:
                need(column, "rectify")

    def capabilities(self) -> set[str]:
        try:
            specs = self.specs
        except ConfigError:
            return set()
        found = {"find", "erase"}
        if any(spec.export for spec in specs):
            found.add("export")
        if any(spec.restrict for spec in specs):
            found.add("restrict")
        if any(spec.rectify for spec in specs):
            found.add("rectify")
        return found

    def describe(self) -> Iterator[str]:
        yield masked_url(self.secrets.get("url", ""))
        try:
            for spec in self.specs:
                yield f"{spec.label}: {spec.erase_action}"
        except ConfigError as error:
            yield str(error)

    # -- finding the subject

    def _find(self, connection: Connection, tables: dict[str, sa.Table], subject: Subject):
        keys: dict[str, list[Any]] = {}
        for spec in self.specs:
            if not spec.match:
                continue
            table = tables[spec.table]
            conditions = []
            for column_name, subject_field in spec.match.items():
                value = subject.field(subject_field).strip()
                if not value:
                    continue
                column = table.c[column_name]
                if subject_field == "subject_email":
                    conditions.append(sa.func.lower(column) == value.lower())
                elif _python_type(column) is int:
                    if value.isdigit():
                        conditions.append(column == int(value))
                else:
                    conditions.append(column == value)
            if not conditions:
                keys[spec.table] = []
                continue
            query = (
                sa.select(table.c[spec.key])
                .where(sa.or_(*conditions))
                .order_by(table.c[spec.key])
                .limit(MAX_DIRECT_MATCHES + 1)
            )
            found = [_jsonable(value) for value in connection.execute(query).scalars()]
            if len(found) > MAX_DIRECT_MATCHES:
                raise PermanentError(
                    f"more than {MAX_DIRECT_MATCHES} rows of '{spec.table}' match the subject "
                    "directly; map that table through a parent instead"
                )
            keys[spec.table] = found
        # The keys of the subject's rows in every table other tables hang from (a customer's
        # gateways), so children are found by a plain list (`gateway_id IN (7, 9)`) that the
        # database plans well, and are still found after their parent row was erased.
        parents = {spec.parent for spec in self.specs if spec.parent}
        for spec in self.specs:  # parents first
            if spec.match or spec.table not in parents:
                continue
            table = tables[spec.table]
            query = (
                sa.select(table.c[spec.key])
                .where(self._where(spec, tables, keys))
                .order_by(table.c[spec.key])
                .limit(MAX_DIRECT_MATCHES + 1)
            )
            found = [_jsonable(value) for value in connection.execute(query).scalars()]
            if len(found) <= MAX_DIRECT_MATCHES:  # more: its children use a subquery
                keys[spec.table] = found
        return keys

    def _where(self, spec: TableSpec, tables: dict[str, sa.Table], keys: dict[str, list]):
        table = tables[spec.table]
        if spec.match:
            return table.c[spec.key].in_(keys.get(spec.table, []))
        parent = self.spec(spec.parent)
        parent_table = tables[parent.table]
        parent_key = parent_table.c[spec.parent_key or parent.key]
        if parent.table in keys and parent_key.name == parent.key:
            return table.c[spec.foreign_key].in_(keys[parent.table])
        return table.c[spec.foreign_key].in_(
            sa.select(parent_key).where(self._where(parent, tables, keys))
        )

    def _count(self, connection: Connection, table: sa.Table, where: Any) -> int:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar()
            or 0
        )

    # -- dry run

    def dry_run(self, *, subject: Subject, right: str) -> list[PlanLine]:
        lines = []
        with self.connect() as connection:
            tables = self._tables(connection)
            keys = self._find(connection, tables, subject)
            for spec in self.specs:
                rows = self._count(connection, tables[spec.table], self._where(spec, tables, keys))
                action, detail = self._plan_action(spec, right)
                lines.append(PlanLine(what=spec.label, action=action, rows=rows, detail=detail))
        return lines

    def _plan_action(self, spec: TableSpec, right: str) -> tuple[str, str]:
        if right in (Right.ACCESS, Right.PORTABILITY):
            if not spec.export or (right == Right.PORTABILITY and not spec.portable):
                return "skip", "not part of the package"
            return "export", ", ".join(spec.export)
        if right == Right.ERASURE:
            action = spec.erase_action
            if action == "anonymise":
                rules = spec.erase["columns"]
                return action, "; ".join(describe_rule(c, r) for c, r in rules.items())
            if action == "keep":
                return action, f"{spec.erase['legal_ground']} ({spec.erase['retention']})"
            return action, ""
        if right == Right.RESTRICTION:
            if spec.restrict:
                return "restrict", f"{spec.restrict['column']} = {spec.restrict.get('value')!r}"
            return "skip", "no restriction flag in this table"
        if right == Right.RECTIFICATION:
            if spec.rectify:
                return "rectify", ", ".join(spec.rectify)
            return "skip", "nothing to correct in this table"
        return "skip", ""

    # -- running

    def run(self, context: StepContext) -> Outcome:
        with self.connect() as connection:
            tables = self._tables(connection)
            state = context.state
            if "keys" not in state:
                # Before anything changes: who the subject is here, and how much there is.
                state["keys"] = self._find(connection, tables, context.subject)
                total = 0
                for spec in self.specs:
                    if self._plan_action(spec, context.right)[0] in ("skip", "keep"):
                        continue
                    total += self._count(
                        connection, tables[spec.table], self._where(spec, tables, state["keys"])
                    )
                state["tables"] = {}
                context.checkpoint(rows_total=total, rows_done=0)
            if context.right in (Right.ACCESS, Right.PORTABILITY):
                return self._export(connection, tables, context)
            if context.right == Right.RECTIFICATION:
                return self._rectify(connection, tables, context)
            return self._change(connection, tables, context)

    def record_so_far(self, state: dict[str, Any], right: str) -> list[Entry]:
        """Per table, the rows counted in the bookmark: batches committed in the source (a
        batch written down but rolled back is still `pending`, not counted)."""
        recorded = {"delete": "erased", "anonymise": "anonymised", "restrict": "restricted",
                    "export": "exported", "rectify": "rectified"}  # fmt: skip
        tables = state.get("tables") or {}
        entries = []
        for spec in self.specs:
            action, detail = self._plan_action(spec, right)
            done = (tables.get(spec.table) or {}).get("done", 0)
            if action in recorded and done:
                entries.append(Entry(recorded[action], spec.label, done, reason=detail))
        return entries

    def _rows_done(self, state: dict[str, Any]) -> int:
        return sum(table.get("done", 0) for table in state.get("tables", {}).values())

    def _export(self, connection: Connection, tables, context: StepContext) -> Outcome:
        state = context.state
        entries = []
        for spec in self.specs:
            if self._plan_action(spec, context.right)[0] != "export":
                continue
            table_state = state["tables"].setdefault(spec.table, {"done": 0, "finished": False})
            if not table_state["finished"]:
                table_state["done"] = 0
                table = tables[spec.table]
                query = (
                    sa.select(*[table.c[column] for column in spec.export])
                    .where(self._where(spec, tables, state["keys"]))
                    .order_by(table.c[spec.key])
                )
                before = self._rows_done(state)
                with context.export_table(
                    name=spec.table, label=spec.label, columns=spec.export
                ) as writer:
                    count = checked = 0
                    # A fetched batch at a time: no Python call per row here.
                    for rows in _export_batches(connection, query):
                        writer.write_many(rows)
                        count += len(rows)
                        if count - checked >= EXPORT_CHECKPOINT_ROWS:
                            checked = count
                            context.checkpoint(rows_done=before + count)
                table_state.update(done=count, finished=True)
                connection.rollback()  # end the read transaction between tables
                context.checkpoint(rows_done=self._rows_done(state))
            entries.append(Entry("exported", spec.label, table_state["done"]))
        return Outcome(entries=entries)

    def _rectify(self, connection: Connection, tables, context: StepContext) -> Outcome:
        state = context.state
        entries = []
        for spec in self.specs:
            corrections = {
                column: value
                for column, value in context.corrections.get(spec.table, {}).items()
                if column in spec.rectify
            }
            if not corrections:
                continue
            table_state = state["tables"].setdefault(spec.table, {"done": 0, "finished": False})
            if not table_state["finished"]:
                table = tables[spec.table]
                where = self._where(spec, tables, state["keys"])
                _end_transaction(connection)
                with connection.begin():
                    rows = self._count(connection, table, where)
                    connection.execute(sa.update(table).where(where).values(corrections))
                table_state.update(done=rows, finished=True)
                context.checkpoint(rows_done=self._rows_done(state))
            entries.append(
                Entry("rectified", spec.label, table_state["done"], reason=", ".join(corrections))
            )
        return Outcome(entries=entries)

    def _change(self, connection: Connection, tables, context: StepContext) -> Outcome:
        """Erasure and restriction: children first, in batches, resumable."""
        state = context.state
        entries: dict[str, Entry] = {}
        for spec in sorted(self.specs, key=lambda s: -s.depth):
            action, detail = self._plan_action(spec, context.right)
            table = tables[spec.table]
            where = self._where(spec, tables, state["keys"])
            table_state = state["tables"].setdefault(
                spec.table, {"done": 0, "cursor": None, "pending": None, "finished": False}
            )
            if action == "skip":
                continue
            if action == "keep":
                if not table_state["finished"]:
                    table_state.update(kept=self._count(connection, table, where), finished=True)
                    connection.rollback()
                    context.checkpoint()
                entries[spec.table] = Entry(
                    "kept",
                    spec.label,
                    table_state["kept"],
                    reason=spec.erase["legal_ground"],
                    retention=spec.erase["retention"],
                )
                continue
            if not table_state["finished"]:
                self._in_batches(connection, spec, table, where, action, table_state, context)
            recorded = {"delete": "erased", "anonymise": "anonymised", "restrict": "restricted"}
            entries[spec.table] = Entry(
                recorded[action], spec.label, table_state["done"], reason=detail
            )
        # The record lists tables in the map's order, parents first.
        ordered = [entries[spec.table] for spec in self.specs if spec.table in entries]
        return Outcome(entries=ordered)

    def _in_batches(
        self,
        connection: Connection,
        spec: TableSpec,
        table: sa.Table,
        where: Any,
        action: str,
        table_state: dict[str, Any],
        context: StepContext,
    ) -> None:
        """Apply `action` to the subject's rows of `table`, one short transaction per batch.

        Each batch is applied, then written down in the step's state (key range and row
        count) while its transaction is still open, then committed; it is counted in the
        next checkpoint. A run stopped anywhere leaves either nothing (the database rolled the
        batch back) or the batch written down, which the next run applies again — a no-op if
        it was committed — and counts once."""
        state = context.state
        pending = table_state.get("pending")
        if pending is not None:
            _end_transaction(connection)
            with connection.begin():
                self._apply(
                    connection, spec, table, self._range(spec, table, where, pending), action
                )
            _count_batch(table_state, pending)
            context.checkpoint(rows_done=self._rows_done(state))
        while True:
            _end_transaction(connection)
            transaction = connection.begin()
            try:
                pending = self._apply_next(
                    connection, spec, table, where, action, table_state.get("cursor")
                )
                if pending is None:
                    transaction.rollback()
                    table_state.update(finished=True, pending=None)
                    context.checkpoint(rows_done=self._rows_done(state))
                    return
                table_state["pending"] = pending
                context.checkpoint(rows_done=self._rows_done(state))
                transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
            _count_batch(table_state, pending)

    def _range(self, spec: TableSpec, table: sa.Table, where: Any, pending: dict[str, Any]):
        key = table.c[spec.key]
        conditions = [where, key <= pending["high"]]
        if pending["low"] is not None:
            conditions.append(key > pending["low"])
        return sa.and_(*conditions)

    def _apply_next(
        self,
        connection: Connection,
        spec: TableSpec,
        table: sa.Table,
        where: Any,
        action: str,
        cursor: Any,
    ) -> dict[str, Any] | None:
        """Apply the next batch (uncommitted) and describe it, or None when none is left."""
        key = table.c[spec.key]
        conditions = [where] if cursor is None else [where, key > cursor]
        batch = (
            sa.select(key.label("k"))
            .where(*conditions)
            .order_by(key)
            .limit(self.batch_rows)
            .subquery()
        )
        if action == "delete" and connection.dialect.name == "postgresql":
            # One statement: find the batch's upper key, delete the range, count what went.
            high = sa.select(sa.func.max(batch.c.k)).scalar_subquery()
            deleted = sa.delete(table).where(*conditions, key <= high).returning(key).cte("deleted")
            count, high_key = connection.execute(
                sa.select(sa.func.count(), sa.func.max(deleted.c[key.name]))
            ).one()
            if not count:
                return None
            return {"low": cursor, "high": _jsonable(high_key), "rows": count}
        count, high = connection.execute(sa.select(sa.func.count(), sa.func.max(batch.c.k))).one()
        if not count:
            return None
        pending = {"low": cursor, "high": _jsonable(high), "rows": count}
        self._apply(connection, spec, table, self._range(spec, table, where, pending), action)
        return pending

    def _apply(
        self, connection: Connection, spec: TableSpec, table: sa.Table, where: Any, action: str
    ) -> None:
        if action == "delete":
            connection.execute(sa.delete(table).where(where))
            return
        if action == "restrict":
            column = spec.restrict["column"]  # type: ignore[index]
            connection.execute(
                sa.update(table).where(where).values({column: spec.restrict.get("value", True)})  # type: ignore[union-attr]
            )
            return
        rules: dict[str, dict[str, Any]] = spec.erase["columns"]
        if all(rule["method"] in ("null", "fixed") for rule in rules.values()):
            values = {column: rule.get("value") for column, rule in rules.items()}
            connection.execute(sa.update(table).where(where).values(values))
            return
        columns = list(rules)
        key = table.c[spec.key]
        rows = connection.execute(
            sa.select(key, *[table.c[column] for column in columns]).where(where)
        ).all()
        if not rows:
            return
        lengths = {column: getattr(table.c[column].type, "length", None) for column in columns}
        parameters = [
            {
                "_key": row[0],
                **{
                    f"_value_{index}": anonymise(
                        rules[column], row[index + 1], key=self.hash_key, length=lengths[column]
                    )
                    for index, column in enumerate(columns)
                },
            }
            for row in rows
        ]
        statement = (
            sa.update(table)
            .where(key == sa.bindparam("_key"))
            .values({column: sa.bindparam(f"_value_{i}") for i, column in enumerate(columns)})
        )
        connection.execute(statement, parameters)


def _count_batch(table_state: dict[str, Any], pending: dict[str, Any]) -> None:
    table_state["done"] = table_state.get("done", 0) + pending["rows"]
    table_state["cursor"] = pending["high"]
    table_state["pending"] = None


def _end_transaction(connection: Connection) -> None:
    """End the read transaction SQLAlchemy began implicitly, so a short write one can begin."""
    if connection.in_transaction():
        connection.rollback()


def _is_text(column: sa.Column) -> bool:
    return isinstance(column.type, (sa.String, sa.Text)) or _python_type(column) is str


def _python_type(column: sa.Column) -> type | None:
    try:
        return column.type.python_type
    except NotImplementedError:
        return None
