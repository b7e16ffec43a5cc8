"""Spelling in the book's language: Hunspell's dictionary for the book's `language`, spans marked
[mot]{lang=fr} checked in theirs, a note (N001) for what no installed dictionary checks, and the
book's words.txt on top."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from books import write_book

from folio.__main__ import main
from folio.lint import NOTES, lint_book
from folio.spelling import dictionary, installed

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "spelling"

# (the book's language, a paragraph, its words.txt, the lint's spelling lines: "CODE message start")
CASES = [
    ("en-GB", "The colour of the programme was grey.", "", []),
    ("en-GB", "They realised and realized it at the centre.", "", []),  # Oxford -ize is British too
    (
        "en-GB",
        "The color of the theater, my favorite.",
        "",
        ["W002 'color' is in neither the en-GB dictionary", "W002 'theater'", "W002 'favorite'"],
    ),
    (
        "en-US",
        "The colour of the theatre, my favourite.",
        "",
        ["W002 'colour' is in neither the en-US dictionary", "W002 'theatre'", "W002 'favourite'"],
    ),
    ("en-US", "The color of the theater, my favorite.", "", []),
    ("en", "The colour was grey.", "", ["W002 'colour' is in neither the en-US dictionary", "W002 'grey'"]),  # plain English: CLDR's en-US
    ("en-AU", "The colour of the programme.", "", []),  # the closest installed: en-GB
    ("fr", "Le garçon chante une chanson d’amour à l’école.", "", []),
    ("fr", "Le garcon chante une chanson.", "", ["W002 'garcon' is in neither the fr dictionary"]),
    ("fr", "La couleur du [programme]{lang=en-GB} et du [color]{lang=en-US}.", "", []),
    ("de", "Der Zug fährt vom Bahnhof ab.", "", []),
    ("de-CH", "Der Zug fährt vom Bahnhoff ab.", "", ["W002 'Bahnhoff' is in neither the de-"]),
    ("en-GB", "A [chanson d’amour]{lang=fr} at the harbour.", "", []),
    ("en-GB", "A [chansson]{lang=fr} at the harbour.", "", ["W002 'chansson' is in neither the fr dictionary"]),
    ("en-GB", "The [favourite]{lang=en-US} at the harbour.", "", ["W002 'favourite' is in neither the en-US dictionary"]),
    ("en-GB", 'A [colour]{lang="en-US"} here.', "", ["W002 'colour' is in neither the en-US dictionary"]),
    ("en-GB", "A [colour]{lang='en-US'} here.", "", ["W002 'lang'"]),  # no attributes: printed, and checked, as written
    ("en-GB", "See [la chanson](https://example.org){lang=fr} and `cde`{lang=fr} here.", "", []),  # a link's, a code span's
    ("en-GB", "See [la chansson](https://example.org){lang=fr}.", "", ["W002 'chansson' is in neither the fr dictionary"]),
    ("en-GB", "A [*belle* chanson]{lang=fr} and *[une chanson]{lang=fr}*.", "", []),
    ("en-GB", "A [le livre de [Hugo](https://example.org) ici]{lang=fr} here.", "", []),  # a link inside a span
    ("en-GB", "They said [carpe diem]{lang=la} and [ad hoc]{lang=la} again.", "", ["N001 4 words in 'la' not spell-checked"]),
    ("en-GB", "The party is the [متحدہ قومی موومنٹ]{lang=ur}.", "", ["N001 3 words in 'ur' not spell-checked"]),
    ("en-GB", "The party is the متحدہ قومی موومنٹ here.", "", []),
    ("en-GB", "A Greek λόγος and a [Zorblax]{lang=fr}.", "zorblax\n", []),
    ("en-GB", "Zorblax met Qwertz at the harbour.", "# names\nZorblax\nqwertz\n", []),  # words.txt, any case
    ("en-US", "Zorblax met Qwertz at the harbour.", "Zorblax\n", ["W002 'Qwertz'", "W002 'harbour'"]),
    ("en-US", "Write to <ada@example.org> or <https://example.org/zxq>.", "", []),  # addresses are no words
    ("en-US", "A capital sharp s, ẞ, alone.", "", ["W002 'ẞ'"]),  # one letter unknown: no empty word asked for a suggestion
    ("ur", "یہ ایک کتاب ہے", "", ["N001 4 words in 'ur' not spell-checked"]),  # a whole book with no dictionary
]


def spelling_lines(folder: Path) -> list[str]:
    result = lint_book(folder)
    return [f"{f.code} {f.message}" for f in result.notes + result.findings if f.code in ("W002", "N001")]


@pytest.mark.parametrize("language, text, words, expected", CASES)
def test_each_word_is_checked_in_its_language(tmp_path, language, text, words, expected):
    folder = write_book(tmp_path / "book", {"a.md": f"# 1\n\n{text}\n"}, language=language)  # a title in every language
    if words:
        (folder / "words.txt").write_text(words, encoding="utf-8")
    lines = spelling_lines(folder)
    assert len(lines) == len(expected) and all(line.startswith(e) for line, e in zip(lines, expected)), lines


def test_one_note_per_language_whatever_its_words(tmp_path):
    text = "# Title\n\n" + "".join(f"Word [carpe diem {n}]{{lang=la}} and [سلام]{{lang=ur}}.\n\n" for n in range(50))
    folder = write_book(tmp_path / "book", {"a.md": text}, language="en-GB")
    result = lint_book(folder)
    assert result.findings == []  # a note fails nothing
    assert [(n.line, n.col, n.code, n.message) for n in result.notes] == [
        (3, 7, "N001", "100 words in 'la' not spell-checked: no Hunspell dictionary for 'la' is installed"),
        (3, 35, "N001", "50 words in 'ur' not spell-checked: no Hunspell dictionary for 'ur' is installed"),
    ]
    assert set(NOTES) == {"N001"}


@pytest.mark.parametrize(
    "tag, chosen",
    [("en-GB", "en-GB"), ("en-US", "en-US"), ("en-NZ", "en-GB"), ("fr-BE", "fr-BE"), ("fr-CA", "fr-CA"), ("de", "de-DE"), ("ur", None)],
)
def test_the_closest_installed_dictionary_is_chosen(tag, chosen):
    found = dictionary(tag)
    assert (found.tag if found else None) == chosen


def test_the_dictionaries_are_hunspell_s_whatever_else_enchant_has():
    """Debian's Enchant prefers Aspell for English where it is installed: folio asks for Hunspell."""
    assert {"en-GB", "en-US", "fr", "de-DE"} <= set(installed())
    assert dictionary("en-GB")._dict.provider.name == "hunspell"


