"""PDFs from templates with WeasyPrint. Static files are read from disk through a URL fetcher;
nothing is ever fetched over the network (the app must work offline).

Every PDF the app makes goes through `layout` here, so each one is made for the archive the same
way: PDF/A-3u (fonts embedded, sRGB output intent, XMP metadata) and tagged (a structure tree, so
screen readers and the archive can read it in order), with the title from the template's
`<title>` and the language from `<html lang>` in its metadata. A Noark archive takes it as it is.
"""

import mimetypes

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from units.downloads import file_response

STATIC_SCHEME = "hmsstatic:"


class LocalFetcher(URLFetcher):
    """Serves `hmsstatic:` URLs from the static files and `data:` URLs; refuses the rest."""

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            path = finders.find(url[len(STATIC_SCHEME) :].lstrip("/"))
            if path:
                mime_type, _encoding = mimetypes.guess_type(path)
                with open(path, "rb") as handle:
                    body = handle.read()
                return URLFetcherResponse(url, body, {"Content-Type": mime_type or ""})
        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"Refusing to fetch {url!r}: PDFs use local files only.")


# PDF/A-3 rather than PDF/A-2: the same rules, and it allows attachments should a report ever
# carry its data. "u" (Unicode text) is what WeasyPrint can vouch for; the tags are added on top.
# PDF/UA-1 is not declared: WeasyPrint makes one variant per file, and archive-fitness comes first.
ARCHIVE_OPTIONS = {"pdf_variant": "pdf/a-3u", "pdf_tags": True}


class Pages:
    """A laid-out document, written as an archive PDF."""

    def __init__(self, document: Document):
        self.document = document

    @property
    def pages(self) -> list:
        return self.document.pages

    def write_pdf(self) -> bytes:
        return self.document.write_pdf(**ARCHIVE_OPTIONS)


def layout(html: str) -> Pages:
    """Lay the HTML out in pages, with static files from disk only. Call it in the document's
    language: the template's text and `<html lang>` are then in that language."""
    document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=LocalFetcher()).render(
        **ARCHIVE_OPTIONS
    )
    return Pages(document)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template to PDF in the active language. In templates, refer to static files as
    `hmsstatic:path/inside/static` (e.g. `hmsstatic:hms/pdf.css`), never by http URL."""
    return layout(render_to_string(template_name, context)).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    return file_response(pdf, filename, content_type="application/pdf")
