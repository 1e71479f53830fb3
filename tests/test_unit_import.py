"""Importing the unit tree from CSV (preview, then all-or-nothing apply) and exporting it."""

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from units import tree_csv
from units.forms import UnitImportApplyForm
from units.models import Unit, UnitEvent, UnitType

HEADER = "code,parent_code,name_nb,name_en,unit_type"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def parent_code(unit: Unit) -> str:
    parent_path = unit.parent_path()
    return Unit.objects.get(path=parent_path).code if parent_path else ""


def assert_tree_sound() -> None:
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def snapshot() -> tuple[int, int]:
    return Unit.objects.count(), UnitEvent.objects.count()


# Applying good files ---------------------------------------------------------------------


def test_good_file_creates_the_tree(org):
    content = csv_file(
        "LAB,DEP,Laboratoriet,The Lab,laboratory",
        "NEWFAC,ROOT,Nytt fakultet,New Faculty,faculty",
        "NEWDEP,NEWFAC,Nytt institutt,,department",
        "NEWSEC,NEWDEP,Ny seksjon,New Section,section",
        "TOP,,Ny toppenhet,New Top,institution",
    )
    units_before, events_before = snapshot()

    plan = tree_csv.unit_tree_import(content=content, filename="tree.csv")

    assert plan.counts() == {"new": 5, "updated": 0, "moved": 0, "unchanged": 0}
    assert Unit.objects.count() == units_before + 5
    lab = Unit.objects.get(code="LAB")
    assert (parent_code(lab), lab.depth, lab.name_en, lab.unit_type) == (
        "DEP",
        4,
        "The Lab",
        UnitType.LABORATORY,
    )
    new_section = Unit.objects.get(code="NEWSEC")
    assert new_section.depth == 4
    assert [u.code for u in Unit.objects.filter(path__in=new_section.ancestor_paths())] == [
        "ROOT",
        "NEWFAC",
        "NEWDEP",
    ]
    assert Unit.objects.get(code="TOP").is_root()
    assert Unit.objects.get(code="ROOT").numchild == 3
    assert Unit.objects.get(code="DEP").numchild == 2
    assert_tree_sound()
    # The audit trail has one insert per unit, and the parents' new child counts, all tagged
    # with the file.
    events = UnitEvent.objects.filter(pgh_context__metadata__import_file="tree.csv")
    assert events.count() == UnitEvent.objects.count() - events_before
    assert sorted(events.filter(pgh_label="insert").values_list("code", flat=True)) == sorted(
        ["LAB", "NEWFAC", "NEWDEP", "NEWSEC", "TOP"]
    )
    assert sorted(events.filter(pgh_label="update").values_list("code", flat=True)) == [
        "DEP",
        "ROOT",
    ]


def test_existing_codes_are_updated_and_moved(org):
    version = org.department.version
    content = csv_file(
        # Renamed, same parent.
        "DEP,FAC,Institutt for nye prøver,Department of New Trials,department",
        # Moved to the other faculty (its own line, unchanged names).
        "SEC,OTHERDEP,Seksjon for forsøk,Section of Attempts,section",
        # Moved under a unit the same file creates; codes match regardless of case.
        "otherfac,newroot,Det andre fakultetet,The Other Faculty,faculty",
        "NEWROOT,,Ny rot,New Root,institution",
        # Exactly as it is.
        "FAC,ROOT,Fakultet for testing,Faculty of Testing,faculty",
    )

    plan = tree_csv.unit_tree_import(content=content, filename="moves.csv")

    assert plan.counts() == {"new": 1, "updated": 1, "moved": 2, "unchanged": 1}
    department = Unit.objects.get(code="DEP")
    assert department.name_nb == "Institutt for nye prøver"
    assert department.version == version + 1
    section = Unit.objects.get(code="SEC")
    assert parent_code(section) == "OTHERDEP"
    other_faculty = Unit.objects.get(code="OTHERFAC")
    assert parent_code(other_faculty) == "NEWROOT"
    # The moved unit took its subtree along.
    other_department = Unit.objects.get(code="OTHERDEP")
    assert other_department.depth == 3
    assert other_department.path.startswith(other_faculty.path)
    assert Unit.objects.get(code="ROOT").numchild == 1
    assert Unit.objects.get(code="DEP").numchild == 0
    assert Unit.objects.get(code="NEWROOT").numchild == 1
    assert_tree_sound()


def test_a_file_may_swap_a_parent_and_its_child(org):
    # DEP is under FAC today; the file turns it round. Moves run top-down, so DEP moves to the
    # top first and FAC can then go under it.
    content = csv_file(
        "FAC,DEP,Fakultet for testing,Faculty of Testing,faculty",
        "DEP,,Institutt for prøving,Department of Trials,department",
    )

    plan = tree_csv.unit_tree_import(content=content, filename="swap.csv")

    assert [change.row.code for change in plan.moved] == ["DEP", "FAC"]
    assert Unit.objects.get(code="DEP").is_root()
    assert parent_code(Unit.objects.get(code="FAC")) == "DEP"
    assert parent_code(Unit.objects.get(code="SEC")) == "DEP"
    assert_tree_sound()


