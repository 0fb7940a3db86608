"""The subject's data package: JSON and CSV per table, a readable index.html and the
Art. 15 information, zipped and encrypted as a stream (memory does not grow with rows).

Export steps write each table as it is read (`TableExport`); when the job finishes,
`package_build` copies those parts into one ZIP in storage and deletes them. The CSV holds
no formula a spreadsheet would run (`dsr.spreadsheet.csv_safe`); the JSON keeps every value
as the source holds it.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from dsr.fulfilment.streams import EncryptedUpload, storage_delete, stored_chunks
from dsr.models import DataPackage, Job, Request, StepStatus, processing_register
from dsr.spreadsheet import csv_safe

PREVIEW_ROWS = 20
TEXT_BUFFER_BYTES = 1 << 16

# Where the subject may complain (LEGAL.md, "Refusal and fees"), by the controller's country.
AUTHORITIES = {
    "BE": {
        "name": "Gegevensbeschermingsautoriteit / Autorité de protection des données",
        "address": "Drukpersstraat 35 / Rue de la Presse 35, 1000 Brussel/Bruxelles",
    },
    "NL": {
        "name": "Autoriteit Persoonsgegevens",
        "address": "Postbus 93374, 2509 AJ Den Haag",
    },
}


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def _csv_value(value: Any) -> Any:
    """A value as the index's preview shows it (HTML, escaped by the template)."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return value
    return _json_default(value)


def _csv_cell(value: Any) -> Any:
    """A value as the CSV holds it: what the source holds is data, never a formula a
    spreadsheet would run (`=HYPERLINK(...)` typed into a webshop); the JSON keeps it as is."""
    return csv_safe(_csv_value(value))


def _text(upload: EncryptedUpload) -> io.TextIOWrapper:
    buffered = io.BufferedWriter(upload.stream, buffer_size=TEXT_BUFFER_BYTES)
    return io.TextIOWrapper(buffered, encoding="utf-8", newline="")


class TableExport:
    """One table of the package, written row by row as JSON and CSV (both encrypted).

    On a clean exit the files are saved under `prefix` and `on_saved` receives their
    description (names, columns, row count); on an error they are thrown away.
    """

    def __init__(
        self,
        *,
        prefix: str,
        name: str,
        label: str,
        columns: list[str],
        on_saved: Callable[[dict[str, Any]], None],
    ) -> None:
        self.prefix = prefix
        self.name = slugify(name) or "table"
        self.label = label
        self.columns = list(columns)
        self.on_saved = on_saved
        self.rows = 0
        self.preview: list[list[Any]] = []
        self._encode = json.JSONEncoder(
            default=_json_default, ensure_ascii=False, separators=(",", ":")
        ).encode

    def __enter__(self) -> TableExport:
        self._json_upload, self._csv_upload = EncryptedUpload(), EncryptedUpload()
        self._json, self._csv_text = _text(self._json_upload), _text(self._csv_upload)
        self._csv = csv.writer(self._csv_text)
        self._json.write("[")
        self._csv.writerow([_csv_cell(column) for column in self.columns])
        return self

    def write(self, row: tuple | list) -> None:
        values = list(row)
        self._json.write(
            ("\n" if not self.rows else ",\n")
            + self._encode(dict(zip(self.columns, values, strict=False)))
        )
        self._csv.writerow([_csv_cell(value) for value in values])
        if self.rows < PREVIEW_ROWS:
            self.preview.append([_csv_value(value) for value in values])
        self.rows += 1

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if error is not None:
            self._json.close()
            self._csv_text.close()
            self._json_upload.discard()
            self._csv_upload.discard()
            return
        self._json.write("\n]\n")
        self._json.close()
        self._csv_text.close()
        preview = EncryptedUpload()
        preview.stream.write(json.dumps(self.preview, default=_json_default).encode())
        self.on_saved(
            {
                "name": self.name,
                "label": self.label,
                "columns": self.columns,
                "rows": self.rows,
                "json": self._json_upload.save(f"{self.prefix}/{self.name}.json.enc"),
                "csv": self._csv_upload.save(f"{self.prefix}/{self.name}.csv.enc"),
                "preview": preview.save(f"{self.prefix}/{self.name}.preview.enc"),
            }
        )


