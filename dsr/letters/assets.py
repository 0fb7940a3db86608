"""Where letter assets live and how letters name them (no WeasyPrint import here, so the
web process can build preview URLs without loading the PDF engine)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

ASSET_ORIGIN = "https://letter-assets.invalid/"
ASSET_DIR = Path(settings.BASE_DIR) / "static" / "letters"
# What a letter may load from ASSET_DIR: its stylesheet and its fonts. Nothing else.
ALLOWED_SUFFIXES = {".css": "text/css", ".woff2": "font/woff2"}


class AssetRefused(ValueError):
    """A letter asked for something other than its own assets."""


@lru_cache(maxsize=1)
def allowed_assets() -> dict[str, Path]:
    """Relative path (as in the URL) -> file, for every asset a letter may load."""
    return {
        path.relative_to(ASSET_DIR).as_posix(): path
        for path in sorted(ASSET_DIR.rglob("*"))
        if path.is_file() and path.suffix in ALLOWED_SUFFIXES
    }


@lru_cache(maxsize=32)
def asset_bytes(relative: str) -> bytes:
    return allowed_assets()[relative].read_bytes()


def asset_url(relative: str) -> str:
    return ASSET_ORIGIN + relative
