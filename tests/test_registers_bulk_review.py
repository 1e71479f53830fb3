"""Marking several requirements of a unit's register as reviewed at once: through the single
review's service, one transaction, refused whole on a stale or foreign row, one audit event
per entry, and 404 for those who may not read the register."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from hms.registers import bulk, services
from hms.registers.models import Requirement, UnitRequirement
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate() - datetime.timedelta(days=365)


def review_url(unit) -> str:
    return reverse("registers:register_review", args=[unit.code])


@pytest.fixture
def requirements(org, line_manager):
    """Three requirements of DEP's register: two reviewed last year, one never."""
    law, radiation, fire = (
        Requirement.objects.get(short_name=name)
        for name in ("Arbeidsmiljøloven", "Strålevernforskriften", "Forurensningsloven")
    )
    services.requirements_register_save(
        actor=line_manager,
        unit=org.department,
        entries={law.pk: (True, "Gjelder alt arbeid"), radiation.pk: (False, "Ingen kilder")},
    )
    UnitRequirement.objects.filter(unit=org.department).update(reviewed_on=LAST_YEAR)
    return [law, radiation, fire]


def shown(unit, requirements) -> dict[int, int]:
    """Each requirement's entry version as the register page shows it (0: none yet)."""
    versions = dict(
        UnitRequirement.objects.filter(unit=unit).values_list("requirement_id", "version")
    )
    return {r.pk: versions.get(r.pk, 0) for r in requirements}


def post(client, unit, requirements, versions=None, confirm=True, **fields):
    versions = versions or shown(unit, requirements)
    data = {"requirement": [str(r.pk) for r in requirements], **fields}
    for r in requirements:
        data[f"version-{r.pk}"] = str(versions[r.pk])
    if confirm:
        data["confirm"] = "yes"
    return client.post(review_url(unit), data)


def events(unit, label=None) -> int:
    event = apps.get_model("registers", "UnitRequirementEvent")
    found = event.objects.filter(unit=unit)
    return found.filter(pgh_label=label).count() if label else found.count()


def entries(unit) -> dict[int, UnitRequirement]:
    return {e.requirement_id: e for e in UnitRequirement.objects.filter(unit=unit)}


def test_marks_each_selected_requirement_reviewed_today(client, org, line_manager, requirements):
    before, updates = events(org.department), events(org.department, "update")
    client.force_login(line_manager)
    response = post(client, org.department, requirements)
    assert response.status_code == 302
    saved = entries(org.department)
    assert {saved[r.pk].reviewed_on for r in requirements} == {timezone.localdate()}
    assert {saved[r.pk].reviewed_by for r in requirements} == {line_manager}
    # Whether each applies and its comment are kept; the new one does not apply yet.
    law, radiation, fire = requirements
    assert (saved[law.pk].applies, saved[law.pk].comment) == (True, "Gjelder alt arbeid")
    assert (saved[radiation.pk].applies, saved[radiation.pk].comment) == (False, "Ingen kilder")
    assert not saved[fire.pk].applies
    # One change per record in the audit trail: two updates and one insert.
    assert events(org.department) - before == 3
    assert events(org.department, "update") - updates == 2


def test_a_shared_comment_replaces_each_comment(client, org, line_manager, requirements):
    client.force_login(line_manager)
    post(client, org.department, requirements[:2], comment="Gjennomgått på HMS-møtet")
    saved = entries(org.department)
    assert {saved[r.pk].comment for r in requirements[:2]} == {"Gjennomgått på HMS-møtet"}


def test_the_version_of_each_entry_is_bumped(client, org, line_manager, requirements):
    before = shown(org.department, requirements)
    client.force_login(line_manager)
    post(client, org.department, requirements)
    after = shown(org.department, requirements)
    law, radiation, fire = requirements
    assert after[law.pk] == before[law.pk] + 1
    assert after[fire.pk] == 1


def test_first_post_shows_a_summary_and_saves_nothing(client, org, line_manager, requirements):
    before = events(org.department)
    client.force_login(line_manager)
    response = post(client, org.department, requirements, confirm=False, comment="x")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(r.short_name in page for r in requirements)
    assert "recorded as not applying" in page
    assert events(org.department) == before


def test_a_stale_row_refuses_the_whole_selection(client, org, line_manager, requirements):
    versions = shown(org.department, requirements)
    law = requirements[0]
    other = UserFactory(username="kari", first_name="Kari", last_name="Nordmann")
    # Someone else reviews one requirement after the page was shown.
    services.requirement_review(
        actor=line_manager, unit=org.department, requirement=law, version=versions[law.pk]
    )
    UnitRequirement.objects.filter(unit=org.department, requirement=law).update(reviewed_by=other)
    before = events(org.department)
    client.force_login(line_manager)
    response = post(client, org.department, requirements, versions=versions, comment="Ny")
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="bulk-refused"' in page
    assert "Arbeidsmiljøloven" in page and "Kari Nordmann" in page
    saved = entries(org.department)
    assert requirements[2].pk not in saved
    assert saved[requirements[1].pk].reviewed_on == LAST_YEAR
    assert "Ny" not in {e.comment for e in saved.values()}
    assert events(org.department) == before


