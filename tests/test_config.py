"""book.toml: the contract's keys load typed; every mistake names the file and the key."""

from __future__ import annotations

import datetime as dt

import pytest
from books import write_book

from folio.config import load_config
from folio.errors import BuildError


def test_contract_keys_load_typed(tmp_path):
    folder = write_book(
        tmp_path, {"a.md": "# A\n"}, subtitle="S", source="https://example.org", description="D", authors=["X", "Y"], date="2025-02-03"
    )
    config = load_config(folder / "book.toml")
    assert config.authors == ("X", "Y")
    assert config.date == dt.date(2025, 2, 3)
    assert (config.subtitle, config.source, config.description) == ("S", "https://example.org", "D")
    assert config.chapters == ("a.md",)
    assert config.source_text is None
    assert load_config(write_book(tmp_path / "b", {"a.md": "# A\n"}, source_text="raw.txt") / "book.toml").source_text == "raw.txt"


@pytest.mark.parametrize(
    "authors, given, sorted_as",
    [
        (["Ada Editor", "Plato", "Le Guin, Ursula K."], None, ("Editor, Ada", "Plato", "Le Guin, Ursula K.")),
        (["Wikipedia contributors"], ["Contributors, Wikipedia"], ("Contributors, Wikipedia",)),
    ],
)
def test_authors_have_a_sort_form(tmp_path, authors, given, sorted_as):
    assert load_config(write_book(tmp_path, {"a.md": "# A\n"}, authors=authors, authors_sort=given) / "book.toml").sort_names == sorted_as


def test_apparatus_keys_load_typed_and_default_to_none(tmp_path):
    """Where the text comes from and who made the edition (README, "Edit a book and rebuild")."""
    keys = {
        "source_history": "https://example.org/w/index.php?title=A&action=history",
        "source_revision": "1234567890",
        "source_date": "2025-02-01",
        "editors": ["Cy Reader", "Di Proof"],
        "publisher": "Fixture Press",
        "untitled_opening": True,
    }
    config = load_config(write_book(tmp_path / "with", {"a.md": "A lead.\n", "b.md": "# B\n"}, **keys) / "book.toml")
    assert (config.source_history, config.source_revision, config.source_date) == (
        keys["source_history"],
        "1234567890",
        dt.date(2025, 2, 1),
    )
    assert (config.editors, config.publisher, config.untitled_opening) == (("Cy Reader", "Di Proof"), "Fixture Press", True)
    bare = load_config(write_book(tmp_path / "without", {"a.md": "# A\n"}) / "book.toml")
    assert (bare.source_history, bare.source_revision, bare.source_date, bare.editors, bare.publisher, bare.untitled_opening) == (
        None,
        None,
        None,
        (),
        None,
        False,
    )


def test_toml_date_literal(tmp_path):
    folder = write_book(tmp_path, {"a.md": "# A\n"})
    (folder / "book.toml").write_text((folder / "book.toml").read_text().replace('"2025-01-01"', "2025-01-01"))
    assert load_config(folder / "book.toml").date == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"titel": "x"}, "titel: unknown key (did you mean 'title'?)"),
        ({"title": None}, "title: required key is missing"),
        ({"authors": "One Author"}, "authors: must be a list of non-empty strings"),
        ({"title": 3}, "title: must be a string, not int"),
        ({"identifier": "urn:uuid:1"}, "identifier: 'urn:uuid:1' is not a valid UUID"),
        ({"language": "English"}, "language: 'English' is not a BCP 47 language tag"),
        ({"date": "25/11/2026"}, "date: must be an ISO date such as 2026-11-25"),
        ({"chapters": ["../outside.md"]}, "chapters: '../outside.md' must be a path inside the book folder"),
        ({"chapters": []}, "chapters: must list at least one entry"),
        ({"back_matter": ["b.md"]}, "back_matter: must name the last chapters, in their order"),
        ({"print": "6x9"}, "print: must be a table ([print])"),
        ({"source_text": "../raw.txt"}, "source_text: '../raw.txt' must be a path inside the book folder"),
        ({"authors": ["A", "B"], "authors_sort": ["A"]}, "authors_sort: must give one sort form for each of the authors"),
        ({"source_history": "en.wikipedia.org/w/index.php"}, "source_history: 'en.wikipedia.org/w/index.php' has no scheme"),
        ({"source_history": "https://example.org/a b"}, "source_history: 'https://example.org/a b' has a space"),
        ({"source_date": "yesterday"}, "source_date: must be an ISO date such as 2026-11-25"),
        ({"source_revision": 1234}, "source_revision: must be a string, not int"),
        ({"editors": "Ada"}, "editors: must be a list of non-empty strings"),
        ({"publisher": " "}, "publisher: must not be empty"),
        ({"untitled_opening": "yes"}, "untitled_opening: must be true or false"),
        ({"untitled_opening": True, "back_matter": ["a.md"]}, "untitled_opening: the opening chapter cannot be back matter"),
    ],
)
def test_mistakes_name_file_and_key(tmp_path, keys, message):
    folder = write_book(tmp_path, {"a.md": "# A\n"}, **keys)
    with pytest.raises(BuildError) as e:
        load_config(folder / "book.toml")
    assert str(e.value).startswith(f"{folder / 'book.toml'}: {message}")


def test_invalid_toml(tmp_path):
    (tmp_path / "book.toml").write_text('title = "unclosed\n')
    with pytest.raises(BuildError, match=r"book\.toml:\d+(:\d+)?: not valid TOML"):
        load_config(tmp_path / "book.toml")


@pytest.mark.parametrize(
    "table, message",
    [
        ('trim = "6x9"', "print.trim: must be a width and a height such as '6in 9in'"),
        ('bleed = "3"', "print.bleed: must be a length such as '0.125in' or '3mm', not '3'"),
        ("crop_marks = 1", "print.crop_marks: must be true or false"),
        ("page_multiple = 3", "print.page_multiple: must be 2 or 4"),
        ("trimm = '6in 9in'", "print.trimm: unknown key (did you mean 'trim'?)"),
    ],
)
def test_print_table_mistakes(tmp_path, table, message):
    folder = write_book(tmp_path, {"a.md": "# A\n"})
    with (folder / "book.toml").open("a") as toml:
        toml.write(f"[print]\n{table}\n")
    with pytest.raises(BuildError) as e:
        load_config(folder / "book.toml")
    assert str(e.value).startswith(f"{folder / 'book.toml'}: {message}")


def test_print_table_defaults_and_values(tmp_path):
    folder = write_book(tmp_path, {"a.md": "# A\n"})
    assert load_config(folder / "book.toml").print.trim == "6in 9in"
    with (folder / "book.toml").open("a") as toml:
        toml.write('[print]\ntrim = "148mm 210mm"\nbleed = "3mm"\ncrop_marks = true\npage_multiple = 4\n')
    p = load_config(folder / "book.toml").print
    assert (p.trim, p.bleed, p.crop_marks, p.page_multiple) == ("148mm 210mm", "3mm", True, 4)
