"""Bulk actions on the action plan: reassign, move the deadline, close with the effect, remind;
each one transaction, refused whole, one audit entry per measure, constant page queries."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureStatus
from tests.factories import UserFactory, make_measure
from units.models import OutboxMessage

pytestmark = pytest.mark.django_db

LATER = timezone.localdate() + datetime.timedelta(days=40)


def bulk_url(unit) -> str:
    return f"/actionplans/{unit.code}/bulk/"


@pytest.fixture
def fixer(db):
    return UserFactory(username="fixer", email="fixer@example.org")


@pytest.fixture
def other(db):
    return UserFactory(username="other", email="other@example.org")


@pytest.fixture
def measures(org, fixer, line_manager):
    return [
        make_measure(org.department, fixer, title=f"Measure {n}", created_by=line_manager)
        for n in range(3)
    ]


def post(client, unit, measures, confirm=True, **fields):
    data = {"measure": [str(m.pk) for m in measures], **fields}
    for m in measures:
        data[f"version-{m.pk}"] = str(m.version)
    if confirm:
        data["confirm"] = "yes"
    return client.post(bulk_url(unit), data)


def events(measures) -> int:
    event = apps.get_model("actionplans", "MeasureEvent")
    return event.objects.filter(pgh_obj__in=measures, pgh_label="update").count()


def test_reassign_several_gives_each_to_the_new_person(client, org, line_manager, measures, other):
    client.force_login(line_manager)
    response = post(client, org.department, measures, action="reassign", responsible="other")
    assert response.status_code == 302
    assert {m.responsible_id for m in Measure.objects.filter(pk__in=[m.pk for m in measures])} == {
        other.pk
    }
    assert events(measures) == 3


def test_change_deadline_of_several(client, org, line_manager, measures):
    client.force_login(line_manager)
    post(client, org.department, measures, action="deadline", deadline=LATER.isoformat())
    assert set(Measure.objects.values_list("deadline", flat=True)) == {LATER}
    assert events(measures) == 3


def test_close_several_records_the_effect(client, org, line_manager, measures):
    client.force_login(line_manager)
    response = post(
        client,
        org.department,
        measures,
        action="close",
        effectiveness=Effectiveness.EFFECTIVE,
        effectiveness_comment="Checked",
    )
    assert response.status_code == 302
    for measure in Measure.objects.all():
        assert measure.status == MeasureStatus.DONE
        assert measure.effectiveness == Effectiveness.EFFECTIVE
        assert measure.completed_at is not None
    assert events(measures) == 3


def test_close_without_the_effect_is_refused(client, org, line_manager, measures):
    client.force_login(line_manager)
    response = post(client, org.department, measures, action="close")
    assert response.status_code == 400
    assert not Measure.objects.filter(status=MeasureStatus.DONE).exists()


def test_remind_writes_one_email_per_person_not_per_measure(
    client, org, line_manager, measures, other, django_capture_on_commit_callbacks
):
    extra = make_measure(org.department, other, title="Other's", created_by=line_manager)
    client.force_login(line_manager)
    with django_capture_on_commit_callbacks():
        response = post(client, org.department, [*measures, extra], action="remind")
    assert response.status_code == 302
    rows = OutboxMessage.objects.filter(kind="actionplans.bulk_reminder")
    assert sorted(rows.values_list("recipient", flat=True)) == [
        "fixer@example.org",
        "other@example.org",
    ]
    fixer_mail = rows.get(recipient="fixer@example.org")
    assert all(m.title in fixer_mail.body for m in measures)
    assert "Other's" not in fixer_mail.body


def test_first_post_shows_a_summary_and_changes_nothing(client, org, line_manager, measures):
    client.force_login(line_manager)
    response = post(
        client, org.department, measures, confirm=False, action="deadline", deadline=LATER
    )
    assert response.status_code == 200
    assert all(m.title in response.content.decode() for m in measures)
    assert not Measure.objects.filter(deadline=LATER).exists()


@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_outsider_gets_404_and_nothing_changes(client, org, measures, request, who):
    client.force_login(request.getfixturevalue(who))
    response = post(client, org.department, measures, action="deadline", deadline=LATER)
    assert response.status_code == 404
    assert not Measure.objects.filter(deadline=LATER).exists()


def test_reader_who_may_not_change_gets_403(client, org, safety_rep, measures):
    client.force_login(safety_rep)
    response = post(client, org.department, measures, action="deadline", deadline=LATER)
    assert response.status_code == 403
    assert not Measure.objects.filter(deadline=LATER).exists()


def test_selection_with_a_measure_of_another_plan_is_refused_whole(
    client, org, line_manager, measures, fixer
):
    elsewhere = make_measure(org.other_department, fixer, title="Not yours")
    client.force_login(line_manager)
    response = post(
        client, org.department, [*measures, elsewhere], action="deadline", deadline=LATER
    )
    assert response.status_code == 409
    assert "is not in this plan" in response.content.decode()
    assert not Measure.objects.filter(deadline=LATER).exists()
    assert events([*measures, elsewhere]) == 0


def test_selection_with_a_closed_measure_is_refused_whole(client, org, line_manager, measures):
    Measure.objects.filter(pk=measures[0].pk).update(status=MeasureStatus.CANCELLED)
    client.force_login(line_manager)
    response = post(client, org.department, measures, action="deadline", deadline=LATER)
    assert response.status_code == 409
    assert "Measure 0" in response.content.decode()
    assert not Measure.objects.filter(deadline=LATER).exists()


def test_measure_changed_since_the_list_was_shown_is_not_overwritten(
    client, org, line_manager, measures
):
    Measure.objects.filter(pk=measures[1].pk).update(version=measures[1].version + 1)
    client.force_login(line_manager)
    response = post(client, org.department, measures, action="deadline", deadline=LATER)
    assert response.status_code == 409
    assert not Measure.objects.filter(deadline=LATER).exists()


def test_nothing_selected_is_a_clear_message(client, org, line_manager, measures):
    client.force_login(line_manager)
    response = post(client, org.department, [], action="remind")
    assert response.status_code == 400
    assert "Select at least one measure" in response.content.decode()


def test_garbage_input_is_no_500(client, org, line_manager, measures):
    client.force_login(line_manager)
    data = {
        "measure": ["x", "-1", "9" * 30],
        "action": "nope",
        "deadline": "soon",
        "confirm": "yes",
    }
    assert client.post(bulk_url(org.department), data).status_code == 400


def _plan_queries(client, unit) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/actionplans/{unit.code}/").status_code == 200
    return len(captured.captured_queries)


def _summary_queries(client, unit) -> int:
    data = {"measure": [str(pk) for pk in Measure.objects.values_list("pk", flat=True)]}
    data["action"] = "remind"
    with CaptureQueriesContext(connection) as captured:
        assert client.post(bulk_url(unit), data).status_code == 200
    return len(captured.captured_queries)


def test_plan_with_checkboxes_and_summary_run_constant_queries(
    client, org, line_manager, fixer, measures
):
    client.force_login(line_manager)
    small = (_plan_queries(client, org.department), _summary_queries(client, org.department))
    for n in range(12):
        make_measure(org.department, UserFactory(), title=f"More {n}")
    assert (
        _plan_queries(client, org.department),
        _summary_queries(client, org.department),
    ) == small


def test_plan_page_has_a_checkbox_per_row_for_who_may_change(
    client, org, line_manager, safety_rep, measures
):
    client.force_login(line_manager)
    page = client.get(f"/actionplans/{org.department.code}/").content.decode()
    assert all(f'id="select-{m.pk}"' in page for m in measures)
    client.force_login(safety_rep)
    page = client.get(f"/actionplans/{org.department.code}/").content.decode()
    assert 'id="bulk-form"' not in page
