"""The export of a unit and its subtree, and its import into another installation
(hms/transfer)."""

import datetime
import hashlib
import io
import json
import os
import uuid
import zipfile

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Attachment, Comment, Deviation
from deviations.services import comment_add_from_anonymous_reporter
from hms.registers.models import Document, DocumentKind
from hms.transfer import graph
from hms.transfer.export import MANIFEST, data_name, export_unit
from hms.transfer.importer import ImportRefused, import_unit_export
from hms.transfer.models import ExportStatus, UnitExport
from tests.factories import UserFactory, make_deviation
from units.models import Unit

PDF = b"%PDF-1.4\n% an attachment\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fill(org, line_manager, deviations: int = 2) -> None:
    """Records of several kinds in DEP and SEC, with a stored attachment and a document."""
    for index in range(deviations):
        deviation = make_deviation(
            org.section if index % 2 else org.department,
            line_manager,
            title=f"Avvik {index}",
        )
    Comment.objects.create(deviation=deviation, author=line_manager, text="Sett på saken.")
    Attachment.objects.create(
        deviation=deviation,
        token=uuid.uuid4(),
        file=ContentFile(PDF, name="photo.pdf"),
        original_name="photo.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    Measure.objects.create(
        unit=org.department,
        title="Sette opp skilt",
        responsible=line_manager,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        source="action_plan",
        created_by=line_manager,
    )
    Document.objects.create(
        unit=org.department,
        kind=DocumentKind.FIRE,
        title="Brannvernplan",
        file=ContentFile(b"%PDF-1.4\n% fire plan\n", name="plan.pdf"),
        file_name="plan.pdf",
        created_by=line_manager,
    )


def _export(unit, **kwargs) -> tuple[dict, bytes]:
    buffer = io.BytesIO()
    manifest = export_unit(unit, buffer, **kwargs)
    return manifest, buffer.getvalue()


def _rows(content: bytes, name: str) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return json.loads(archive.read(data_name(name)))


def _rewritten(content: bytes, change) -> io.BytesIO:
    """A copy of the export with `change(name, data)` applied to each entry (None drops it)."""
    result = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(result, "w") as target,
    ):
        for name in source.namelist():
            data = change(name, source.read(name))
            if data is not None:
                target.writestr(name, data)
    result.seek(0)
    return result


# --- what is exported ------------------------------------------------------------------------


def _has_path_to_unit(model, seen=()) -> bool:
    """Worked out here on its own, not with graph.py's code: does a chain of foreign keys
    lead from the model to Unit?"""
    if model is Unit:
        return True
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if target is None or target in seen or target is model:
            continue
        if _has_path_to_unit(target, (*seen, model)):
            return True
    return False


def test_every_model_with_a_path_to_a_unit_is_exported_or_excluded_with_a_reason():
    exported = {graph.label(model) for model in graph.exported_models()}
    for model in apps.get_models(include_auto_created=True):
        if graph.is_history(model):
            continue
        name = graph.label(model)
        if _has_path_to_unit(model) or name in graph.SCOPED_BY:
            reason = graph.EXCLUDED.get(name, "")
            assert name in exported or reason.strip(), f"{name} is neither exported nor excluded"
            assert not (name in exported and reason), name
    for model in ("deviations.DeviationStep", "risk.RiskRow", "registers.Routine"):
        assert model in exported


@pytest.mark.django_db
def test_export_holds_every_kind_with_counts_checksums_files_and_csv(org, line_manager):
    _fill(org, line_manager)
    manifest, content = _export(org.faculty)
    counts = {entry["model"]: entry["count"] for entry in manifest["models"]}
    assert counts["units.Unit"] == 3  # FAC, DEP, SEC; not the root or the other faculty
    assert counts["deviations.Deviation"] == 2
    assert counts["deviations.DeviationStep"] == 2  # each report's first step
    assert counts["deviations.Attachment"] == counts["registers.Document"] == 1
    assert counts["units.RoleAssignment"] == 1
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        assert names == {MANIFEST, *manifest["files"]}
        for name, checksum in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == checksum
        attachment = json.loads(archive.read(data_name("deviations.Attachment")))[0]
        assert archive.read(attachment["file"]) == PDF
        table = archive.read("csv/deviations.Deviation.csv").decode("utf-8-sig").splitlines()
        assert len(table) == 3 and "number" in table[0].split(",")
    deviations = _rows(content, "deviations.Deviation")
    assert {row["unit"] for row in deviations} == {"DEP", "SEC"}
    assert {row["reporter"] for row in deviations} == {"line_manager"}
    assert all(isinstance(row["id"], int) for row in deviations)
    people = _rows(content, "units.User")
    assert people == [
        {
            "email": line_manager.email,
            "first_name": line_manager.first_name,
            "id": "line_manager",
            "last_name": line_manager.last_name,
            "username": "line_manager",
        }
    ]


