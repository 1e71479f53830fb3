"""Putting a case right (issue 13): correcting what the report got wrong, reopening a closed
case, closing without forcing open measures to done, the effect a measure was closed with, a
measure that did not work and its follow-up, and the deadline a delegated case keeps.

The case is reported for SEC, below DEP whose line manager handles it.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureStatus
from actionplans.services import measure_close
from deviations import notifications, services
from deviations.models import Category, Deviation, EventKind, InjuryKind, Severity, Status
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_deviation
from units.models import Role


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def reporter(org):
    return user_with_role("reporter", Role.EMPLOYEE, org.section)


@pytest.fixture
def deviation(org, reporter):
    return make_deviation(org.section, reporter, title="Slipped on the wet stairs")


def current(deviation: Deviation) -> Deviation:
    return Deviation.objects.get(pk=deviation.pk)


def post(client, name: str, deviation: Deviation, **data):
    data.setdefault("version", current(deviation).version)
    return client.post(reverse(f"deviations:{name}", args=[deviation.number]), data)


def correction(deviation: Deviation, **changes) -> dict:
    """The correction form as the page fills it in, with `changes` made."""
    data = {
        "deviation_type": deviation.deviation_type,
        "category": deviation.category_id,
        "severity": deviation.severity,
        "injury_kind": deviation.injury_kind,
        "absence_days": deviation.absence_days or "",
        "unit": deviation.unit.code,
    }
    data.update(changes)
    return data


def accepted_with_measure(manager, deviation, title="Put non-slip strips on the stairs"):
    services.deviation_accept(actor=manager, deviation=deviation)
    return services.deviation_add_measure(
        actor=manager,
        deviation=deviation,
        title=title,
        responsible=manager,
        deadline=today() + datetime.timedelta(days=10),
    )


# --- Correcting the case ---------------------------------------------------------------------


def test_handler_corrects_type_category_severity_and_injury_recorded_in_words(
    client, org, line_manager, deviation
):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    injury = Category.objects.get(code="personal_injury")
    response = post(
        client,
        "correct",
        deviation,
        **correction(
            current(deviation),
            deviation_type="accident",
            category=injury.pk,
            severity=Severity.SERIOUS,
            injury_kind=InjuryKind.ABSENCE,
            absence_days=3,
        ),
    )
    assert response.status_code == 302
    fixed = current(deviation)
    assert (fixed.deviation_type, fixed.category, fixed.severity) == (
        "accident",
        injury,
        Severity.SERIOUS,
    )
    assert (fixed.injury_kind, fixed.absence_days) == (InjuryKind.ABSENCE, 3)
    steps = {s.field: s for s in fixed.steps.filter(kind=EventKind.CORRECTED)}
    assert set(steps) == {"deviation_type", "category", "severity", "injury_kind", "absence_days"}
    assert all(s.actor == line_manager and s.at for s in steps.values())
    assert (steps["injury_kind"].old_value, steps["injury_kind"].new_value) == ("", "absence")

    log = client.get(deviation.get_absolute_url()).content.decode()
    # Old and new in words, never codes or ids.
    assert "Hazardous condition or observation</del> → <ins>Accident (injury or damage)" in log
    assert "Minor</del> → <ins>Serious" in log
    assert "No personal injury</del> → <ins>Injury with absence" in log
    assert f"<ins>{injury.name}</ins>" in log
    assert f"→ <ins>{injury.pk}</ins>" not in log


def test_a_correction_that_makes_it_a_serious_injury_alerts_at_once(
    client, org, line_manager, safety_rep, deviation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(line_manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(
            client,
            "correct",
            deviation,
            **correction(current(deviation), severity=Severity.SERIOUS, injury_kind="no_absence"),
        )
    assert current(deviation).is_serious_injury
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert 'id="serious-injury"' in page
    assert mailoutbox, "the serious-injury notice goes out when the correction makes one"


def test_unit_can_only_be_corrected_to_a_unit_the_handler_handles(
    client, org, line_manager, deviation
):
    client.force_login(line_manager)
    before = current(deviation)
    response = post(client, "correct", deviation, **correction(before, unit="OTHERDEP"))
    assert response.status_code == 200
    assert b"You do not handle the cases of" in response.content
    assert current(deviation).unit == org.section
    assert current(deviation).version == before.version

    response = post(client, "correct", deviation, **correction(before, unit="dep"))
    assert response.status_code == 302
    moved = current(deviation)
    assert moved.unit == org.department
    assert moved.status == Status.REPORTED  # a correction, not a transfer: triage goes on
    step = moved.steps.get(kind=EventKind.CORRECTED)
    assert (step.field, step.from_unit, step.to_unit) == ("unit", org.section, org.department)
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert f"{org.section.name}</del> → <ins>{org.department.name}" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({}, b"Nothing was changed"),
        ({"unit": "NOSUCHUNIT"}, b"No unit has the code"),
        ({"severity": "catastrophic"}, b"Select a valid choice"),
        ({"category": "999999"}, b"Select a valid choice"),
        ({"injury_kind": "absence", "absence_days": ""}, b"days of absence"),
        ({"absence_days": "-4", "injury_kind": "absence"}, b"greater than or equal to 1"),
        ({"deviation_type": "\x00"}, b"Select a valid choice"),
    ],
)
def test_bad_corrections_are_refused_and_the_input_kept(
    client, line_manager, deviation, changes, message
):
    client.force_login(line_manager)
    before = current(deviation)
    response = post(client, "correct", deviation, **correction(before, **changes))
    assert response.status_code == 200
    assert message in response.content
    after = current(deviation)
    assert (after.version, after.severity, after.unit_id) == (
        before.version,
        before.severity,
        before.unit_id,
    )


def test_correction_on_a_stale_page_is_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    shown = current(deviation).version
    services.deviation_set_deadline(actor=line_manager, deviation=deviation, deadline=today())
    response = post(
        client,
        "correct",
        deviation,
        version=shown,
        **correction(current(deviation), severity=Severity.VERY_SERIOUS),
    )
    assert response.status_code == 409
    assert b"Someone else changed this case" in response.content
    assert current(deviation).severity == Severity.MINOR


def test_a_closed_case_is_not_corrected(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    services.deviation_close(
        actor=line_manager, deviation=deviation, cause="Wet", lessons_learned=""
    )
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert reverse("deviations:correct", args=[deviation.number]) not in page
    response = post(
        client, "correct", deviation, **correction(current(deviation), severity="serious")
    )
    assert response.status_code == 200
    assert "while the deviation is “Closed”".encode() in response.content
    assert current(deviation).severity == Severity.MINOR


# --- Reopening ---------------------------------------------------------------------------------


def test_handler_reopens_a_closed_case_with_a_reason(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    services.deviation_close(
        actor=line_manager, deviation=deviation, cause="Wet", lessons_learned=""
    )
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert reverse("deviations:reopen", args=[deviation.number]) in page

    response = post(client, "reopen", deviation, reason="   ")
    assert response.status_code == 200
    assert current(deviation).status == Status.CLOSED

    response = post(client, "reopen", deviation, reason="Someone slipped again on Monday.")
    assert response.status_code == 302
    reopened = current(deviation)
    assert reopened.status == Status.UNDER_TREATMENT
    assert reopened.closed_at is None
    step = reopened.steps.get(kind=EventKind.REOPENED)
    assert (step.actor, step.note) == (line_manager, "Someone slipped again on Monday.")
    assert (step.from_status, step.to_status) == (Status.CLOSED, Status.UNDER_TREATMENT)
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert "Someone slipped again on Monday." in page


def test_reopened_case_with_open_measures_is_back_in_measures(client, line_manager, deviation):
    accepted_with_measure(line_manager, deviation)
    services.deviation_close(
        actor=line_manager, deviation=deviation, cause="Wet", lessons_learned=""
    )
    services.deviation_reopen(actor=line_manager, deviation=deviation, reason="Not fixed")
    assert current(deviation).status == Status.MEASURES


@pytest.mark.parametrize("who", ["safety_rep", "reporter"])
def test_those_who_may_not_handle_cannot_reopen(client, request, line_manager, deviation, who):
    services.deviation_accept(actor=line_manager, deviation=deviation)
    services.deviation_close(
        actor=line_manager, deviation=deviation, cause="Wet", lessons_learned=""
    )
    client.force_login(request.getfixturevalue(who))
    response = post(client, "reopen", deviation, reason="I think it is not done")
    assert response.status_code == 403
    assert current(deviation).status == Status.CLOSED


def test_outsider_cannot_reopen_or_correct(client, outsider, line_manager, deviation):
    client.force_login(outsider)
    assert post(client, "reopen", deviation, reason="x").status_code == 404
    response = post(
        client, "correct", deviation, **correction(current(deviation), severity="serious")
    )
    assert response.status_code == 404
    client.logout()
    response = post(client, "reopen", deviation, reason="x")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_open_case_is_not_reopened(client, line_manager, deviation):
    client.force_login(line_manager)
    response = post(client, "reopen", deviation, reason="Why not")
    assert response.status_code == 200
    assert "while the deviation is “Reported”".encode() in response.content


# --- Closing and the measures' effects ---------------------------------------------------------


def test_closing_leaves_open_measures_open_in_the_action_plan(client, line_manager, deviation):
    client.force_login(line_manager)
    left = accepted_with_measure(line_manager, deviation)
    closed_now = services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Mop the stairs when it rains",
        responsible=line_manager,
        deadline=today() + datetime.timedelta(days=3),
    )
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert "Leave it open in the action plan" in page
    assert f'id="close-measure-{left.pk}"' in page

    response = post(
        client,
        "close",
        deviation,
        cause="Wet stairs",
        **{
            f"mversion_{left.pk}": left.version,
            f"mversion_{closed_now.pk}": closed_now.version,
            f"effect_{closed_now.pk}": Effectiveness.EFFECTIVE,
        },
    )
    assert response.status_code == 302
    assert current(deviation).status == Status.CLOSED
    left.refresh_from_db()
    closed_now.refresh_from_db()
    assert left.status == MeasureStatus.PLANNED and left.effectiveness == ""
    assert closed_now.status == MeasureStatus.DONE
    assert closed_now.effectiveness == Effectiveness.EFFECTIVE
    note = current(deviation).steps.get(kind=EventKind.CLOSED).note
    assert "Put non-slip strips on the stairs" in note
    assert Measure.objects.open().filter(pk=left.pk).exists()


def test_effect_recorded_when_the_measure_closed_is_prefilled_and_kept(
    client, line_manager, deviation
):
    client.force_login(line_manager)
    measure = accepted_with_measure(line_manager, deviation)
    measure_close(
        actor=line_manager,
        measure=measure,
        version=measure.version,
        effectiveness=Effectiveness.PARTLY,
        effectiveness_comment="Works when the strips are clean.",
    )
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert '<option value="partly" selected>' in page
    assert "Works when the strips are clean." in page

    measure.refresh_from_db()
    # The form as shown, submitted unchanged: nothing is overwritten.
    response = post(
        client,
        "close",
        deviation,
        cause="Wet stairs",
        **{
            f"mversion_{measure.pk}": measure.version,
            f"effect_{measure.pk}": Effectiveness.PARTLY,
            f"comment_{measure.pk}": "Works when the strips are clean.",
        },
    )
    assert response.status_code == 302
    kept = Measure.objects.get(pk=measure.pk)
    assert (kept.effectiveness, kept.effectiveness_comment, kept.version) == (
        Effectiveness.PARTLY,
        "Works when the strips are clean.",
        measure.version,
    )


def test_effect_recorded_after_the_close_form_was_shown_is_not_overwritten_unseen(
    client, line_manager, deviation
):
    client.force_login(line_manager)
    measure = accepted_with_measure(line_manager, deviation)
    shown = Measure.objects.get(pk=measure.pk).version
    # Meanwhile the responsible person's manager closes the measure: it did not work.
    measure_close(
        actor=line_manager,
        measure=measure,
        version=shown,
        effectiveness=Effectiveness.NOT_EFFECTIVE,
        effectiveness_comment="Strips came off in a week.",
    )
    data = {
        f"mversion_{measure.pk}": shown,
        f"effect_{measure.pk}": Effectiveness.EFFECTIVE,
        "cause": "Wet stairs, typed with care",
    }
    response = post(client, "close", deviation, **data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed while you were closing the case" in page
    assert "Closed: did not work" in page
    assert "Wet stairs, typed with care" in page
    assert current(deviation).status == Status.MEASURES
    assert Measure.objects.get(pk=measure.pk).effectiveness == Effectiveness.NOT_EFFECTIVE
    # Having seen it, the handler submits again with the version the page now carries.
    fresh = Measure.objects.get(pk=measure.pk).version
    assert f'name="mversion_{measure.pk}" value="{fresh}"' in page
    data[f"mversion_{measure.pk}"] = fresh
    data[f"effect_{measure.pk}"] = Effectiveness.NOT_EFFECTIVE
    assert post(client, "close", deviation, **data).status_code == 302


# --- A measure that did not work ---------------------------------------------------------------


def test_a_measure_that_did_not_work_says_so_and_offers_a_follow_up(
    client, line_manager, deviation
):
    client.force_login(line_manager)
    measure = accepted_with_measure(line_manager, deviation)
    measure_close(
        actor=line_manager,
        measure=measure,
        version=measure.version,
        effectiveness=Effectiveness.NOT_EFFECTIVE,
        effectiveness_comment="Strips came off in a week.",
    )
    case_page = client.get(deviation.get_absolute_url()).content.decode()
    assert "Closed: did not work" in case_page
    follow_up_url = reverse("deviations:measure_follow_up", args=[deviation.number, measure.pk])
    assert follow_up_url in case_page
    plan_page = client.get(reverse("actionplans:plan", args=["SEC"])).content.decode()
    assert "Closed: did not work" in plan_page
    measure_page = client.get(measure.get_absolute_url()).content.decode()
    assert "Closed: did not work" in measure_page
    assert reverse("actionplans:measure_follow_up", args=[measure.pk]) in measure_page

    response = client.post(follow_up_url)
    assert response.status_code == 302
    follow_up = Measure.objects.get(follow_up_of=measure)
    assert response["Location"] == reverse("actionplans:measure_edit", args=[follow_up.pk])
    assert follow_up.is_open and follow_up.unit == measure.unit
    assert follow_up.responsible == measure.responsible
    assert current(deviation).measures.filter(pk=follow_up.pk).exists()
    # One click, one follow-up: a second click finds the first.
    client.post(follow_up_url)
    assert Measure.objects.filter(follow_up_of=measure).count() == 1
    case_page = client.get(deviation.get_absolute_url()).content.decode()
    assert "A follow-up measure has been added." in case_page
    measure_page = client.get(measure.get_absolute_url()).content.decode()
    assert follow_up.get_absolute_url() in measure_page
    assert measure.get_absolute_url() in client.get(follow_up.get_absolute_url()).content.decode()


def test_a_measure_that_worked_gets_no_follow_up(client, line_manager, deviation):
    client.force_login(line_manager)
    measure = accepted_with_measure(line_manager, deviation)
    measure_close(
        actor=line_manager,
        measure=measure,
        version=measure.version,
        effectiveness=Effectiveness.EFFECTIVE,
    )
    url = reverse("deviations:measure_follow_up", args=[deviation.number, measure.pk])
    assert url not in client.get(deviation.get_absolute_url()).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Measure.objects.filter(follow_up_of=measure).exists()
    plan_url = reverse("actionplans:measure_follow_up", args=[measure.pk])
    client.post(plan_url)
    assert not Measure.objects.filter(follow_up_of=measure).exists()


def test_follow_up_is_refused_to_those_who_may_not(
    client, org, line_manager, safety_rep, outsider, deviation
):
    measure = accepted_with_measure(line_manager, deviation)
    measure_close(
        actor=line_manager,
        measure=measure,
        version=measure.version,
        effectiveness=Effectiveness.NOT_EFFECTIVE,
    )
    case_url = reverse("deviations:measure_follow_up", args=[deviation.number, measure.pk])
    plan_url = reverse("actionplans:measure_follow_up", args=[measure.pk])
    client.force_login(safety_rep)
    assert client.post(case_url).status_code == 403
    assert client.post(plan_url).status_code == 403
    client.force_login(outsider)
    assert client.post(case_url).status_code == 404
    assert client.post(plan_url).status_code == 404
    client.force_login(line_manager)
    other = make_deviation(org.section)
    wrong = reverse("deviations:measure_follow_up", args=[other.number, measure.pk])
    assert client.post(wrong).status_code == 404
    assert client.get(case_url).status_code == 405
    assert not Measure.objects.filter(follow_up_of=measure).exists()


# --- Delegation keeps a deadline ---------------------------------------------------------------


def test_a_delegated_case_keeps_a_deadline_and_goes_overdue(
    client, org, line_manager, deviation, mailoutbox
):
    coordinator = UserFactory(username="coordinator")
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url()).content.decode()
    default = services.default_deadline().isoformat()
    delegate_form = page[page.index('id="delegate"') :]
    assert 'id="delegate-deadline"' in delegate_form
    assert f'value="{default}"' in delegate_form
    # Without a deadline typed, the case still gets one.
    response = post(client, "delegate", deviation, handler="coordinator", deadline="")
    assert response.status_code == 302
    delegated = current(deviation)
    assert delegated.handler == coordinator
    assert delegated.deadline == services.default_deadline()
    assert delegated.steps.filter(kind=EventKind.DEADLINE).exists()

    Deviation.objects.filter(pk=deviation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40),
        deadline=today() - datetime.timedelta(days=2),
    )
    assert Deviation.objects.overdue().filter(pk=deviation.pk).exists()
    mailoutbox.clear()
    notifications.overdue_digest(today=today())
    to_coordinator = [m for m in mailoutbox if coordinator.email in m.to]
    assert to_coordinator and deviation.number in to_coordinator[0].body
