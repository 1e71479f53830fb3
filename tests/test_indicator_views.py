"""The indicator pages: who may read and enter, the entry form's version check, bad input,
and the page's cost at two data sizes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from deviations.models import InjuryKind
from hms.cycle import evidence
from indicators.models import Indicator, IndicatorValue
from tests.factories import make_unit
from tests.test_indicator_figures import deviations, moment, put, put_year_of_tertials


def enter_url(unit, year=2025, tertial=1) -> str:
    return f"{reverse('indicators:enter', args=[unit.code])}?year={year}&tertial={tertial}"


def field(code: str) -> str:
    return f"value_{Indicator.objects.get(code=code).pk}"


def version_field(code: str) -> str:
    return f"version_{Indicator.objects.get(code=code).pk}"


# Reading ------------------------------------------------------------------------------------


def test_outsider_gets_404_on_the_unit_page(client, org, outsider):
    client.force_login(outsider)
    assert client.get(reverse("indicators:unit", args=[org.department.code])).status_code == 404


def test_employee_gets_404_on_the_unit_page(client, org, employee):
    client.force_login(employee)
    assert client.get(reverse("indicators:unit", args=[org.department.code])).status_code == 404


def test_unknown_unit_is_404(client, org, hms_department):
    client.force_login(hms_department)
    assert client.get(reverse("indicators:unit", args=["NOSUCH"])).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, org):
    response = client.get(reverse("indicators:unit", args=[org.department.code]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_safety_rep_reads_the_unit_page_rolled_up_with_definitions(client, org, safety_rep):
    deviations(org.section, 3, moment(2025, 5, 1))
    client.force_login(safety_rep)

    response = client.get(reverse("indicators:unit", args=[org.department.code]), {"view": "year"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="indicator-deviations"' in body
    assert 'id="chart-deviations-title"' in body
    assert "<svg" in body
    assert "Injuries with absence × 1,000,000 / hours worked" in body  # H1's definition
    assert "Enter figures" not in body  # reads only


def test_line_manager_sees_the_enter_button(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("indicators:unit", args=[org.section.code]))
    assert response.status_code == 200
    assert "Enter figures" in response.content.decode()


def test_tertial_view_lists_yearly_indicators_without_empty_charts(client, org, line_manager):
    client.force_login(line_manager)
    body = client.get(reverse("indicators:unit", args=[org.department.code])).content.decode()
    assert 'id="chart-electricity_kwh"' not in body
    assert "Given per year" in body or "given per year" in body


def test_index_lists_the_units_the_user_covers(client, org, line_manager, outsider):
    client.force_login(line_manager)
    body = client.get(reverse("indicators:index")).content.decode()
    assert reverse("indicators:unit", args=["DEP"]) in body
    assert reverse("indicators:unit", args=["OTHERDEP"]) not in body
    assert client.get(reverse("indicators:index"), {"q": "x" * 500}).status_code == 200


def test_bad_query_values_never_fail(client, org, hms_department):
    client.force_login(hms_department)
    page = reverse("indicators:unit", args=[org.department.code])
    assert client.get(page, {"view": "<script>"}).status_code == 200
    for year, tertial in [("abc", "9"), ("99999", "-1"), ("", "x"), ("2025", "")]:
        response = client.get(
            reverse("indicators:enter", args=[org.department.code]),
            {"year": year, "tertial": tertial},
        )
        assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_unit_page_costs_the_same_queries_at_two_sizes(
    client, org, hms_department, size, django_assert_max_num_queries
):
    for number in range(size):
        department = make_unit(org.faculty, code=f"Q{size}D{number}")
        deviations(department, size * 10, moment(2025, 5, 1), injury_kind=InjuryKind.ABSENCE)
        put_year_of_tertials("fte", department, 50, 2025)
        put("electricity_kwh", department, 10_000, 2025)
    client.force_login(hms_department)
    client.get(reverse("indicators:index"))  # the session and user are warm

    # 15: the menu asks once whether the user may open the people pages.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("indicators:unit", args=[org.faculty.code]), {"view": "year"})

    assert response.status_code == 200


# Entering -----------------------------------------------------------------------------------


def test_outsider_gets_404_on_the_entry_form(client, org, outsider):
    client.force_login(outsider)
    assert client.get(enter_url(org.department)).status_code == 404
    assert client.post(enter_url(org.department), {field("fte"): "10"}).status_code == 404
    assert not IndicatorValue.objects.exists()


def test_employee_gets_404_on_the_entry_form(client, org, employee):
    client.force_login(employee)
    assert client.post(enter_url(org.section), {field("fte"): "10"}).status_code == 404


def test_safety_rep_may_not_change_figures(client, org, safety_rep):
    client.force_login(safety_rep)
    assert client.get(enter_url(org.department)).status_code == 403
    assert client.post(enter_url(org.department), {field("fte"): "10"}).status_code == 403
    assert not IndicatorValue.objects.exists()


def test_line_manager_enters_figures_with_a_decimal_comma(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(enter_url(org.section))
    assert response.status_code == 200
    assert field("fte") in response.content.decode()
    assert field("electricity_kwh") not in response.content.decode()  # yearly: not in T1

    response = client.post(
        enter_url(org.section),
        {field("fte"): "12,5", version_field("fte"): "0", field("sick_leave_days"): "1 234,5"},
    )

    assert response.status_code == 302
    fte = IndicatorValue.objects.get(indicator__code="fte")
    assert (fte.unit, fte.year, fte.tertial, fte.value) == (org.section, 2025, 1, Decimal("12.5"))
    assert fte.entered_by == line_manager
    sick = IndicatorValue.objects.get(indicator__code="sick_leave_days")
    assert sick.value == Decimal("1234.5")


def test_yearly_figures_are_entered_for_the_whole_year(client, org, hms_department):
    client.force_login(hms_department)
    response = client.post(enter_url(org.faculty, 2025, 0), {field("electricity_kwh"): "600000"})
    assert response.status_code == 302
    value = IndicatorValue.objects.get()
    assert (value.indicator.code, value.tertial) == ("electricity_kwh", 0)


def test_emptying_a_field_removes_the_figure_and_a_change_bumps_the_version(
    client, org, line_manager
):
    value = put("fte", org.department, 10, 2025, 1)
    put("sick_leave_days", org.department, 5, 2025, 1)
    client.force_login(line_manager)

    client.post(
        enter_url(org.department),
        {
            field("fte"): "11",
            version_field("fte"): "1",
            field("sick_leave_days"): "",
            version_field("sick_leave_days"): "1",
        },
    )

    value.refresh_from_db()
    assert (value.value, value.version) == (Decimal("11"), 2)
    assert not IndicatorValue.objects.filter(indicator__code="sick_leave_days").exists()


def test_a_figure_saved_meanwhile_gives_409_and_keeps_the_input(client, org, line_manager):
    value = put("fte", org.department, 10, 2025, 1)
    client.force_login(line_manager)
    # Someone else saves 20 after our form was shown with version 1.
    IndicatorValue.objects.filter(pk=value.pk).update(value=20, version=2)

    response = client.post(
        enter_url(org.department), {field("fte"): "15", version_field("fte"): "1"}
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert 'value="15"' in body  # the input is kept
    assert "Saved meanwhile: 20" in body
    value.refresh_from_db()
    assert value.value == 20
    # The form now carries the new version: saving again overwrites on purpose.
    again = client.post(enter_url(org.department), {field("fte"): "15", version_field("fte"): "2"})
    assert again.status_code == 302
    value.refresh_from_db()
    assert value.value == 15


def test_an_unchanged_field_does_not_conflict(client, org, line_manager):
    value = put("fte", org.department, 10, 2025, 1)
    IndicatorValue.objects.filter(pk=value.pk).update(version=5)
    client.force_login(line_manager)

    response = client.post(
        enter_url(org.department),
        {field("fte"): "10", version_field("fte"): "1", field("sick_leave_days"): "3"},
    )

    assert response.status_code == 302


@pytest.mark.parametrize("typed", ["abc", "-5", "1e9999", "1,23456", "9" * 30, "１２"])
def test_bad_numbers_show_errors_and_keep_the_input(client, org, line_manager, typed):
    client.force_login(line_manager)
    response = client.post(enter_url(org.department), {field("fte"): typed})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_hms_department_enters_for_any_unit(client, org, hms_department):
    client.force_login(hms_department)
    response = client.post(enter_url(org.other_department), {field("fte"): "3"})
    assert response.status_code == 302


# The yearly cycle ---------------------------------------------------------------------------


def test_cycle_evidence_is_values_entered_in_the_subtree_that_year(org):
    put("fte", org.section, 3, 2025, 1)

    found = evidence.collect([org.faculty, org.section, org.other_faculty], 2025)["indicators"]

    assert set(found) == {org.faculty.pk, org.section.pk}
    assert found[org.section.pk].startswith(reverse("indicators:unit", args=["SEC"]))
    assert evidence.collect([org.faculty], 2024)["indicators"] == {}


def test_menu_shows_indicators_to_those_who_read_records(client, org, line_manager, employee):
    client.force_login(line_manager)
    assert reverse("indicators:index") in client.get(reverse("home")).content.decode()
    client.force_login(employee)
    assert reverse("indicators:index") not in client.get(reverse("home")).content.decode()


def test_yearly_ranges_cover_four_years(client, org, hms_department):
    client.force_login(hms_department)
    body = client.get(
        reverse("indicators:unit", args=[org.root.code]), {"view": "year"}
    ).content.decode()
    this_year = datetime.date.today().year
    assert f"{this_year - 3}" in body


def test_unit_summary_shows_last_years_key_figures_to_readers(client, org, safety_rep, outsider):
    year = datetime.date.today().year - 1
    deviations(org.section, 4, moment(year, 5, 1))
    url = reverse("indicators:unit_summary", args=[org.department.code])
    client.force_login(safety_rep)

    response = client.get(url)

    assert response.status_code == 200
    assert "HSE deviations: 4<" in response.content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_unit_page_loads_the_summary_partial(client, org, line_manager):
    client.force_login(line_manager)
    body = client.get(reverse("units:detail", args=[org.department.code])).content.decode()
    assert reverse("indicators:unit_summary", args=[org.department.code]) in body


def test_values_save_service_checks_role_and_version(org, line_manager, safety_rep):
    from django.core.exceptions import PermissionDenied

    from indicators import services

    fte = Indicator.objects.get(code="fte")
    with pytest.raises(PermissionDenied):
        services.values_save(
            actor=safety_rep,
            unit=org.department,
            year=2025,
            tertial=1,
            posted={fte.pk: services.Posted(Decimal("1"), 0)},
        )
    counts = services.values_save(
        actor=line_manager,
        unit=org.department,
        year=2025,
        tertial=1,
        posted={fte.pk: services.Posted(Decimal("1"), 0)},
    )
    assert counts == {"added": 1, "changed": 0, "removed": 0}
    with pytest.raises(services.ConcurrentEdit) as conflict:
        services.values_save(
            actor=line_manager,
            unit=org.department,
            year=2025,
            tertial=1,
            posted={fte.pk: services.Posted(Decimal("2"), 0)},  # shown before the first save
        )
    assert conflict.value.indicators == [fte]
    assert IndicatorValue.objects.get().value == 1