@pytest.mark.django_db
def test_anonymous_report_export_names_no_reporter(org, line_manager):
    reporter = UserFactory(
        username="hemmelig.melder", first_name="Hemmelig", last_name="Melderstad"
    )
    deviation = make_deviation(org.department, reporter, anonymous=True)
    comment_add_from_anonymous_reporter(deviation=deviation, text="Det er fortsatt glass der.")
    _manifest, content = _export(org.faculty)
    rows = _rows(content, "deviations.Deviation")
    assert rows[0]["is_anonymous"] is True and rows[0]["reporter"] is None
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            data = archive.read(name).decode("utf-8", "replace")
            for trace in ("hemmelig.melder", "Melderstad", reporter.email):
                assert trace not in data, f"{trace} in {name}"


@pytest.mark.django_db
def test_export_queries_do_not_grow_with_the_rows(org, line_manager):
    _fill(org, line_manager, deviations=2)
    with CaptureQueriesContext(connection) as small:
        _export(org.faculty)
    _fill(org, line_manager, deviations=12)
    with CaptureQueriesContext(connection) as large:
        manifest, _content = _export(org.faculty)
    assert sum(e["count"] for e in manifest["models"] if e["model"] == "deviations.Deviation") == 14
    assert len(large) == len(small)
    assert len(large) <= 2 * len(manifest["models"])


# --- the round trip ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_round_trip_into_an_empty_database_gives_the_same_manifest(org, line_manager):
    _fill(org, line_manager, deviations=3)
    make_deviation(org.section, anonymous=True)
    first, content = _export(org.faculty)
    with connection.cursor() as cursor:  # deferred checks first: TRUNCATE refuses them
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)  # an empty installation
    assert not Unit.objects.exists() and not Deviation.objects.exists()
    counts = import_unit_export(io.BytesIO(content))
    assert counts["deviations.Deviation"] == 4
    faculty = Unit.objects.get(code="FAC")
    assert faculty.depth == 1
    again, second = _export(faculty)
    assert again == first
    # A stored file came back as the same bytes, under a path of this installation.
    attachment = Attachment.objects.get()
    assert attachment.file.read() == PDF
    assert Unit.objects.get(code="SEC").get_parent().code == "DEP"
    # The next deviation reported here follows the imported numbers.
    new = make_deviation(Unit.objects.get(code="DEP"))
    assert new.number not in {row["number"] for row in _rows(second, "deviations.Deviation")}


def _rename_existing(*codes: str) -> None:
    """Another installation, in the same database: the exported units' codes are freed, and
    the random tokens that could never clash between two installations are drawn again."""
    for unit in Unit.objects.filter(code__in=codes):
        unit.code = f"OLD-{unit.code}"
        unit.save(update_fields=["code"])
    for deviation in Deviation.objects.all():
        deviation.submission_token = uuid.uuid4()
        deviation.save(update_fields=["submission_token"])
    for attachment in Attachment.objects.all():
        attachment.token = uuid.uuid4()
        attachment.save(update_fields=["token"])


@pytest.mark.django_db
def test_import_under_a_chosen_parent_through_the_command(org, line_manager, tmp_path):
    _fill(org, line_manager)
    path = tmp_path / "fac.zip"
    call_command("export_unit", "FAC", str(path), stdout=io.StringIO())
    _rename_existing("FAC", "DEP", "SEC")
    people = UserFactory._meta.model.objects.count()
    out = io.StringIO()
    call_command("import_unit_export", str(path), "--parent", "OTHERFAC", stdout=out)
    assert "Imported" in out.getvalue()
    faculty = Unit.objects.get(code="FAC")
    assert faculty.get_parent().code == "OTHERFAC"
    assert Deviation.objects.filter(unit__path__startswith=faculty.path).count() == 2
    assert UserFactory._meta.model.objects.count() == people  # line_manager found, not made
    # The same numbers are taken here: the imported deviations get the next free ones.
    numbers = list(Deviation.objects.values_list("number", flat=True))
    assert len(numbers) == 4 and len(set(numbers)) == 4
    with pytest.raises(CommandError, match="already in use"):
        call_command("import_unit_export", str(path), "--parent", "OTHERFAC")
    with pytest.raises(CommandError, match="No unit"):
        call_command("export_unit", "NOPE", str(tmp_path / "x.zip"))


