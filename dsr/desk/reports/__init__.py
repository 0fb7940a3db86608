"""Accountability (Art. 5(2)): the reports page, the request register, the audit view.

Every figure is an aggregate the database computes over one organisation and a period
(`queries.py`); the page draws each table as an SVG chart on the server (`charts.py`) and
offers it as CSV. The register (`register.py`) lists the period's requests without personal
data, as CSV or as a PDF signed like the letters. Managers see the audit chain's state and
download one request's events with their hashes (`audit_export.py`); `scripts/verify_events.py`
checks such a download with nothing but Python's standard library (docs/AUDIT.md).
"""
