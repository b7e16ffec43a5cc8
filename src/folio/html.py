"""Book -> HTML: one print document for WeasyPrint, one XHTML body per chapter for the EPUB.

Both are rendered from the same tokens by two small renderers that differ only in their rules
for footnotes, soft line breaks and links (as mdit-py-plugins' footnote rules are meant to be
overridden) and in how they name a part's language (xml:lang in XHTML), never by rewriting
finished HTML.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from . import __version__
from .config import BookConfig, names
from .fonts import book_face, face_credit
from .languages import direction, is_english, rtl_runs, ui_language
from .model import Book, BookImage, Chapter, Heading, Note, PageStart, PrintPage, call_id, countable, note_id
from .parse import make_parser

# The blocks whose text places a print page's start: each gets data-block="chapter:token-index"
# in the print HTML, and the EPUB renderer counts its text to put the page's marker there; so
# does a code block (its content).
_BLOCKS = ("paragraph", "heading", "list_item", "td", "th")

# The spans a note's blocks become in the print HTML (see PrintRenderer.note_body).
_NOTE_SPANS = {
    "paragraph": "fn-p",
    "heading": "fn-p fn-h",
    "bullet_list": "fn-ul",
    "ordered_list": "fn-ol",
    "list_item": "fn-li",
    "blockquote": "fn-quote",
    "table": "fn-table",
    "thead": "fn-thead",
    "tbody": "fn-tbody",
    "tr": "fn-tr",
    "th": "fn-th",
    "td": "fn-td",
}
CODE_HANG = 4  # ch: how far a wrapped line of code hangs, past the line's own indentation

# The EPUB's own documents and images, beside one XHTML document per chapter (Chapter.filename).
COVER_PAGE = "cover.xhtml"
COVER_IMAGE = "images/cover.png"
TITLE_PAGE = "titlepage.xhtml"
NAV = "nav.xhtml"
COLOPHON = "colophon.xhtml"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def long_date(date: dt.date) -> str:
    """'25 November 2026': the house date style, independent of the machine's locale."""
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def iso_timestamp(config: BookConfig) -> str:
    return config.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")


class _BookRenderer(RendererHTML):
    """Shared rules; `env["chapter"]` is the chapter being rendered."""

    def __init__(self, book: Book):
        super().__init__()
        self.book = book

    def note(self, tokens: Sequence[Token], idx: int, env: EnvType) -> Note:
        return env["chapter"].notes[tokens[idx].meta["label"]]

    def render_chapter(self, chapter: Chapter) -> str:
        return self.render(chapter.tokens, make_parser(self.book.config).options, {"chapter": chapter})

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """Raw HTML is printed as written, as text (the lint's S010 asks a book to accept it): it is
        parsed as HTML only so that the typographer leaves its quotes and dashes alone."""
        return self.text_of(tokens[idx].content, env)

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A run of right-to-left script that no span marks is isolated in <bdi>, so that the
        punctuation and numbers around it keep their order (in a span of a right-to-left
        language, or a right-to-left book, it is at home)."""
        content = tokens[idx].content
        if (env.get("directions") or [direction(self.book.config.language)])[-1] == "rtl":
            return self.text_of(content, env)
        return "".join(f"<bdi>{self.text_of(run, env)}</bdi>" if rtl else self.text_of(run, env) for run, rtl in rtl_runs(content))

    def span_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A span in another language ([text]{lang=ur}): its direction holds for the text in it."""
        lang = tokens[idx].attrGet("lang")
        outer = env.setdefault("directions", [direction(self.book.config.language)])
        self.enclosing = outer[-1]  # for lang_attrs: a span's dir is said where it turns
        outer.append(direction(str(lang)) if lang else outer[-1])
        try:
            return self.renderToken(tokens, idx, options, env)
        finally:
            self.enclosing = None

    def span_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        env["directions"].pop()
        return self.renderToken(tokens, idx, options, env)

    def renderAttrs(self, token: Token) -> str:  # type: ignore[override]  # a static method in RendererHTML
        """An element in another language carries it (lang_attrs), whatever element it is."""
        lang = token.attrGet("lang")
        if lang is None:
            return RendererHTML.renderAttrs(token)
        return RendererHTML.renderAttrs(token.copy(attrs={**token.attrs, **self.lang_attrs(str(lang))}))

    enclosing: str | None = None  # the direction around the span being opened

    def lang_attrs(self, lang: str) -> dict[str, str | int | float]:
        """lang, and dir where the language is written right to left or turns from the direction
        around it (English in an Urdu span): the reader's voice and hyphenation follow the one,
        the layout the other."""
        attrs: dict[str, str | int | float] = {"lang": lang}
        around = self.enclosing or direction(self.book.config.language)
        if direction(lang) == "rtl" or direction(lang) != around:
            attrs["dir"] = direction(lang)
        return attrs

    def text_of(self, content: str, env: EnvType) -> str:
        return escapeHtml(content)

    def block_attrs(self, tokens: Sequence[Token], idx: int, env: EnvType) -> str:
        return ""

    def code(self, tokens: Sequence[Token], idx: int, env: EnvType) -> str:
        token = tokens[idx]
        language = token.info.split()[0] if token.info.strip() else ""
        code = f' class="language-{escapeHtml(language)}"' if language else ""
        return f"<pre{self.block_attrs(tokens, idx, env)}><code{code}>{self.code_lines(token.content, env)}</code></pre>\n"

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.code(tokens, idx, env)

    def code_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.code(tokens, idx, env)

    def code_lines(self, code: str, env: EnvType) -> str:
        return self.text_of(code, env)

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """The checked image (transforms.collect_images), never the file the chapter names."""
        token = tokens[idx]
        src = self.image_src(self.book.images[token.meta["image"]])
        return super().image([token.copy(attrs={**token.attrs, "src": src})], 0, options, env)

    def image_src(self, image: BookImage) -> str:
        raise NotImplementedError


