"""Handling a deviation to closure through the case page: every action, who may take it, what
bad input does, concurrent edits, health details per role, attachments and the query count.

The case is reported for SEC (below DEP, whose line manager and safety rep cover it) by a
named reporter; `employee` works in SEC too but did not report it.
"""

import datetime
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus
from deviations import services
from deviations.models import (
    Comment,
    Deviation,
    DeviationStep,
    EventKind,
    InjuryKind,
    Severity,
    Status,
)
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_deviation
from units.models import Role

HEALTH_TEXT = "Kuttskade i hånden, sydd på legevakten"
PDF_BYTES = b"%PDF-1.4\n% a tiny test file\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reporter(org):
    return user_with_role("reporter", Role.EMPLOYEE, org.section)


@pytest.fixture
def deviation(org, reporter):
    return make_deviation(
        org.section,
        reporter,
        title="Glass on the lab floor",
        health_details=HEALTH_TEXT,
        files=[
            SimpleUploadedFile("report.pdf", PDF_BYTES, content_type="application/pdf"),
            SimpleUploadedFile("photo.png", PNG_BYTES, content_type="image/png"),
        ],
    )


def url(name: str, deviation: Deviation, *args) -> str:
    return reverse(f"deviations:{name}", args=[deviation.number, *args])


def current(deviation: Deviation) -> Deviation:
    return Deviation.objects.get(pk=deviation.pk)


def post(client, name: str, deviation: Deviation, **data):
    """POST an action as the page would: with the version the page showed."""
    data.setdefault("version", current(deviation).version)
    return client.post(url(name, deviation), data)


def today() -> datetime.date:
    return timezone.localdate()


def snapshot(deviation: Deviation) -> tuple:
    fresh = current(deviation)
    return (
        fresh.status,
        fresh.unit_id,
        fresh.handler_id,
        fresh.deadline,
        fresh.version,
        fresh.steps.count(),
        fresh.measures.count(),
    )


# --- The whole workflow ----------------------------------------------------------------------


def test_line_manager_handles_a_deviation_to_closure(client, org, line_manager, deviation):
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert b"Take for treatment" in page.content

    deadline = today() + datetime.timedelta(days=14)
    response = post(client, "accept", deviation, deadline=deadline.isoformat())
    assert response.status_code == 302
    accepted = current(deviation)
    assert accepted.status == Status.UNDER_TREATMENT
    assert accepted.handler == line_manager
    assert accepted.deadline == deadline

    later = deadline + datetime.timedelta(days=7)
    assert post(client, "deadline", deviation, deadline=later.isoformat()).status_code == 302
    assert current(deviation).deadline == later

    response = post(
        client,
        "add_measure",
        deviation,
        title="Put a broom and a dustpan in the lab",
        description="By the door, where everyone sees them.",
        responsible=line_manager.email,
        deadline=(today() + datetime.timedelta(days=5)).isoformat(),
    )
    assert response.status_code == 302
    measure = Measure.objects.get(unit=org.section, source=MeasureSource.DEVIATION)
    assert measure.title == "Put a broom and a dustpan in the lab"
    assert measure.responsible == line_manager
    assert list(current(deviation).measures.all()) == [measure]
    assert current(deviation).status == Status.MEASURES

    page = client.get(deviation.get_absolute_url())
    assert b"Put a broom and a dustpan in the lab" in page.content

    response = post(
        client,
        "close",
        deviation,
        cause="Nobody had the tools to clear up.",
        lessons_learned="Keep cleaning tools where the work is done.",
        **{f"effect_{measure.pk}": Effectiveness.PARTLY, f"comment_{measure.pk}": "Mostly."},
    )
    assert response.status_code == 302
    closed = current(deviation)
    assert closed.status == Status.CLOSED
    assert closed.closed_at is not None
    assert closed.cause == "Nobody had the tools to clear up."
    measure.refresh_from_db()
    assert measure.effectiveness == Effectiveness.PARTLY
    assert measure.effectiveness_comment == "Mostly."
    assert measure.status == MeasureStatus.DONE

    steps = list(closed.steps.all())
    assert [step.kind for step in steps] == [
        EventKind.REPORTED,
        EventKind.ACCEPTED,
        EventKind.DEADLINE,
        EventKind.STATUS,
        EventKind.CLOSED,
    ]
    assert all(step.actor == line_manager for step in steps[1:])
    assert all(step.at is not None for step in steps)

    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert b"Closed" in page.content
    assert b"Partly effective" in page.content
    # Nothing left to do but reopen it, should it come back.
    assert b'id="reopen"' in page.content
    assert reverse("deviations:close", args=[deviation.number]).encode() not in page.content