def test_folio_lint_reports_each_word_at_its_place():
    """The real command on a British book with French, German, Urdu and Latin words."""
    result = subprocess.run(
        [sys.executable, "-m", "folio", "lint", "tests/fixtures/spelling"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.splitlines() == [
        "tests/fixtures/spelling/one.md:6:19: N001 3 words in 'ur' not spell-checked: no Hunspell dictionary for 'ur' is installed",
        "tests/fixtures/spelling/one.md:6:66: N001 2 words in 'la' not spell-checked: no Hunspell dictionary for 'la' is installed",
        "tests/fixtures/spelling/one.md:3:62: W002 'chansson' is in neither the fr dictionary nor words.txt (did you mean 'chanson'?)",
        "tests/fixtures/spelling/one.md:4:9: W002 'color' is in neither the en-GB dictionary nor words.txt (did you mean 'colour'?)",
    ]  # "colour", "programme", "centre", "harbour" are British; "chanson d’amour" and "Bahnhof" French and German


def test_a_clean_book_with_a_note_passes_the_lint(tmp_path):
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nThe party, [متحدہ]{lang=ur}, met.\n"}, language="en-GB")
    result = subprocess.run([sys.executable, "-m", "folio", "lint", str(folder)], capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout
    assert result.stdout == f"{folder}/a.md:3:13: N001 1 word in 'ur' not spell-checked: no Hunspell dictionary for 'ur' is installed\n"


def test_the_user_s_own_word_lists_change_nothing(tmp_path):
    """Enchant would add ~/.config/enchant/en_GB.dic (a desktop spell-checker's "Add to
    dictionary") to the dictionary, and write its empty lists there: the lint reads neither."""
    home = tmp_path / "home"
    (home / ".config" / "enchant").mkdir(parents=True)
    (home / ".config" / "enchant" / "en_GB.dic").write_text("Zorblax\n")
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nZorblax came.\n"}, language="en-GB")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "FOLIO_CACHE": str(tmp_path / "cache")}
    env["PYTHONPATH"] = str(ROOT / "src")
    result = subprocess.run(
        [sys.executable, "-m", "folio", "lint", str(folder)], capture_output=True, text=True, check=False, timeout=600, env=env
    )
    assert result.stdout.startswith(f"{folder}/a.md:3:1: W002 'Zorblax' is in neither the en-GB dictionary"), result.stdout + result.stderr
    assert sorted(p.name for p in (home / ".config" / "enchant").iterdir()) == ["en_GB.dic"]


@pytest.mark.parametrize("language", ["en", "en-GB", "fr", "de", "ur"])
def test_a_new_book_in_any_language_passes_the_lint(tmp_path, monkeypatch, capsys, language):
    """`folio new`'s placeholder text is English: marked so in a book of another language."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "book", "--language", language]) == 0
    capsys.readouterr()
    assert main(["lint", "content/book"]) == 0, capsys.readouterr().out
