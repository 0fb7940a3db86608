"""What an incoming privacy mail probably is: its text, its language, the rights it names.

Pure functions, no database: the mail intake calls `guess_message(subject=..., text=...)`
when it creates an inbox item and stores the result; the desk shows it to the officer as a
suggestion ("suggested because: …"), never as a decision.

- `html_to_text` reduces an HTML body to plain text with the standard library's parser:
  scripts, styles and other non-text elements are dropped, images become their alt text,
  links are shown as text with their address beside them. Nothing in the result is
  markup; templates escape it like any other text, so nothing is loaded from anywhere.
- `guess_language` counts common words of English, Dutch and French.
- `guess_rights` looks for the words a person uses for each right in each of the three
  languages, ignoring quoted lines ("> …") and lines that carry a link (a newsletter's
  "unsubscribe here: https://…" footer is not an objection).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from dsr.models.vocabulary import Right

# An HTML body larger than this is cut before parsing (the original stays in the .eml).
HTML_INPUT_LIMIT = 2_000_000
# The text kept for display and guessing.
TEXT_LIMIT = 200_000

# --- HTML to text --------------------------------------------------------------------------

# Elements whose content is never text for a reader (and may be hostile).
_SKIPPED = frozenset(
    {
        "script",
        "style",
        "head",
        "template",
        "noscript",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "select",
        "button",
    }
)
# Void elements never get an end tag; they must not open a skipped region.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "aside",
        "nav",
        "blockquote",
        "pre",
        "table",
        "tr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "form",
        "fieldset",
        "address",
        "figure",
        "figcaption",
        "hr",
        "body",
        "html",
    }
)
_SHOWN_SCHEMES = ("http://", "https://", "mailto:")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.links: list[tuple[str, int]] = []  # (href, index of the first part inside)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED and tag not in _VOID:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        attributes = {name: value or "" for name, value in attrs}
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag in {"p", "table", "blockquote", "hr"} else "\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in {"td", "th"}:
            self.parts.append(" ")
        elif tag == "img":
            alt = " ".join(attributes.get("alt", "").split())
            if alt:
                self.parts.append(f"[{alt}]")
        elif tag == "a":
            self.links.append((attributes.get("href", "").strip(), len(self.parts)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <img/>: never opens a region.
        if tag in _SKIPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and tag not in _VOID:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            shown = " ".join("".join(self.parts[start:]).split())
            if href.lower().startswith(_SHOWN_SCHEMES):
                address = href[7:] if href.lower().startswith("mailto:") else href
                if address != shown:
                    self.parts.append(f" ({address})" if shown else address)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: what a reader sees, links written out, nothing loaded."""
    extractor = _TextExtractor()
    extractor.feed(html[:HTML_INPUT_LIMIT])
    extractor.close()
    return tidy_text("".join(extractor.parts))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def tidy_text(text: str) -> str:
    """Spaces collapsed within lines, at most one blank line, no control or direction
    characters (which could disguise what an officer reads), cut at TEXT_LIMIT."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    result = "\n".join(kept).strip()
    if len(result) > TEXT_LIMIT:
        result = result[:TEXT_LIMIT].rstrip() + " […]"
    return result


# --- normalising for matching --------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents, the same length as `text` so matches map back to it."""
    folded = []
    for char in text:
        if char in "\u2019\u2018`\u00b4":
            folded.append("'")
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        base = base.lower()
        folded.append(base if len(base) == 1 else char.lower() if len(char.lower()) == 1 else char)
    return "".join(folded)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z']+", _fold(text))


# --- language ------------------------------------------------------------------------------

