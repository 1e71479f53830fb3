"""What a file is, told by its content, and how every file leaves the app.

`detect_type` reads the first bytes (and, for a zip package, its table of contents): the
name and the browser's content type can lie. The upload forms accept or refuse a file by
it, and `file_response` serves every download with it: stored attachments, documents and
certificates, the PDFs and the CSV and XLSX exports. A download therefore carries the type
of what it is and a name with the matching extension (a "report.txt" that is a PDF leaves as
"report.pdf"), and only a photo is shown in the browser: everything else, PDFs and SVG
included, is saved as an attachment.
"""

import io
import itertools
import mimetypes
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

# Photos the browser may show in the page. SVG and HTML can carry scripts, and a PDF viewer
# refuses the sandbox below: those are always downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# An Office Open XML package, by the main part it holds.
OOXML_PARTS = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
}
OPENDOCUMENT_EXTENSIONS = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.graphics": ".odg",
}
# An OLE compound file (the Office formats before 2007) does not say which program wrote it
# without parsing it: the name's extension tells Word, Excel and PowerPoint apart.
OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
# The office documents detect_type tells by content: Office Open XML, OpenDocument and the
# Office formats before 2007. What the registers and the record attachments accept of them.
OFFICE_TYPES = frozenset(
    {content_type for content_type, _extension in OOXML_PARTS.values()}
    | set(OPENDOCUMENT_EXTENSIONS)
    | set(OLE_TYPES.values())
)
# The extensions a file of each type may keep, beyond the one detect_type gives it.
OTHER_EXTENSIONS = {".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".htm": "text/html"}
TEXT_SAMPLE = 64 * 1024
UNKNOWN = ("application/octet-stream", ".bin")
TEXT_REFINEMENTS = {"text/csv": ".csv"}  # a text file the caller knows to be more than text


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower()


def _type_of_extension(extension: str) -> str | None:
    """The type a file name's extension stands for: this module's tables first (the system's
    own list differs between machines and may lack the Office formats), then mimetypes."""
    known = {
        **{ext: type_ for type_, ext in OOXML_PARTS.values()},
        **{ext: type_ for type_, ext in OPENDOCUMENT_EXTENSIONS.items()},
        **OLE_TYPES,
        **OTHER_EXTENSIONS,
    }
    if extension in known:
        return known[extension]
    return mimetypes.guess_type("file" + extension, strict=False)[0]


def sniff_signature(head: bytes) -> tuple[str, str] | None:
    """The content type and extension of an image or a PDF from its first 16 bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        if head[8:12] in {b"mif1", b"msf1"}:
            return "image/heif", ".heif"
        return "image/heic", ".heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    return None


def _zip_type(handle) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(handle) as package:
            names = package.namelist()
            if "mimetype" in names:
                declared = package.read("mimetype").decode("ascii", "replace").strip()
                if declared in OPENDOCUMENT_EXTENSIONS:
                    return declared, OPENDOCUMENT_EXTENSIONS[declared]
            if "[Content_Types].xml" in names:
                for prefix, found in OOXML_PARTS.items():
                    if any(name.startswith(prefix) for name in names):
                        return found
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return UNKNOWN
    return "application/zip", ".zip"


def _text_type(sample: bytes, complete: bool) -> tuple[str, str] | None:
    if b"\x00" in sample:
        return None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut at the end of the sample is still text.
        if complete or error.start < len(sample) - 3:
            return None
        text = sample[: error.start].decode("utf-8")
    start = text.lstrip("\ufeff \t\r\n")[:1024].lower()
    if start.startswith("<"):
        if "<svg" in start:
            return "image/svg+xml", ".svg"
        if start.startswith(("<!doctype html", "<html")) or "<script" in start:
            return "text/html", ".html"
    return "text/plain", ".txt"


def detect_type(handle, name: str = "") -> tuple[str, str] | None:
    """The content type and extension of a seekable binary file, from its content; None for
    bytes that are neither a known format nor UTF-8 text. `name` only tells the old Office
    formats apart. Leaves the file at its start."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    try:
        found = sniff_signature(head)
        if found:
            return found
        if head.startswith(b"PK\x03\x04"):
            return _zip_type(handle)
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            extension = extension_of(name)
            if extension in OLE_TYPES:
                return OLE_TYPES[extension], extension
            return UNKNOWN
        sample = handle.read(TEXT_SAMPLE + 1)
        return _text_type(sample[:TEXT_SAMPLE], complete=len(sample) <= TEXT_SAMPLE)
    finally:
        handle.seek(0)


def download_name(filename: str, extension: str, content_type: str) -> str:
    """The name with the extension of what the file is: a matching one is kept ("photo.JPEG"),
    a wrong one replaced ("report.txt" → "report.pdf"), a missing one added."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", " ", PurePath(filename or "").name).strip(" .")
    name = name or "download"
    suffix = extension_of(name)
    if not suffix:
        return name + extension
    named_type = _type_of_extension(suffix)
    if named_type == content_type and content_type != UNKNOWN[0]:  # ".exe" says octet-stream too
        return name
    if named_type is None:  # "Minutes 2024.03.01": a dot in the name, not an extension
        return name + extension
    return (name[: -len(suffix)] or "download") + extension


def _headers(response, content_type: str, filename: str, extension: str):
    response["Content-Disposition"] = content_disposition_header(
        content_type not in INLINE_TYPES, download_name(filename, extension, content_type)
    )
    # Opened on its own, a file runs nothing and loads nothing. (X-Content-Type-Options:
    # nosniff comes from SecurityMiddleware on every response.)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Every file here is someone's records, behind a login: no browser or proxy keeps one.
    response["Cache-Control"] = "private, no-store"
    return response


def _served_type(found, declared: str) -> tuple[str, str]:
    content_type, extension = found or UNKNOWN
    if content_type == "text/html":  # a page of someone else's making never runs as ours
        return "text/plain", ".txt"
    declared = declared.split(";")[0].strip().lower()
    if content_type == "text/plain" and declared in TEXT_REFINEMENTS:
        content_type, extension = declared, TEXT_REFINEMENTS[declared]
    return content_type, extension


def _with_charset(content_type: str) -> str:
    if content_type.startswith("text/"):
        return f"{content_type}; charset=utf-8"
    return content_type


def _encoded(chunks: Iterable[str | bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


def file_response(content, filename: str, *, content_type: str = ""):
    """A download of `content`: bytes or str, a binary file open at its start (the response
    closes it) or an iterable of str or bytes chunks (streamed, e.g. a long CSV export).

    The type is the one the content shows; `content_type`, what the caller expects, only
    narrows plain text to CSV. `filename` gets the matching extension."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    if isinstance(content, bytes):
        served, extension = _served_type(detect_type(io.BytesIO(content), filename), content_type)
        response = HttpResponse(content, content_type=_with_charset(served))
        return _headers(response, served, filename, extension)
    if hasattr(content, "read"):
        served, extension = _served_type(detect_type(content, filename), content_type)
        response = FileResponse(content, content_type=_with_charset(served))
        return _headers(response, served, filename, extension)
    chunks = _encoded(content)
    head = b""
    for chunk in chunks:  # enough of the stream to tell what it is; then all of it
        head += chunk
        if len(head) >= 1024:
            break
    found = sniff_signature(head[:16]) or _text_type(head, complete=len(head) < 1024)
    served, extension = _served_type(found, content_type)
    response = StreamingHttpResponse(
        itertools.chain([head], chunks), content_type=_with_charset(served)
    )
    return _headers(response, served, filename, extension)