# --- all or nothing ----------------------------------------------------------------------------


@pytest.fixture
def exported(org, line_manager):
    _fill(org, line_manager)
    _manifest, content = _export(org.department)
    return content


def _nothing_changed(before: dict) -> None:
    assert Unit.objects.count() == before["units"]
    assert Deviation.objects.count() == before["deviations"]


def _counts() -> dict:
    return {"units": Unit.objects.count(), "deviations": Deviation.objects.count()}


@pytest.mark.django_db
def test_import_refuses_clashing_unit_codes(exported):
    before = _counts()
    with pytest.raises(ImportRefused, match="DEP"):
        import_unit_export(io.BytesIO(exported))
    _nothing_changed(before)


@pytest.mark.django_db
def test_import_refuses_a_bad_checksum(exported):
    damaged = _rewritten(
        exported,
        lambda name, data: data.replace(b"Avvik", b"Awik") if "Deviation.json" in name else data,
    )
    with pytest.raises(ImportRefused, match="checksum"):
        import_unit_export(damaged)


@pytest.mark.django_db
def test_import_refuses_a_missing_file(exported):
    short = _rewritten(exported, lambda name, data: None if name.startswith("files/") else data)
    with pytest.raises(ImportRefused, match="lacks"):
        import_unit_export(short)


@pytest.mark.django_db
def test_import_refuses_what_is_not_an_export(org):
    with pytest.raises(ImportRefused, match="ZIP"):
        import_unit_export(io.BytesIO(b"not a zip"))
    with pytest.raises(ImportRefused, match="manifest"):
        import_unit_export(_empty_zip())


def _empty_zip() -> io.BytesIO:
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result.seek(0)
    return result


def _recomputed(content: bytes, change) -> io.BytesIO:
    """The export with `change` applied and the manifest's checksums made to match: damage
    that only the import itself can find."""
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(entries.pop(MANIFEST))
    for name in list(entries):
        entries[name] = change(name, entries[name])
        manifest["files"][name] = hashlib.sha256(entries[name]).hexdigest()
    entries[MANIFEST] = json.dumps(manifest).encode()
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for name, data in entries.items():
            target.writestr(name, data)
    result.seek(0)
    return result


@pytest.mark.django_db
def test_import_that_fails_half_way_leaves_nothing_behind(exported, media):
    broken = _recomputed(
        exported,
        lambda name, data: (
            data.replace(b'"category":"building"', b'"category":"no-such"')
            if name == data_name("deviations.Deviation")
            else data
        ),
    )
    _rename_existing("DEP", "SEC")
    before = _counts()
    stored = {path for path in media.rglob("*") if path.is_file()}
    with pytest.raises(ImportRefused, match="deviations.Category no-such"):
        import_unit_export(broken)
    _nothing_changed(before)
    assert not Unit.objects.filter(code="DEP").exists()
    assert {path for path in media.rglob("*") if path.is_file()} == stored


# --- the pages and the job ---------------------------------------------------------------------


def _pages(unit, job=None) -> list[str]:
    urls = [reverse("transfer:unit_exports", args=[unit.code])]
    if job is not None:
        urls += [
            reverse("transfer:status", args=[job.pk]),
            reverse("transfer:download", args=[job.pk]),
        ]
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "line_manager", "employee"])
def test_only_administrators_and_the_hse_department_reach_the_export(
    request, client, org, hms_department, who
):
    job = UnitExport.objects.create(unit=org.department, ordered_by=hms_department)
    client.force_login(request.getfixturevalue(who))
    for url in _pages(org.department, job):
        assert client.get(url).status_code == 404, url
    order = reverse("transfer:order", args=[org.department.code])
    assert client.post(order).status_code == 404
    assert UnitExport.objects.count() == 1
    page = client.get(org.department.get_absolute_url())
    assert b"unit-export-link" not in page.content


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client, org, hms_department):
    job = UnitExport.objects.create(unit=org.department, ordered_by=hms_department)
    for url in [*_pages(org.department, job), reverse("transfer:order", args=["DEP"])]:
        response = client.post(url) if url.endswith("order/") else client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_hse_department_of_another_faculty_cannot_export_this_one(client, org):
    from tests.conftest import user_with_role
    from units.models import Role

    other = user_with_role("hms_other", Role.HMS_DEPARTMENT, org.other_faculty)
    client.force_login(other)
    assert client.get(_pages(org.department)[0]).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["hms_department", "administrator"])
