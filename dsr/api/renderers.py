"""The API's JSON renderer: it cannot fail on odd text.

Python strings may hold what UTF-8 cannot encode (a lone surrogate); rendering them as UTF-8
raises. Rather than a 500, such a body is rendered with every non-ASCII character escaped,
which is still valid JSON for any reader.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import JSONRenderer


class SafeJSONRenderer(JSONRenderer):
    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            escaped = type(self)()
            escaped.ensure_ascii = True
            return JSONRenderer.render(escaped, data, accepted_media_type, renderer_context)
