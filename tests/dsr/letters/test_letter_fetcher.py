"""Letters load nothing but their own assets (issue 6, "Safety").

A local web server records every request it receives. Markup in the subject's name and
message stays text (autoescaped): the server sees nothing, no file is read, and the
markup appears literally in the PDF. Markup that does reach WeasyPrint (a template bug,
say) is stopped by the fetcher before any I/O: network, `file:`, `data:`, redirects.
"""

from __future__ import annotations

import builtins
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from letter_helpers import issue_and_render, make_state, pdf_text
from weasyprint.urls import FatalURLFetchingError

from dsr.letters import render, services
from dsr.letters.assets import ASSET_ORIGIN
from dsr.letters.fetcher import AssetRefused, LetterFetcher
from dsr.models import LetterKind, Right

pytestmark = pytest.mark.django_db


@pytest.fixture
def spy_server():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", "/x")
                self.end_headers()
                return
            body = b"body { color: red }" if self.path.endswith(".css") else b"GIF89a"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def files_opened(monkeypatch):
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return opened


def test_markup_in_the_subjects_name_and_message_stays_text(
    spy_server, files_opened, organization, make_request, officer, officer_actor, monkeypatch
):
    base, hits = spy_server
    image = f'<img src="{base}/x">'
    stylesheet = f'<link rel="stylesheet" href="{base}/s.css">'
    name = f"Jan {image} Peeters"
    message = f'{stylesheet} file:///etc/passwd <img src="file:///etc/passwd"> {image}'
    request = make_state(
        make_request,
        officer_actor,
        right=Right.ACCESS,
        state="open",
        language="en",
        subject_name=name,
        description=message,
    )
    asked: list[str] = []
    real_fetch = LetterFetcher.fetch

    def recording_fetch(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(LetterFetcher, "fetch", recording_fetch)
    letter = issue_and_render(
        request, LetterKind.INFORMATION_REQUEST, officer, information=message, note=message
    )

    assert hits == []
    assert not [path for path in files_opened if "passwd" in path]
    assert all(url.startswith(ASSET_ORIGIN) for url in asked), asked
    text = pdf_text(services.letter_read(letter))
    assert f"Dear Jan {image} Peeters," in text
    # Compared without spaces: the PDF's text breaks long lines wherever they wrap.
    assert message.replace(" ", "") in text.replace(" ", "")


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="{base}/x">',
        '<link rel="stylesheet" href="{base}/s.css">',
        "<style>@import url({base}/import.css);</style>",
        '<img src="{base}/redirect">',
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
        '<img src="ftp://127.0.0.1/x">',
        '<img src="{asset}../../../config/settings.py">',
        '<img src="{asset}branding/1/0000/logo">',
    ],
)
def test_fetcher_refuses_everything_but_letter_assets(markup, spy_server, files_opened):
    base, hits = spy_server
    html = f"<html><body><p>Letter</p>{markup.format(base=base, asset=ASSET_ORIGIN)}</body></html>"
    with pytest.raises(FatalURLFetchingError) as raised:
        render.render_pdf(html)
    assert isinstance(raised.value.__cause__, AssetRefused)
    assert hits == []
    assert not [path for path in files_opened if "passwd" in path or "settings.py" in path]


def test_fetcher_serves_the_allow_listed_assets_and_the_given_files():
    fetcher = LetterFetcher({ASSET_ORIGIN + "branding/7/ab/logo": (b"\x89PNG...", "image/png")})
    response = fetcher.fetch(ASSET_ORIGIN + "fonts/inter-latin-400-normal.woff2")
    assert response.read()[:4] == b"wOF2"
    assert fetcher.fetch(ASSET_ORIGIN + "branding/7/ab/logo").read() == b"\x89PNG..."
    for refused in (ASSET_ORIGIN + "fonts/LICENSE-Inter-OFL.txt", "http://example.com/"):
        with pytest.raises(AssetRefused):
            fetcher.fetch(refused)
    assert fetcher.refused == [
        ASSET_ORIGIN + "fonts/LICENSE-Inter-OFL.txt",
        "http://example.com/",
    ]
    with pytest.raises(AssetRefused):
        fetcher.open("http://example.com/")
