"""What makes a PDF fit for the archive (hms.pdf): checked the same way for every kind of PDF."""

import io
import os
import re

from pypdf import PdfReader
from pypdf.generic import IndirectObject


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _fonts(reader: PdfReader):
    """Every font dictionary used on the pages, descendants of composite fonts included."""
    seen = {}
    for page in reader.pages:
        resources = _resolved(page.get("/Resources")) or {}
        fonts = _resolved(resources.get("/Font")) or {}
        for ref in fonts.values():
            font = _resolved(ref)
            for found in [font, *(_resolved(d) for d in font.get("/DescendantFonts", []))]:
                seen[id(found)] = found
    return list(seen.values())


def assert_archive_pdf(content: bytes, *, language: str, title: str | None = None) -> PdfReader:
    """The PDF declares PDF/A-3u in its XMP, carries its language and title, is tagged, and
    embeds every font it uses. Returns the reader for further checks. With HMS_SCREENSHOTS=<dir>
    the PDF is left there too, to render and look at."""
    reader = PdfReader(io.BytesIO(content))
    folder = os.environ.get("HMS_SCREENSHOTS")
    if folder:
        name = re.sub(r"[^A-Za-z0-9]+", "-", reader.metadata.title or "untitled").strip("-")
        with open(os.path.join(folder, f"{name}-{language}.pdf"), "wb") as handle:
            handle.write(content)
    catalog = reader.trailer["/Root"]
    xmp = _resolved(catalog["/Metadata"]).get_data().decode()
    assert re.search(r'pdfaid:part="3"', xmp), xmp
    assert re.search(r'pdfaid:conformance="U"', xmp), xmp
    assert catalog["/Lang"] == language
    assert (
        _resolved(catalog["/MarkInfo"])["/Marked"] is True
        or str(_resolved(catalog["/MarkInfo"])["/Marked"]) == "True"
    )
    assert "/StructTreeRoot" in catalog
    assert _resolved(catalog["/StructTreeRoot"]).get("/K")
    document_title = reader.metadata.title
    assert document_title, "the PDF has no /Title"
    assert "<dc:title>" in xmp
    if title is not None:
        assert title in document_title, (title, document_title)
    fonts = _fonts(reader)
    assert fonts, "no fonts found"
    for font in fonts:
        if font.get("/Subtype") == "/Type0":
            continue  # its descendant carries the descriptor
        descriptor = _resolved(font.get("/FontDescriptor"))
        assert descriptor is not None, font
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
            f"font {font.get('/BaseFont')} is not embedded"
        )
    return reader