def test_button_orders_a_job_whose_zip_is_downloaded(
    request, client, org, line_manager, who, django_capture_on_commit_callbacks
):
    _fill(org, line_manager)
    user = request.getfixturevalue(who)
    client.force_login(user)
    page = client.get(org.department.get_absolute_url())
    assert b"unit-export-link" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("transfer:order", args=["DEP"]))
    assert response.status_code == 302
    job = UnitExport.objects.get()
    assert job.status == ExportStatus.DONE and job.percent == 100 and job.size > 0
    assert job.ordered_by == user
    listing = client.get(_pages(org.department)[0])
    assert reverse("transfer:download", args=[job.pk]).encode() in listing.content
    row = client.get(reverse("transfer:status", args=[job.pk]))
    assert b"hx-trigger" not in row.content  # done: the row stops polling
    download = client.get(reverse("transfer:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    content = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["root"] == "DEP"
    folder = job.file.storage.path("exports")
    assert not [name for name in os.listdir(folder) if name.endswith(".part")]


@pytest.mark.django_db
def test_a_pending_export_is_polled_and_ordering_again_gives_the_same_job(
    client, org, hms_department
):
    client.force_login(hms_department)
    job = UnitExport.objects.create(unit=org.department, ordered_by=hms_department)
    row = client.get(reverse("transfer:status", args=[job.pk]))
    assert b"hx-trigger" in row.content
    assert client.get(reverse("transfer:download", args=[job.pk])).status_code == 404
    from hms.transfer import services

    assert services.export_order(actor=hms_department, unit=org.department) == job


@pytest.mark.django_db
def test_the_job_reports_progress_and_runs_once(org, line_manager, hms_department, monkeypatch):
    from hms.transfer import export, services

    _fill(org, line_manager, deviations=4)
    job = UnitExport.objects.create(unit=org.department, ordered_by=hms_department)
    seen = []
    monkeypatch.setattr(export, "PROGRESS_EVERY", 0)
    original = services._progress

    def spy(export_id, token, percent):
        seen.append(percent)
        original(export_id, token, percent)

    monkeypatch.setattr(services, "_progress", spy)
    assert services.export_produce(job.pk) is True
    assert seen and seen == sorted(seen) and max(seen) < 100
    assert services.export_produce(job.pk) is False  # done: a second run does nothing


def test_requirements_travel_with_the_register_and_reuse_the_catalogue(org, line_manager):
    from hms.registers import services as registers
    from hms.registers.models import Requirement, UnitRequirement

    law = Requirement.objects.catalogue().get(short_name="Arbeidsmiljøloven")
    local = Requirement.objects.create(
        unit=org.department, title="Avtrekksregler", short_name="Avtrekk", kind="internal"
    )
    foreign = Requirement.objects.create(
        unit=org.other_department, title="Andres regler", short_name="Andre", kind="internal"
    )
    registers.requirements_register_save(
        actor=line_manager,
        unit=org.department,
        entries={law.pk: (True, "Gjelder"), local.pk: (True, "Lokalt")},
    )
    _manifest, content = _export(org.faculty)
    names = {row["short_name"] for row in _rows(content, "registers.Requirement")}
    assert {"Arbeidsmiljøloven", "Avtrekk"} <= names and "Andre" not in names
    assert len(_rows(content, "registers.UnitRequirement")) == 2
    # Into an installation that has the catalogue already: it is reused, the local one added.
    catalogue_before = Requirement.objects.catalogue().count()
    UnitRequirement.objects.all().delete()
    local.delete()
    foreign.delete()
    _rename_existing("FAC", "DEP", "SEC")
    import_unit_export(io.BytesIO(content), parent=org.root)
    assert Requirement.objects.catalogue().count() == catalogue_before
    imported = Unit.objects.get(code="DEP")
    assert Requirement.objects.get(short_name="Avtrekk").unit == imported
    entries = UnitRequirement.objects.filter(unit=imported)
    assert {entry.requirement.short_name for entry in entries} == {"Arbeidsmiljøloven", "Avtrekk"}
