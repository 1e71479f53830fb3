"""The deviation list and the action plan draw their filters (and the plan its bulk form)
without crispy (issue 14): the same labels, classes, errors and ARIA as crispy-bootstrap5 gave
them."""

import re

import pytest
from django.utils import timezone

from tests.factories import make_deviation, make_measure

pytestmark = pytest.mark.django_db

LIST = "/deviations/"


def plan_url(unit) -> str:
    return f"/actionplans/{unit.code}/"


def test_the_deviation_filters_have_their_labels_and_bootstrap_classes(client, line_manager):
    client.force_login(line_manager)
    html = client.get(LIST).content.decode()
    assert '<div id="div_id_q" class="mb-3">' in html
    assert '<label for="id_q" class="form-label">Search</label>' in html
    assert re.search(r'<input type="search" name="q"[^>]*class="textinput form-control"', html)
    assert '<label for="id_status" class="form-label">Status</label>' in html
    assert '<select name="status" class="select form-select" id="id_status">' in html
    assert 'class="dateinput form-control" id="id_occurred_from"' in html
    assert '<div class="mb-3"><div id="div_id_overdue" class="form-check">' in html
    assert 'class="checkboxinput form-check-input" id="id_overdue"' in html
    assert '<label for="id_overdue" class="form-check-label">Only overdue</label>' in html
    assert "is-invalid" not in html
    assert "aria-invalid" not in html


def test_a_wrong_deviation_filter_says_why_beside_the_field_and_keeps_the_input(
    client, line_manager
):
    client.force_login(line_manager)
    html = client.get(LIST, {"unit": "NOPE", "occurred_from": "2025-13-01"}).content.decode()
    assert re.search(
        r'value="NOPE"[^>]*class="textinput form-control is-invalid" aria-invalid="true" '
        r'aria-describedby="id_unit_error" id="id_unit"',
        html,
    )
    assert (
        '<div id="id_unit_error" class="invalid-feedback">'
        '<p id="error_1_id_unit"><strong>No unit has the code “NOPE”.</strong></p></div>'
    ) in html
    assert 'aria-describedby="id_occurred_from_error" id="id_occurred_from"' in html
    assert '<p id="error_1_id_occurred_from"><strong>Enter a valid date.</strong></p>' in html
    # The other fields are not marked.
    assert '<select name="status" class="select form-select" id="id_status">' in html


def test_the_plan_filters_and_bulk_form_have_their_labels_help_and_errors(
    client, org, line_manager
):
    make_measure(org.department, line_manager, title="Mend the door")
    client.force_login(line_manager)
    html = client.get(plan_url(org.department), {"year": "abc"}).content.decode()
    assert '<label for="id_priority" class="form-label">Priority</label>' in html
    assert 'class="checkboxinput form-check-input" id="id_subunits"' in html
    assert re.search(
        r'class="numberinput form-control is-invalid" aria-invalid="true" '
        r'aria-describedby="id_year_error" id="id_year"',
        html,
    )
    assert '<div id="id_year_error" class="invalid-feedback">' in html
    # The bulk form (over the rows) keeps its required mark and the picker's help text.
    html = client.get(plan_url(org.department)).content.decode()
    assert re.search(
        r'<label for="bulk_action" class="form-label requiredField">With the selected measures'
        r'<span class="asteriskField">\*</span></label>',
        html,
    )
    assert '<select name="action" class="select form-select" id="bulk_action">' in html
    assert 'id="bulk_responsible_helptext" class="form-text"' in html
    assert 'aria-describedby="bulk_responsible_helptext"' in html
    assert 'class="textarea form-control"' in html


def test_the_rows_show_the_translated_status_and_severity(client, org, line_manager):
    make_deviation(org.department, line_manager, title="Wet floor")
    client.force_login(line_manager)
    client.cookies["django_language"] = "nb"
    html = client.get(LIST).content.decode()
    assert '<span class="badge text-bg-warning">Meldt</span>' in html
    client.cookies["django_language"] = "en"
    html = client.get(LIST).content.decode()
    assert '<span class="badge text-bg-warning">Reported</span>' in html
    assert '<span class="text-secondary">Minor</span>' in html


def test_the_flat_widget_templates_draw_what_djangos_own_draw():
    from django import forms

    from units.forms import BootstrapForm

    class Form(BootstrapForm):
        text = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"type": "search"}))
        number = forms.IntegerField(min_value=1)
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        tick = forms.BooleanField(required=False)
        pick = forms.ChoiceField(choices=[("", "Any"), ("a", "A & B"), ("b", "B")])
        group = forms.ChoiceField(choices=[("Letters", [("x", "X"), ("y", "Y")]), ("z", "Z")])

    form = Form({"text": 'a"<b', "number": "x", "day": "2026-01-02", "tick": "on", "pick": "a"})
    form.full_clean()
    assert form.fields["pick"].widget.template_name == "units/widgets/select.html"
    assert form.fields["tick"].widget.template_name == "units/widgets/input.html"

    def markup(bound) -> str:  # the whitespace between a select's options aside
        return re.sub(r">\s+<", "><", str(bound).strip())

    for bound in form:
        flat = markup(bound)
        bound.field.widget.template_name = bound.field.widget.__class__.template_name
        assert flat == markup(bound), bound.name
    assert 'value="a&quot;&lt;b"' in str(form["text"])


def test_the_plan_rows_name_source_priority_status_and_effect_in_the_users_language(
    client, org, line_manager
):
    from actionplans.models import Effectiveness, MeasureSource, MeasureStatus, Priority

    make_measure(
        org.department,
        line_manager,
        title="Fix the vent",
        source=MeasureSource.DEVIATION,
        priority=Priority.HIGH,
        status=MeasureStatus.DONE,
        completed_at=timezone.now(),
        effectiveness=Effectiveness.NOT_EFFECTIVE,
    )
    make_measure(org.department, line_manager, title="Paint the door", priority=Priority.LOW)
    client.force_login(line_manager)
    html = client.get(plan_url(org.department)).content.decode()
    assert '<span class="badge text-bg-warning">High</span>' in html
    assert '<span class="badge text-bg-light border">Low</span>' in html
    assert '<span class="badge text-bg-danger">Closed: did not work</span>' in html
    assert '<span class="badge text-bg-light border">Planned</span>' in html
    assert "Effect: Not effective" in html
    assert re.search(r'<div class="small text-secondary">\s*Deviation\s', html)
    client.cookies["django_language"] = "nb"
    html = client.get(plan_url(org.department)).content.decode()
    assert '<span class="badge text-bg-warning">Høy</span>' in html
    assert '<span class="badge text-bg-light border">Planlagt</span>' in html
