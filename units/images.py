"""Uploaded photos without their metadata: every app that accepts an image passes it here.

A phone's photo carries EXIF (the camera owner's name as "Artist", the GPS position and the
time it was taken) and XMP; an anonymous reporter's photo would name them. Re-encoding the
pixels with Pillow drops all of it. The EXIF orientation is applied first, so the photo still
stands the right way up. HEIC/HEIF (iPhones) is decoded by pillow-heif and stored as JPEG,
which every browser shows.

A decompression bomb (a small file that decodes to a huge image) is refused at Pillow's
MAX_IMAGE_PIXELS, before its pixels are decoded.
"""

import io
import warnings

from django import forms
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# Content type → (Pillow format to write, content type and extension of the written file).
REENCODE = {
    "image/jpeg": ("JPEG", "image/jpeg", ".jpg"),
    "image/png": ("PNG", "image/png", ".png"),
    "image/gif": ("GIF", "image/gif", ".gif"),
    "image/webp": ("WEBP", "image/webp", ".webp"),
    "image/heic": ("JPEG", "image/jpeg", ".jpg"),
    "image/heif": ("JPEG", "image/jpeg", ".jpg"),
}
# What a frame may keep of Pillow's `info`: how to show it, nothing about who made it.
KEPT_INFO = ("transparency", "duration", "loop", "background", "disposal")


def _plain(frame: Image.Image, image_format: str) -> Image.Image:
    kept = {key: frame.info[key] for key in KEPT_INFO if key in frame.info}
    frame = frame.copy()
    if image_format == "JPEG" and frame.mode not in ("RGB", "L"):
        frame = frame.convert("RGB")
    frame.info = kept
    return frame


def _encode(image: Image.Image, image_format: str) -> bytes:
    output = io.BytesIO()
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image_format in ("GIF", "WEBP"):
        sequence = [_plain(frame, image_format) for frame in ImageSequence.Iterator(image)]
        first = sequence[0]
        first.save(
            output,
            format=image_format,
            save_all=True,
            append_images=sequence[1:],
            **{key: first.info[key] for key in ("duration", "loop") if key in first.info},
        )
    else:
        upright = ImageOps.exif_transpose(image)
        plain = _plain(upright, image_format)
        options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
        plain.save(output, format=image_format, **options)
    return output.getvalue()


def strip_metadata(upload, content_type: str) -> tuple[str, str]:
    """Re-encode an uploaded image in place, without metadata. Returns the content type and
    extension of what is now stored. Raises ValidationError for an image that cannot be
    decoded or is too large to decode."""
    image_format, stored_type, extension = REENCODE[content_type]
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse it too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image.load()
                data = _encode(image, image_format)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise forms.ValidationError(
            _("“%(name)s” is too large an image (over %(pixels)s million pixels)."),
            params={"name": upload.name, "pixels": (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000},
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise forms.ValidationError(
            _("“%(name)s” looks like an image but could not be read. Is the file damaged?"),
            params={"name": upload.name},
        ) from None
    # Written into the upload's own file: a large upload lives in a temporary file that the
    # storage moves into place, so replacing only the object would store the original.
    handle = upload.file
    handle.seek(0)
    handle.truncate()
    handle.write(data)
    handle.flush()
    handle.seek(0)
    upload.size = len(data)
    return stored_type, extension
