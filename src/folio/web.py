"""Book -> the web edition (build/site/<slug>/read/): a contents page and one HTML page a chapter.

One page a chapter, as the EPUB has one document a chapter: a phone loads one chapter, not the
whole book; previous and next links walk the book as a reader turns to the next chapter; and
each page holds what the EPUB's chapter document holds, so that the two can be compared text for
text. Cross-chapter links point to `chapter.html#id`.

The chapters are rendered by the EPUB's renderer (html.EpubRenderer) with the web's document
names and without epub:type, which HTML does not have: notes are asides at the end of the
chapter, each call a link to its note and each note's number a link back, so that they work with
JavaScript off; the site's script (notes.js) shows a note under its call without leaving the
page. Headings carry a link to themselves. Nothing is fetched from outside the site: the pages
link the site's stylesheet, script and fonts by relative paths (page_shell).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from . import __version__
from .fonts import FACES, faces_for
from .html import EpubRenderer, colophon_text, contents, copyright_text, title_page_text
from .languages import direction, ui_language
from .model import Book, Chapter
from .project import STATIC

STYLESHEET = f"{STATIC}/site.css"
SCRIPT = f"{STATIC}/notes.js"
CONTENTS_PAGE = "index.html"


class WebRenderer(EpubRenderer):
    """The EPUB's renderer for HTML pages: no epub:type, chapter pages named .html, headings with
    a link to themselves."""

    xml_lang = False  # HTML has lang alone

    def __init__(self, book: Book):
        super().__init__(book)
        self.rules["heading_close"] = self.heading_close  # type: ignore[assignment]  # over the EPUB's block rule, which it calls

    def epub_type(self, kind: str) -> str:
        return ""  # HTML has no epub:type; the role attributes say the same to assistive technology

    def document(self, chapter: str) -> str:
        return f"{chapter}.html"

    def heading_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A link to the heading before its end: a reader copies it to cite the section."""
        anchor = tokens[idx - 2].attrGet("id") if idx >= 2 and tokens[idx - 2].type == "heading_open" else None
        link = f'<a class="anchor" href="#{escapeHtml(str(anchor))}" aria-label="Link to this section"></a>' if anchor else ""
        return link + self.block_close(tokens, idx, options, env)

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A table wider than a phone scrolls in its own box, not the page."""
        return '<div class="table" role="region" aria-label="Table" tabindex="0">\n' + self.renderToken(tokens, idx, options, env)

    def table_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.renderToken(tokens, idx, options, env) + "</div>\n"


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.id}.html"


def page_shell(*, root: str, language: str, title: str, body: str, head: Sequence[str] = ()) -> str:
    """A page of the site: its language and direction, the viewport for phones, the site's
    stylesheet (and whatever `head` adds) by a path relative to the page (`root`: "", "../" or
    "../../"), and no icon to fetch."""
    e = escapeHtml
    lines = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f'<meta name="generator" content="folio {__version__}">',
        f'<link rel="stylesheet" href="{root}{STYLESHEET}">',
        '<link rel="icon" href="data:,">',
        *head,
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{e(language)}" dir="{direction(language)}">\n<head>\n'
        + "\n".join(lines)
        + f"\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def _bar(book: Book, here: str) -> str:
    """The line above the text: the book's contents and its page in the site."""
    e = escapeHtml
    ui = ui_language(book.config.language)
    title = f'<a class="bar-title" href="{CONTENTS_PAGE}"><span lang="{e(book.config.language)}">{e(book.config.title)}</span></a>'
    if here == CONTENTS_PAGE:
        title = f'<span class="bar-title" lang="{e(book.config.language)}">{e(book.config.title)}</span>'
    return (
        f'<a class="skip" href="#folio_text"{ui}>Skip to the text</a>\n'
        f'<header class="bar"{ui}>\n<nav aria-label="Book">\n{title}\n'
        f'<a href="{CONTENTS_PAGE}#folio_contents">Contents</a>\n<a href="../index.html">Downloads</a>\n</nav>\n</header>\n'
    )


def _pager(book: Book, previous: tuple[str, str] | None, following: tuple[str, str] | None) -> str:
    """Previous and next: (file, title) of the pages before and after this one."""
    e = escapeHtml
    lang = e(book.config.language)
    links = []
    if previous:
        links.append(
            f'<a rel="prev" href="{e(previous[0])}"><span class="pager-label">Previous</span> <span lang="{lang}">{e(previous[1])}</span></a>'
        )
    if following:
        links.append(
            f'<a rel="next" href="{e(following[0])}"><span class="pager-label">Next</span> <span lang="{lang}">{e(following[1])}</span></a>'
        )
    return f'<nav class="pager" aria-label="Previous and next"{ui_language(book.config.language)}>\n' + "\n".join(links) + "\n</nav>\n"


