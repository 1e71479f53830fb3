"""The management review pages: who may open and change them, bad input, version conflicts,
and query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from indicators.review import services
from indicators.review.models import AgendaItem, Decision, ManagementReview, ReviewStatus
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_deviation
from units.models import Role

YEAR = timezone.localdate().year


@pytest.fixture
def rector(org):
    return user_with_role("rector", Role.LINE_MANAGER, org.root)


@pytest.fixture
def chief_safety_rep(org):
    return user_with_role("chief", Role.CHIEF_SAFETY_REP, org.root)


@pytest.fixture
def review(org, hms_department, rector):
    return services.review_create(actor=hms_department, root=org.root, year=YEAR)


@pytest.fixture
def participant(review, hms_department):
    """Named in the review, without any role."""
    user = UserFactory(username="bht")
    services.participant_add(
        actor=hms_department, review=review, function="occupational_health", user=user
    )
    return user


@pytest.fixture
def decision(review, hms_department, rector):
    return services.decision_add(
        actor=hms_department,
        item=review.items.get(key="focus_areas"),
        text="Train the leaders",
        responsible=rector,
        deadline=datetime.date(YEAR + 1, 6, 1),
    )


def fresh(review) -> ManagementReview:
    return ManagementReview.objects.get(pk=review.pk)


def readers_urls(review):
    return [
        reverse("review:list"),
        reverse("review:detail", args=[YEAR]),
        reverse("review:pdf", args=[YEAR]),
    ]


def change_requests(review, decision):
    """Every POST of the review with valid data, in an order each can follow the last."""
    item = review.items.get(key="legislation")
    participant = review.participants.first()
    return [
        (
            reverse("review:detail", args=[YEAR]),
            lambda r: {
                "version": r.version,
                "meeting_date": f"{YEAR}-12-01",
                "archive_case_number": "",
            },
        ),
        (
            reverse("review:participants", args=[YEAR]),
            lambda r: {"action": "add", "function": "chief_union_rep", "name": "Union Rep"},
        ),
        (
            reverse("review:item_notes", args=[YEAR, item.pk]),
            lambda r: {
                f"n{item.pk}-version": AgendaItem.objects.get(pk=item.pk).version,
                f"n{item.pk}-notes": "Notes",
            },
        ),
        (
            reverse("review:decision_add", args=[YEAR, item.pk]),
            lambda r: {f"d{item.pk}-text": "Decided"},
        ),
        (
            reverse("review:decision_measure", args=[YEAR, decision.pk]),
            lambda r: {"priority": "high"},
        ),
        (reverse("review:refresh", args=[YEAR]), lambda r: {}),
        (reverse("review:participant_remove", args=[YEAR, participant.pk]), lambda r: {}),
        (
            reverse("review:participants", args=[YEAR]),
            lambda r: {
                "action": "took_part",
                "took_part": list(r.participants.values_list("pk", flat=True)),
            },
        ),
        (reverse("review:finalise", args=[YEAR]), lambda r: {"version": r.version}),
    ]


@pytest.mark.parametrize("who", ["outsider", "employee", "line_manager", "safety_rep"])
def test_people_without_a_part_in_the_review_get_404_everywhere(
    client, request, who, review, decision
):
    client.force_login(request.getfixturevalue(who))
    for url in readers_urls(review):
        assert client.get(url).status_code == 404, url
    for url, data in change_requests(review, decision):
        assert client.post(url, data(fresh(review))).status_code == 404, url
    assert client.post(reverse("review:create"), {"year": YEAR + 1}).status_code == 404
    assert fresh(review).version == review.version
    assert not Measure.objects.exists()


def test_anonymous_visitor_is_sent_to_login(client, review):
    response = client.get(reverse("review:detail", args=[YEAR]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["participant", "chief_safety_rep"])
def test_participant_and_chief_safety_rep_read_but_cannot_change(
    client, request, who, review, decision
):
    client.force_login(request.getfixturevalue(who))
    review = fresh(review)
    for url in readers_urls(review):
        assert client.get(url).status_code == 200, url
    for url, data in change_requests(review, decision):
        assert client.post(url, data(fresh(review))).status_code == 403, url
    assert client.post(reverse("review:create"), {"year": YEAR + 1}).status_code == 404
    assert fresh(review).version == review.version
    assert fresh(review).status == ReviewStatus.DRAFT
    assert not Measure.objects.exists()


@pytest.mark.parametrize("who", ["hms_department", "rector"])
def test_hse_department_and_rector_change_everything(client, request, who, review, decision):
    client.force_login(request.getfixturevalue(who))
    for url in readers_urls(review):
        assert client.get(url).status_code == 200, url
    for url, data in change_requests(review, decision):
        response = client.post(url, data(fresh(review)))
        assert response.status_code == 302, (url, response.content[:2000])
    review = fresh(review)
    assert review.status == ReviewStatus.FINAL
    assert review.items.get(key="legislation").notes == "Notes"
    assert Decision.objects.filter(text="Decided").exists()
    assert Measure.objects.get().title == "Train the leaders"
    response = client.post(reverse("review:create"), {"year": YEAR + 1})
    assert response.status_code == 302
    assert ManagementReview.objects.filter(year=YEAR + 1).exists()


def test_menu_shows_the_review_only_to_those_who_open_it(
    client, review, rector, chief_safety_rep, line_manager, employee
):
    url = reverse("review:list")
    for user, shown in (
        (rector, True),
        (chief_safety_rep, True),
        (line_manager, False),
        (employee, False),
    ):
        client.force_login(user)
        assert (f'href="{url}"' in client.get(reverse("home")).content.decode()) is shown, user


def test_review_list_shows_the_reviews(client, review, hms_department):
    client.force_login(hms_department)
    response = client.get(reverse("review:list"))
    assert response.context["reviews"] == [review]
    assert response.context["create_form"].initial["year"] == min(YEAR + 1, YEAR + 1)


def test_review_list_sorts_by_each_column(client, org, review, hms_department):
    older = services.review_create(actor=hms_department, root=org.root, year=YEAR - 1)
    services.review_update(
        actor=hms_department,
        review=older,
        version=older.version,
        meeting_date=datetime.date(YEAR - 1, 3, 1),
        archive_case_number="2025/9",
    )
    client.force_login(hms_department)

    def years(sort):
        response = client.get(reverse("review:list"), {"sort": sort})
        return [r.year for r in response.context["reviews"]]

    assert years("") == years("nonsense") == [YEAR, YEAR - 1]
    assert years("year") == [YEAR - 1, YEAR] and years("-year") == [YEAR, YEAR - 1]
    assert years("meeting") == [YEAR - 1, YEAR]  # no date yet: last either way
    assert years("-meeting") == [YEAR - 1, YEAR]
    assert years("-archive") == [YEAR - 1, YEAR]
    assert years("status") in ([YEAR - 1, YEAR], [YEAR, YEAR - 1])
    page = client.get(reverse("review:list"), {"sort": "-year"}).content.decode()
    assert 'aria-sort="descending"' in page


def test_final_review_is_read_only_on_the_page(client, review, hms_department):
    services.review_update(
        actor=hms_department,
        review=review,
        version=review.version,
        meeting_date=datetime.date(YEAR, 1, 5),
        archive_case_number="2026/1",
    )
    services.review_finalise(
        actor=hms_department, review=fresh(review), version=fresh(review).version
    )
    client.force_login(hms_department)
    page = client.get(reverse("review:detail", args=[YEAR])).content.decode()
    assert "Save the notes" not in page
    assert "Make final" not in page
    item = review.items.get(key="emergency")
    response = client.post(
        reverse("review:item_notes", args=[YEAR, item.pk]),
        {f"n{item.pk}-version": item.version, f"n{item.pk}-notes": "late"},
    )
    assert response.status_code == 403
    assert fresh(review).items.get(key="emergency").notes == ""
    assert client.post(reverse("review:refresh", args=[YEAR])).status_code == 403


def test_concurrent_notes_give_409_and_keep_the_input(client, review, hms_department, rector):
    item = review.items.get(key="legislation")
    services.item_notes_save(actor=rector, item=item, version=item.version, notes="Rector's text")
    client.force_login(hms_department)
    response = client.post(
        reverse("review:item_notes", args=[YEAR, item.pk]),
        {f"n{item.pk}-version": item.version, f"n{item.pk}-notes": "My long text"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "My long text" in page
    assert "Rector&#x27;s text" in page
    assert AgendaItem.objects.get(pk=item.pk).notes == "Rector's text"
    # Saving again is a deliberate overwrite: the form now carries the current version.
    form = next(i for i in response.context["items"] if i.pk == item.pk).notes_form
    response = client.post(
        reverse("review:item_notes", args=[YEAR, item.pk]),
        {
            f"n{item.pk}-version": form.data[f"n{item.pk}-version"],
            f"n{item.pk}-notes": "My long text",
        },
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get(pk=item.pk).notes == "My long text"


def test_concurrent_header_edit_gives_409_and_keeps_the_input(
    client, review, hms_department, rector
):
    services.review_update(
        actor=rector,
        review=review,
        version=review.version,
        meeting_date=None,
        archive_case_number="A",
    )
    client.force_login(hms_department)
    response = client.post(
        reverse("review:detail", args=[YEAR]),
        {"version": review.version, "meeting_date": f"{YEAR}-11-30", "archive_case_number": "B/77"},
    )
    assert response.status_code == 409
    assert 'value="B/77"' in response.content.decode()
    assert fresh(review).archive_case_number == "A"


def test_finalise_without_meeting_date_says_why(client, review, hms_department):
    client.force_login(hms_department)
    response = client.post(reverse("review:finalise", args=[YEAR]), {"version": review.version})
    assert response.status_code == 400
    assert "date of the meeting" in response.content.decode()
    assert fresh(review).status == ReviewStatus.DRAFT


@pytest.mark.parametrize(
    "url_name, data",
    [
        (
            "review:detail",
            {"version": "x", "meeting_date": "31.02.2026", "archive_case_number": "A" * 80},
        ),
        ("review:detail", {}),
        ("review:participants", {"action": "add", "function": "pope", "person": "nobody"}),
        ("review:participants", {"action": "add", "function": "other"}),
        ("review:participants", {"action": "took_part", "took_part": ["x", "999999"]}),
        ("review:finalise", {"version": "abc"}),
        ("review:finalise", {}),
    ],
)
def test_bad_input_on_the_review_is_refused_without_a_500(
    client, review, hms_department, url_name, data
):
    client.force_login(hms_department)
    response = client.post(reverse(url_name, args=[YEAR]), data)
    assert response.status_code in (302, 400), response.status_code
    assert fresh(review).status == ReviewStatus.DRAFT


def test_bad_input_on_items_and_decisions_is_refused_without_a_500(
    client, review, hms_department, decision
):
    client.force_login(hms_department)
    item = review.items.get(key="legislation")
    for url, data in [
        (reverse("review:item_notes", args=[YEAR, item.pk]), {}),
        (
            reverse("review:item_notes", args=[YEAR, item.pk]),
            {f"n{item.pk}-version": "0", f"n{item.pk}-notes": "x" * 30000},
        ),
        (
            reverse("review:decision_add", args=[YEAR, item.pk]),
            {
                f"d{item.pk}-text": "",
                f"d{item.pk}-responsible": "ghost",
                f"d{item.pk}-deadline": "soon",
            },
        ),
        (reverse("review:decision_measure", args=[YEAR, decision.pk]), {"priority": "urgent"}),
        (reverse("review:item_notes", args=[YEAR, 999999]), {}),
        (reverse("review:decision_remove", args=[YEAR, 999999]), {}),
    ]:
        response = client.post(url, data)
        assert response.status_code in (302, 400, 404), (url, response.status_code)
    assert AgendaItem.objects.get(pk=item.pk).notes == ""
    assert not Measure.objects.exists()
    assert client.get(reverse("review:detail", args=[1999])).status_code == 404
    assert client.get("/review/99999999999/").status_code == 404
    response = client.post(reverse("review:create"), {"year": "2O26"})
    assert response.status_code == 400
    response = client.post(reverse("review:create"), {"year": YEAR})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_decision_form_errors_keep_the_input(client, review, hms_department):
    client.force_login(hms_department)
    item = review.items.get(key="legislation")
    response = client.post(
        reverse("review:decision_add", args=[YEAR, item.pk]),
        {f"d{item.pk}-text": "Keep me", f"d{item.pk}-responsible": "ghost"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep me" in page
    assert "No active user" in page


def test_decision_becomes_a_measure_from_the_page(client, review, hms_department, decision, org):
    client.force_login(hms_department)
    response = client.post(
        reverse("review:decision_measure", args=[YEAR, decision.pk]), {"priority": "high"}
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.unit, measure.priority) == (org.root, "high")
    page = client.get(reverse("review:detail", args=[YEAR])).content.decode()
    assert "Measure in the action plan" in page


def test_a_decision_made_a_measure_carries_its_cost(client, review, hms_department, decision):
    client.force_login(hms_department)
    page = client.get(reverse("review:detail", args=[YEAR])).content.decode()
    assert f'id="cost-{decision.pk}"' in page
    url = reverse("review:decision_measure", args=[YEAR, decision.pk])
    response = client.post(url, {"priority": "high", "estimated_cost": "-5"}, follow=True)
    assert "give the cost as a number" in response.content.decode()
    assert not Measure.objects.exists()
    client.post(url, {"priority": "high", "estimated_cost": "25000"})
    assert Measure.objects.get().estimated_cost == 25000


def test_facts_are_shown_beside_their_items(client, review, hms_department, employee, org):
    make_deviation(org.department, employee)
    client.force_login(hms_department)
    client.post(reverse("review:refresh", args=[YEAR]))
    response = client.get(reverse("review:detail", args=[YEAR]))
    items = {item.key: item for item in response.context["items"]}
    assert items["deviations"].facts["this"] == 1
    assert items["legislation"].facts is None
    assert f"1 deviation happened in {YEAR}" in response.content.decode()


def test_review_page_query_count_does_not_grow(
    client, org, review, hms_department, rector, employee, django_assert_max_num_queries
):
    services.decision_add(
        actor=hms_department, item=review.items.first(), text="One", responsible=rector
    )
    client.force_login(hms_department)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("review:detail", args=[YEAR])).status_code == 200
    for n, item in enumerate(review.items.all()):
        decision = services.decision_add(
            actor=hms_department,
            item=item,
            text=f"Decision {n}",
            responsible=rector,
            deadline=datetime.date(YEAR + 1, 1, 1),
        )
        if n % 2:
            services.decision_to_measure(actor=hms_department, decision=decision)
        services.participant_add(
            actor=hms_department, review=review, function="other", name=f"Guest {n}"
        )
        make_deviation(org.department, employee)
    services.review_refresh_facts(actor=hms_department, review=fresh(review))
    with django_assert_max_num_queries(len(queries)):
        assert client.get(reverse("review:detail", args=[YEAR])).status_code == 200


def test_review_list_query_count_does_not_grow(
    client, org, review, hms_department, django_assert_max_num_queries
):
    client.force_login(hms_department)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("review:list"), {"sort": "meeting"})
    for year in range(YEAR - 5, YEAR):
        services.review_create(actor=hms_department, root=org.root, year=year)
    with django_assert_max_num_queries(len(queries)):
        assert client.get(reverse("review:list"), {"sort": "meeting"}).status_code == 200
