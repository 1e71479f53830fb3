"""PDFs from templates with WeasyPrint. Static files are read from disk through a URL fetcher;
nothing is ever fetched over the network (the app must work offline)."""

import mimetypes

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
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


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template to PDF. In templates, refer to static files as
    `hmsstatic:path/inside/static` (e.g. `hmsstatic:hms/pdf.css`), never by http URL."""
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=LocalFetcher()).write_pdf()


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    return file_response(pdf, filename, content_type="application/pdf")
