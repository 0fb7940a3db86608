"""Saving a data source: its configuration checked against the real system first."""

from __future__ import annotations

import secrets as random_secrets
from typing import Any

from django.db import transaction

from accounts.models import Organization
from dsr import audit
from dsr.connectors import connector_for
from dsr.models import ConnectorKind, DataSource, EventKind, ProcessingActivity, Recipient


def data_source_save(
    *,
    organization: Organization,
    actor: audit.Actor,
    source: DataSource | None = None,
    name: str,
    kind: str,
    description: str = "",
    config: dict[str, Any],
    secrets: dict[str, Any] | None = None,
    data_categories: list[str] | None = None,
    active: bool = True,
    own_data_only: bool | None = None,
    validate: bool = True,
) -> DataSource:
    """Create or update a source. `secrets` entries left empty keep their stored value.

    Raises dsr.connectors.base.ConfigError (the message names the table, column or setting)
    when `validate` is on and the configuration does not fit the real system."""
    source = source or DataSource(organization=organization, kind=kind)
    stored = source.secrets if source.secrets_encrypted else {}
    merged = {**stored, **{key: value for key, value in (secrets or {}).items() if value}}
    if kind == ConnectorKind.SQL and not merged.get("hash_key"):
        merged["hash_key"] = random_secrets.token_urlsafe(32)  # for keyed-hash anonymisation
    source.name = name
    source.kind = kind
    source.description = description
    source.config = config
    source.data_categories = list(data_categories or [])
    source.active = active
    if own_data_only is not None:
        source.own_data_only = own_data_only
    source.set_secrets(merged)
    if validate:
        connector_for(source).validate()
    with transaction.atomic():
        created = source.pk is None
        source.save()
        audit.record(
            organization=organization,
            kind=EventKind.DATA_SOURCE_SAVED,
            actor=actor,
            data={
                "source": source.name,
                "connector": source.kind,
                "created": created,
                "active": source.active,
                "own_data_only": source.own_data_only,
                "capabilities": sorted(connector_for(source).capabilities()),
            },
        )
    return source


def register_categories(organization: Organization) -> list[str]:
    """Every data category the register names (activities and recipients), for the form."""
    found: list[str] = []
    for activity in ProcessingActivity.objects.filter(organization=organization):
        found += [c for c in activity.data_categories if c not in found]
    for recipient in Recipient.objects.filter(organization=organization):
        found += [c for c in recipient.data_categories if c not in found]
    return found
