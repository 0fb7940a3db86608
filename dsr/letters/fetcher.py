"""The only way WeasyPrint reads anything while it renders a letter.

A letter's HTML and CSS name their assets under `ASSET_ORIGIN`, an https URL on the
reserved `.invalid` domain (RFC 2606: it never resolves), so that relative URLs in the
stylesheet resolve as usual. The fetcher answers those from the files in
`static/letters/` that are on its allow-list, and the organisation's logo and signature
image from bytes handed to it by the renderer. Everything else is refused before any
I/O happens: other hosts, `file:`, `data:`, `ftp:`, unknown paths; and since nothing is
ever fetched from the network, there is no redirect to follow. A refusal stops the
rendering (`fail_on_errors`): a letter that asks for something else is a bug or an attack,
never something to print without.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from dsr.letters.assets import (
    ALLOWED_SUFFIXES,
    ASSET_ORIGIN,
    AssetRefused,
    allowed_assets,
    asset_bytes,
)


class LetterFetcher(URLFetcher):
    """Serve the letter assets and the given in-memory files; refuse everything else.

    `files` maps full URLs (under ASSET_ORIGIN) to (bytes, content type): the logo and
    signature image of the organisation whose letter is being rendered. `refused` keeps
    every URL that was asked for and refused (the tests read it).
    """

    def __init__(self, files: dict[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=True)
        self._files = dict(files or {})
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url in self._files:
            body, content_type = self._files[url]
            self.served.append(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        if url.startswith(ASSET_ORIGIN):
            relative = url[len(ASSET_ORIGIN) :]
            if relative in allowed_assets():
                content_type = ALLOWED_SUFFIXES.get(Path(relative).suffix) or (
                    mimetypes.guess_type(relative)[0] or "application/octet-stream"
                )
                self.served.append(url)
                return URLFetcherResponse(
                    url, asset_bytes(relative), {"Content-Type": content_type}
                )
        self.refused.append(url)
        raise AssetRefused(f"letters load only their own assets; refused {url[:200]!r}")

    def open(self, url: object, data: object = None, timeout: object = None) -> None:
        # urllib's entry point: never used to reach the network from a letter.
        raise AssetRefused("letters never open URLs")
