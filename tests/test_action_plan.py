"""The unit's action plan: who sees and changes what, filters, totals, overdue, the measure's
steps with their version checks, and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus, Priority
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_measure
from units.models import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PAST = TODAY - datetime.timedelta(days=3)
LATER = TODAY + datetime.timedelta(days=20)


def plan_url(unit) -> str:
    return f"/actionplans/{unit.code}/"


@pytest.fixture
def coordinator(org):
    return user_with_role("coordinator", Role.HMS_COORDINATOR, org.department)


@pytest.fixture
def fixer(db):
    return UserFactory(username="fixer")


@pytest.fixture
def measure(org, line_manager, fixer):
    return make_measure(org.department, fixer, title="Fix the fume hood", created_by=line_manager)


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("line_manager", 200),
        ("coordinator", 200),
        ("safety_rep", 200),
        ("hms_department", 200),
        ("administrator", 200),
        ("employee", 404),
        ("outsider", 404),
    ],
)
def test_every_role_on_the_plan_page(client, org, measure, request, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.get(plan_url(org.department))
    assert response.status_code == status
    if status == 200:
        assert "Fix the fume hood" in response.content.decode()


def test_outsider_cannot_open_plan_measure_or_exports(client, org, measure, outsider):
    client.force_login(outsider)
    for url in (
        plan_url(org.department),
        f"/actionplans/{org.department.code}/export.pdf",
        f"/actionplans/{org.department.code}/export.xlsx",
        f"/actionplans/{org.department.code}/new/",
        f"/actionplans/measure/{measure.pk}/",
        f"/actionplans/measure/{measure.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
    for step in ("progress", "close", "cancel"):
        response = client.post(f"/actionplans/measure/{measure.pk}/{step}/", {"version": 1})
        assert response.status_code == 404, step


def test_employee_sees_no_plan_but_their_own_measure(client, org, employee, line_manager):
    own = make_measure(org.section, employee, title="Label the solvents")
    other = make_measure(org.section, line_manager, title="Order a new cabinet")
    client.force_login(employee)
    assert client.get(plan_url(org.section)).status_code == 404
    assert client.get(f"/actionplans/measure/{own.pk}/").status_code == 200
    assert client.get(f"/actionplans/measure/{other.pk}/").status_code == 404
    index = client.get("/actionplans/").content.decode()
    assert "Label the solvents" in index
    assert "Order a new cabinet" not in index


def test_safety_rep_reads_but_may_not_change(client, org, measure, safety_rep):
    client.force_login(safety_rep)
    assert client.get(f"/actionplans/measure/{measure.pk}/").status_code == 200
    assert client.get(f"/actionplans/{org.department.code}/new/").status_code == 403
    assert client.get(f"/actionplans/measure/{measure.pk}/edit/").status_code == 403
    response = client.post(
        f"/actionplans/measure/{measure.pk}/close/",
        {"version": measure.version, "effectiveness": Effectiveness.EFFECTIVE},
    )
    assert response.status_code == 403
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_index_redirects_to_the_only_unit(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get("/actionplans/")
    assert response.status_code == 302
    assert response.url == plan_url(org.department) + "?subunits=on"


def test_index_lists_units_of_someone_with_several(client, org, line_manager, hms_department):
    user_with_role("two_hats", Role.LINE_MANAGER, org.other_department)
    from units.models import RoleAssignment

    two_hats = RoleAssignment.objects.get(user__username="two_hats").user
    RoleAssignment.objects.create(user=two_hats, unit=org.section, role=Role.SAFETY_REP)
    client.force_login(two_hats)
    page = client.get("/actionplans/").content.decode()
    assert plan_url(org.other_department) in page
    assert plan_url(org.section) in page


def test_the_unit_page_summary_counts_open_and_overdue(client, org, line_manager, fixer):
    make_measure(org.section, fixer, deadline=PAST)
    make_measure(org.department, fixer)
    client.force_login(line_manager)
    page = client.get(f"/actionplans/{org.department.code}/summary/").content.decode()
    assert "2 open measures" in page
    assert "1 overdue" in page


def test_the_unit_page_summary_is_empty_for_those_who_may_not_see(client, org, employee, fixer):
    make_measure(org.section, fixer)
    client.force_login(employee)
    response = client.get(f"/actionplans/{org.section.code}/summary/")
    assert response.status_code == 200
    assert "action-plan-summary" not in response.content.decode()


# --- The plan: rows, filters, totals, overdue ---------------------------------------------------


@pytest.fixture
def plan(org, line_manager, fixer):
    return {
        "late": make_measure(
            org.department,
            fixer,
            title="Late one",
            deadline=PAST,
            priority=Priority.HIGH,
            estimated_cost=Decimal("1000"),
            source=MeasureSource.DEVIATION,
            origin_label="2026-0001: Glass",
            origin_url="/deviations/2026-0001/",
        ),
        "mine": make_measure(
            org.department,
            line_manager,
            title="Manager's own",
            # This year whatever the date: a default "in a month" falls next year in December.
            deadline=datetime.date(TODAY.year, 12, 31),
            estimated_cost=Decimal("250.50"),
            status=MeasureStatus.IN_PROGRESS,
        ),
        "done": make_measure(
            org.department,
            fixer,
            title="Finished",
            deadline=PAST,
            status=MeasureStatus.DONE,
            effectiveness=Effectiveness.PARTLY,
            completed_at=timezone.now(),
            source=MeasureSource.RISK_ASSESSMENT,
        ),
        "next_year": make_measure(
            org.department, fixer, title="Next year's", deadline=datetime.date(TODAY.year + 1, 3, 1)
        ),
        "section": make_measure(org.section, fixer, title="In the section", deadline=PAST),
        "elsewhere": make_measure(org.other_department, fixer, title="Elsewhere"),
    }


def titles(response) -> set[str]:
    return {measure.title for measure in response.context["page"].object_list}


def test_plan_shows_the_units_own_measures_by_default_and_sub_units_on_request(
    client, org, line_manager, plan
):
    client.force_login(line_manager)
    own = titles(client.get(plan_url(org.department)))
    assert own == {"Late one", "Manager's own", "Finished", "Next year's"}
    wide = titles(client.get(plan_url(org.department), {"subunits": "on"}))
    assert wide == own | {"In the section"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "open"}, {"Late one", "Manager's own", "Next year's"}),
        ({"status": "done"}, {"Finished"}),
        ({"priority": "high"}, {"Late one"}),
        ({"source": "deviation"}, {"Late one"}),
        ({"source": "risk_assessment"}, {"Finished"}),
        ({"overdue": "on"}, {"Late one"}),
        ({"q": "manager"}, {"Manager's own"}),
        ({"year": str(TODAY.year + 1)}, {"Next year's"}),
        ({"overdue": "on", "subunits": "on"}, {"Late one", "In the section"}),
    ],
)
def test_filters_narrow_the_plan(client, org, line_manager, plan, query, expected):
    client.force_login(line_manager)
    assert titles(client.get(plan_url(org.department), query)) == expected


def test_responsible_filter_offers_the_plans_people_only(client, org, line_manager, plan, fixer):
    client.force_login(line_manager)
    response = client.get(plan_url(org.department), {"responsible": fixer.pk})
    assert titles(response) == {"Late one", "Finished", "Next year's"}
    offered = set(response.context["filter"].form.fields["responsible"].queryset)
    assert offered == {fixer, line_manager}


def test_totals_count_open_overdue_and_cost_of_the_filtered_rows(client, org, line_manager, plan):
    client.force_login(line_manager)
    totals = client.get(plan_url(org.department)).context["totals"]
    assert totals == {"count": 4, "open": 3, "overdue": 1, "cost": Decimal("1250.50")}
    totals = client.get(plan_url(org.department), {"priority": "high"}).context["totals"]
    assert totals == {"count": 1, "open": 1, "overdue": 1, "cost": Decimal("1000")}


def test_overdue_rows_are_highlighted_and_labelled(client, org, line_manager, plan):
    client.force_login(line_manager)
    page = client.get(plan_url(org.department)).content.decode()
    late_row = page.split(f'id="measure-{plan["late"].pk}"')[0].rsplit("<tr", 1)[1]
    assert "table-danger" in late_row
    assert f'class="table-danger measure-overdue" id="measure-{plan["late"].pk}"' in page
    # Closed late is not overdue.
    assert f'class="text-secondary" id="measure-{plan["done"].pk}"' in page
    assert page.count("measure-overdue") == 1


def test_plan_links_each_measure_to_where_it_came_from(client, org, line_manager, plan):
    client.force_login(line_manager)
    page = client.get(plan_url(org.department)).content.decode()
    assert 'href="/deviations/2026-0001/"' in page
    assert "2026-0001: Glass" in page


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"priority": "urgent"},
        {"year": "99999"},
        {"year": "abc"},
        {"responsible": "not-a-number"},
        {"responsible": "999999"},
        {"page": "-1"},
        {"page": "x"},
    ],
)
def test_bad_filters_are_explained_not_a_500(client, org, line_manager, plan, query):
    client.force_login(line_manager)
    response = client.get(plan_url(org.department), query)
    assert response.status_code == 200
    if "page" not in query:
        assert "filter-errors" in response.content.decode()
        assert titles(response) == set()


def test_unknown_unit_is_a_404(client, line_manager):
    client.force_login(line_manager)
    assert client.get("/actionplans/NOSUCH/").status_code == 404
    assert client.get("/actionplans/NOSUCH/export.pdf").status_code == 404


def test_unknown_export_format_is_a_404(client, org, line_manager):
    client.force_login(line_manager)
    assert client.get(f"/actionplans/{org.department.code}/export.doc").status_code == 404


# --- Adding and changing ------------------------------------------------------------------------


def test_line_manager_adds_a_measure_and_the_responsible_is_mailed(
    client, org, line_manager, fixer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(line_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/actionplans/{org.department.code}/new/",
            {
                "title": "Replace the eye wash",
                "responsible": fixer.username,
                "deadline": LATER.isoformat(),
                "priority": Priority.HIGH,
                "estimated_cost": "1200",
            },
        )
    measure = Measure.objects.get(title="Replace the eye wash")
    assert response.status_code == 302
    assert response.url == f"/actionplans/measure/{measure.pk}/"
    assert measure.source == MeasureSource.ACTION_PLAN
    assert measure.unit == org.department
    assert measure.estimated_cost == Decimal("1200")
    assert [mail.to for mail in mailoutbox] == [[fixer.email]]
    assert f"/actionplans/measure/{measure.pk}/" in mailoutbox[0].body


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": ""}, "title"),
        ({"responsible": "nobody-by-this-name"}, "responsible"),
        ({"deadline": "not a date"}, "deadline"),
        ({"deadline": (TODAY - datetime.timedelta(days=1)).isoformat()}, "deadline"),
        ({"deadline": "12000-01-01"}, "deadline"),
        ({"estimated_cost": "-5"}, "estimated_cost"),
        ({"estimated_cost": "1e20"}, "estimated_cost"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_bad_input_on_add_keeps_the_input_and_says_why(
    client, org, line_manager, fixer, changes, field
):
    data = {
        "title": "Replace the eye wash",
        "responsible": fixer.username,
        "deadline": LATER.isoformat(),
        "priority": Priority.MEDIUM,
        **changes,
    }
    client.force_login(line_manager)
    response = client.post(f"/actionplans/{org.department.code}/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["form"].data["title"] == data["title"]
    assert not Measure.objects.exists()


def test_an_inactive_responsible_is_refused(client, org, line_manager):
    gone = UserFactory(username="gone", is_active=False)
    client.force_login(line_manager)
    response = client.post(
        f"/actionplans/{org.department.code}/new/",
        {
            "title": "X",
            "responsible": gone.username,
            "deadline": LATER.isoformat(),
            "priority": "low",
        },
    )
    assert response.status_code == 400
    assert not Measure.objects.exists()


def edit_data(measure, **changes):
    return {
        "title": measure.title,
        "description": measure.description,
        "responsible": measure.responsible.username,
        "deadline": measure.deadline.isoformat(),
        "priority": measure.priority,
        "estimated_cost": "",
        "version": measure.version,
        **changes,
    }


def test_edit_saves_and_bumps_the_version(client, measure, line_manager):
    client.force_login(line_manager)
    response = client.post(
        f"/actionplans/measure/{measure.pk}/edit/", edit_data(measure, title="Fix both hoods")
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title == "Fix both hoods"
    assert measure.version == 2


def test_concurrent_edit_is_a_409_with_the_input_kept(client, measure, line_manager, coordinator):
    stale = edit_data(measure, title="My version of the title")
    client.force_login(coordinator)
    client.post(f"/actionplans/measure/{measure.pk}/edit/", edit_data(measure, title="First"))
    client.force_login(line_manager)
    response = client.post(f"/actionplans/measure/{measure.pk}/edit/", stale)
    assert response.status_code == 409
    form = response.context["form"]
    assert form.data["title"] == "My version of the title"
    assert str(form.data["version"]) == "2"
    measure.refresh_from_db()
    assert measure.title == "First"
    # Saving again, knowingly, overwrites.
    response = client.post(f"/actionplans/measure/{measure.pk}/edit/", dict(form.data.items()))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title == "My version of the title"


def test_reassigning_mails_the_new_responsible_only(
    client, measure, line_manager, fixer, mailoutbox, django_capture_on_commit_callbacks
):
    other = UserFactory(username="other")
    client.force_login(line_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/actionplans/measure/{measure.pk}/edit/", edit_data(measure, title="Same person")
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/actionplans/measure/{measure.pk}/edit/",
            edit_data(Measure.objects.get(pk=measure.pk), responsible=other.username),
        )
    assert [mail.to for mail in mailoutbox] == [[other.email]]


def test_responsible_updates_progress_but_may_not_edit_or_close(client, measure, fixer):
    client.force_login(fixer)
    response = client.post(
        f"/actionplans/measure/{measure.pk}/progress/",
        {"status": MeasureStatus.IN_PROGRESS, "progress": "Ordered the part", "version": 1},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.status, measure.progress, measure.version) == (
        MeasureStatus.IN_PROGRESS,
        "Ordered the part",
        2,
    )
    assert client.get(f"/actionplans/measure/{measure.pk}/edit/").status_code == 403
    response = client.post(
        f"/actionplans/measure/{measure.pk}/close/",
        {"version": 2, "effectiveness": Effectiveness.EFFECTIVE},
    )
    assert response.status_code == 403


def test_progress_cannot_set_done(client, measure, fixer):
    client.force_login(fixer)
    response = client.post(
        f"/actionplans/measure/{measure.pk}/progress/",
        {"status": MeasureStatus.DONE, "progress": "", "version": 1},
    )
    assert response.status_code == 400
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


def test_close_requires_the_effect(client, measure, line_manager):
    client.force_login(line_manager)
    response = client.post(f"/actionplans/measure/{measure.pk}/close/", {"version": 1})
    assert response.status_code == 400
    assert "effectiveness" in response.context["close_form"].errors
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED
    assert measure.completed_at is None


def test_close_records_the_effect_and_completion(client, measure, line_manager):
    client.force_login(line_manager)
    response = client.post(
        f"/actionplans/measure/{measure.pk}/close/",
        {"version": 1, "effectiveness": Effectiveness.PARTLY, "effectiveness_comment": "Better"},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE
    assert measure.effectiveness == Effectiveness.PARTLY
    assert measure.effectiveness_comment == "Better"
    assert measure.completed_at is not None
    # Closed is closed: no second close, no edit.
    again = client.post(
        f"/actionplans/measure/{measure.pk}/close/",
        {"version": measure.version, "effectiveness": Effectiveness.EFFECTIVE},
    )
    assert again.status_code == 400
    assert client.get(f"/actionplans/measure/{measure.pk}/edit/").status_code == 302


def test_close_on_a_stale_page_is_a_409(client, measure, line_manager, fixer):
    client.force_login(fixer)
    client.post(
        f"/actionplans/measure/{measure.pk}/progress/",
        {"status": MeasureStatus.IN_PROGRESS, "progress": "Half way", "version": 1},
    )
    client.force_login(line_manager)
    response = client.post(
        f"/actionplans/measure/{measure.pk}/close/",
        {"version": 1, "effectiveness": Effectiveness.EFFECTIVE, "effectiveness_comment": "Kept"},
    )
    assert response.status_code == 409
    assert response.context["close_form"].data["effectiveness_comment"] == "Kept"
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS


def test_cancel_needs_a_reason(client, measure, line_manager):
    client.force_login(line_manager)
    response = client.post(f"/actionplans/measure/{measure.pk}/cancel/", {"version": 1})
    assert response.status_code == 400
    response = client.post(
        f"/actionplans/measure/{measure.pk}/cancel/",
        {"version": 1, "cancel_reason": "The hood is being replaced anyway"},
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.CANCELLED
    assert measure.cancel_reason == "The hood is being replaced anyway"


def test_a_get_on_a_step_goes_back_to_the_measure(client, measure, line_manager):
    client.force_login(line_manager)
    response = client.get(f"/actionplans/measure/{measure.pk}/close/")
    assert response.status_code == 302


def test_unknown_measure_is_a_404(client, line_manager):
    client.force_login(line_manager)
    assert client.get("/actionplans/measure/999999/").status_code == 404


@pytest.mark.parametrize(
    "who, view, add",
    [
        ("line_manager", 200, 200),
        ("coordinator", 200, 200),
        ("hms_department", 200, 200),
        ("administrator", 200, 200),
        ("safety_rep", 200, 403),
        ("fixer", 200, 404),
        ("employee", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_every_role_on_the_measure_and_add_pages(client, org, measure, request, who, view, add):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/actionplans/measure/{measure.pk}/").status_code == view
    assert client.get(f"/actionplans/{org.department.code}/new/").status_code == add


def test_the_responsible_without_a_role_sees_no_link_to_records_they_cannot_open(
    client, org, fixer
):
    measure = make_measure(
        org.department, fixer, origin_label="2026-0009: Fall", origin_url="/deviations/2026-0009/"
    )
    client.force_login(fixer)
    page = client.get(f"/actionplans/measure/{measure.pk}/").content.decode()
    assert "2026-0009: Fall" in page
    assert 'href="/deviations/2026-0009/"' not in page