def _footer(book: Book) -> str:
    c = book.config
    licence = f'<a href="{escapeHtml(c.license_url)}">{escapeHtml(c.license)}</a>' if c.license_url else escapeHtml(c.license)
    return f'<footer class="footer"{ui_language(c.language)}>\n<p>Licence: {licence}.</p>\n</footer>\n'


def _links(previous: tuple[str, str] | None, following: tuple[str, str] | None) -> list[str]:
    head = ['<link rel="contents" href="index.html">']
    if previous:
        head.append(f'<link rel="prev" href="{escapeHtml(previous[0])}">')
    if following:
        head.append(f'<link rel="next" href="{escapeHtml(following[0])}">')
    return head


def chapter_page(book: Book, index: int) -> str:
    """The page of the book's chapter at `index`: the chapter as the EPUB has it, between the
    bar and the previous and next links."""
    chapter = book.chapters[index]
    renderer = WebRenderer(book)
    previous = (CONTENTS_PAGE, "Contents") if index == 0 else (chapter_file(book.chapters[index - 1]), book.chapters[index - 1].title)
    following = (chapter_file(book.chapters[index + 1]), book.chapters[index + 1].title) if index + 1 < len(book.chapters) else None
    # A section named by its title and without the EPUB's role doc-chapter: within it the notes'
    # asides are notes, not one more "complementary" landmark each (as HTML-AAM scopes aside, and
    # as axe-core reads them, taking no DPUB role).
    body = (
        _bar(book, chapter_file(chapter))
        + f'<main id="folio_text">\n<section class="chapter" aria-labelledby="{chapter.id}">\n'
        + f"{renderer.render_chapter(chapter)}{renderer.render_notes(chapter)}</section>\n</main>\n"
        + _pager(book, previous, following)
        + _footer(book)
    )
    head = [*_links(previous, following), f'<script src="../../{SCRIPT}" defer></script>']
    title = book.config.title if chapter.untitled else f"{chapter.title} – {book.config.title}"
    return page_shell(root="../../", language=book.config.language, title=title, body=body, head=head)


def contents_page(book: Book) -> str:
    """The web edition's first page: title, contents, and the copyright text."""
    c = book.config
    e = escapeHtml
    items = []
    for chapter, sections in contents(book):
        nested = "".join(f'<li><a href="{chapter_file(chapter)}#{h.id}">{e(h.text)}</a></li>\n' for h in sections)
        items.append(
            f'<li><a href="{chapter_file(chapter)}">{e(chapter.title)}</a>' + (f"\n<ol>\n{nested}</ol>\n" if nested else "") + "</li>\n"
        )
    first = book.chapters[0]
    ui = ui_language(c.language)
    body = (
        _bar(book, CONTENTS_PAGE)
        + f'<main id="folio_text" class="front">\n<div class="titlepage">\n{title_page_text(book, "h1")}\n</div>\n'
        + f'<nav class="contents" role="doc-toc" aria-labelledby="folio_contents">\n<h2 id="folio_contents"{ui}>Contents</h2>\n'
        + f"<ol>\n{''.join(items)}</ol>\n</nav>\n"
        + f'<section class="imprint" aria-label="Copyright"{ui}>\n{copyright_text(book)}\n</section>\n'
        + f'<section class="colophon" aria-label="Colophon"{ui}>\n{colophon_text(book)}\n</section>\n</main>\n'
        + _pager(book, None, (chapter_file(first), first.title))
        + _footer(book)
    )
    head = _links(None, (chapter_file(first), first.title))
    head.remove('<link rel="contents" href="index.html">')
    if c.description:
        head.insert(0, f'<meta name="description" content="{e(c.description)}">')
    head.insert(0, "".join(f'<meta name="author" content="{e(a)}">' for a in c.authors))
    return page_shell(root="../../", language=c.language, title=c.title, body=body, head=head)


def web_edition(book: Book) -> dict[str, str]:
    """Every page of the web edition, by its file name in read/."""
    pages = {CONTENTS_PAGE: contents_page(book)}
    for index, chapter in enumerate(book.chapters):
        pages[chapter_file(chapter)] = chapter_page(book, index)
    return pages


def faces_used(book: Book) -> list[str]:
    """The book's faces its pages need: the book face, and each further face only where the
    text has characters that the faces before it lack (Urdu words: Amiri)."""
    c = book.config
    people = [*c.authors, *c.editors, c.publisher or ""]
    text = "\n".join([c.title, c.subtitle or "", *people, c.description or "", c.attribution or "", *(ch.text for ch in book.chapters)])
    return [FACES[0], *faces_for(ord(char) for char in text if not char.isspace())]


def write_web_edition(book: Book, target: Path) -> int:
    """Write the web edition's pages, and its checked images, into `target`; return
    how many pages."""
    pages = web_edition(book)
    for name, page in pages.items():
        (target / name).write_text(page, encoding="utf-8")
    for image in book.images.values():  # the checked bytes, under folio's name, as in the EPUB
        (target / image.name).parent.mkdir(parents=True, exist_ok=True)
        (target / image.name).write_bytes(image.data)
    return len(pages)