def parts_delete(files: list[dict[str, Any]]) -> None:
    for info in files:
        for kind in ("json", "csv", "preview"):
            storage_delete(info.get(kind) or "")


def art15_information(request: Request) -> dict[str, Any]:
    """What Art. 15(1) and (2) require besides the copy, from the organisation's register."""
    organization = request.organization
    # In the subject's language; RegisterIncomplete names what the register lacks in it.
    activities = processing_register(organization, request.language)
    with translation.override(request.language):
        return {
            "controller": {
                "name": organization.legal_name or organization.name,
                "address": ", ".join(
                    part
                    for part in (
                        organization.street_address,
                        f"{organization.postal_code} {organization.city}".strip(),
                        organization.country,
                    )
                    if part
                ),
                "company_number": organization.company_number,
                "privacy_contact": organization.privacy_email,
            },
            "reference": request.reference,
            "processing": [
                {
                    "activity": activity.name,
                    "purpose": activity.purpose,
                    "data_categories": list(activity.data_categories),
                    "legal_basis": str(activity.get_legal_basis_display()),
                    "retention": activity.retention,
                    "source": activity.source,
                    "automated_decision_logic": activity.automated_decision_logic,
                    "recipients": [
                        {
                            "name": recipient.name,
                            "kind": str(recipient.get_kind_display()),
                            "country": recipient.country,
                        }
                        for recipient in activity.recipients
                    ],
                }
                for activity in activities
            ],
            "supervisory_authority": AUTHORITIES.get(organization.country, AUTHORITIES["BE"]),
        }


def package_build(
    *, job: Job, heartbeat: Callable[[], None] = lambda: None
) -> tuple[DataPackage, list[dict[str, Any]]]:
    """Zip every export step's tables with the index and the Art. 15 information, encrypted.

    Returns the DataPackage (file stored, row not yet saved) and the part files it was made
    from, which the caller deletes once the package is saved."""
    request = job.request
    package = DataPackage(
        job=job,
        request=request,
        expires_at=timezone.now() + timedelta(days=settings.PACKAGE_DAYS),
        max_downloads=settings.PACKAGE_MAX_DOWNLOADS,
    )
    upload = EncryptedUpload()
    sources: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    folders: set[str] = set()
    try:
        with zipfile.ZipFile(
            upload.stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        ) as archive:
            for step in job.steps.select_related("source").order_by("position", "pk"):
                folder = slugify(step.source.name) or f"source-{step.position}"
                while folder in folders:
                    folder += "-1"
                folders.add(folder)
                files = step.state.get("files", []) if step.status == StepStatus.DONE else []
                tables = []
                for info in files:
                    for kind in ("json", "csv"):
                        path = f"{folder}/{info['name']}.{kind}"
                        with archive.open(path, "w", force_zip64=True) as entry:
                            for chunk in stored_chunks(info[kind]):
                                entry.write(chunk)
                        heartbeat()
                    preview = json.loads(b"".join(stored_chunks(info["preview"])) or b"[]")
                    tables.append(
                        {
                            **{key: info[key] for key in ("label", "columns", "rows")},
                            "json": f"{folder}/{info['name']}.json",
                            "csv": f"{folder}/{info['name']}.csv",
                            "preview": preview,
                            "more": info["rows"] > len(preview),
                        }
                    )
                parts += files
                sources.append(
                    {
                        "name": step.source.name,
                        "status": step.status,
                        "entries": step.result,
                        "tables": tables,
                    }
                )
            information = art15_information(request)
            archive.writestr(
                "information.json", json.dumps(information, ensure_ascii=False, indent=2)
            )
            with translation.override(request.language):
                index = render_to_string(
                    "fulfilment/package_index.html",
                    {
                        "request_obj": request,
                        "organization": request.organization,
                        "information": information,
                        "sources": sources,
                        "created_at": timezone.now(),
                    },
                )
            archive.writestr("index.html", index)
        package.size = upload.stream.plaintext_bytes
        package.sha256 = upload.stream.plaintext_sha256.hexdigest()
        package.file.name = upload.save(
            f"packages/{request.organization_id}/{package.token}.zip.enc"
        )
    except BaseException:
        upload.discard()
        raise
    return package, parts


def package_chunks(package: DataPackage) -> Iterator[bytes]:
    """The package's ZIP, decrypted chunk by chunk, for the download response."""
    return stored_chunks(package.file.name)
