"""Fixture books written on the fly for unit tests."""

from __future__ import annotations

from pathlib import Path


def write_book(folder: Path, texts: dict[str, str], **keys: object) -> Path:
    """A book folder from chapter texts and book.toml keys (the required ones filled in;
    a key given as None is left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    toml = {
        "title": "T",
        "language": "en",
        "authors": ["A"],
        "identifier": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "date": "2025-01-01",
        "license": "CC BY-SA 4.0",
        "chapters": list(texts),
    } | keys
    (folder / "book.toml").write_text("".join(f"{k} = {_toml(v)}\n" for k, v in toml.items() if v is not None))
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)