def test_every_change_bumps_the_version(line_manager, deviation):
    versions = [current(deviation).version]
    services.deviation_accept(actor=line_manager, deviation=deviation)
    versions.append(current(deviation).version)
    services.deviation_set_deadline(actor=line_manager, deviation=deviation, deadline=today())
    versions.append(current(deviation).version)
    services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Tidy up",
        responsible=line_manager,
        deadline=today(),
    )
    versions.append(current(deviation).version)
    services.deviation_close(
        actor=line_manager,
        deviation=deviation,
        cause="Untidy",
        lessons_learned="",
        measure_effects={m.pk: ("effective", "") for m in current(deviation).measures.all()},
    )
    versions.append(current(deviation).version)
    assert versions == sorted(set(versions))


def test_reject_needs_a_reason(client, line_manager, deviation):
    client.force_login(line_manager)
    before = snapshot(deviation)
    response = post(client, "reject", deviation, reason="   ")
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert snapshot(deviation) == before

    response = post(client, "reject", deviation, reason="Not an HSE matter: a broken coffee cup.")
    assert response.status_code == 302
    rejected = current(deviation)
    assert rejected.status == Status.REJECTED
    assert rejected.rejection_reason == "Not an HSE matter: a broken coffee cup."
    step = rejected.steps.get(kind=EventKind.REJECTED)
    assert step.actor == line_manager
    assert step.note == "Not an HSE matter: a broken coffee cup."
    page = client.get(deviation.get_absolute_url())
    assert b"Not an HSE matter: a broken coffee cup." in page.content


def test_transfer_moves_the_case_and_keeps_its_history(
    client, org, line_manager, outsider, deviation
):
    client.force_login(line_manager)
    post(client, "accept", deviation)
    response = post(client, "transfer", deviation, to_unit="otherdep", note="Their lab, not ours.")
    # The line manager of DEP no longer sees the case: back to the list, with a word why.
    assert response.status_code == 302
    assert response["Location"] == reverse("deviations:list")

    moved = current(deviation)
    assert moved.unit == org.other_department
    assert moved.status == Status.REPORTED
    assert moved.handler is None
    step = moved.steps.get(kind=EventKind.TRANSFERRED)
    assert (step.from_unit, step.to_unit, step.actor) == (
        org.section,
        org.other_department,
        line_manager,
    )
    assert step.note == "Their lab, not ours."
    assert moved.steps.filter(kind=EventKind.ACCEPTED).exists()

    assert client.get(deviation.get_absolute_url()).status_code == 404
    client.force_login(outsider)  # the line manager of OTHERDEP
    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert b"Their lab, not ours." in page.content
    assert b"Take for treatment" in page.content


def test_transfer_within_the_subtree_keeps_the_case_visible(client, org, line_manager, deviation):
    client.force_login(line_manager)
    response = post(client, "transfer", deviation, to_unit="DEP")
    assert response.status_code == 302
    assert response["Location"] == deviation.get_absolute_url() + "#top"
    assert current(deviation).unit == org.department
    assert client.get(deviation.get_absolute_url()).status_code == 200


