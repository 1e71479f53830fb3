"""Who reaches which register page: every URL × role. Routines and documents are shared down
the tree (readable by everyone in the unit's subtree); the requirements register and the
coordination agreements are records. Outsiders get 404, readers who may not change get 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hms.registers.models import UnitRequirement
from tests.conftest import user_with_role
from tests.factories import make_agreement, make_document, make_routine, make_unit
from units import access
from units.models import Role


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_upload():
    upload = SimpleUploadedFile("instruks.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
    upload.sniffed_type = "application/pdf"
    return upload


@pytest.fixture
def records(org, line_manager, hms_department):
    """One of each record on DEP, and a central routine on the institution."""
    return {
        "document": make_document(org.department, line_manager, upload=pdf_upload()),
        "routine": make_routine(org.department, line_manager, approve_by=line_manager),
        "agreement": make_agreement(org.department, line_manager),
        "central": make_routine(
            org.root,
            hms_department,
            title="Varsling av alvorlige hendelser",
            approve_by=user_with_role("rector", Role.LINE_MANAGER, org.root),
        ),
    }


def _urls(records, org):
    document, routine, agreement = records["document"], records["routine"], records["agreement"]
    item = agreement.plan_items.create(date=agreement.valid_from, what="Felles runde", who="HMS")
    code = org.department.code
    return {
        # name: (url, kind) — kind says who reads it: "shared" (subtree) or "records"
        "unit": (reverse("registers:unit", args=[code]), "shared"),
        "document": (document.get_absolute_url(), "shared"),
        "document_file": (reverse("registers:document_file", args=[document.pk]), "shared"),
        "routine": (routine.get_absolute_url(), "shared"),
        "routine_pdf": (reverse("registers:routine_pdf", args=[routine.pk]), "shared"),
        "requirements": (reverse("registers:requirements", args=[code]), "records"),
        "agreement": (agreement.get_absolute_url(), "records"),
        "_item": item,
    }


CHANGE_URLS = [
    (
        "document_create",
        lambda r, o: reverse("registers:document_create", args=[o.department.code]),
    ),
    ("document_edit", lambda r, o: reverse("registers:document_edit", args=[r["document"].pk])),
    ("routine_create", lambda r, o: reverse("registers:routine_create", args=[o.department.code])),
    ("routine_edit", lambda r, o: reverse("registers:routine_edit", args=[r["routine"].pk])),
    (
        "agreement_create",
        lambda r, o: reverse("registers:agreement_create", args=[o.department.code]),
    ),
    ("agreement_edit", lambda r, o: reverse("registers:agreement_edit", args=[r["agreement"].pk])),
]


def test_outsider_gets_404_on_every_register_page_of_the_unit(client, org, records, outsider):
    client.force_login(outsider)
    urls = _urls(records, org)
    urls.pop("_item")
    for name, (url, _kind) in urls.items():
        assert client.get(url).status_code == 404, name
    for name, url in CHANGE_URLS:
        assert client.get(url(records, org)).status_code == 404, name
    approve = reverse("registers:routine_approve", args=[records["routine"].pk])
    assert client.post(approve, {"version": 1}).status_code == 404


def test_outsider_sees_the_central_routines_of_the_institution(client, records, outsider):
    client.force_login(outsider)
    assert client.get(records["central"].get_absolute_url()).status_code == 200


def test_employee_reads_routines_and_documents_of_units_above_but_not_records(
    client, org, records, employee
):
    client.force_login(employee)
    urls = _urls(records, org)
    urls.pop("_item")
    for name, (url, kind) in urls.items():
        expected = 200 if kind == "shared" else 404
        assert client.get(url).status_code == expected, name
    assert client.get(records["central"].get_absolute_url()).status_code == 200


def test_employee_may_not_change_what_they_read(client, org, records, employee):
    client.force_login(employee)
    for name, url in CHANGE_URLS:
        expected = 404 if name.startswith("agreement") else 403
        assert client.get(url(records, org)).status_code == expected, name


def test_employee_does_not_read_a_draft_of_a_unit_above(client, org, line_manager, employee):
    draft = make_routine(org.department, line_manager, title="Utkast til rutine")
    client.force_login(employee)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert (
        "Utkast til rutine"
        not in client.get(reverse("registers:unit", args=[org.department.code])).content.decode()
    )


def test_employee_does_not_read_a_sibling_sections_routines(client, org, line_manager, employee):
    sibling = make_unit(org.department, code="SEC2")
    routine = make_routine(sibling, line_manager, approve_by=line_manager)
    client.force_login(employee)
    assert client.get(routine.get_absolute_url()).status_code == 404
    assert client.get(reverse("registers:unit", args=["SEC2"])).status_code == 404


def test_safety_rep_reads_everything_and_changes_nothing(client, org, records, safety_rep):
    client.force_login(safety_rep)
    urls = _urls(records, org)
    urls.pop("_item")
    for name, (url, _kind) in urls.items():
        assert client.get(url).status_code == 200, name
    for name, url in CHANGE_URLS:
        assert client.get(url(records, org)).status_code == 403, name
    response = client.post(reverse("registers:requirements", args=[org.department.code]), {})
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["line_manager", "hms_department"])
def test_line_manager_and_hms_department_open_every_page(client, org, records, who, request):
    client.force_login(request.getfixturevalue(who))
    urls = _urls(records, org)
    urls.pop("_item")
    for name, (url, _kind) in urls.items():
        assert client.get(url).status_code == 200, name
    for name, url in CHANGE_URLS:
        assert client.get(url(records, org)).status_code == 200, name


def test_hms_coordinator_changes_but_does_not_approve(client, org, records):
    coordinator = user_with_role("coordinator", Role.HMS_COORDINATOR, org.department)
    client.force_login(coordinator)
    assert client.get(CHANGE_URLS[3][1](records, org)).status_code == 200
    approve = reverse("registers:routine_approve", args=[records["routine"].pk])
    assert client.post(approve, {"version": records["routine"].version}).status_code == 403


@pytest.mark.parametrize("who", ["employee", "safety_rep", "line_manager", "outsider"])
def test_only_the_hms_department_reaches_the_catalogue_and_templates(client, org, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("registers:catalogue_create"),
        reverse("registers:templates"),
        reverse("registers:template_create"),
    ):
        assert client.get(url).status_code == 404, url


def test_hms_department_reaches_the_catalogue_and_templates(client, hms_department):
    client.force_login(hms_department)
    for url in (
        reverse("registers:catalogue_create"),
        reverse("registers:templates"),
        reverse("registers:template_create"),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "who", ["employee", "safety_rep", "line_manager", "outsider", "hms_department"]
)
def test_list_pages_open_for_every_logged_in_user(client, org, records, who, request):
    client.force_login(request.getfixturevalue(who))
    for name in ("catalogue", "document_list", "routine_list", "agreement_list"):
        assert client.get(reverse(f"registers:{name}")).status_code == 200, name


def test_lists_show_only_what_the_user_may_read(client, org, records, employee, outsider):
    client.force_login(employee)
    routines = client.get(reverse("registers:routine_list")).content.decode()
    assert records["routine"].title in routines and records["central"].title in routines
    assert (
        records["agreement"].title
        not in client.get(reverse("registers:agreement_list")).content.decode()
    )
    client.force_login(outsider)
    assert (
        records["routine"].title
        not in client.get(reverse("registers:routine_list")).content.decode()
    )
    assert (
        records["document"].title
        not in client.get(reverse("registers:document_list")).content.decode()
    )


def test_unit_summary_is_empty_for_those_who_read_nothing_there(client, org, records, outsider):
    client.force_login(outsider)
    response = client.get(reverse("registers:unit_summary", args=[org.department.code]))
    assert response.status_code == 200 and response.content == b""


def test_unit_summary_counts_documents_and_routines(client, org, records, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("registers:unit_summary", args=[org.department.code]))
    text = response.content.decode()
    assert "1 document" in text and "2 routines in force here" in text
    assert "1 coordination agreement" in text


def test_anonymous_visitor_is_sent_to_log_in(client, org, records):
    response = client.get(reverse("registers:unit", args=[org.department.code]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- units.access: belonging to units ------------------------------------------------------------


def test_units_belonged_to_are_the_employee_unit_and_every_role_unit(org):
    person = user_with_role("person", Role.EMPLOYEE, org.section)
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=person, unit=org.other_department, role=Role.SAFETY_REP)
    access.forget_roles(person)
    assert access.units_belonged_to(person) == {org.section.path, org.other_department.path}


def test_belonged_units_q_reaches_the_units_above_and_not_below_or_beside(org, hms_department):
    from hms.registers.models import Routine

    person = user_with_role("person", Role.EMPLOYEE, org.department)
    rector = user_with_role("rector", Role.LINE_MANAGER, org.root)
    for unit in (org.root, org.faculty, org.department, org.section, org.other_department):
        make_routine(unit, hms_department, approve_by=rector)
    seen = set(
        Routine.objects.filter(access.belonged_units_q(person, "unit")).values_list(
            "unit__code", flat=True
        )
    )
    assert seen == {"ROOT", "FAC", "DEP"}


def test_belonging_nowhere_reaches_nothing(org):
    from tests.factories import UserFactory

    assert access.units_belonged_to(UserFactory()) == frozenset()


def test_requirements_register_rows_are_records(org, line_manager, employee, safety_rep):
    from hms.registers.models import Requirement

    UnitRequirement.objects.create(
        unit=org.department, requirement=Requirement.objects.first(), applies=True
    )
    assert UnitRequirement.objects.visible_to(safety_rep).count() == 1
    assert UnitRequirement.objects.visible_to(employee).count() == 0


def test_belongs_within_is_true_for_the_unit_and_those_above_only(org, employee):
    assert access.belongs_within(employee, org.section)
    assert access.belongs_within(employee, org.department)
    assert access.belongs_within(employee, org.root)
    assert not access.belongs_within(employee, org.other_department)
    assert not access.belongs_within(employee, make_unit(org.section, code="BELOW"))
