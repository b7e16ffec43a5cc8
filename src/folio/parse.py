"""The one place that builds the MarkdownIt parser, made per book configuration (as MyST's
create_md_parser), and the parse of a chapter into tokens."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from .config import BookConfig


@dataclass(frozen=True)
class ParserConfig:
    """What of a book's configuration the parser follows: one parser is made for each."""

    quotes: str = "“”‘’"  # the typographer's double and single quotation marks

    @classmethod
    def of(cls, config: BookConfig | None) -> ParserConfig:
        return cls()


def make_parser(config: BookConfig | None = None) -> MarkdownIt:
    """The parser for a book (without one, for a file on its own), made once per ParserConfig."""
    return _parser(ParserConfig.of(config))


@cache
def _parser(settings: ParserConfig) -> MarkdownIt:
    """CommonMark with tables, footnotes and typographic quotes and dashes; raw HTML stays text.

    Footnote definitions are left where they stand (move_to_end=False) so that the transforms
    can number them through the whole book and each output can place them its own way.
    """
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "xhtmlOut": True, "quotes": settings.quotes})
    md.enable(["table", "replacements", "smartquotes"])
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    # Every link and image stays one, whatever its URL (markdown-it would print a file: or
    # javascript: one as text): the transforms refuse what a book may not name, at its place.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def parse(text: str, config: BookConfig | None = None) -> list[Token]:
    return make_parser(config).parse(text, {})
