"""Measure e-mails, owned by the action plan: the assignment mail, and a daily digest of the
measures due soon or overdue, each measure in it once per threshold. Also the services other apps
call, and where a measure came from."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from actionplans import notifications, services
from actionplans.models import (
    Effectiveness,
    Measure,
    MeasureReminder,
    MeasureSource,
    MeasureStatus,
    ReminderKind,
)
from deviations import services as deviation_services
from hms.celery import app as celery_app
from risk import services as risk_services
from tests.factories import UserFactory, make_deviation, make_measure

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def fixer(db):
    return UserFactory(username="fixer")


def to(mails) -> list[str]:
    return [address for mail in mails for address in mail.to]


def test_due_soon_and_overdue_are_each_sent_once(org, fixer, mailoutbox):
    soon = make_measure(org.department, fixer, title="Due in five days", deadline=day(5))
    late = make_measure(org.department, fixer, title="Two days late", deadline=day(-2))
    make_measure(org.department, fixer, title="Far off", deadline=day(40))
    make_measure(
        org.department,
        fixer,
        title="Done already",
        deadline=day(-2),
        status=MeasureStatus.DONE,
        effectiveness=Effectiveness.EFFECTIVE,
        completed_at=timezone.now(),
    )

    # One digest for the person, listing both.
    assert notifications.send_reminders(today=TODAY) == 1
    (digest,) = mailoutbox
    assert "2 measures need your attention" in digest.subject
    overdue_part, soon_part = digest.body.split("Due within a week:")
    assert "Past the deadline:" in overdue_part and "Two days late" in overdue_part
    assert "Due in five days" in soon_part
    assert "Far off" not in digest.body and "Done already" not in digest.body
    assert to(mailoutbox) == [fixer.email]
    assert f"/actionplans/measure/{soon.pk}/" in digest.body

    # The next beat, and the one after: nothing new.
    assert notifications.send_reminders(today=TODAY) == 0
    assert notifications.send_reminders(today=day(1)) == 0
    assert len(mailoutbox) == 1

    # The due-soon measure passes its deadline: now the overdue reminder, once.
    assert notifications.send_reminders(today=day(6)) == 1
    assert "Due in five days" in mailoutbox[-1].body
    assert "1 measure needs your attention" in mailoutbox[-1].subject
    assert notifications.send_reminders(today=day(7)) == 0
    kinds = set(MeasureReminder.objects.filter(measure=soon).values_list("kind", flat=True))
    assert kinds == {ReminderKind.DUE_SOON, ReminderKind.OVERDUE}
    assert not MeasureReminder.objects.filter(measure=late, kind=ReminderKind.DUE_SOON).exists()


def test_a_moved_deadline_is_reminded_of_again(org, fixer, line_manager, mailoutbox):
    measure = make_measure(org.department, fixer, deadline=day(-1))
    assert notifications.send_reminders(today=TODAY) == 1
    services.measure_update(
        actor=line_manager,
        measure=measure,
        version=measure.version,
        title=measure.title,
        responsible=fixer,
        deadline=day(3),
    )
    assert notifications.send_reminders(today=TODAY) == 1
    assert "Due within a week:" in mailoutbox[-1].body


def test_reminders_skip_people_who_left_or_have_no_address(org, mailoutbox):
    gone = UserFactory(username="gone", is_active=False)
    silent = UserFactory(username="silent", email="")
    make_measure(org.department, gone, deadline=day(-1))
    make_measure(org.department, silent, deadline=day(-1))
    assert notifications.send_reminders(today=TODAY) == 0
    assert mailoutbox == []


def test_the_deviation_digest_does_not_repeat_overdue_measures(
    org, line_manager, fixer, mailoutbox
):
    from deviations import notifications as deviation_notifications

    make_measure(org.department, fixer, title="Measure past due", deadline=day(-1))
    deviation_notifications.overdue_digest(today=TODAY)
    assert all("Measure past due" not in mail.body for mail in mailoutbox)
    notifications.send_reminders(today=TODAY)
    assert sum("Measure past due" in mail.body for mail in mailoutbox) == 1


def test_reminders_are_on_the_beat_schedule():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "actionplans.tasks.send_measure_reminders" in tasks


# --- Services ------------------------------------------------------------------------------------


def test_plan_measure_add_is_for_those_who_manage_the_unit(org, safety_rep, employee, fixer):
    for actor in (safety_rep, employee):
        with pytest.raises(PermissionDenied):
            services.plan_measure_add(
                actor=actor, unit=org.department, title="X", responsible=fixer, deadline=day(9)
            )
    assert not Measure.objects.exists()


def test_measure_close_refuses_without_an_effect(org, line_manager, fixer):
    measure = make_measure(org.department, fixer)
    with pytest.raises(ValidationError):
        services.measure_close(
            actor=line_manager, measure=measure, version=measure.version, effectiveness=""
        )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_a_stale_version_is_refused_by_every_step(org, line_manager, fixer):
    measure = make_measure(org.department, fixer)
    services.measure_set_progress(
        actor=fixer, measure=measure, version=1, status=MeasureStatus.IN_PROGRESS, progress=""
    )
    steps = [
        lambda: services.measure_close(
            actor=line_manager, measure=measure, version=1, effectiveness="effective"
        ),
        lambda: services.measure_cancel(actor=line_manager, measure=measure, version=1, reason="x"),
        lambda: services.measure_set_progress(
            actor=fixer, measure=measure, version=1, status="planned", progress=""
        ),
    ]
    for step in steps:
        with pytest.raises(ValidationError) as error:
            step()
        assert error.value.code == "stale"


def test_the_database_refuses_done_without_completion_and_negative_cost(org, fixer):
    from django.db import IntegrityError, transaction

    measure = make_measure(org.department, fixer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(status=MeasureStatus.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(estimated_cost=-1)


# --- Where a measure came from ------------------------------------------------------------------


def test_a_deviation_measure_links_back_and_mails_with_the_link(
    org, line_manager, fixer, mailoutbox, django_capture_on_commit_callbacks
):
    deviation = make_deviation(org.section, title="Loose cable")
    deviation_services.deviation_accept(actor=line_manager, deviation=deviation)
    with django_capture_on_commit_callbacks(execute=True):
        measure = deviation_services.deviation_add_measure(
            actor=line_manager,
            deviation=deviation,
            title="Tie it",
            responsible=fixer,
            deadline=day(9),
        )
    assert measure.source == MeasureSource.DEVIATION
    assert measure.origin_label == f"{deviation.number}: Loose cable"
    assert measure.origin_url == deviation.get_absolute_url()
    (mail,) = mailoutbox
    assert deviation.get_absolute_url() in mail.body
    assert measure.get_absolute_url() in mail.body


def test_a_risk_measure_links_back_to_its_assessment(org, line_manager, fixer):
    assessment = risk_services.assessment_create(
        actor=line_manager, unit=org.department, title="Synthesis lab", activity="D2-104"
    )
    row = risk_services.row_save(
        actor=line_manager,
        assessment=assessment,
        hazard="Solvent splash",
        probability=3,
        consequence_people=3,
        consequence_environment=1,
        consequence_material=2,
        consequence_reputation=1,
    )
    measure = risk_services.row_propose_measure(
        actor=line_manager, row=row, title="Splash guard", responsible=fixer, deadline=day(30)
    )
    assert measure.source == MeasureSource.RISK_ASSESSMENT
    assert measure.origin_label == "Synthesis lab"
    assert measure.origin_url == assessment.get_absolute_url()


def test_the_data_migration_fills_origins_of_older_measures(org, line_manager, fixer):
    deviation = make_deviation(org.section, title="Old case")
    deviation_services.deviation_accept(actor=line_manager, deviation=deviation)
    measure = deviation_services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Old measure",
        responsible=fixer,
        deadline=day(9),
    )
    Measure.objects.filter(pk=measure.pk).update(origin_label="", origin_url="")
    migration = importlib.import_module("actionplans.migrations.0003_fill_origins")
    migration.fill_origins(apps, None)
    measure.refresh_from_db()
    assert measure.origin_label == f"{deviation.number}: Old case"
    assert measure.origin_url == deviation.get_absolute_url()
