"""Belgian and Netherlands Dutch: letters/nl_BE/ overrides letters/nl/ for Belgian
organisations only (dsr/letters/variants.py; docs/LETTERS.md)."""

from __future__ import annotations

from dsr.letters import variants

CONTEXT = {
    "c": {"right": "access", "reference": "REF-1"},
    "org": {"legal_name": "Example BV", "signatory_name": ""},
    "dates": {},
}


def test_a_country_variant_is_looked_up_before_the_language():
    assert variants.variant_name("letters/nl/base.html", "BE") == "letters/nl_BE/base.html"
    assert variants.variant_name("letters/nl/base.html", "") is None
    assert variants.variant_name("letters/compose.html", "BE") is None


def test_belgian_dutch_overrides_the_netherlands_wording_and_extends_its_base():
    belgian = variants.render("letters/nl/base.html", CONTEXT, country="BE")
    dutch = variants.render("letters/nl/base.html", CONTEXT, country="NL")
    assert "Onze referentie" in belgian and "Met vriendelijke groeten," in belgian
    assert "Ons kenmerk" in dutch and "Met vriendelijke groet," in dutch
    # the Belgian base extends the Dutch one: everything it does not override is shared
    assert "Digitaal ondertekend" not in belgian  # only shown when signed
    assert "Geachte" in belgian and "Geachte" in dutch


def test_a_variant_reaches_included_partials_too():
    belgian = variants.render("letters/nl/_no_data.html", CONTEXT, country="BE")
    dutch = variants.render("letters/nl/_no_data.html", CONTEXT, country="NL")
    assert "niets te bezorgen" in belgian
    assert "niets toe te sturen" in dutch
    reference = variants.render("letters/nl/_reference_word.html", {}, country="BE")
    assert reference == "de referentie"


def test_languages_without_a_variant_are_the_same_for_every_country():
    for name in ("letters/fr/_no_data.html", "letters/en/_no_data.html"):
        assert variants.render(name, CONTEXT, country="BE") == variants.render(
            name, CONTEXT, country="NL"
        )
