"""The one place that builds the MarkdownIt parser, and the parse of a chapter into tokens."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin


@cache
def make_parser() -> MarkdownIt:
    """CommonMark with tables, footnotes and typographic quotes and dashes; raw HTML stays text.

    Footnote definitions are left where they stand (move_to_end=False) so that the transforms
    can number them through the whole book and each output can place them its own way.
    """
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "xhtmlOut": True})
    md.enable(["table", "replacements", "smartquotes"])
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    return md


def parse(text: str) -> list[Token]:
    return make_parser().parse(text, {})
