"""Every link a reader can follow: addresses checked by one rule (folio.urls) in the lint and the
build, written in one form, and links to other chapters right in the EPUB and both PDFs."""

from __future__ import annotations

import re
import shutil

import pytest
from books import write_book
from conftest import Project, need
from hypothesis import given, settings
from hypothesis import strategies as st
from readers import NS, EpubEdition, PdfEdition, epubcheck_messages

from folio.lint import lint_book
from folio.urls import normalized, problem

# (written in the chapter, the address as every edition writes it)
VALID = [
    ("[inline](https://example.org/a)", "https://example.org/a"),
    ("<https://example.org/auto>", "https://example.org/auto"),
    ("[reference][ref]\n\n[ref]: https://example.org/ref", "https://example.org/ref"),
    ("[upper case](HTTPS://Example.ORG/%7euser/../up)", "https://example.org/up"),
    ("[a host name in Unicode](https://bücher.example/ä)", "https://xn--bcher-kva.example/%C3%A4"),
    ("[the same in letters of English](https://xn--bcher-kva.example/)", "https://xn--bcher-kva.example/"),
    ("[query](https://example.org/?q=a|b#part)", "https://example.org/?q=a%7Cb#part"),
    ("[IPv6](http://[2001:db8::1]:8080/)", "http://[2001:db8::1]:8080/"),
    ("[mail](mailto:ada@example.org)", "mailto:ada@example.org"),
    ("<ada@example.org>", "mailto:ada@example.org"),
]
# (written in the chapter, what the finding says of the address)
INVALID = [
    ("See <https://../>.", "has an invalid host name '..'"),
    ("[empty host](https://)", "has no host"),
    ("[double dot](https://a..b/)", "has an invalid host name 'a..b'"),
    ("[hyphen](https://-a.example/)", "has an invalid host name '-a.example'"),
    ("[bad IDNA](https://xn--zz.example/)", "has an invalid host name 'xn--zz.example'"),
    ("[space](<https://example.org/a b>)", "has a space"),
    ("[escape](https://example.org/%zz)", "has a % that is not followed by two hexadecimal digits"),
    ("[port](http://example.org:99999/)", "is not a valid URL (port was found to be invalid)"),
    ("[no scheme](//example.org/x)", "has no scheme"),
    ("[ftp](ftp://example.org/)", "has 'ftp:'"),
    ("[script](javascript:alert(1))", "has 'javascript:'"),
    ("[mail](mailto:nobody)", "'nobody' is not a mail address"),
    ("[ref][r]\n\n[r]: https://exa mple.org/", None),  # not a link to CommonMark: printed as text, no finding
]


@pytest.mark.parametrize("written, expected", INVALID, ids=[w for w, _ in INVALID])
def test_an_address_a_reader_cannot_follow_is_refused_by_the_lint_and_the_build(tmp_path, written, expected):
    project = Project(tmp_path, {})
    folder = write_book(tmp_path / "content" / "b", {"a.md": f"# Title\n\nA line.\n\n{written}\n"})
    findings = [f"{f.code} {f.message}" for f in lint_book(folder).findings if f.code == "S008"]
    if expected is None:
        assert findings == []
        return
    assert len(findings) == 1 and expected in findings[0], findings
    code, _ = project.doit()
    assert code != 0 and expected in project.output and "a.md:5:" in project.output, project.output
    assert not (tmp_path / "build" / "b.epub").exists()


CROSS = {
    "one.md": "# One\n\nSee [the sources](#sources) and [the second chapter](#two). "
    + " ".join(f"[{i}]({url})" for i, (_, url) in enumerate(VALID))
    + "\n\nOnce more [written otherwise](HTTPS://EXAMPLE.ORG/a).\n",
    "two.md": "# Two\n\n"
    + "A paragraph to fill the page. " * 120
    + "\n\n## Sources\n\nWhere it comes from.\n\n"
    + "\n\n".join(written for written, _ in VALID)
    + "\n",
}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    project = Project(root, {})
    write_book(root / "content" / "links", CROSS)
    code, _ = project.doit()
    assert code == 0, project.output
    return project


def test_every_address_is_written_in_one_form_in_every_edition(linked):
    epub = EpubEdition(linked.out("links.epub"))
    hrefs = {a.get("href") for doc in ("one.xhtml", "two.xhtml") for a in epub.item(doc).iter(f"{{{NS['x']}}}a")}
    assert {url for _, url in VALID} <= hrefs
    assert "https://EXAMPLE.ORG/a" not in hrefs and "HTTPS://EXAMPLE.ORG/a" not in hrefs  # the same address, one form
    for name in ("links.pdf", "links-print.pdf"):
        pdf = PdfEdition(linked.out(name))
        uris = {str(a.get_object()["/A"]["/URI"]) for page in pdf.reader.pages for a in page.get("/Annots") or []
                if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]}  # fmt: skip
        assert uris == {url for _, url in VALID}, name


def test_a_link_to_another_chapter_reaches_its_heading_in_every_edition(linked):
    epub = EpubEdition(linked.out("links.epub"))
    links = {a.text: a.get("href") for a in epub.item("one.xhtml").iter(f"{{{NS['x']}}}a")}
    for text, heading in (("the sources", "Sources"), ("the second chapter", "Two")):
        document, fragment = links[text].split("#")
        target = epub.item(document).xpath(f"//*[@id='{fragment}']")
        assert target and "".join(target[0].itertext()).strip() == heading
    for name in ("links.pdf", "links-print.pdf"):
        pdf = PdfEdition(linked.out(name))
        page = pdf.destinations()["sources"]
        assert "Sources" in pdf.text(page) and "sources" in pdf.links(pdf.destinations()["one"])
        folio = pdf.folio(page)
        assert re.search(rf"the sources\s*\(p\.\s*{folio}\)", pdf.text(pdf.destinations()["one"])), pdf.text(pdf.destinations()["one"])


def test_epubcheck_finds_nothing_in_a_book_of_every_link_form(linked):
    need("Java (for EPUBCheck)", shutil.which("java") is not None)
    assert epubcheck_messages(linked.out("links.epub")) == []


addresses = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.text(st.sampled_from("abcxyzäö.-_[]:1%"), max_size=20),
        st.text(st.sampled_from("abc/..%20ä?#=&|{} "), max_size=20),
    ),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(addresses)
def test_a_valid_address_keeps_its_one_form(url):
    """Whatever is written: either a reason, or an address whose normal form is valid and stays as it is."""
    if problem(url) is None:
        once = normalized(url)
        assert problem(once) is None, once
        assert normalized(once) == once