def test_export_then_import_changes_nothing(org):
    Unit.objects.filter(code="OTHERDEP").update(is_active=False)
    exported = "".join(tree_csv.export_lines()).encode()

    plan = tree_csv.plan_import(exported)

    assert plan.ok
    assert plan.counts() == {"new": 0, "updated": 0, "moved": 0, "unchanged": 6}
    units_before, events_before = snapshot()
    tree_csv.unit_tree_import(content=exported, filename="export.csv")
    assert snapshot() == (units_before, events_before)


def test_bom_semicolons_blank_lines_and_spaces_are_accepted(org):
    content = "\ufeffunit_type ; code;parent_code;name_nb;name_en\n\n Section ; NY ; DEP ; Ny ;\n"

    plan = tree_csv.plan_import(content.encode())

    assert plan.ok, plan.problems
    [change] = plan.new
    assert (change.row.line, change.row.code, change.row.unit_type) == (3, "NY", "section")


# Rejected files --------------------------------------------------------------------------

BAD_FILES = {
    "wrong columns": (
        csv_file("NY,DEP,Ny,,section", header="code,parent,name_nb,name_en,unit_type"),
        [(1, "parent", "Unknown column “parent”"), (1, "parent_code", "is missing")],
    ),
    "unknown parent": (
        csv_file("NY,DEP,Ny,,section", "NY2,NOPE,Ny 2,,section"),
        [(3, "parent_code", "No unit has the code “NOPE”")],
    ),
    "duplicate code": (
        csv_file("dup,DEP,Ny,,section", "OK,DEP,Ok,,section", "DUP,DEP,Ny igjen,,section"),
        [(4, "code", "The code “DUP” is also on line 2.")],
    ),
    "cycle within the file": (
        csv_file("A,B,A,,section", "B,A,B,,section"),
        [(2, "parent_code", "A → B → A"), (3, "parent_code", "B → A → B")],
    ),
    "move under its own descendant": (
        csv_file("FAC,SEC,Fakultet for testing,Faculty of Testing,faculty"),
        [(2, "parent_code", "FAC → SEC → DEP → FAC")],
    ),
    "its own parent": (
        csv_file("NY,ny,Ny,,section"),
        [(2, "parent_code", "cannot be its own parent")],
    ),
    "not UTF-8": (
        f"{HEADER}\nNY,DEP,Ny,,section\nBJ,DEP,Bjørnstjerne,,section\n".encode("latin-1"),
        [(3, None, "not UTF-8"), (3, None, "CSV UTF-8")],
    ),
    "empty file": (b"", [(None, None, "The file is empty.")]),
    "only a BOM and blank lines": ("\ufeff\n\n".encode(), [(None, None, "The file is empty.")]),
    "header only": (csv_file(), [(None, None, "no units")]),
    "wrong number of fields": (
        csv_file("NY,DEP,Ny,section", 'NY2,DEP,"Ny, med komma",,section'),
        [(2, None, "This line has 4 fields; the header has 5.")],
    ),
    "empty code and name": (
        csv_file(",DEP,,,section"),
        [(2, "code", "The code is required."), (2, "name_nb", "is required")],
    ),
    "invalid and reserved codes": (
        csv_file("-bad,DEP,Ny,,section", "Import,DEP,Ny,,section"),
        [(2, "code", "Use letters, digits"), (3, "code", "reserved")],
    ),
    "unit type": (
        csv_file("NY,DEP,Ny,,lab", "NY2,DEP,Ny,,"),
        [
            (2, "unit_type", "Unknown unit type “lab”. Allowed values: institution, faculty"),
            (3, "unit_type", "The unit type is required. Allowed values:"),
        ],
    ),
    "too long": (
        csv_file(f"{'C' * 33},DEP,Ny,,section", f"NY,DEP,{'n' * 201},,section"),
        [
            (2, "code", "At most 32 characters are allowed (this has 33)."),
            (3, "name_nb", "At most 200 characters are allowed (this has 201)."),
        ],
    ),
    "a quoted value spanning lines": (
        csv_file('NY,DEP,"Ny\nenhet",,section', "NY2,DEP,Ny,,bad"),
        [(4, "unit_type", "Unknown unit type")],
    ),
}