# Common words that belong to one language only (words shared between two, like "de" or
# "is", are left out so they cannot tip the balance).


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and to of my you your please would like this that with for have has are be "
        "it from we our not can could data information request dear regards thank thanks "
        "kind hello all any which what about"
    ),
    "nl": _words(
        "het een en van mijn ik u uw je jij graag gegevens met voor heb hebt heeft wil "
        "wilt dit dat mij zijn niet op naar bij ook maar om als wat welke geachte beste "
        "groeten vriendelijke bedankt alvast verzoek hierbij zou kunt"
    ),
    "fr": _words(
        "le la les des et mon mes ma je vous votre vos merci donnees avec pour ai ce cette "
        "que qui pas une un du au sur est sont bonjour madame monsieur cordialement "
        "demande souhaite aupres ces ne"
    ),
}
_MINIMUM_LANGUAGE_WORDS = 3


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # "en", "nl", "fr", or "" when the words do not tell
    words: tuple[str, ...] = ()  # the telling words found (a few, for the officer)


def guess_language(text: str) -> LanguageGuess:
    """The language (en/nl/fr) whose common words the text uses most, or "" if unclear."""
    tokens = _tokens(text[:TEXT_LIMIT])
    scores: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    for language, words in _LANGUAGE_WORDS.items():
        hits = [token for token in tokens if token in words]
        scores[language] = len(hits)
        found[language] = list(dict.fromkeys(hits))
    ranked = sorted(scores, key=lambda language: scores[language], reverse=True)
    best, second = ranked[0], ranked[1]
    if scores[best] < _MINIMUM_LANGUAGE_WORDS or scores[best] < 1.5 * scores[second]:
        return LanguageGuess("")
    return LanguageGuess(best, tuple(found[best][:6]))


# --- rights --------------------------------------------------------------------------------

