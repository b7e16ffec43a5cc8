"""folio: cleaned Markdown in, a footnoted PDF, a print-ready PDF and an EPUB 3 out."""

__version__ = "0.1.0"