def test_delegation_lets_the_hse_coordinator_handle(client, org, line_manager, deviation):
    coordinator = UserFactory(username="coordinator", email="koordinator@example.org")
    client.force_login(coordinator)
    assert client.get(deviation.get_absolute_url()).status_code == 404

    client.force_login(line_manager)
    deadline = (today() + datetime.timedelta(days=10)).isoformat()
    response = post(
        client, "delegate", deviation, handler="KOORDINATOR@example.org", deadline=deadline
    )
    assert response.status_code == 302
    delegated = current(deviation)
    assert delegated.handler == coordinator
    assert delegated.status == Status.UNDER_TREATMENT
    assert delegated.steps.get(kind=EventKind.DELEGATED).actor == line_manager

    client.force_login(coordinator)
    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert HEALTH_TEXT.encode() in page.content  # the handler sees the health details
    response = post(
        client,
        "add_measure",
        deviation,
        title="Sweep the floor after each experiment",
        responsible="coordinator",
        deadline=today().isoformat(),
    )
    assert response.status_code == 302
    measure = current(deviation).measures.get()
    response = post(
        client,
        "close",
        deviation,
        cause="No routine for clearing up.",
        **{f"effect_{measure.pk}": Effectiveness.EFFECTIVE},
    )
    assert response.status_code == 302
    assert current(deviation).status == Status.CLOSED
    # Handling can be delegated; the line manager's responsibility, and re-delegating, cannot.
    assert post(client, "delegate", deviation, handler=line_manager.username).status_code == 403


def test_hse_coordinator_role_on_the_unit_may_handle_without_delegation(client, org, deviation):
    coordinator = user_with_role("unit_coordinator", Role.HMS_COORDINATOR, org.department)
    client.force_login(coordinator)
    assert post(client, "accept", deviation).status_code == 302
    assert current(deviation).handler == coordinator


# --- What the page shows ---------------------------------------------------------------------


def test_overdue_case_is_marked_on_the_page(client, line_manager, deviation):
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url())
    assert b"OVERDUE" not in page.content

    Deviation.objects.filter(pk=deviation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30),
        deadline=today() - datetime.timedelta(days=3),
    )
    page = client.get(deviation.get_absolute_url())
    assert b"OVERDUE" in page.content
    assert b'id="case-overdue"' in page.content


def test_overdue_measure_is_marked(client, line_manager, deviation):
    services.deviation_accept(actor=line_manager, deviation=deviation)
    measure = services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Label the waste bins",
        responsible=line_manager,
        deadline=today(),
    )
    Measure.objects.filter(pk=measure.pk).update(deadline=today() - datetime.timedelta(days=1))
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url()).content.decode()
    row = page[page.index(f'id="measure-{measure.pk}"') :]
    row = row[: row.index("</li>")]
    assert "OVERDUE" in row


@pytest.mark.parametrize(
    ("role", "where", "sees"),
    [
        (Role.LINE_MANAGER, "department", True),
        (Role.SAFETY_REP, "department", True),
        (Role.HMS_DEPARTMENT, "root", True),
        (Role.CHIEF_SAFETY_REP, "section", False),
        (Role.RADIATION_COORDINATOR, "section", False),
        (Role.HMS_COORDINATOR, "section", False),
    ],
)
def test_health_details_are_shown_only_to_the_roles_that_may(
    client, org, deviation, role, where, sees
):
    client.force_login(user_with_role("holder", role, getattr(org, where)))
    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert (HEALTH_TEXT.encode() in page.content) is sees
    assert (b"Restricted" in page.content) is True
    assert (b"Shown only to the handler" in page.content) is not sees


def test_health_details_for_the_handler_reporter_employee_and_outsider(
    client, org, reporter, employee, outsider, line_manager, deviation
):
    handler = UserFactory(username="handler")
    services.deviation_delegate(actor=line_manager, deviation=deviation, handler=handler)
    client.force_login(handler)
    assert HEALTH_TEXT.encode() in client.get(deviation.get_absolute_url()).content
    # The named reporter wrote the text and sees it on their own case.
    client.force_login(reporter)
    page = client.get(deviation.get_absolute_url())
    assert page.status_code == 200
    assert HEALTH_TEXT.encode() in page.content
    for user in (employee, outsider):
        client.force_login(user)
        assert client.get(deviation.get_absolute_url()).status_code == 404


