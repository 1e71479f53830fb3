"""Issue 13, "People are told": the reporter (an anonymous one on the receipt page) and the
unit's safety rep hear how a case goes, measure reminders come as one daily digest, e-mails are
in each recipient's language, and nobody is mailed about a measure they gave themselves."""

import datetime

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from actionplans import notifications as measure_notifications
from actionplans.services import plan_measure_add
from deviations import services
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_deviation
from units.models import OutboxMessage, Role


def told(mailoutbox, person):
    return [mail for mail in mailoutbox if person.email in mail.to]


def test_reporter_and_safety_rep_are_told_of_each_step_in_their_language(
    org, line_manager, django_capture_on_commit_callbacks, mailoutbox
):
    reporter = UserFactory(username="reporter", language="nb")
    rep = user_with_role("rep_nn", Role.SAFETY_REP, org.department)
    rep.language = "nn"
    rep.save(update_fields=["language"])
    english_rep = user_with_role("rep_en", Role.SAFETY_REP, org.department)
    english_rep.language = "en"
    english_rep.save(update_fields=["language"])
    deviation = make_deviation(org.section, reporter, title="Glass on the floor")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_accept(actor=line_manager, deviation=deviation)
    (accepted,) = told(mailoutbox, reporter)
    assert "er tatt imot" in accepted.subject  # bokmål for the reporter
    assert not told(mailoutbox, rep), "the safety rep is not told of an acceptance"

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_reject(
            actor=line_manager, deviation=deviation, reason="A duplicate of 7"
        )
    (to_reporter,) = told(mailoutbox, reporter)
    (to_rep,) = told(mailoutbox, rep)
    (to_english,) = told(mailoutbox, english_rep)
    assert "A duplicate of 7" in to_reporter.body
    assert "Begrunnelse for avvisning" in to_reporter.body  # bokmål
    assert "avvist" in to_rep.subject and "Grunngiving for avvising" in to_rep.body  # nynorsk
    assert "Reason for rejection" in to_english.body
    assert "has been rejected" in to_english.subject


def test_transfer_and_close_tell_reporter_and_safety_rep_what_was_done(
    org, line_manager, safety_rep, django_capture_on_commit_callbacks, mailoutbox
):
    reporter = UserFactory(username="reporter")
    deviation = make_deviation(org.section, reporter)
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_transfer(actor=line_manager, deviation=deviation, to_unit=org.faculty)
    assert "has been transferred" in told(mailoutbox, reporter)[0].subject
    assert any("has been transferred" in m.subject for m in told(mailoutbox, safety_rep))

    dean = user_with_role("dean", Role.LINE_MANAGER, org.faculty)
    deviation.refresh_from_db()
    services.deviation_accept(actor=dean, deviation=deviation)
    measure = services.deviation_add_measure(
        actor=dean,
        deviation=deviation,
        title="Sweep the floor daily",
        responsible=dean,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_close(
            actor=dean,
            deviation=deviation,
            cause="No routine",
            lessons_learned="Sweep after every lab",
            measure_effects={measure.pk: ("effective", "")},
        )
    (closed,) = told(mailoutbox, reporter)
    assert "has been closed" in closed.subject
    assert "Sweep the floor daily" in closed.body
    assert "Sweep after every lab" in closed.body


def test_anonymous_reporter_gets_no_mail_and_reads_the_outcome_on_the_receipt_page(
    org, line_manager, client, django_capture_on_commit_callbacks, mailoutbox
):
    deviation, code, _ = _anonymous(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_reject(actor=line_manager, deviation=deviation, reason="Out of scope")
    # Only the unit's people are written to; no row in the outbox names a reporter.
    unit_people = {line_manager.email} | {u.email for u in _safety_reps(org)}
    assert {address for m in mailoutbox for address in m.to} <= unit_people
    assert set(OutboxMessage.objects.values_list("recipient", flat=True)) <= unit_people

    page = client.post("/deviations/receipt/", {"code": code}).content.decode()
    assert "Rejected" in page and "Out of scope" in page


def test_receipt_page_shows_what_was_done_when_closed(org, line_manager, client):
    deviation, code, _ = _anonymous(org)
    services.deviation_accept(actor=line_manager, deviation=deviation)
    measure = services.deviation_add_measure(
        actor=line_manager,
        deviation=deviation,
        title="Put up a sign",
        responsible=line_manager,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
    )
    services.deviation_close(
        actor=line_manager,
        deviation=deviation,
        cause="Unclear",
        lessons_learned="Signs help",
        measure_effects={measure.pk: ("effective", "")},
    )
    page = client.post("/deviations/receipt/", {"code": code}).content.decode()
    assert "What was done" in page and "Put up a sign" in page and "Signs help" in page


def _anonymous(org):
    from tests.factories import make_deviation as make

    deviation = make(org.section, None, anonymous=True)
    # make_deviation returns the deviation; its receipt code is set afresh here, the way the
    # service stores it (only the hash).
    code = services.new_receipt_code()
    deviation.receipt_code_hash = services.receipt_code_hash(code)
    deviation.save(update_fields=["receipt_code_hash"])
    return deviation, code, None


def _safety_reps(org):
    from units.access import nearest_role_holders

    return nearest_role_holders(org.section, Role.SAFETY_REP)


def test_measure_reminders_come_as_one_digest_per_person_and_day(org, line_manager, mailoutbox):
    worker = UserFactory(username="worker", language="en")
    today = timezone.localdate()
    for days, title in ((-2, "Fix the lamp"), (1, "Order gloves"), (3, "Label the shelf")):
        plan_measure_add(
            actor=line_manager,
            unit=org.department,
            title=title,
            responsible=worker,
            deadline=today + datetime.timedelta(days=days + 30),
        )
    django_mail.outbox.clear()
    later = today + datetime.timedelta(days=30)

    assert measure_notifications.send_reminders(today=later) == 1
    (digest,) = mailoutbox
    assert digest.to == [worker.email]
    assert "3 measures need your attention" in digest.subject
    for title in ("Fix the lamp", "Order gloves", "Label the shelf"):
        assert title in digest.body
    assert "Past the deadline" in digest.body and "Due within a week" in digest.body

    assert measure_notifications.send_reminders(today=later) == 0
    assert len(mailoutbox) == 1


def test_a_measure_given_to_oneself_is_not_mailed(
    org, line_manager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        plan_measure_add(
            actor=line_manager,
            unit=org.department,
            title="My own task",
            responsible=line_manager,
            deadline=timezone.localdate() + datetime.timedelta(days=30),
        )
    assert mailoutbox == []
    assert not OutboxMessage.objects.exists()


def test_a_person_sets_the_language_of_their_e_mails(client, employee, outsider):
    client.force_login(employee)
    assert client.get("/accounts/settings/").status_code == 200
    response = client.post("/accounts/settings/", {"language": "nn"})
    assert response.status_code == 302
    employee.refresh_from_db()
    outsider.refresh_from_db()
    assert employee.language == "nn" and outsider.language == ""
    assert client.post("/accounts/settings/", {"language": "xx"}).status_code == 200


@pytest.mark.django_db
def test_settings_page_needs_login(client):
    response = client.get("/accounts/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
