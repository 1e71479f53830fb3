"""Uploaded photos are stored without their metadata (EXIF, GPS, XMP), in every app that takes
images, and a decompression bomb gets a clear form error."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deviations.models import Deviation
from hms.registers.forms import DocumentFileField
from tests.test_deviation_report import (
    REPORT_URL,
    form_data,  # noqa: F401 (the report's fields)
    media,  # noqa: F401 (fixture)
)

ARTIST, GPS_IFD, ORIENTATION = 0x013B, 0x8825, 0x0112


def phone_photo(fmt: str = "JPEG", *, orientation: int = 1) -> bytes:
    """A 40×20 photo as a phone writes it: the owner's name, a GPS position, an orientation."""
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    exif = Image.Exif()
    exif[ARTIST] = "Kari Nordmann"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (63.0, 25.0, 10.0), 3: "E", 4: (10.0, 24.0, 5.0)})
    output = io.BytesIO()
    image.save(output, format=fmt, exif=exif.tobytes())
    return output.getvalue()


def assert_no_metadata(data: bytes) -> Image.Image:
    assert b"Kari Nordmann" not in data
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert ARTIST not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert "exif" not in image.info and "xmp" not in image.info
    return image


def test_the_photo_fixture_carries_the_metadata_to_strip():
    exif = Image.open(io.BytesIO(phone_photo())).getexif()
    assert exif[ARTIST] == "Kari Nordmann"
    assert exif.get_ifd(GPS_IFD)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_deviation_photo_is_stored_without_name_or_position(client, employee, fmt):
    client.force_login(employee)
    photo = SimpleUploadedFile(f"photo.{fmt.lower()}", phone_photo(fmt), "image/jpeg")
    response = client.post(REPORT_URL, form_data(attachments=[photo]))
    assert response.status_code == 200
    attachment = Deviation.objects.get().attachments.get()
    with attachment.file.open("rb") as handle:
        data = handle.read()
    assert attachment.size == len(data)
    image = assert_no_metadata(data)
    assert image.size == (40, 20)


def test_photo_keeps_standing_the_right_way_up(client, employee):
    # Orientation 6: the camera was turned; the stored pixels are turned back instead.
    client.force_login(employee)
    photo = SimpleUploadedFile("photo.jpg", phone_photo(orientation=6), "image/jpeg")
    client.post(REPORT_URL, form_data(attachments=[photo]))
    attachment = Deviation.objects.get().attachments.get()
    with attachment.file.open("rb") as handle:
        image = assert_no_metadata(handle.read())
    assert image.size == (20, 40)
    assert ORIENTATION not in image.getexif()


def test_heic_photo_is_stored_as_a_jpeg_without_metadata(client, employee):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    output = io.BytesIO()
    exif = Image.Exif()
    exif[ARTIST] = "Kari Nordmann"
    Image.new("RGB", (32, 32), (0, 90, 200)).save(output, format="HEIF", exif=exif.tobytes())
    client.force_login(employee)
    photo = SimpleUploadedFile("IMG_0001.HEIC", output.getvalue(), "image/heic")
    client.post(REPORT_URL, form_data(attachments=[photo]))
    attachment = Deviation.objects.get().attachments.get()
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as handle:
        image = assert_no_metadata(handle.read())
    assert image.format == "JPEG"


def bomb_png() -> bytes:
    # 10,000 × 10,000 pixels (over Pillow's 89 million) in a few kilobytes.
    output = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(output, format="PNG")
    return output.getvalue()


def test_decompression_bomb_is_refused_with_a_message_and_the_form_kept(client, employee):
    client.force_login(employee)
    bomb = SimpleUploadedFile("bomb.png", bomb_png(), "image/png")
    response = client.post(REPORT_URL, form_data(attachments=[bomb], title="Bombe i posten"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "“bomb.png” is too large an image" in page
    assert "Bombe i posten" in page
    assert not Deviation.objects.exists()


def test_damaged_image_is_refused_with_a_message(client, employee):
    client.force_login(employee)
    broken = SimpleUploadedFile("broken.jpg", phone_photo()[:60], "image/jpeg")
    response = client.post(REPORT_URL, form_data(attachments=[broken]))
    assert "“broken.jpg” looks like an image but could not be read" in response.content.decode()
    assert not Deviation.objects.exists()


def test_register_document_image_is_stored_without_metadata():
    upload = SimpleUploadedFile("skilt.jpg", phone_photo(), "image/jpeg")
    cleaned = DocumentFileField().clean(upload)
    assert cleaned.sniffed_type == "image/jpeg"
    cleaned.seek(0)
    assert_no_metadata(cleaned.read())


def test_training_certificate_photo_is_stored_without_metadata(db):
    from hms.training.forms import TrainingRecordForm

    form = TrainingRecordForm.__new__(TrainingRecordForm)
    form.cleaned_data = {"proof_file": SimpleUploadedFile("kurs.jpg", phone_photo(), "image/jpeg")}
    cleaned = form.clean_proof_file()
    assert cleaned.detected_type == "image/jpeg"
    cleaned.seek(0)
    assert_no_metadata(cleaned.read())