def test_a_new_row_reviewed_meanwhile_is_stale_too(org, line_manager, requirements):
    fire = requirements[2]
    services.requirement_review(
        actor=line_manager, unit=org.department, requirement=fire, version=0
    )
    with pytest.raises(bulk.Refused) as refused:
        bulk.bulk_review(actor=line_manager, unit=org.department, selected={fire.pk: 0})
    assert "Forurensningsloven" in refused.value.rows[0]


def test_another_units_requirement_refuses_the_whole_selection(
    client, org, line_manager, requirements
):
    foreign = Requirement.objects.create(
        unit=org.other_department, title="Labregler", short_name="Labregler", kind="internal"
    )
    before = events(org.department)
    client.force_login(line_manager)
    response = post(client, org.department, [*requirements, foreign], versions=None)
    assert response.status_code == 409
    assert f"#{foreign.pk} is not in this register" in response.content.decode()
    assert events(org.department) == before
    assert entries(org.department)[requirements[0].pk].reviewed_on == LAST_YEAR


def test_a_missing_version_refuses_the_row(client, org, line_manager, requirements):
    client.force_login(line_manager)
    law = requirements[0]
    data = {"requirement": [str(law.pk)], "confirm": "yes"}
    response = client.post(review_url(org.department), data)
    assert response.status_code == 409
    assert entries(org.department)[law.pk].reviewed_on == LAST_YEAR


def test_one_failing_row_rolls_back_those_already_saved(
    org, line_manager, requirements, monkeypatch
):
    """The rows are reviewed one by one inside one transaction: a failure on the last one
    undoes the first ones."""
    real = services.requirement_review

    def review(**kwargs):
        if kwargs["requirement"].pk == max(r.pk for r in requirements):
            from django.core.exceptions import ValidationError

            raise ValidationError("broken")
        return real(**kwargs)

    monkeypatch.setattr(services, "requirement_review", review)
    before = events(org.department)
    with pytest.raises(bulk.Refused):
        bulk.bulk_review(
            actor=line_manager,
            unit=org.department,
            selected=shown(org.department, requirements),
            comment="Ny",
        )
    assert events(org.department) == before
    assert {e.reviewed_on for e in entries(org.department).values()} == {LAST_YEAR}


def test_nothing_selected_is_a_message_not_a_500(client, org, line_manager):
    client.force_login(line_manager)
    response = client.post(review_url(org.department), {"confirm": "yes", "requirement": "x"})
    assert response.status_code == 400
    assert "Select at least one requirement" in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_outsider_gets_404_and_nothing_changes(client, org, requirements, request, who):
    before = events(org.department)
    client.force_login(request.getfixturevalue(who))
    response = post(client, org.department, requirements)
    assert response.status_code == 404
    assert events(org.department) == before


def test_reader_who_may_not_change_gets_403(client, org, safety_rep, requirements):
    before = events(org.department)
    client.force_login(safety_rep)
    response = post(client, org.department, requirements)
    assert response.status_code == 403
    assert events(org.department) == before


def test_the_service_refuses_those_who_may_not_change(org, safety_rep, requirements):
    with pytest.raises(PermissionDenied):
        bulk.bulk_review(
            actor=safety_rep, unit=org.department, selected=shown(org.department, requirements)
        )


def test_register_page_offers_the_selection_only_to_those_who_may_change(
    client, org, line_manager, safety_rep, requirements
):
    url = reverse("registers:requirements", args=[org.department.code])
    client.force_login(line_manager)
    page = client.get(url).content.decode()
    law = requirements[0]
    assert f'name="requirement" value="{law.pk}" form="bulk-form"' in page
    version = shown(org.department, [law])[law.pk]
    assert f'name="version-{law.pk}" value="{version}" form="bulk-form"' in page
    client.force_login(safety_rep)
    assert 'id="bulk-form"' not in client.get(url).content.decode()


def test_the_register_page_runs_the_same_queries_at_two_sizes(
    client, org, line_manager, requirements
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("registers:requirements", args=[org.department.code])
    client.force_login(line_manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    small = count()
    for n in range(8):
        requirement = Requirement.objects.create(title="Krav", short_name=f"Krav {n}", kind="law")
        services.requirements_register_save(
            actor=line_manager, unit=org.department, entries={requirement.pk: (n % 2 == 0, "")}
        )
    assert count() == small