@pytest.mark.parametrize("content,expected", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_rejected_with_line_and_column(org, content, expected):
    units_before, events_before = snapshot()

    with pytest.raises(tree_csv.ImportRejected) as rejected:
        tree_csv.unit_tree_import(content=content, filename="bad.csv")

    problems = rejected.value.plan.problems
    for line, field, text in expected:
        assert any(p.line == line and p.field == field and text in p.message for p in problems), (
            problems
        )
    assert snapshot() == (units_before, events_before)


def test_one_bad_row_blocks_the_whole_file(org):
    units_before, events_before = snapshot()
    good = [f"N{number},DEP,Enhet {number},,section" for number in range(50)]

    with pytest.raises(tree_csv.ImportRejected) as rejected:
        tree_csv.unit_tree_import(
            content=csv_file(*good, "BAD,NOPE,Feil,,section"), filename="bad.csv"
        )

    assert [(p.line, p.field) for p in rejected.value.plan.problems] == [(52, "parent_code")]
    assert snapshot() == (units_before, events_before)


def test_too_large_file_is_rejected(org, settings):
    settings.UNIT_IMPORT_MAX_BYTES = 100
    content = csv_file(*[f"N{number},DEP,Enhet,,section" for number in range(10)])

    with pytest.raises(tree_csv.ImportRejected) as rejected:
        tree_csv.unit_tree_import(content=content, filename="big.csv")

    [problem] = rejected.value.plan.problems
    assert "the largest file accepted is 100\xa0bytes" in problem.message


def test_new_unit_under_an_inactive_unit_is_rejected(org):
    Unit.objects.filter(code="OTHERDEP").update(is_active=False)

    plan = tree_csv.plan_import(csv_file("NY,OTHERDEP,Ny,,section"))

    assert [(p.line, p.field) for p in plan.problems] == [(2, "parent_code")]
    assert "inactive" in plan.problems[0].message


def test_apply_refuses_a_plan_that_changed_since_the_preview(org):
    content = csv_file("DEP,FAC,Nytt navn,Department of Trials,department")
    preview = tree_csv.plan_import(content)
    Unit.objects.filter(code="DEP").update(name_nb="Endret imens", version=F("version") + 1)

    with pytest.raises(tree_csv.ImportChanged) as changed:
        tree_csv.unit_tree_import(
            content=content, filename="late.csv", expected_digest=preview.digest
        )

    assert changed.value.plan.counts()["updated"] == 1
    assert Unit.objects.get(code="DEP").name_nb == "Endret imens"


# A large file ----------------------------------------------------------------------------


def big_tree(count: int, branching: int) -> bytes:
    """`count` units breadth first, each with `branching` children until the count is reached."""
    lines = ["B0,,Enhet 0,Unit 0,institution"]
    queue, number = ["B0"], 1
    while number < count:
        parent = queue.pop(0)
        for _ in range(branching):
            if number == count:
                break
            code = f"B{number}"
            lines.append(f"{code},{parent},Enhet {number},Unit {number},section")
            queue.append(code)
            number += 1
    return csv_file(*lines)


def test_ten_thousand_rows_import_in_one_go(org):
    content = big_tree(10_000, branching=7)  # depths 1 to 6

    started = time.perf_counter()
    plan = tree_csv.plan_import(content)
    planned = time.perf_counter()
    tree_csv.unit_tree_import(content=content, filename="big.csv")
    applied = time.perf_counter()
    print(
        f"\n10,000 rows: parse + validate {planned - started:.2f} s, "
        f"apply (validates again) {applied - planned:.2f} s"
    )

    assert plan.counts()["new"] == 10_000
    imported = Unit.objects.filter(code__startswith="B")
    assert imported.count() == 10_000
    depths = dict(imported.values_list("code", "depth"))
    assert depths["B0"] == 1
    assert depths["B1"] == 2
    assert depths["B57"] == 4  # 1 + 7 + 49 units above depth 4
    assert depths["B9999"] == 6
    assert max(depths.values()) == 6
    assert applied - started < 60
    assert_tree_sound()


# Views -----------------------------------------------------------------------------------


def upload(content: bytes, name: str = "units.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_outsider_gets_404_on_import_and_export(client, line_manager):
    client.force_login(line_manager)

    assert client.get(reverse("units:import")).status_code == 404
    response = client.post(
        reverse("units:import"), {"file": upload(csv_file("X,,X,,other")), "preview": "1"}
    )
    assert response.status_code == 404
    assert client.get(reverse("units:export")).status_code == 404
    assert not Unit.objects.filter(code="X").exists()


def test_anonymous_is_sent_to_login(client, org):
    response = client.get(reverse("units:import"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_administrator_previews_then_applies(client, administrator, org):
    client.force_login(administrator)
    assert client.get(reverse("units:import")).status_code == 200
    content = csv_file("LAB,DEP,Laboratoriet,,laboratory", "FAC,ROOT,Nytt navn,,faculty")

    preview = client.post(
        reverse("units:import"), {"file": upload(content, "org.csv"), "preview": "1"}
    )

    assert preview.status_code == 200
    assert preview.context["plan"].counts() == {
        "new": 1,
        "updated": 1,
        "moved": 0,
        "unchanged": 0,
    }
    assert "Preview of org.csv" in preview.content.decode()
    assert not Unit.objects.filter(code="LAB").exists()
    hidden = preview.context["apply_form"].initial

    applied = client.post(reverse("units:import"), {**hidden, "apply": "1"}, follow=True)

    assert applied.redirect_chain == [(reverse("units:tree"), 302)]
    assert "Imported org.csv: 1 new, 1 updated, 0 moved, 0 unchanged." in applied.content.decode()
    assert parent_code(Unit.objects.get(code="LAB")) == "DEP"
    assert Unit.objects.get(code="FAC").name_nb == "Nytt navn"
    assert UnitEvent.objects.filter(pgh_context__metadata__import_file="org.csv").exists()


def test_preview_lists_every_problem_and_writes_nothing(client, administrator, org):
    client.force_login(administrator)
    units_before, events_before = snapshot()
    content = csv_file("A,B,A,,section", "B,A,B,,section", "C,NOPE,C,,nonsense")

    response = client.post(reverse("units:import"), {"file": upload(content), "preview": "1"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "has 4 problems" in page
    assert "No unit has the code “NOPE”" in page
    assert "Unknown unit type “nonsense”" in page
    assert "apply_form" not in response.context
    assert snapshot() == (units_before, events_before)


def test_preview_of_a_latin1_file_explains_the_encoding(client, administrator, org):
    client.force_login(administrator)
    content = f"{HEADER}\nNY,DEP,Økonomi,,section\n".encode("latin-1")

    response = client.post(reverse("units:import"), {"file": upload(content), "preview": "1"})

    assert response.status_code == 200
    assert "CSV UTF-8" in response.content.decode()


def test_upload_over_the_limit_is_refused_on_the_form(client, administrator, org, settings):
    settings.UNIT_IMPORT_MAX_BYTES = 50
    client.force_login(administrator)

    response = client.post(
        reverse("units:import"),
        {"file": upload(csv_file("NY,DEP,Ny enhet med langt navn,,section")), "preview": "1"},
    )

    assert response.status_code == 200
    assert "the largest file accepted is 50" in response.content.decode()


def test_empty_upload_is_reported_not_a_500(client, administrator, org):
    client.force_login(administrator)

    response = client.post(reverse("units:import"), {"file": upload(b""), "preview": "1"})
    assert response.status_code == 200
    assert "The file is empty." in response.content.decode()

    response = client.post(reverse("units:import"), {"preview": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_apply_with_damaged_content_is_refused(client, administrator, org):
    client.force_login(administrator)
    content = csv_file("NY,DEP,Ny,,section")
    plan = tree_csv.plan_import(content)
    hidden = UnitImportApplyForm.for_file(content=content, filename="x.csv", plan=plan).initial
    units_before, events_before = snapshot()

    tampered = UnitImportApplyForm.for_file(
        content=csv_file("OTHER,DEP,Annen,,section"), filename="x.csv", plan=plan
    ).initial["content"]
    for data in (
        {**hidden, "content": tampered},
        {**hidden, "content": "not base64!"},
        {"apply": "1"},
    ):
        response = client.post(reverse("units:import"), {**data, "apply": "1"})
        assert response.status_code == 200
        assert "did not come back intact" in response.content.decode()
    assert snapshot() == (units_before, events_before)


def test_apply_after_the_tree_changed_shows_the_new_preview(client, administrator, org):
    client.force_login(administrator)
    content = csv_file("DEP,FAC,Nytt navn,Department of Trials,department")
    preview = client.post(reverse("units:import"), {"file": upload(content), "preview": "1"})
    hidden = preview.context["apply_form"].initial
    Unit.objects.filter(code="DEP").update(name_nb="Nytt navn")

    response = client.post(reverse("units:import"), {**hidden, "apply": "1"})

    assert response.status_code == 200
    assert response.context["plan_changed"]
    assert "The organisation changed after the preview" in response.content.decode()


def test_export_returns_the_tree_as_csv(client, administrator, org):
    client.force_login(administrator)

    response = client.get(reverse("units:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="units-{today}.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADER.split(",")
    assert [row[:2] for row in rows[1:]] == [
        ["ROOT", ""],
        ["FAC", "ROOT"],
        ["DEP", "FAC"],
        ["SEC", "DEP"],
        ["OTHERFAC", "ROOT"],
        ["OTHERDEP", "OTHERFAC"],
    ]


def test_export_is_one_query(org, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(tree_csv.export_rows())
    assert len(rows) == 7
