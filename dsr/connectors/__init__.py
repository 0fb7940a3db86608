"""How the desk reaches the controller's systems: sql, http (signed webhook), manual task."""

from __future__ import annotations

from dsr.connectors.base import Connector
from dsr.models import ConnectorKind, DataSource


def connector_for(source: DataSource) -> Connector:
    from dsr.connectors.http import HttpConnector
    from dsr.connectors.manual import ManualConnector
    from dsr.connectors.sql import SqlConnector

    kinds: dict[str, type[Connector]] = {
        ConnectorKind.SQL: SqlConnector,
        ConnectorKind.HTTP: HttpConnector,
        ConnectorKind.MANUAL: ManualConnector,
    }
    return kinds[source.kind](source)