class PrintRenderer(_BookRenderer):
    """Notes float to the foot of the page of their call (`float: footnote` in print.css)."""

    def __init__(self, book: Book):
        super().__init__(book)
        for block in _BLOCKS:
            self.rules[f"{block}_open"] = self.block_open  # type: ignore[assignment]  # a bound method, as RendererHTML's own

    def block_id(self, tokens: Sequence[Token], idx: int, env: EnvType) -> str | None:
        """ "chapter:token-index" for a block of the chapter's text; None for a note's blocks."""
        return f"{env['chapter'].id}:{idx}" if tokens is env["chapter"].tokens and not tokens[idx].hidden else None

    def block_attrs(self, tokens: Sequence[Token], idx: int, env: EnvType) -> str:
        block = self.block_id(tokens, idx, env)
        return f' data-block="{block}"' if block else ""

    def block_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if block := self.block_id(tokens, idx, env):
            token = token.copy(attrs={**token.attrs, "data-block": block})
        return self.renderToken([token, *tokens[idx + 1 : idx + 2]], 0, options, env)

    def softbreak(self, tokens, idx, options, env) -> str:
        return " "  # WeasyPrint would print a newline inside a footnote as a line break

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return escapeHtml(tokens[idx].content.replace("\n", " "))  # a tag written over two lines, as softbreak

    def code_lines(self, code: str, env: EnvType) -> str:
        """One block span a line, keeping its indentation as text: a long line wraps inside the
        measure and hangs CODE_HANG past its own indentation (a hanging indent is per block)."""
        lines = []
        for line in code.rstrip("\n").expandtabs(4).split("\n"):
            indent = len(line) - len(line.lstrip(" ")) + CODE_HANG
            style = f"padding-left: {indent}ch; text-indent: -{indent}ch"
            lines.append(f'<span class="code-line" style="{style}">{escapeHtml(line) or " "}</span>')  # " ": an empty span has no height
        return "".join(lines)

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """Paper cannot be clicked: an external link carries its address for print.css to print
        after the link's text, unless that text is the address."""
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if not href.startswith("#"):
            shown = make_parser(self.book.config).normalizeLinkText(href).removeprefix("mailto:")
            text = "".join(t.content for t in itertools.takewhile(lambda t: t.type != "link_close", tokens[idx + 1 :]))
            written = token.markup == "autolink" or text.strip() in (href, shown)  # <https://...>, or its text is the address
            extra = {"class": "url"} if written else {"data-url": shown}  # an address is not hyphenated
            token = token.copy(attrs={**token.attrs, **extra})
        return self.renderToken([token], 0, options, env)

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if style := _list_start(token):
            token = token.copy(attrs={**token.attrs, "style": style})
        return self.renderToken([token], 0, options, env)

    def image_src(self, image: BookImage) -> str:
        return image.data_url  # the checked bytes, in the document: WeasyPrint reads no book file

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        note = self.note(tokens, idx, env)
        # A word joiner keeps the call on the line of the word it follows.
        call = f'\u2060<a class="footnote-call" href="#{note_id(note.number)}"'
        if tokens[idx].meta["subId"] > 0:  # a note called again points back to its text
            return f"{call}>{note.number}</a>"
        number = f'<span class="footnote-number">{note.number}.</span>\u2002'
        # A note called in a span ([…]{lang=ur}) is in the book's language and direction, not the span's.
        book = self.book.config.language
        around = env.get("directions") or [direction(book)]
        env["directions"] = [direction(book)]
        try:
            body = self.note_body(note.tokens, options, env)
        finally:
            env["directions"] = around
        own = f' lang="{escapeHtml(book)}" dir="{direction(book)}"' if len(around) > 1 else ""
        first = '<span class="fn-p">'
        body = body.replace(first, first + number, 1) if body.startswith(first) else number + body  # it runs into the first paragraph
        # The call is a link to the note, which floats to the foot of the call's page.
        return f'{call} id="{call_id(note.number)}">{note.number}</a><span class="footnote" id="{note_id(note.number)}"{own}>{body}</span>'

    def note_body(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        """A note's blocks as spans that print.css lays out as blocks: a note stays one element
        that floats to the foot of the page, inside the calling paragraph (the HTML parser would
        close a <p> at the first block inside it, and the note's blocks would print at the call)."""
        out = []
        for token in tokens:
            if token.type == "inline":
                out.append(self.renderInline(token.children or [], options, env))
            elif token.type in ("fence", "code_block"):
                out.append(f'<span class="fn-pre">{self.code_lines(token.content, env)}</span>')
            elif token.type == "hr":
                out.append('<span class="fn-hr"></span>')
            elif token.hidden:
                continue  # a tight list's paragraphs: their text runs in the item
            elif token.nesting == 1:
                kind = token.type.removesuffix("_open")
                style = _list_start(token) or token.attrGet("style")  # a table cell's alignment
                out.append(f'<span class="{_NOTE_SPANS[kind]}"' + (f' style="{style}"' if style else "") + ">")
            elif token.nesting == -1:
                out.append("</span>")
        return "".join(out)


class EpubRenderer(_BookRenderer):
    """Notes are noterefs to asides at the end of the chapter, so that readers can pop them up;
    a pagebreak marker stands where each page of the print edition begins: before a heading, and
    elsewhere before the word in which the page begins, never inside it. The web edition (web.py)
    renders as this does, with its own document names and no epub:type."""

    def __init__(self, book: Book, print_pages: Sequence[PrintPage] = ()):
        super().__init__(book)
        self.breaks: dict[tuple[str, int], list[PrintPage]] = {}
        for page in print_pages:
            self.breaks.setdefault((page.chapter, page.block), []).append(page)
        self.placed: list[PageStart] = []
        for block in _BLOCKS:
            self.rules[f"{block}_open"] = self.block_open  # type: ignore[assignment]
            self.rules[f"{block}_close"] = self.block_close  # type: ignore[assignment]

    def pages_of(self, tokens: Sequence[Token], idx: int, env: EnvType, text: str) -> list[PrintPage]:
        """The print pages that begin in the block at idx, each moved back to the start of its
        word in the block's `text`; none for a note's blocks."""
        if tokens is not env["chapter"].tokens or tokens[idx].hidden:
            return []
        pages = sorted(self.breaks.get((env["chapter"].id, idx), []), key=lambda p: p.offset)
        return [dataclasses.replace(page, offset=_word_start(text, page.offset)) for page in pages]

    def block_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if tokens is env["chapter"].tokens and not tokens[idx].hidden:
            pages = self.pages_of(tokens, idx, env, _own_text(tokens, idx))
            if tokens[idx].type == "heading_open":  # a marker inside a heading would be read as part of its name
                before, pages = "".join(self.marker(page, env["chapter"]) for page in pages), []
            else:
                before = ""
            env.setdefault("blocks", []).append({"pages": pages, "count": 0})
            return before + self.renderToken(tokens, idx, options, env)
        return self.renderToken(tokens, idx, options, env)

    def block_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if tokens is env["chapter"].tokens and not tokens[idx].hidden:
            env["blocks"].pop()
        return self.renderToken(tokens, idx, options, env)

    def code(self, tokens: Sequence[Token], idx: int, env: EnvType) -> str:
        with self.text_block(tokens, idx, env, tokens[idx].content):
            return super().code(tokens, idx, env)

    @contextlib.contextmanager
    def text_block(self, tokens: Sequence[Token], idx: int, env: EnvType, text: str):
        """A block of one token (code): its own text places the pages that begin in it."""
        blocks = env.setdefault("blocks", [])
        blocks.append({"pages": self.pages_of(tokens, idx, env, text), "count": 0})
        try:
            yield
        finally:
            blocks.pop()

    def text_of(self, content: str, env: EnvType) -> str:
        """The text, with a marker before the character where a print page begins."""
        blocks = env.get("blocks")
        block = blocks[-1] if blocks else None
        if not block or not block["pages"]:
            if block:
                block["count"] += countable(content)
            return escapeHtml(content)
        out = []
        for char in content:
            if countable(char):
                while block["pages"] and block["pages"][0].offset <= block["count"]:
                    out.append(self.marker(block["pages"].pop(0), env["chapter"]))
                block["count"] += 1
            out.append(escapeHtml(char))
        return "".join(out)

    xml_lang = True  # XHTML: the language also as xml:lang, which EPUB reading systems read

    def lang_attrs(self, lang: str) -> dict[str, str | int | float]:
        return {"lang": lang, "xml:lang": lang, **super().lang_attrs(lang)} if self.xml_lang else super().lang_attrs(lang)

    def render_chapter(self, chapter: Chapter) -> str:
        """An untitled opening stands under the book's title: its document's one h1, as a reading
        system or a screen reader looks for (not in the contents)."""
        title = f'<h1 class="opening-title" id="{chapter.id}">{escapeHtml(chapter.title)}</h1>\n' if chapter.untitled else ""
        return title + super().render_chapter(chapter)

    def epub_type(self, kind: str) -> str:
        """The attribute that names an element's part of the book to reading systems."""
        return f' epub:type="{kind}"'

    def document(self, chapter: str) -> str:
        """The file of the chapter with this id, as cross-chapter links name it."""
        return f"{chapter}.xhtml"

    def image_src(self, image: BookImage) -> str:
        return image.name  # the chapters' documents and images/ are in the same folder of the EPUB

    def marker(self, page: PrintPage, chapter: Chapter) -> str:
        self.placed.append(PageStart(page.label, f"{self.document(chapter.id)}#page_{page.label}"))
        return f'<span{self.epub_type("pagebreak")} role="doc-pagebreak" id="page_{page.label}" aria-label="{page.label}"></span>'

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        note = self.note(tokens, idx, env)
        ref = call_id(note.number, tokens[idx].meta["subId"])
        return (
            f'<a class="noteref"{self.epub_type("noteref")} role="doc-noteref" id="{ref}" href="#{note_id(note.number)}">{note.number}</a>'
        )

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if href.startswith("#"):
            chapter = next(h.chapter for h in self.book.headings if h.id == href[1:])
            if chapter != env["chapter"].id:  # the tokens are shared with the print renderer: copy
                token = token.copy(attrs={**token.attrs, "href": f"{self.document(chapter)}{href}"})
        return self.renderToken([token], 0, options, env)

    def render_notes(self, chapter: Chapter) -> str:
        """The chapter's notes as asides; each links back to every call of it."""
        options, env = make_parser(self.book.config).options, {"chapter": chapter}
        asides = []
        for note in sorted(chapter.notes.values(), key=lambda n: n.number):
            back = f'<a class="note-number" href="#{call_id(note.number)}" role="doc-backlink">{note.number}.</a> '
            if note.calls > 1:
                links = [f'<a href="#{call_id(note.number, k)}" role="doc-backlink">{k + 1}</a>' for k in range(note.calls)]
                back += f'<span class="note-calls"{ui_language(self.book.config.language)}>(back to calls {", ".join(links[:-1])} and {links[-1]})</span> '
            tokens = note.tokens
            if tokens and tokens[0].type == "paragraph_open":
                first = f"<p>{back}{self.renderInline(tokens[1].children or [], options, env)}</p>\n"
                rest = self.render(tokens[3:], options, env)
            else:
                first, rest = f"<p>{back}</p>\n", self.render(tokens, options, env)
            asides.append(
                f'<aside class="footnote"{self.epub_type("footnote")} role="doc-footnote" id="{note_id(note.number)}">\n{first}{rest}</aside>\n'
            )
        return "".join(asides)


def _list_start(token: Token) -> str | None:
    """WeasyPrint does not read <ol start>: the CSS that starts an ordered list's count there."""
    start = int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else 1
    return f"counter-reset: list-item {start - 1}" if start != 1 else None


def _own_text(tokens: Sequence[Token], idx: int) -> str:
    """The text of the block that opens at idx as the EPUB renderer counts it (text and raw HTML),
    leaving out the blocks nested in it, which place their own pages; what separates words (a
    line break, inline code, an image, a note's call) as a space."""
    parts, i, depth = [], idx + 1, 0
    while i < len(tokens) and depth + tokens[i].nesting >= 0:
        token = tokens[i]
        if token.nesting == 1 and token.type.removesuffix("_open") in _BLOCKS and not token.hidden:
            i = _close(tokens, i) + 1
            continue
        if token.type == "inline":
            parts.append(
                "".join(c.content if c.type in ("text", "html_inline") else " " if c.nesting == 0 else "" for c in token.children or [])
            )
        depth += token.nesting
        i += 1
    return " ".join(parts)


def _close(tokens: Sequence[Token], start: int) -> int:
    """The index of the token that closes the block opening at `start`."""
    depth = 0
    for end in range(start, len(tokens)):
        depth += tokens[end].nesting
        if depth <= 0:
            return end
    return len(tokens) - 1


def _word_start(text: str, offset: int) -> int:
    """The offset (in countable characters) of the start of the word that holds the one at `offset`."""
    count = 0
    for i, char in enumerate(text):
        if countable(char):
            if count == offset:
                start = i
                while start and not text[start - 1].isspace():
                    start -= 1
                return countable(text[:start])
            count += 1
    return offset


def _meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{escapeHtml(content)}"/>'


def print_document(book: Book) -> str:
    """The one HTML document both PDFs are laid out from."""
    c = book.config
    e = escapeHtml
    renderer = PrintRenderer(book)
    head = [
        '<meta charset="utf-8"/>',
        f"<title>{e(c.title)}{': ' + e(c.subtitle) if c.subtitle else ''}</title>",  # the PDF's title
        *(_meta("author", a) for a in c.authors),
        _meta("description", c.description or c.subtitle or c.title),
        _meta("keywords", ", ".join(c.keywords)) if c.keywords else "",
        _meta("dcterms.created", iso_timestamp(c)),
        _meta("dcterms.modified", iso_timestamp(c)),
        _meta("generator", f"folio {__version__}"),
    ]
    contents = "\n".join(f'<li class="toc-level-{h.level}"><a href="#{h.id}">{e(h.text)}</a></li>' for h in book.headings if h.level <= 2)

    def section(ch: Chapter) -> str:
        if ch.untitled:  # no heading: the section is where the opening's page and running head come from
            return f'<section class="chapter opening" id="{ch.id}" data-title="{e(ch.title)}">\n{renderer.render_chapter(ch)}</section>'
        return f'<section class="chapter">\n{renderer.render_chapter(ch)}</section>'

    def sections(chapters: list[Chapter]) -> str:
        return "\n".join(section(ch) for ch in chapters)

    text = sections([ch for ch in book.chapters if not ch.back_matter])
    back = sections([ch for ch in book.chapters if ch.back_matter])
    ui = ui_language(c.language)
    rtl = ' dir="rtl"' if direction(c.language) == "rtl" else ""  # print.css mirrors the pages
    return f"""<!DOCTYPE html>
<html lang="{e(c.language)}"{rtl}>
<head>
{chr(10).join(h for h in head if h)}
</head>
<body>
<section class="half-title"><p class="half-title-text">{e(c.title)}</p></section>
<section class="title-page">
{title_page_text(book, "p")}
</section>
<section class="copyright-page"{ui}>
{copyright_text(book)}
</section>
<nav class="contents" role="doc-toc">
<h1 class="contents-title" id="front_contents"{ui}>Contents</h1>
<ul>
{contents}
</ul>
</nav>
<main class="text">
{text}
</main>
<div class="back-matter">
{back}
<section class="colophon"{ui}>
<h1 id="back_colophon">Colophon</h1>
{colophon_text(book)}
</section>
</div>
</body>
</html>
"""


def made_by(config: BookConfig) -> str:
    """Who made the edition, as the title page and the copyright page say it."""
    parts = [config.edited_by or "", f"Published by {config.publisher}" if config.publisher else ""]
    said = ". ".join(p for p in parts if p)
    return said if not said or said.endswith(".") else said + "."


def title_page_text(book: Book, title_tag: str) -> str:
    """Title, subtitle, authors, editors and imprint: the title page of every edition."""
    c = book.config
    e = escapeHtml
    lines = [f'<{title_tag} class="book-title">{e(c.title)}</{title_tag}>']
    lines.append(f'<p class="book-subtitle">{e(c.subtitle)}</p>' if c.subtitle else "")
    lines += [f'<p class="book-author">{e(a)}</p>' for a in c.authors]
    lines.append(f'<p class="book-editors">{e(c.edited_by)}</p>' if c.edited_by else "")
    lines.append(f'<p class="book-publisher">{e(c.publisher)}</p>' if c.publisher else "")
    return "\n".join(line for line in lines if line)


def copyright_text(book: Book) -> str:
    """Attribution, source, licence and edition statement, shared by every edition: what a licence
    such as CC BY-SA asks a reuser to say (the source, its authors' list, the licence's address,
    what changed), in book.toml's words (attribution) and its keys. Paper cannot follow a link,
    so every address is written out."""
    c = book.config
    e = escapeHtml

    def address(url: str) -> str:
        return f'<a class="url" href="{e(url)}">{e(url)}</a>'

    lines = [f"<p>{e(c.attribution)}</p>" if c.attribution else ""]
    if c.source:
        lines.append(f"<p>Source: {address(c.source)}</p>")
    if c.source_history:
        lines.append(f"<p>Its history, which lists its authors: {address(c.source_history)}</p>")
    taken = [
        f"revision {e(c.source_revision)}" if c.source_revision else "",
        f"on or before {long_date(c.source_date)}" if c.source_date else "",
    ]
    if any(taken):
        lines.append(f"<p>Text taken from the source{''.join(' ' + t for t in taken if t)}.</p>")
    if made := made_by(c):
        lines.append(f"<p>{e(made)}</p>")
    licence = f"{e(c.license)}, {address(c.license_url)}" if c.license_url else e(c.license)
    lines.append(f"<p>Licence: {licence}</p>")
    lines.append(f"<p>This edition: {long_date(c.date)}. Identifier: {e(c.identifier)}</p>")
    return "\n".join(line for line in lines if line)


def colophon_text(book: Book) -> str:
    """How the edition was made and what it is set in (in English: the title in the book's language)."""
    c = book.config
    title = (
        f"<i>{escapeHtml(c.title)}</i>"
        if is_english(c.language)
        else f'<i lang="{escapeHtml(c.language)}" dir="auto">{escapeHtml(c.title)}</i>'
    )
    return (
        f"<p>This edition of {title} is set in {face_credit(book_face(c.language))}. "
        f"It was made from Markdown sources by folio {__version__}: markdown-it-py parsed the text, "
        "WeasyPrint laid out the PDF editions, and ebooklib wrote the EPUB edition.</p>"
    )


def epub_chapter_body(book: Book, chapter: Chapter, print_pages: Sequence[PrintPage] = ()) -> tuple[str, list[PageStart]]:
    """The XHTML body of one chapter of the EPUB, notes as asides at its end, and the print pages
    whose start markers it holds."""
    renderer = EpubRenderer(book, print_pages)
    body = (
        f'<section class="chapter" epub:type="chapter" role="doc-chapter">\n'
        f"{renderer.render_chapter(chapter)}{renderer.render_notes(chapter)}</section>\n"
    )
    return body, renderer.placed


def contents(book: Book) -> list[tuple[Chapter, list[Heading]]]:
    """Each chapter with its sections (level 2): the contents, as the PDF prints them (an untitled
    opening is read in order but has no entry, as an article's lead)."""
    return [(ch, [h for h in ch.headings[1:] if h.level == 2]) for ch in book.chapters if not ch.untitled]


def cover_text(book: Book) -> str:
    """What the cover image says, as its text alternative."""
    c = book.config
    title = f"{c.title}: {c.subtitle}" if c.subtitle else c.title
    by = f"{title}, by {names(c.authors)}"
    if c.editors:
        by += f", edited by {names(c.editors)}"
    return by + (f"; {c.publisher}" if c.publisher else "")


def epub_cover_body(book: Book) -> str:
    """The cover page: the cover image, alone."""
    return (
        f'<section class="cover" epub:type="cover">\n'
        f'<img src="{COVER_IMAGE}" alt="{escapeHtml(cover_text(book))}" role="doc-cover"/>\n</section>\n'
    )


def epub_nav_body(book: Book, page_starts: Sequence[PageStart] | None = None) -> str:
    """The navigation document: the contents, the landmarks and, given the print edition's page
    starts, a page-list. Landmarks and page-list are for reading systems' menus, so hidden."""
    toc = []
    for chapter, sections in contents(book):
        nested = "".join(f"<li>{_link(f'{chapter.filename}#{h.id}', h.text)}</li>\n" for h in sections)
        toc.append(f"<li>{_link(chapter.filename, chapter.title)}" + (f"\n<ol>\n{nested}</ol>\n" if nested else "") + "</li>\n")
    toc.append(f"<li>{_link(COLOPHON, 'Colophon')}</li>\n")
    first, back = book.chapters[0], [ch for ch in book.chapters if ch.back_matter]
    ui = ui_language(book.config.language)
    landmarks = [
        ("cover", COVER_PAGE, "Cover"),
        ("titlepage", TITLE_PAGE, "Title page"),
        ("toc", f"{NAV}#toc", "Contents"),
        ("bodymatter", first.filename, first.title),
    ]
    landmarks.append(("backmatter", back[0].filename, back[0].title) if back else ("backmatter", COLOPHON, "Colophon"))
    parts = [
        (
            '<nav epub:type="toc" role="doc-toc" id="toc" aria-labelledby="toc-title">\n'
            f'<h1 id="toc-title"{ui}>Contents</h1>\n<ol>\n{"".join(toc)}</ol>\n</nav>\n'
        ),
        f'<nav epub:type="landmarks" id="landmarks" aria-labelledby="landmarks-title" hidden="hidden">\n'
        f'<h2 id="landmarks-title"{ui}>Landmarks</h2>\n<ol>\n'
        + "".join(f"<li>{_link(href, text, kind)}</li>\n" for kind, href, text in landmarks)
        + "</ol>\n</nav>\n",
    ]
    if page_starts:
        parts.append(
            '<nav epub:type="page-list" role="doc-pagelist" id="page-list" aria-labelledby="page-list-title" '
            f'hidden="hidden">\n<h2 id="page-list-title"{ui}>Pages</h2>\n<ol>\n'
            + "".join(f"<li>{_link(p.href, p.label)}</li>\n" for p in page_starts)
            + "</ol>\n</nav>\n"
        )
    return "".join(parts)


def _link(href: str, text: str, epub_type: str = "") -> str:
    kind = f' epub:type="{epub_type}"' if epub_type else ""
    return f'<a{kind} href="{escapeHtml(href)}">{escapeHtml(text)}</a>'


def epub_title_page_body(book: Book) -> str:
    """The EPUB's title page, with the copyright text the print edition has on its verso."""
    return (
        f'<section class="titlepage" epub:type="titlepage">\n{title_page_text(book, "h1")}\n</section>\n'
        f'<section class="imprint" epub:type="imprint" aria-label="Copyright"{ui_language(book.config.language)}>\n{copyright_text(book)}\n'
        f"</section>\n"
    )


def epub_colophon_body(book: Book) -> str:
    """The EPUB's colophon, as the print edition's last page."""
    ui = ui_language(book.config.language)
    return (
        f'<section class="colophon" epub:type="colophon" role="doc-colophon"{ui}>\n<h1>Colophon</h1>\n{colophon_text(book)}\n</section>\n'
    )
