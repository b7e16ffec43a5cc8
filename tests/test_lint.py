"""The lint: one golden test per code, the raw source and the edition of "MQM militancy", and slips
made into the edition as an editor might make them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from books import write_book
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import FUZZ, chapter

from folio.__main__ import main
from folio.errors import BuildError
from folio.lint import CODES, lint_book

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "content" / "mqm-militancy"

# code: (the book's chapters, other files of the book folder, the lint's output). Each fixture
# is clean but for the one thing it shows.
GOLDEN = {
    "D001": (
        {
            "a.md": "# Title\n\nThe old mill by the river ground corn for the village every autumn, and the miller "
            "sold the flour at the market on the square each week.\n\nThe old mill by the river ground "
            "corn for the village every autumn, and the miller sold the flour at the market each week.\n"
        },
        {},
        ["a.md:5:1: D001 paragraph repeats the one at line 3 (91% alike)"],
    ),
    "D002": (
        {
            "a.md": "# Title\n\nThe council met in the hall to discuss the new road. It rained.\n\n"
            "Nobody came. The council met in the hall to discuss the new road.\n"
        },
        {},
        ["a.md:5:14: D002 sentence repeats the one at line 3 (100% alike)"],
    ),
    "W001": (
        {"a.md": "# Title\n\nThe cat sat on the the mat. It had had enough of that that noise, and moved in in order to sleep.\n"},
        {},
        ["a.md:3:20: W001 doubled word 'the the'"],
    ),
    "W002": (
        {"a.md": "# Title\n\nThe garden was beautifull, said Zorblax.\n"},
        {"words.txt": "# names\nZorblax\n"},
        ["a.md:3:16: W002 'beautifull' is in neither the en-GB dictionary nor words.txt (did you mean 'beautiful'?)"],
    ),
    "V001": (
        {"a.md": "# Title\n\nThey organised the march.\n\nThey organized the rally.\n"},
        {},
        ["a.md:5:6: V001 'organized' here, 'organised' at line 3: spell the word one way"],
    ),
    "V002": (
        {"a.md": "# Title\n\nThe fort at Qila was old.\n\nThe road to Qilla was long.\n"},
        {},
        ["a.md:5:13: V002 'Qilla' and 'Qila' (line 3) look like one name spelled two ways"],
    ),
    "V003": (
        {"a.md": "# Title\n\nThe Border Police came first. Later the Border police left.\n"},
        {},
        ["a.md:3:41: V003 'Border police' here, 'Border Police' at line 3: capitalize the name one way"],
    ),
    "V004": (
        {"a.md": "# Title\n\nIt began on 5 September 1995 and ended on June 25, 1996.\n"},
        {},
        ["a.md:3:43: V004 'June 25, 1996': the book writes its dates as '5 September 1995' (line 3), one style for all"],
    ),
    "T001": (
        {"a.md": "# Title\n\nShe said \"yes and left, as 'twas late.\n"},
        {},
        [
            'a.md:3:10: T001 straight quote " stays ambiguous: write “ or ”',
            "a.md:3:28: T001 straight quote ' stays ambiguous: write ‘ or ’",
        ],
    ),
    "T002": (
        {"a.md": "# Title\n\nThe war of 1914-18 was long; see pages 10--12.\n"},
        {},
        ["a.md:3:12: T002 '1914-18': a range takes an en dash (1914–18)"],
    ),
    "T003": ({"a.md": "# Title\n\nThe U.S State Department and the U.N. spoke.\n"}, {}, ["a.md:3:5: T003 'U.S' lacks its last full stop"]),
    "S001": ({"a.md": "# Title\n\n### Deep\n\nText.\n"}, {}, ["a.md:3:1: S001 heading level jumps from 1 to 3"]),
    "S002": ({"a.md": "# Title\n\n## Empty\n\n## Full\n\nSome text.\n"}, {}, ["a.md:3:1: S002 section 'Empty' is empty"]),
    "S003": (
        {"a.md": "Text first.\n\n# Title\n\nMore text.\n"},
        {},
        ["a.md:1:1: S003 text before the chapter's title: a chapter begins with a level-1 heading (# Title)"],
    ),
    "S004": ({"a.md": "# Title\n\nA claim.[^a]\n"}, {}, ["a.md:3:9: S004 note [^a] is called but not defined"]),
    "S005": (
        {"a.md": "# Title\n\nA claim.[^a]\n\n[^a]: One.\n\n[^a]: Two.\n"},
        {},
        ["a.md:7:1: S005 note [^a] is defined twice (first at line 5)"],
    ),
    "S006": ({"a.md": "# Title\n\nA claim.\n\n[^a]: Never called.\n"}, {}, ["a.md:5:1: S006 note [^a] is defined but never called"]),
    "S007": (
        {"a.md": "# Title\n\nA claim.[^a]\n\n[^a]: See another.[^b]\n\n[^b]: Another.\n"},
        {},
        ["a.md:5:19: S007 a note cannot call another note", "a.md:7:1: S006 note [^b] is defined but never called"],
    ),
    "S008": (
        {"a.md": "# Title\n\nSee [the end](#nowhere) and [a file](b.md).\n"},
        {},
        [
            "a.md:3:15: S008 link to '#nowhere': no heading has that id",
            "a.md:3:38: S008 link to 'b.md': only #heading-id, http(s) and mailto links are allowed",
        ],
    ),
    "S009": ({"a.md": "# Title\n\n![A map](map.png)\n"}, {}, ["a.md:3:10: S009 image 'map.png' does not exist"]),
    "S010": (
        {"a.md": "# Title\n\nSome <b>bold</b> text.\n"},
        {},
        ["a.md:3:6: S010 raw HTML '<b>' is printed as text", "a.md:3:13: S010 raw HTML '</b>' is printed as text"],
    ),
    "S011": ({"a.md": "# Title\n\nA snowman ☃ melts.\n"}, {}, ["a.md:3:11: S011 no font of the book covers U+2603 ☃ (SNOWMAN)"]),
    "S012": (
        {"a.md": "# Title\n\nA bell\x07 and an escape \x1b[31m.\n"},
        {},
        [
            "a.md:3:7: S012 a control character \\x07 is not allowed in a text",
            "a.md:3:23: S012 a control character \\x1b is not allowed in a text",
        ],
    ),
    "S013": (
        {"a.md": "# Title\n\nA word: " + "a" * 2001 + ".\n"},
        {},
        ["a.md:3:9: S013 a word of 2,002 characters is longer than the book's limit of 2,000 (raise word_length in book.toml's [limits])"],
    ),
    "S015": (
        {"a.md": "# Title\n\nIn [Urdu]{lang=ur_PK} and [big]{.loud}.\n"},
        {},
        [
            "a.md:3:11: S015 lang='ur_PK' is not a BCP 47 language tag such as 'ur', 'fr' or 'pa-Arab'",
            "a.md:3:33: S015 '.loud': only a language may stand in braces, as {lang=ur}",
        ],
    ),
    "L001": (
        {"a.md": "# Title\n\nThe city of کراچی and [لاہور]{lang=ur}.\n"},
        {},
        [
            "a.md:3:24: N001 1 word in 'ur' not spell-checked: no Hunspell dictionary for 'ur' is installed",  # a note, marked
            "a.md:3:13: L001 'کراچی' is in Arabic script with no language: mark it [کراچی]{lang=...}",
        ],
    ),
    "F001": (
        {"a.md": "# Title\n\nThe river rose in spring. The mayor resigned in shame.\n"},
        {"source.txt": "Title\n\nThe river rose in spring.\n"},
        ["a.md:3:27: F001 sentence is not in the source"],
    ),
    "F002": (
        {
            "a.md": "# Title\n\nThe river rose in the spring and the town flooded for a month.\n",
            "note.md": "# Note on the text\n\n| Section | Source | Edition |\n|---|---|---|\n"
            "| Title | rose in spring | rose in the spring |\n",
        },
        {"source.txt": "Title\n\nThe river rose in spring and the town flooded for a week.\n"},
        ["a.md:3:57: F002 «a week.» → «a month.» changes the source (source.txt:3), and the Note on the text does not record it"],
    ),
    "F003": (
        {
            "a.md": "# Title\n\nThe river rose in spring.\n",
            "note.md": "# Note on the text\n\n| Section | Source | Edition |\n|---|---|---|\n| Title | The bridge fell. | left out |\n",
        },
        {"source.txt": "Title\n\nThe river rose in spring.\n\nThe bridge fell.\n\nThe town was flooded for a week.\n"},
        ["source.txt:7:1: F003 left out of the edition, and the Note on the text does not record it"],
    ),
}


def lint(*paths: Path, capsys) -> tuple[int, list[str]]:
    """`python -m folio lint PATHS`, in this process: the exit code and the lines printed."""
    code = main(["lint", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, (out + err).splitlines()


def test_every_code_has_a_golden_test():
    assert sorted(GOLDEN) == sorted(CODES)


@pytest.mark.parametrize("code", sorted(GOLDEN))
def test_golden(code, tmp_path, capsys):
    chapters, files, expected = GOLDEN[code]
    source_text = "source.txt" if "source.txt" in files else None
    folder = write_book(tmp_path / "content" / "book", chapters, source_text=source_text, language="en-GB")  # -ise and -ize alike
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    status, lines = lint(folder, capsys=capsys)
    assert [line.replace(f"{folder}/", "") for line in lines] == expected
    assert status == 1


def test_plain_text_quotes_stay_straight(tmp_path, capsys):
    """Nothing typesets a plain text: every straight quote outside a word is a finding there."""
    (tmp_path / "raw.txt").write_text("He said 'no' to the party's plan.\n")
    assert lint(tmp_path / "raw.txt", capsys=capsys) == (
        1,
        [
            f"{tmp_path}/raw.txt:1:9: T001 straight quote ' stays ambiguous: write ‘ or ’",
            f"{tmp_path}/raw.txt:1:12: T001 straight quote ' stays ambiguous: write ‘ or ’",
        ],
    )


def test_a_book_accepts_a_finding_on_purpose(tmp_path, capsys):
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nThe U.S State Department spoke.\n"})
    (folder / "lint-allow.toml").write_text('[[accept]]\ncode = "T003"\ntext = "U.S"\nwhy = "As the source has it."\n')
    assert lint(folder, capsys=capsys) == (0, [])


@pytest.mark.parametrize(
    "allow, message",
    [
        ('[[accept]]\ncode = "T003"\ntext = "U.S"\n', "accept #1: needs code, text and why"),
        ('[[accept]]\ncode = "X999"\ntext = "U.S"\nwhy = "w"\n', "accept #1: 'X999' is not a lint code"),
        # what the build refuses anyway cannot be accepted
        ('[[accept]]\ncode = "S001"\ntext = "jumps"\nwhy = "w"\n', "accept #1: S001 (a heading level that jumps) cannot be accepted"),
        ('[[accept]]\ncode = "S008"\ntext = "#x"\nwhy = "w"\n\n[[accept]]\ncode = "T003"\ntext = "U.S"\nwhy = "w"\n', "accept #1: S008"),
        ("accept = [", "not valid TOML"),
    ],
)
def test_a_broken_allow_list_is_an_error_not_a_traceback(tmp_path, capsys, allow, message):
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nText.\n"})
    (folder / "lint-allow.toml").write_text(allow)
    status, lines = lint(folder, capsys=capsys)
    assert status == 2
    assert lines[0].startswith(f"{folder / 'lint-allow.toml'}:1: {message}")  # at the entry's line


def test_accepting_what_the_build_refuses_is_named_at_its_entry(tmp_path, capsys):
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nA [link](#nowhere).\n"})
    (folder / "lint-allow.toml").write_text(
        '[[accept]]\ncode = "T003"\ntext = "U.S"\nwhy = "w"\n\n[[accept]]\ncode = "S008"\ntext = "#nowhere"\nwhy = "w"\n'
    )
    status, lines = lint(folder, capsys=capsys)
    assert status == 2 and lines[0].startswith(
        f"{folder / 'lint-allow.toml'}:6: accept #2: S008 (a link that points nowhere) cannot be accepted"
    )


def test_signs_and_character_references_are_not_words(tmp_path, capsys):
    text = "# Title\n\nIt costs ½ of 5 € per § and ¾ more; &copy; &nbsp; &amp; and a caf&#233; or a caf&#xe9;s stay.\n\nThe f&ouml;&ouml; and &#xD06; here.\n"
    folder = write_book(tmp_path / "book", {"a.md": text}, language="en-GB")  # a British café
    _status, lines = lint(folder, capsys=capsys)
    assert [line.replace(f"{folder}/", "") for line in lines] == [
        "a.md:5:5: W002 'föö' is in neither the en-GB dictionary nor words.txt",  # the word, whole
        "a.md:5:23: L001 'ആ' is in Malayalam script with no language: mark it [ആ]{lang=...}",  # so is its script
        "a.md:5:23: S011 no font of the book covers U+0D06 ആ (MALAYALAM LETTER AA)",  # a reference, checked as a typed character
    ]


def test_a_chapter_named_txt_is_markdown_to_the_lint_as_to_the_build(tmp_path, capsys):
    folder = write_book(tmp_path / "book", {"a.txt": "# Title\n\nThe `kubectl` tool.\n"})
    assert lint(folder, capsys=capsys) == (0, [])  # code is not spell-checked; nor are '#' or quotes in a plain text


def test_a_missing_source_is_an_error(tmp_path, capsys):
    folder = write_book(tmp_path / "book", {"a.md": "# Title\n\nText.\n"}, source_text="raw.txt")
    assert lint(folder, capsys=capsys) == (2, [f"{folder / 'book.toml'}: source_text: 'raw.txt' does not exist"])


def test_a_chapter_path_gives_that_chapter_s_findings(tmp_path, capsys):
    folder = write_book(tmp_path / "book", {"a.md": "# A\n\nThe the cat.\n", "b.md": "# B\n\nA dog dog.\n"})
    assert lint(folder / "b.md", capsys=capsys) == (1, [f"{folder / 'b.md'}:3:7: W001 doubled word 'dog dog'"])


def run_lint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command, as an editor types it."""
    return subprocess.run([sys.executable, "-m", "folio", "lint", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def raw_source_findings() -> list[str]:
    result = run_lint("content/mqm-militancy/source.txt", cwd=ROOT)
    assert result.returncode == 1 and result.stderr == ""
    return result.stdout.splitlines()


def findings_at(lines: list[str], line: int, code: str) -> list[str]:
    return [f for f in lines if f.startswith(f"content/mqm-militancy/source.txt:{line}:") and f" {code} " in f]


@pytest.mark.parametrize(
    "line, code, text",
    [
        (14, "D001", "paragraph repeats the one at line 10"),  # the duplicated section
        (29, "D002", "sentence repeats the one at line 10"),  # the mafia sentence, again under Criticism
        (50, "W001", "'back back'"),
        (18, "W002", "'jilled'"),
        (18, "W002", "'affliated'"),
        (14, "V001", "'radicalized' here, 'radicalised' at line 10"),
        (14, "V002", "'Pashtun' and 'Pushtun'"),
        (34, "V002", "'Pucca' and 'Pakka'"),
        (36, "V002", "'Qilla' and 'Qila'"),
        (4, "V002", "'Muttahida' and 'Muttahidda'"),
        (18, "V003", "'Operation clean' here, 'Operation Clean'"),
        (40, "V003", "'Sindh rangers' here, 'Sindh Rangers'"),
        (40, "V003", "'Sindh police' here, 'Sindh Police'"),
        (18, "V004", "'June 25, 1995': the book writes its dates as '5 September 1995'"),
        (10, "T002", "'1985-86'"),
        (14, "T001", "straight quote '"),  # Students'
        (19, "T001", "straight quote '"),  # 'entrepreneurs'
        (24, "T001", 'straight quote "'),  # "elite corps"
        (28, "T003", "'U.S'"),
    ],
)
def test_the_raw_source_shows_its_defects_at_their_lines(raw_source_findings, line, code, text):
    assert any(text in f for f in findings_at(raw_source_findings, line, code)), raw_source_findings


def test_true_doubles_are_not_doubled_words(raw_source_findings):
    assert findings_at(raw_source_findings, 36, "W001") == []  # "to move in in order to stop"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the real book in a project folder of its own (the lint writes build/ beside content/)."""
    shutil.copytree(BOOK, tmp_path / "content" / "mqm-militancy")
    return tmp_path


def test_the_edition_is_clean_and_every_difference_is_recorded(project):
    result = run_lint(cwd=project)  # no path: every book under content/
    note = "content/mqm-militancy/01-lead.md:3:64: N001 3 words in 'ur' not spell-checked: no Hunspell dictionary for 'ur' is installed\n"
    assert (result.returncode, result.stdout, result.stderr) == (0, note, "")  # the party's name in Urdu: a note, no finding
    report = (project / "build" / "mqm-militancy" / "fidelity.txt").read_text()
    assert "NOT RECORDED" not in report and "NOT IN THE SOURCE" not in report
    note = (project / "content" / "mqm-militancy" / "06-note-on-the-text.md").read_text().splitlines()
    row = next(n for n, line in enumerate(note, 1) if line.startswith("| 1994–2016 Violence ¶1 | more than 121 terrorists were jilled"))
    assert re.search(
        rf"02-history\.md:9:\d+  «terrorists were jilled who were believed» → «terrorists believed»  recorded at 06-note-on-the-text\.md:{row}\n",
        report,
    )
    assert "source.txt:14  «The ancestor of the MQM" in report  # the second copy, left out as recorded


def slip(project: Path, chapter: str, old: str, new: str) -> list[str]:
    path = project / "content" / "mqm-militancy" / chapter
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run_lint("content/mqm-militancy", cwd=project)
    assert result.returncode == 1 and result.stderr == ""
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    "chapter, old, new, expected",
    [
        (
            "03-militant-recruits.md",
            "in Karachi and Hyderabad",
            "in in Karachi and Hyderabad",
            [
                "03-militant-recruits.md:3:187: F002 «in Karachi» → «in in Karachi» changes the source (source.txt:24)",
                "03-militant-recruits.md:3:187: W001 doubled word 'in in'",
            ],
        ),
        (
            "05-crackdowns.md",
            "fired back.",
            "fierd back.",
            [
                "05-crackdowns.md:21:511: F002 «officers fired back back» → «officers fierd back» changes the source (source.txt:50)",
                "05-crackdowns.md:21:511: W002 'fierd' is in neither",
            ],
        ),
        (
            "04-criticism.md",
            "ethnic militant group.",
            "ethnic militant group. It was banned in 1999.",
            ["04-criticism.md:7:71: F001 sentence is not in the source"],
        ),
        (
            "05-crackdowns.md",
            "## 1994–96 Operation\n",
            "## 1994–96 Operation\n\n" + (BOOK / "03-militant-recruits.md").read_text().splitlines()[2] + "\n",
            ["05-crackdowns.md:13:1: D001 paragraph repeats the one at 03-militant-recruits.md:3 (100% alike)"],
        ),
        (  # a row of the Note on the text records a change in the paragraph it names (¶), not in another
            "06-note-on-the-text.md",
            "| Criticism ¶3 | referred to MQM as",
            "| Criticism ¶2 | referred to MQM as",
            ["04-criticism.md:7:34: F002 «to MQM» → «to the MQM» changes the source (source.txt:30), and the Note on the text does not"],
        ),
    ],
)
def test_a_slip_in_a_chapter_fails_the_lint_at_its_line(project, chapter, old, new, expected):
    lines = slip(project, chapter, old, new)
    assert all(any(f.startswith(f"content/mqm-militancy/{e}") for f in lines) for e in expected), lines


@FUZZ
@given(chapters=st.lists(chapter, min_size=1, max_size=3), edits=st.lists(chapter, max_size=1))
def test_generated_books_lint_or_fail_cleanly(tmp_path_factory, chapters, edits):
    """Markdown made by hypothesis (test_fuzz's), checked against itself as the source with a
    chapter more or less: findings with known codes and real places, or one line naming the file."""
    folder = write_book(
        tmp_path_factory.mktemp("lint") / "content" / "fuzz",
        {f"c{i}.md": text for i, text in enumerate(chapters + edits)},
        source_text="source.txt",
    )
    (folder / "source.txt").write_text("\n\n".join(chapters), encoding="utf-8")
    try:
        findings = lint_book(folder).findings
    except BuildError as e:
        assert str(e).startswith(str(folder)), e
        return
    assert all(f.code in CODES and f.line >= 1 and f.col >= 1 and f.path.is_relative_to(folder) for f in findings)