def test_reporter_sees_status_and_comments_on_their_own_case(client, reporter, deviation):
    client.force_login(reporter)
    page = client.get(deviation.get_absolute_url())
    assert b"Reported" in page.content
    assert b"next-step" not in page.content
    response = post(client, "comment", deviation, text="It was the big beaker.")
    assert response.status_code == 302
    comment = Comment.objects.get(deviation=deviation)
    assert comment.author == reporter
    page = client.get(deviation.get_absolute_url())
    assert b"It was the big beaker." in page.content
    assert b"(reporter)" in page.content


def test_anonymous_reporter_answers_are_shown_as_reporter(client, org, safety_rep):
    anonymous = make_deviation(org.section, anonymous=True, title="Anonymous report")
    services.comment_add_from_anonymous_reporter(deviation=anonymous, text="I saw it at noon.")
    client.force_login(safety_rep)
    page = client.get(anonymous.get_absolute_url()).content.decode()
    assert "I saw it at noon." in page
    assert "Reporter" in page
    assert "Anonymous reporter" in page
    response = post(client, "comment", anonymous, text="Thank you, we are looking at it.")
    assert response.status_code == 302
    assert "Thank you" in client.get(anonymous.get_absolute_url()).content.decode()


def test_serious_injury_alert_until_the_authorities_are_notified(client, org, line_manager):
    serious = make_deviation(
        org.section,
        severity=Severity.SERIOUS,
        injury_kind=InjuryKind.ABSENCE,
        absence_days=4,
    )
    client.force_login(line_manager)
    page = client.get(serious.get_absolute_url()).content.decode()
    assert 'id="serious-injury"' in page
    assert "§ 5-2" in page
    assert "Labour Inspection Authority" in page

    response = client.post(url("authorities", serious))
    assert response.status_code == 302
    notified = current(serious).authorities_notified_at
    assert notified is not None
    assert current(serious).steps.filter(kind=EventKind.AUTHORITIES, actor=line_manager).exists()
    page = client.get(serious.get_absolute_url()).content.decode()
    assert 'id="serious-injury"' not in page
    assert 'id="authorities-notified"' in page
    # Recording it again keeps the first time.
    client.post(url("authorities", serious))
    assert current(serious).authorities_notified_at == notified


def test_minor_case_has_no_serious_injury_alert(client, line_manager, deviation):
    client.force_login(line_manager)
    assert b"serious-injury" not in client.get(deviation.get_absolute_url()).content


# --- Who may do what -------------------------------------------------------------------------

# name → (method, data builder)
ACTIONS = {
    "accept": lambda d: {"version": d.version},
    "reject": lambda d: {"version": d.version, "reason": "No."},
    "transfer": lambda d: {"version": d.version, "to_unit": "DEP"},
    "delegate": lambda d: {
        "version": d.version,
        "handler": "safety_rep",
        "deadline": timezone.localdate().isoformat(),
    },
    "correct": lambda d: {
        "version": d.version,
        "deviation_type": d.deviation_type,
        "category": d.category_id,
        "severity": "very_serious" if d.severity != "very_serious" else "serious",
        "injury_kind": d.injury_kind,
        "unit": d.unit.code,
    },
    "deadline": lambda d: {"version": d.version, "deadline": timezone.localdate().isoformat()},
    "add_measure": lambda d: {
        "title": "X",
        "responsible": "safety_rep",
        "deadline": timezone.localdate().isoformat(),
    },
    "close": lambda d: {"version": d.version, "cause": "X"},
    "authorities": lambda d: {},
    "comment": lambda d: {"text": "A comment."},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_those_who_cannot_see_the_case_get_404_everywhere(client, request, deviation, who, action):
    client.force_login(request.getfixturevalue(who))
    before = snapshot(deviation)
    assert client.get(deviation.get_absolute_url()).status_code == 404
    attachment = deviation.attachments.first()
    assert client.get(url("attachment", deviation, attachment.token)).status_code == 404
    response = client.post(url(action, deviation), ACTIONS[action](current(deviation)))
    assert response.status_code == 404
    assert snapshot(deviation) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["safety_rep", "reporter"])