# Patterns on folded text (lower case, no accents, straight apostrophes). \s+ between words
# lets a phrase run across a line break.
_DIRECT_MARKETING = "direct_marketing"
_RIGHT_PATTERNS: dict[str, tuple[str, ...]] = {
    Right.ACCESS: (
        # English
        r"subject\s+access\s+request",
        r"\bdsar\b",
        r"right\s+of\s+access",
        r"\baccess\s+(?:to\s+)?(?:all\s+)?(?:my|the)\s+(?:personal\s+)?(?:data|information)",
        r"copy\s+of\s+(?:all\s+)?(?:my|the)\s+(?:personal\s+)?(?:data|information)",
        r"what\s+(?:personal\s+)?(?:data|information)\s+(?:do\s+)?you\s+(?:hold|have|keep|store|process)",
        # Dutch
        r"\binzage(?:verzoek)?\b",
        r"kopie\s+van\s+(?:al\s+)?(?:mijn|de)\s+(?:persoons)?gegevens",
        r"welke\s+(?:persoons)?gegevens\s+(?:u|jullie|je)\s+(?:van\s+mij\s+)?(?:heeft|hebben|hebt|bewaart|bewaren|verwerkt|verwerken)",
        # French
        r"droit\s+d'acces",
        r"acces\s+a\s+(?:toutes\s+)?mes\s+donnees",
        r"copie\s+de\s+(?:toutes\s+)?mes\s+donnees",
        r"quelles\s+donnees\s+(?:personnelles\s+)?vous\s+(?:detenez|conservez|traitez|avez)",
    ),
    Right.RECTIFICATION: (
        r"\brectif(?:y|ication)\b",
        r"\bcorrect\s+(?:my|the)\s+(?:personal\s+)?(?:data|details|address|name|information|e-?mail)",
        r"\b(?:my|the)\s+(?:address|name|date\s+of\s+birth|e-?mail\s+address)\s+(?:is|are)\s+(?:wrong|incorrect|outdated)",
        r"\brectificatie\b",
        r"\b(?:gegevens|adres|naam)\s+(?:te\s+)?(?:corrigeren|verbeteren|aanpassen)",
        r"\b(?:gegevens|adres|naam|geboortedatum)\s+(?:is|zijn|klopt|kloppen)\s+(?:onjuist|niet\s+juist|fout)",
        r"\brectifier\b",
        r"\bcorriger\s+(?:mes|mon|ma)\b",
        r"\b(?:adresse|nom|donnees)\s+(?:est|sont)\s+(?:incorrecte?s?|erronee?s?|inexacte?s?)",
    ),
    Right.ERASURE: (
        r"\bdelete\b",
        r"\berase\b",
        r"\berasure\b",
        r"right\s+to\s+be\s+forgotten",
        r"\bremove\s+(?:all\s+)?(?:my|the)\s+(?:personal\s+)?(?:data|details|information|account)",
        r"\bverwijder(?:en|d|t)?\b",
        r"\bvergeten\s+te\s+worden\b",
        r"\brecht\s+op\s+vergetelheid\b",
        r"\b(?:gegevens|account)\s+(?:te\s+)?wissen\b",
        r"\beffacement\b",
        r"\beffacer\b",
        r"\bsupprim(?:er|ez|ees?)\b",
        r"\bsuppression\s+de\s+(?:mes|mon|toutes)\b",
        r"droit\s+a\s+l'oubli",
    ),
    Right.RESTRICTION: (
        r"\brestrict(?:ion\s+of)?\s+(?:the\s+)?processing\b",
        r"\brestrict\s+(?:the\s+)?(?:use|processing)\b",
        r"\bbeperking\s+van\s+(?:de\s+)?verwerking\b",
        r"\bverwerking\s+(?:te\s+)?beperken\b",
        r"\blimitation\s+du\s+traitement\b",
        r"\blimiter\s+(?:le\s+)?traitement\b",
    ),
    Right.PORTABILITY: (
        r"\b(?:data\s+)?portability\b",
        r"\bmachine[- ]readable\b",
        r"\btransfer\s+my\s+(?:personal\s+)?data\b",
        r"\b(?:data)?portabiliteit\b",
        r"\boverdraagbaarheid\b",
        r"\bmachineleesba(?:ar|re)\b",
        r"\bportabilite\b",
        r"\blisible\s+par\s+(?:une\s+)?machine\b",
        r"\btransferer\s+mes\s+donnees\b",
    ),
    Right.OBJECTION: (
        r"\bi\s+object\b",
        r"\bobject(?:ion)?\s+to\b",
        r"\bright\s+to\s+object\b",
        r"\bbezwaar\b",
        r"\bdroit\s+d'opposition\b",
        r"\bje\s+m'oppose\b",
        r"\bopposition\s+(?:a|au)\b",
    ),
    _DIRECT_MARKETING: (
        r"\bopt[- ]?out\b",
        r"\bunsubscribe\b",
        r"\bstop\s+(?:sending|e-?mailing)\b",
        r"\bno\s+(?:more|longer)\s+(?:receive\s+)?(?:marketing|newsletters?|promotional|advertising)",
        r"\bdirect\s+marketing\b",
        r"\bremove\s+me\s+from\s+(?:your|the)\s+(?:mailing|marketing|newsletter)",
        r"\buitschrijven\b",
        r"\bschrijf\s+(?:mij|me)\s+uit\b",
        r"\bgeen\s+(?:reclame|nieuwsbrie(?:f|ven)|marketing|mailings?)\b",
        r"\bdesinscri(?:re|ption|vez|vez-moi)\b",
        r"\bne\s+(?:veux\s+|souhaite\s+|voulons\s+)?plus\s+recevoir\b",
        r"\bprospection\b",
        r"\bmarketing\s+direct\b",
    ),
}
_COMPILED = {
    right: [re.compile(pattern) for pattern in patterns]
    for right, patterns in _RIGHT_PATTERNS.items()
}
_LINK_ON_LINE = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class RightSuggestion:
    right: str  # a dsr.models.vocabulary.Right value
    words: tuple[str, ...]  # the words in the mail that suggested it, as written
    direct_marketing: bool = False  # an objection to direct marketing (Art. 21(2))

    def as_dict(self) -> dict:
        data = {"right": str(self.right), "words": list(self.words)}
        if self.direct_marketing:
            data["direct_marketing"] = True
        return data


