"""The cycle page's step forms without crispy (issue 14): the same fields, labels, errors and
accessibility as before, and a query count that does not grow with the steps or their
evidence."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hms.cycle import services
from hms.cycle.models import CycleStep, Phase, StepStatus, StepTemplate
from tests.factories import make_unit
from units.models import Unit

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def cycle_url(unit):
    return reverse("cycle:cycle", args=[unit.code, YEAR])


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_step_form_has_its_labels_and_the_picker(client, org, line_manager):
    client.force_login(line_manager)
    html = client.get(cycle_url(org.department)).content.decode()
    step = CycleStep.objects.filter(cycle__unit=org.department).order_by("pk").first()
    prefix = f"id_step-{step.pk}-"
    for name, label in [("status", "Status"), ("due_date", "Due date")]:
        assert re.search(
            rf'<label\s+for="{prefix}{name}" class="form-label requiredField">{label}'
            r'<span class="asteriskField">\*</span></label>',
            html,
        ), name
    assert f'<label for="{prefix}comment" class="form-label">Comment</label>' in html
    assert f'<label for="{prefix}responsible" class="form-label">Responsible</label>' in html
    assert f'class="select form-select" id="{prefix}status"' in html
    assert f'aria-describedby="{prefix}responsible_helptext"' in html
    assert f'id="{prefix}responsible_helptext" class="form-text"' in html
    assert "data-person-picker" in html
    assert f'name="step-{step.pk}-version" value="{step.version}"' in html


def test_a_refused_step_shows_its_errors_next_to_the_fields_with_the_input_kept(
    client, org, line_manager
):
    step = services.cycle_open(unit=org.department, year=YEAR).steps.order_by("pk").first()
    client.force_login(line_manager)
    prefix = f"step-{step.pk}-"
    response = client.post(
        reverse("cycle:step_edit", args=[org.department.code, YEAR, step.pk]),
        {
            prefix + "status": "nonsense",
            prefix + "due_date": "not a date",
            prefix + "comment": "Keep this text",
            prefix + "version": step.version,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    field_id = f"id_{prefix}due_date"
    assert re.search(
        rf'value="not a date" class="dateinput form-control is-invalid"[^>]*'
        rf'aria-invalid="true" aria-describedby="{field_id}_error"',
        html,
    )
    assert f'<div id="{field_id}_error" class="invalid-feedback">' in html
    assert f'id="id_{prefix}status_error" class="invalid-feedback"' in html
    assert "Keep this text</textarea>" in html
    assert '<details class="step-edit" open>' in html
    # The other steps' forms stay clean.
    other = CycleStep.objects.filter(cycle=step.cycle).exclude(pk=step.pk).first()
    assert f'id="id_step-{other.pk}-due_date_error"' not in html


def test_cycle_page_queries_do_not_grow_with_steps_or_evidence(client, org, line_manager):
    """One unit's year has two steps, the other's 30 with responsible people and comments,
    two of them ticked by the evidence found: the page runs the same queries for both."""
    department = Unit.objects.get(pk=org.department.pk)
    few_unit = make_unit(department, code="FEW")
    many_unit = make_unit(department, code="MANY")
    templates = StepTemplate.objects.filter(is_active=True).order_by("order", "pk")
    keep = list(templates.values_list("pk", flat=True)[:2])
    templates.exclude(pk__in=keep).update(is_active=False)
    services.cycle_open(unit=few_unit, year=YEAR)
    StepTemplate.objects.update(is_active=True)
    for number in range(15):
        StepTemplate.objects.create(
            phase=Phase.choices[number % len(Phase.choices)][0],
            order=100 + number,
            title_nb=f"Ekstra {number}",
            title_en=f"Extra {number}",
            due_month=1 + number % 12,
            due_day=10,
        )
    many = services.cycle_open(unit=many_unit, year=YEAR)
    assert many.steps.count() == 30
    many.steps.update(responsible=line_manager, comment="Underway", status=StepStatus.IN_PROGRESS)
    for unit in (few_unit, many_unit):  # so neither page offers to start from last year
        services.goal_create(actor=line_manager, unit=unit, year=YEAR, title="A goal")
        services.member_save(
            actor=line_manager, unit=unit, year=YEAR, user=line_manager, is_driver=True
        )
    client.force_login(line_manager)
    few_url, many_url = cycle_url(few_unit), cycle_url(many_unit)
    page_queries(client, few_url)
    page_queries(client, many_url)
    html = client.get(many_url).content.decode()
    assert html.count('class="step-form"') == 30
    assert page_queries(client, few_url) == page_queries(client, many_url)
