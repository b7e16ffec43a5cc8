"""build/<slug>/pagemap.json: where each page of the print edition begins, written by the layout
and read by the EPUB, which puts its page-list markers there."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .fileio import write_text
from .model import PrintPage


def write_pagemap(path: Path, starts: list[PrintPage]) -> None:
    """Write the page starts, only where they changed: an unchanged file keeps the EPUB up to date."""
    text = json.dumps([dataclasses.asdict(start) for start in starts], indent=1) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_text(path, text)


def read_pagemap(path: Path) -> list[PrintPage]:
    """The page starts; none where no layout wrote them (an EPUB without a page-list)."""
    if not path.exists():
        return []
    return [PrintPage(**start) for start in json.loads(path.read_text(encoding="utf-8"))]
