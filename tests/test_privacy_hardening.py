"""Sessions end when idle, and pages and files with health details are never kept by a cache."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deviations.models import Deviation
from tests.test_deviation_report import form_data, media, png_bytes  # noqa: F401 (fixture)


def test_session_expires_after_the_idle_timeout_and_each_request_extends_it(client, employee):
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT
    client.force_login(employee)
    # Right after signing in, a request writes nothing to the session.
    assert settings.SESSION_COOKIE_NAME not in client.get("/").cookies
    # Once the touch interval has passed, a request pushes the expiry on: the cookie is sent
    # again with a fresh idle-time age.
    session = client.session
    session["_touched"] = 0
    session.save()
    response = client.get("/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_IDLE_TIMEOUT


@pytest.fixture
def case_with_photo(client, employee, line_manager):
    client.force_login(employee)
    photo = SimpleUploadedFile("glass.png", png_bytes(), "image/png")
    client.post(reverse("deviations:report"), form_data(attachments=[photo], unit="DEP"))
    client.force_login(line_manager)
    return Deviation.objects.get()


def test_case_page_attachment_and_export_are_not_stored_by_caches(client, case_with_photo):
    deviation = case_with_photo
    attachment = deviation.attachments.get()
    urls = [
        reverse("deviations:detail", args=[deviation.number]),
        reverse("deviations:attachment", args=[deviation.number, attachment.token]),
        reverse("deviations:export", args=["csv"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_request_over_the_limit_is_refused_before_it_is_read(client, employee, settings):
    settings.REQUEST_MAX_BYTES = 1000
    client.force_login(employee)
    photo = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 5000, "image/png")
    response = client.post(reverse("deviations:report"), form_data(attachments=[photo]))
    assert response.status_code == 413
    assert "Too much to send" in response.content.decode()
    assert "1000" in response.content.decode() or "1.0" in response.content.decode()
    assert not Deviation.objects.exists()


def test_request_under_the_limit_goes_through(client, employee, settings):
    settings.REQUEST_MAX_BYTES = 1_000_000
    client.force_login(employee)
    response = client.post(reverse("deviations:report"), form_data())
    assert response.status_code == 200
    assert Deviation.objects.exists()


def test_unit_export_neutralises_formula_cells_and_imports_back_unchanged(client, administrator):
    from tests.factories import make_unit
    from units import tree_csv
    from units.models import Unit

    make_unit(code="EVIL", name_nb="=SUM(1,2)", name_en="-1+2")
    client.force_login(administrator)
    response = client.get(reverse("units:export"))
    text = b"".join(response.streaming_content).decode()
    assert "'=SUM(1,2)" in text and "'-1+2" in text
    plan = tree_csv.plan_import(text.encode())
    assert not plan.problems
    assert not plan.updated and not plan.new  # the apostrophe is read back, not imported
    assert Unit.objects.get(code="EVIL").name_en == "-1+2"


def test_unit_import_refuses_a_tree_deeper_than_the_path_holds_by_line(db):
    from units import tree_csv

    lines = ["code,parent_code,name_nb,name_en,unit_type", "L1,,Nivå 1,,institution"]
    for level in range(2, tree_csv.MAX_DEPTH + 3):
        lines.append(f"L{level},L{level - 1},Nivå {level},,other")
    plan = tree_csv.plan_import("\n".join(lines).encode())
    too_deep = [p for p in plan.problems if "levels down" in p.message]
    # Levels MAX_DEPTH + 1 and + 2, on lines MAX_DEPTH + 2 and + 3 (the header is line 1).
    assert [p.line for p in too_deep] == [tree_csv.MAX_DEPTH + 2, tree_csv.MAX_DEPTH + 3]
    assert all(p.field == "parent_code" for p in too_deep)
