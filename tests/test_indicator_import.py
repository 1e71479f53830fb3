"""CSV import of indicator values: dry-run preview, all-or-nothing apply, errors by line and
column, Norwegian files (semicolons, decimal comma, BOM), and who may import."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators import services, values_csv
from indicators.models import IndicatorValue, Source
from tests.test_indicator_figures import put

GOOD = (
    b"unit;indicator;year;tertial;value\n"
    b"DEP;fte;2025;1;12,5\n"
    b"DEP;sick_leave_days;2025;T1;1 234,5\n"
    b"FAC;electricity_kwh;2025;;600000\n"
)


def upload(content: bytes, name: str = "figures.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "preview": "1"}


def preview(client, content: bytes, name: str = "figures.csv"):
    return client.post(reverse("indicators:import"), upload(content, name))


def test_preview_writes_nothing_and_shows_what_would_change(client, org, hms_department):
    client.force_login(hms_department)

    response = preview(client, GOOD)

    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.ok and plan.counts() == {"new": 3, "changed": 0, "unchanged": 0}
    assert not IndicatorValue.objects.exists()
    assert 'id="import-apply"' in response.content.decode()


def test_apply_after_preview_imports_every_row(client, org, hms_department):
    client.force_login(hms_department)
    apply_form = preview(client, GOOD).context["apply_form"]
    data = {name: apply_form[name].value() for name in apply_form.fields} | {"apply": "1"}

    response = client.post(reverse("indicators:import"), data)

    assert response.status_code == 302
    values = {v.indicator.code: v for v in IndicatorValue.objects.select_related("indicator")}
    assert values["fte"].value == Decimal("12.5")
    assert values["sick_leave_days"].value == Decimal("1234.5")
    assert values["electricity_kwh"].tertial == 0
    assert values["fte"].source == Source.IMPORTED
    assert values["fte"].entered_by == hms_department


def test_one_bad_row_means_nothing_is_applied(org, hms_department):
    content = GOOD + b"DEP;fte;2025;2;not a number\n"

    with pytest.raises(values_csv.ImportRejected) as rejected:
        services.values_import(actor=hms_department, content=content, filename="x.csv")

    assert not IndicatorValue.objects.exists()
    assert rejected.value.plan.problems == [
        values_csv.Problem(5, "value", "“not a number” is not a number.")
    ]


def test_errors_name_the_line_and_the_column(client, org, hms_department):
    content = (
        b"unit,indicator,year,tertial,value\n"
        b"NOSUCH,fte,2025,1,3\n"
        b"DEP,h1,2025,1,3\n"  # computed: not entered
        b"DEP,fte,25,1,3\n"
        b"DEP,fte,2025,,3\n"  # a tertial indicator needs its tertial
        b"DEP,electricity_kwh,2025,2,3\n"  # a yearly one must not have one
        b"DEP,fte,2025,1,-3\n"
        b"DEP,fte,2025,2,\n"
        b"DEP,fte,2025,3,1\n"
        b"DEP,fte,2025,3,2\n"  # the same unit, indicator and period twice
        b"DEP,fte,2025\n"
    )
    client.force_login(hms_department)

    response = preview(client, content)

    problems = [(p.line, p.field) for p in response.context["plan"].problems]
    assert problems == [
        (2, "unit"),
        (3, "indicator"),
        (4, "year"),
        (5, "tertial"),
        (6, "tertial"),
        (7, "value"),
        (8, "value"),
        (10, None),
        (11, None),
    ]
    body = response.content.decode()
    assert 'id="import-problems"' in body
    assert "Nothing was imported" in body
    assert "apply_form" not in response.context or response.context["apply_form"] is None
    assert not IndicatorValue.objects.exists()


def test_comma_separated_file_with_bom_and_decimal_point(org, hms_department):
    content = "\ufeffUnit,Indicator,Year,Tertial,Value\nDEP,fte,2025,1,12.5\n".encode()
    plan = values_csv.plan_import(content, actor=hms_department)
    assert plan.ok
    assert plan.new[0].row.value == Decimal("12.5")


def test_a_quoted_decimal_comma_in_a_comma_separated_file(org, hms_department):
    content = b'unit,indicator,year,tertial,value\nDEP,fte,2025,1,"12,5"\n'
    assert values_csv.plan_import(content, actor=hms_department).new[0].row.value == Decimal("12.5")


def test_unit_codes_match_whatever_their_case(org, hms_department):
    content = b"unit;indicator;year;tertial;value\ndep;FTE;2025;1;4\n"
    plan = values_csv.plan_import(content, actor=hms_department)
    assert plan.ok and plan.new[0].row.unit_id == org.department.pk


def test_a_line_manager_imports_only_for_their_subtree(org, line_manager):
    content = b"unit;indicator;year;tertial;value\nSEC;fte;2025;1;4\nOTHERDEP;fte;2025;1;4\n"
    plan = values_csv.plan_import(content, actor=line_manager)
    assert [(p.line, p.field) for p in plan.problems] == [(3, "unit")]


def test_changed_and_unchanged_rows_are_told_apart_and_versions_bumped(org, hms_department):
    changed = put("fte", org.department, 10, 2025, 1)
    put("fte", org.department, 11, 2025, 2)
    content = b"unit;indicator;year;tertial;value\nDEP;fte;2025;1;12\nDEP;fte;2025;2;11\n"

    plan = services.values_import(actor=hms_department, content=content, filename="x.csv")

    assert plan.counts() == {"new": 0, "changed": 1, "unchanged": 1}
    changed.refresh_from_db()
    assert (changed.value, changed.version) == (Decimal("12"), 2)


def test_apply_refuses_when_values_changed_after_the_preview(org, hms_department):
    value = put("fte", org.department, 10, 2025, 1)
    content = b"unit;indicator;year;tertial;value\nDEP;fte;2025;1;12\n"
    digest = values_csv.plan_import(content, actor=hms_department).digest
    IndicatorValue.objects.filter(pk=value.pk).update(value=11, version=2)

    with pytest.raises(values_csv.ImportChanged):
        services.values_import(
            actor=hms_department, content=content, filename="x.csv", expected_digest=digest
        )

    value.refresh_from_db()
    assert value.value == 11


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"PK\x03\x04 an excel workbook",
        b"\xff\xfe\x00u\x00n",
        b"unit;indicator;year;tertial;value\n",
        b"no;header;here\n1;2;3\n",
        b'unit,indicator,year,tertial,value\nDEP,fte,2025,1,"12\n',
        b"unit;unit;indicator;year;value\nDEP;DEP;fte;2025;1\n",
    ],
)
def test_bad_files_are_reported_never_a_500(client, org, hms_department, content):
    client.force_login(hms_department)
    response = preview(client, content)
    assert response.status_code == 200
    plan = response.context.get("plan")
    assert (plan and plan.problems) or response.context["form"].errors
    assert not IndicatorValue.objects.exists()


def test_a_too_large_file_is_refused(client, org, hms_department, settings):
    settings.INDICATOR_IMPORT_MAX_BYTES = 100
    client.force_login(hms_department)
    response = preview(client, GOOD * 10)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_tampered_apply_is_refused(client, org, hms_department):
    client.force_login(hms_department)
    apply_form = preview(client, GOOD).context["apply_form"]
    data = {name: apply_form[name].value() for name in apply_form.fields} | {"apply": "1"}
    data["sha256"] = "0" * 64

    response = client.post(reverse("indicators:import"), data)

    assert response.status_code == 200
    assert response.context["apply_errors"]
    assert not IndicatorValue.objects.exists()


def test_outsiders_without_a_managing_role_get_404(client, org, safety_rep, employee):
    for user in (safety_rep, employee):
        client.force_login(user)
        assert client.get(reverse("indicators:import")).status_code == 404
        assert preview(client, GOOD).status_code == 404
        assert client.get(reverse("indicators:import_example")).status_code == 404
    assert not IndicatorValue.objects.exists()


def test_the_example_file_lists_the_entered_indicators(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("indicators:import_example"))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "unit;indicator;year;tertial;value"
    assert "DEP;fte;" in text
    assert ";h1;" not in text
