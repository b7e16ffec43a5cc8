"""The one place that builds the MarkdownIt parser, made per book configuration (as MyST's
create_md_parser), and the parse of a chapter into tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .config import BookConfig
from .languages import NARROW_NBSP, quotes, spaced_punctuation


@dataclass(frozen=True)
class ParserConfig:
    """What of a book's configuration the parser follows: one parser is made for each."""

    quotes: str = "“”‘’"  # the typographer's double and single quotation marks
    spaced_punctuation: bool = False  # French: narrow no-break spaces inside « » and before ; : ! ?

    @classmethod
    def of(cls, config: BookConfig | None) -> ParserConfig:
        if config is None:
            return cls()
        return cls(quotes=quotes(config.language), spaced_punctuation=spaced_punctuation(config.language))


def make_parser(config: BookConfig | None = None) -> MarkdownIt:
    """The parser for a book (without one, for a file on its own), made once per ParserConfig."""
    return _parser(ParserConfig.of(config))


@cache
def _parser(settings: ParserConfig) -> MarkdownIt:
    """CommonMark with tables, footnotes and typographic quotes and dashes. Inline raw HTML is
    parsed as such (html_inline) only so that the typographer leaves its quotes and dashes alone:
    every renderer prints it as text (html.py), never passes it through. HTML blocks are not
    parsed: a line that begins with a tag stays a paragraph, its Markdown read as Markdown.

    Footnote definitions are left where they stand (move_to_end=False) so that the transforms
    can number them through the whole book and each output can place them its own way.

    A span of text, a link, an image or inline code may be followed by attributes in braces, of
    which only `lang` is taken: `[متحدہ قومی موومنٹ]{lang=ur}` (the language of parts); any other
    is kept aside in the token's meta["insecure_attrs"] for the transforms to refuse, with a `lang`
    that is not BCP 47 (S015). A paragraph takes no attributes: a span round it does the same.
    """
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "xhtmlOut": True, "quotes": settings.quotes})
    md.enable(["table", "replacements", "smartquotes"]).disable("html_block")
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.use(attrs_plugin, spans=True, allowed=["lang"])
    if settings.spaced_punctuation:
        md.core.ruler.push("spaced_punctuation", _space_punctuation)
    inline = md.inline.ruler
    inline.at("footnote_ref", _bounded(inline.__rules__[inline.__find__("footnote_ref")].fn))
    # Every link and image reaches the tokens as written: folio's own checks (transforms) refuse
    # what a reader cannot follow, at its line, and write the rest in one form. markdown-it would
    # print a javascript: or file: link silently as text, and escape a path with a space.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


# A note's call: [^label], the label without spaces or brackets.
_NOTE_CALL = re.compile(r"\[\^[^\]\s\[]+\]")


def _bounded(footnote_ref: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """mdit-py-plugins' footnote_ref, tried only where a whole call stands: its own scan for the
    closing bracket runs to the end of the paragraph from every "[^", so that "[^" written
    100,000 times took hours. A label cannot hold "[", so no scan passes the next one."""

    def rule(state: StateInline, silent: bool) -> bool:
        return bool(_NOTE_CALL.match(state.src, state.pos, state.posMax)) and footnote_ref(state, silent)

    return rule


# A space (or none) inside guillemets, and before the first of a run of ; : ! ? that ends a word
# (not the colon of 12:30 or http://); each becomes the narrow no-break space.
_AFTER_OPENING = re.compile(r"«[ \u00a0\u202f]?")
_BEFORE_CLOSING = re.compile(r"[ \u00a0\u202f]?»")
_BEFORE_PUNCTUATION = re.compile(r"(?<![\s;:!?(\[])[ \u00a0\u202f]?([;:!?]+)(?![\w/])")


def _space_punctuation(state: StateCore) -> None:
    """French spacing, on the text the typographer has curled: a core rule after smartquotes and
    text_join, so that code, raw HTML and an autolink's address (other tokens) keep theirs, and
    so do words marked in another language ([Hello: you]{lang=en})."""
    for block in state.tokens:
        in_autolink = False
        spans: list[str] = []  # the languages of the spans the text stands in
        for token in block.children or []:
            if token.type in ("link_open", "link_close"):
                in_autolink = token.type == "link_open" and token.markup == "autolink"
            elif token.type == "span_open":
                spans.append(str(token.attrGet("lang") or (spans[-1] if spans else "fr")))
            elif token.type == "span_close" and spans:
                spans.pop()
            elif token.type == "text" and not in_autolink and (not spans or spaced_punctuation(spans[-1])):
                text = _AFTER_OPENING.sub("«" + NARROW_NBSP, token.content)
                text = _BEFORE_CLOSING.sub(NARROW_NBSP + "»", text)
                token.content = _BEFORE_PUNCTUATION.sub(NARROW_NBSP + r"\1", text)


def parse(text: str, config: BookConfig | None = None) -> list[Token]:
    return make_parser(config).parse(text, {})
