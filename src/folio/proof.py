"""Print PDF -> page images and a contact sheet, to look at the design without a PDF viewer."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
from PIL import Image

from .fileio import atomic_path


def write_proofs(pdf: Path, folder: Path, dpi: int = 100, columns: int = 6) -> int:
    """Render every page to `folder`/page-NNN.png and all of them, small, to contact.png."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("page-*.png"):
        old.unlink()
    document = pypdfium2.PdfDocument(pdf)
    pages = [page.render(scale=dpi / 72).to_pil() for page in document]
    for number, image in enumerate(pages, start=1):
        with atomic_path(folder / f"page-{number:03}.png") as tmp:
            image.save(tmp, format="PNG")
    with atomic_path(folder / "contact.png") as tmp:
        contact_sheet(pages, columns).save(tmp, format="PNG")
    return len(pages)


def contact_sheet(pages: list[Image.Image], columns: int, width: int = 240, gap: int = 12) -> Image.Image:
    """Pages side by side in spreads, as a book opens: page 1 alone on the right."""
    thumbs = [page.resize((width, round(page.height * width / page.width))) for page in pages]
    cells = [None, *thumbs]  # an empty cell left of page 1, a recto
    height = max(t.height for t in thumbs)
    rows = -(-len(cells) // columns)
    sheet = Image.new("RGB", (columns * width + (columns // 2 + 1) * gap, rows * (height + gap) + gap), "#888")
    for i, thumb in enumerate(cells):
        if thumb is not None:
            column, row = i % columns, i // columns
            sheet.paste(thumb, (gap + column * width + (column // 2) * gap, gap + row * (height + gap)))
    return sheet
