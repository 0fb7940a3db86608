"""Letter templates per language, with a country's own wording where it differs.

`templates/letters/<language>/` holds a language's letters. A country may override any of
them in `templates/letters/<language>_<COUNTRY>/` (e.g. `nl_BE/` for Belgian Dutch: "Onze
referentie", "Met vriendelijke groeten", "te bezorgen"), and only where its wording differs:
the loader looks for `letters/nl_BE/_no_data.html` before `letters/nl/_no_data.html`, for
every template a letter names, including its `{% include %}`s and `{% extends %}`. An
override may extend the template it overrides (`{% extends "letters/nl/base.html" %}` in
`nl_BE/base.html` reaches `nl/base.html`: Django skips the template already in the chain).

One template engine per country, each with its own cached loader, so the search order is
fixed per engine and a Belgian letter never picks up a Dutch one's cached template.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Origin
from django.template.loaders.filesystem import Loader as FilesystemLoader

LETTER_LANGUAGES = ("en", "nl", "fr")


def variant_name(template_name: str, country: str) -> str | None:
    """`letters/nl/x.html` -> `letters/nl_BE/x.html` for BE; None for any other template."""
    parts = template_name.split("/")
    if len(parts) == 3 and parts[0] == "letters" and parts[1] in LETTER_LANGUAGES and country:
        return f"letters/{parts[1]}_{country.upper()}/{parts[2]}"
    return None


class CountryLoader(FilesystemLoader):
    """The project's templates, a country's variant of a letter template first."""

    def __init__(self, engine: Engine, country: str) -> None:
        super().__init__(engine)
        self.country = country

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        variant = variant_name(template_name, self.country)
        if variant:
            for origin in super().get_template_sources(variant):
                # Under the name asked for: the cached loader keys a lookup that skips
                # templates already in an `{% extends %}` chain by the skipped origins of
                # that name, so an override extending its language's template finds it.
                origin.template_name = template_name
                yield origin
        yield from super().get_template_sources(template_name)


@lru_cache(maxsize=8)
def engine(country: str) -> Engine:
    return Engine(
        dirs=[str(path) for path in settings.TEMPLATES[0]["DIRS"]],
        loaders=[
            ("django.template.loaders.cached.Loader", [(f"{__name__}.CountryLoader", country)])
        ],
        autoescape=True,
        debug=settings.DEBUG,
    )


def render(template_name: str, context: dict[str, Any], *, country: str) -> str:
    """Render a letter template in the wording of the organisation's `country`."""
    template = engine(country or "").get_template(template_name)
    return template.render(Context(context, autoescape=True))