def _readable_lines(text: str) -> list[str]:
    """The lines a guess may use: not quoted from an earlier mail, not carrying a link."""
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(">") or _LINK_ON_LINE.search(line):
            lines.append("")
        else:
            lines.append(line)
    return lines


def guess_rights(text: str) -> list[RightSuggestion]:
    """The rights the text names, in the order of `Right`, each with its words.

    An opt-out (EN/NL/FR) is an objection to direct marketing."""
    usable = "\n".join(_readable_lines(text[:TEXT_LIMIT]))
    folded = _fold(usable)
    found: dict[str, list[str]] = {}
    for right, patterns in _COMPILED.items():
        for pattern in patterns:
            for match in pattern.finditer(folded):
                words = " ".join(usable[match.start() : match.end()].split())
                found.setdefault(right, [])
                if words.lower() not in (w.lower() for w in found[right]):
                    found[right].append(words)
    marketing = found.pop(_DIRECT_MARKETING, [])
    if marketing:
        found[Right.OBJECTION] = found.get(Right.OBJECTION, []) + marketing
    return [
        RightSuggestion(
            right=right,
            words=tuple(found[right][:5]),
            direct_marketing=right == Right.OBJECTION and bool(marketing),
        )
        for right in Right.values
        if right in found
    ]


@dataclass(frozen=True)
class MessageGuess:
    language: LanguageGuess
    rights: list[RightSuggestion] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready, for an inbox item's stored guess."""
        return {
            "language": self.language.language,
            "language_words": list(self.language.words),
            "rights": [suggestion.as_dict() for suggestion in self.rights],
        }

    def inbound_fields(self) -> dict:
        """The InboundMail fields the guess fills (dsr/models/mail.py): `language_guess`,
        `rights_guess` (Right values) and `guess_detail`: per right the words that
        suggested it ({"access": ["inzage"]}), plus "language" (the telling words) and
        "direct_marketing": true when the objection is an opt-out."""
        detail: dict = {str(s.right): list(s.words) for s in self.rights}
        if self.language.words:
            detail["language"] = list(self.language.words)
        if any(s.direct_marketing for s in self.rights):
            detail["direct_marketing"] = True
        return {
            "language_guess": self.language.language,
            "rights_guess": [str(s.right) for s in self.rights],
            "guess_detail": detail,
        }


def guess_message(*, subject: str, text: str) -> MessageGuess:
    """The language and rights of a mail from its subject line and its plain text.

    The intake stores it with `InboundMail(**guess_message(subject=s, text=t).inbound_fields())`
    (or sets those three fields); `text` is the plain text (`html_to_text` for HTML bodies)."""
    whole = f"{subject}\n{text}"
    return MessageGuess(language=guess_language(whole), rights=guess_rights(whole))


def suggestion_words(detail: dict | None, right: str) -> list[str]:
    """The words that suggested `right`, from a stored `guess_detail` in either form: per
    right (`inbound_fields`) or the whole guess (`MessageGuess.as_dict`)."""
    detail = detail or {}
    if isinstance(detail.get("rights"), list):
        for suggestion in detail["rights"]:
            if isinstance(suggestion, dict) and suggestion.get("right") == right:
                return [str(word) for word in suggestion.get("words") or []]
        return []
    words = detail.get(right)
    return [str(word) for word in words] if isinstance(words, list) else []


def suggests_direct_marketing(detail: dict | None) -> bool:
    """Whether a stored `guess_detail` (either form) says the objection is an opt-out."""
    detail = detail or {}
    if isinstance(detail.get("rights"), list):
        return any(
            isinstance(suggestion, dict) and suggestion.get("direct_marketing")
            for suggestion in detail["rights"]
        )
    return bool(detail.get("direct_marketing"))