def test_those_who_see_but_may_not_handle_get_403(client, request, deviation, who, action):
    client.force_login(request.getfixturevalue(who))
    assert client.get(deviation.get_absolute_url()).status_code == 200
    before = snapshot(deviation)
    response = client.post(url(action, deviation), ACTIONS[action](current(deviation)))
    if action == "comment":
        assert response.status_code == 302
    else:
        assert response.status_code == 403
        assert b"you may not change it" in response.content
        assert snapshot(deviation) == before


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_line_manager_may_take_every_action(client, org, line_manager, safety_rep, action):
    serious = make_deviation(
        org.section, severity=Severity.SERIOUS, injury_kind=InjuryKind.DEATH, title="Fall"
    )
    if action in ("add_measure", "close"):
        services.deviation_accept(actor=line_manager, deviation=serious)
    client.force_login(line_manager)
    response = client.post(url(action, serious), ACTIONS[action](current(serious)))
    assert response.status_code == 302


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_visitor_who_is_not_logged_in_is_sent_to_login(client, deviation, action):
    response = client.post(url(action, deviation), ACTIONS[action](current(deviation)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_actions_are_posts_only(client, line_manager, deviation):
    client.force_login(line_manager)
    for action in ACTIONS:
        assert client.get(url(action, deviation)).status_code == 405


def test_safety_rep_page_shows_no_handling_actions(client, safety_rep, deviation):
    client.force_login(safety_rep)
    page = client.get(deviation.get_absolute_url()).content
    assert b"next-step" not in page
    assert b"comment-form" in page


def test_line_manager_page_offers_the_next_step(client, line_manager, deviation):
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url()).content.decode()
    for form in ("accept", "reject", "transfer", "delegate"):
        assert reverse(f"deviations:{form}", args=[deviation.number]) in page


# --- Bad input: a message, the input kept, nothing changed -------------------------------------


def test_unknown_unit_code_on_transfer(client, line_manager, deviation):
    client.force_login(line_manager)
    before = snapshot(deviation)
    response = post(client, "transfer", deviation, to_unit="NOSUCH", note="Keep this note")
    assert response.status_code == 200
    assert b"No unit has the code NOSUCH" in response.content
    assert b"Keep this note" in response.content
    assert snapshot(deviation) == before


def test_transfer_to_the_same_unit_is_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    before = snapshot(deviation)
    response = post(client, "transfer", deviation, to_unit="SEC")
    assert response.status_code == 200
    assert b"already belongs to this unit" in response.content
    assert snapshot(deviation) == before


def test_deadline_before_the_report_date_is_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    for action in ("accept", "deadline"):
        before = snapshot(deviation)
        response = post(client, action, deviation, deadline=yesterday)
        assert response.status_code == 200
        assert b"cannot be before the deviation was reported" in response.content
        assert f'value="{yesterday}"'.encode() in response.content  # the input is kept
        assert snapshot(deviation) == before
        if action == "accept":
            services.deviation_accept(actor=line_manager, deviation=deviation)


def test_a_deadline_already_past_but_after_the_report_is_allowed(client, line_manager, deviation):
    Deviation.objects.filter(pk=deviation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    client.force_login(line_manager)
    past = today() - datetime.timedelta(days=2)
    assert post(client, "deadline", deviation, deadline=past.isoformat()).status_code == 302
    assert current(deviation).deadline == past


@pytest.mark.parametrize("bad_date", ["2026-13-45", "tomorrow", "31.02.2026", "9" * 40])
def test_malformed_dates_are_refused(client, line_manager, deviation, bad_date):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    before = snapshot(deviation)
    response = post(client, "deadline", deviation, deadline=bad_date)
    assert response.status_code == 200
    assert b"Enter a valid date" in response.content
    response = post(
        client,
        "add_measure",
        deviation,
        title="Keep me",
        responsible=line_manager.username,
        deadline=bad_date,
    )
    assert response.status_code == 200
    assert b"Enter a valid date" in response.content
    assert b"Keep me" in response.content
    assert snapshot(deviation) == before


def test_unknown_users_are_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    before = snapshot(deviation)
    response = post(client, "delegate", deviation, handler="nobody@example.org")
    assert response.status_code == 200
    assert b"No active user has this user name or e-mail" in response.content
    gone = UserFactory(username="gone", is_active=False)
    response = post(
        client,
        "add_measure",
        deviation,
        title="Train everyone",
        responsible=gone.username,
        deadline=today().isoformat(),
    )
    assert response.status_code == 200
    assert b"No active user has this user name or e-mail" in response.content
    assert b"Train everyone" in response.content
    assert snapshot(deviation) == before


def test_measure_deadline_before_the_report_is_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    before = snapshot(deviation)
    response = post(
        client,
        "add_measure",
        deviation,
        title="Too late",
        responsible=line_manager.username,
        deadline=(today() - datetime.timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 200
    assert b"cannot be before the deviation was reported" in response.content
    assert snapshot(deviation) == before


def test_close_needs_the_cause_and_each_effect(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    measure = services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Buy a broom",
        responsible=line_manager,
        deadline=today(),
    )
    before = snapshot(deviation)
    response = post(client, "close", deviation, cause="", lessons_learned="Keep these lessons")
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert b"Keep these lessons" in response.content
    response = post(
        client, "close", deviation, cause="Known cause", **{f"effect_{measure.pk}": "x"}
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert snapshot(deviation) == before


@pytest.mark.parametrize("version", ["", "abc", "-3"])
def test_tampered_version_is_refused(client, line_manager, deviation, version):
    client.force_login(line_manager)
    before = snapshot(deviation)
    response = post(client, "reject", deviation, reason="Keep the reason", version=version)
    assert response.status_code == 200
    assert b"This page is out of date" in response.content
    assert b"Keep the reason" in response.content
    assert snapshot(deviation) == before


def test_tampered_measure_ids_and_unknown_numbers(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    response = post(client, "close", deviation, cause="Cause", effect_999999="effective")
    assert response.status_code == 302  # no measures: the stray field is ignored
    assert client.get(reverse("deviations:detail", args=["AV-1999-9999"])).status_code == 404
    assert client.post(reverse("deviations:close", args=["nonsense"])).status_code == 404
    attachment = reverse("deviations:attachment", args=[deviation.number, uuid.UUID(int=0)])
    assert client.get(attachment).status_code == 404


def test_action_on_a_closed_case_says_why(client, line_manager, deviation):
    client.force_login(line_manager)
    post(client, "reject", deviation, reason="Duplicate of another case.")
    before = snapshot(deviation)
    response = post(client, "reject", deviation, reason="Again")
    assert response.status_code == 200
    assert "This cannot be done while the deviation is “Rejected”".encode() in response.content
    assert snapshot(deviation) == before


# --- Concurrent edits ------------------------------------------------------------------------


def test_close_on_a_stale_page_is_refused_and_the_input_kept(client, line_manager, deviation):
    client.force_login(line_manager)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    loaded_version = current(deviation).version
    other = user_with_role("other_manager", Role.LINE_MANAGER, deviation.unit)
    services.deviation_set_deadline(actor=other, deviation=deviation, deadline=today())

    response = post(
        client,
        "close",
        deviation,
        version=loaded_version,
        cause="A long cause I typed carefully",
        lessons_learned="And lessons",
    )
    assert response.status_code == 409
    assert b"Someone else changed this case" in response.content
    assert b"A long cause I typed carefully" in response.content
    assert current(deviation).status == Status.UNDER_TREATMENT
    # The form now carries the current version: submitting it again goes through.
    assert f'value="{current(deviation).version}"'.encode() in response.content
    response = post(client, "close", deviation, cause="A long cause I typed carefully")
    assert response.status_code == 302
    assert current(deviation).status == Status.CLOSED


def test_reject_on_a_stale_page_is_refused(client, line_manager, deviation):
    client.force_login(line_manager)
    loaded_version = current(deviation).version
    services.deviation_accept(actor=line_manager, deviation=deviation)
    before = snapshot(deviation)
    response = post(client, "reject", deviation, version=loaded_version, reason="Not ours")
    assert response.status_code == 409
    assert b"Someone else changed this case" in response.content
    assert b"Not ours" in response.content
    assert snapshot(deviation) == before


def test_two_handlers_accepting_at_once(client, line_manager, deviation):
    other = user_with_role("other_manager", Role.LINE_MANAGER, deviation.unit)
    loaded_version = current(deviation).version
    services.deviation_accept(actor=other, deviation=deviation)
    client.force_login(line_manager)
    response = post(client, "accept", deviation, version=loaded_version)
    assert response.status_code == 409
    assert current(deviation).handler == other


# --- Attachments -----------------------------------------------------------------------------


def test_attachments_are_served_safely_to_those_who_see_the_case(client, safety_rep, deviation):
    client.force_login(safety_rep)
    pdf = deviation.attachments.get(original_name="report.pdf")
    png = deviation.attachments.get(original_name="photo.png")
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert pdf.get_absolute_url() in page
    assert f'<img src="{png.get_absolute_url()}"' in page

    response = client.get(pdf.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES

    response = client.get(png.get_absolute_url())
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_with_a_dangerous_type_is_downloaded(client, org, line_manager):
    deviation = make_deviation(
        org.section,
        files=[SimpleUploadedFile("x.html", b"<script>alert(1)</script>", "text/html")],
    )
    client.force_login(line_manager)
    response = client.get(deviation.attachments.get().get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_missing_from_disk_is_404(client, line_manager, deviation):
    stored = deviation.attachments.first()
    stored.file.delete(save=False)
    client.force_login(line_manager)
    assert client.get(stored.get_absolute_url()).status_code == 404


def test_attachment_of_another_case_is_404(client, org, line_manager, deviation):
    other = make_deviation(
        org.other_department,
        files=[SimpleUploadedFile("secret.pdf", PDF_BYTES, content_type="application/pdf")],
    )
    client.force_login(line_manager)
    token = other.attachments.get().token
    assert client.get(url("attachment", deviation, token)).status_code == 404


# --- Query count -----------------------------------------------------------------------------

MAX_QUERIES = 15


def build_case(org, manager, size: int) -> Deviation:
    deviation = make_deviation(
        org.section,
        files=[
            SimpleUploadedFile(f"f{i}.pdf", PDF_BYTES, content_type="application/pdf")
            for i in range(size)
        ],
    )
    services.deviation_accept(actor=manager, deviation=deviation)
    for i in range(size):
        person = UserFactory(username=f"person{size}_{i}")
        services.deviation_add_measure(
            actor=manager,
            deviation=deviation,
            title=f"Measure {i}",
            responsible=person,
            deadline=today(),
        )
        services.comment_add(author=manager, deviation=deviation, text=f"Comment {i}")
        Comment.objects.create(deviation=deviation, author=person, text=f"Answer {i}")
        services.deviation_set_deadline(actor=manager, deviation=deviation, deadline=today())
    DeviationStep.objects.create(
        deviation=deviation,
        kind=EventKind.TRANSFERRED,
        actor=manager,
        from_unit=org.department,
        to_unit=org.section,
    )
    return deviation


@pytest.mark.parametrize("who", ["line_manager", "safety_rep"])
def test_case_page_query_count_does_not_grow(
    client, org, request, line_manager, django_assert_max_num_queries, who
):
    small = build_case(org, line_manager, 1)
    large = build_case(org, line_manager, 15)
    assert large.steps.count() > 3 * small.steps.count()
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(small.get_absolute_url()).status_code == 200
    assert len(queries) <= MAX_QUERIES
    with django_assert_max_num_queries(len(queries)):
        page = client.get(large.get_absolute_url())
    assert page.status_code == 200
    assert b"Measure 14" in page.content
