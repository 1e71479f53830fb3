"""Work environment survey results with follow-up measures, and appraisal completion counts:
who sees and changes what, the roll-up over the subtree, the cycle's evidence, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from actionplans.models import Measure, MeasureSource
from hms.cycle import evidence
from hms.surveys import services
from hms.surveys.models import AppraisalCount, SurveyResult
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_unit
from units.models import Role

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def add_result(actor, unit, topic="Workload", score="3.5", **fields) -> SurveyResult:
    fields.setdefault("survey", "ARK")
    fields.setdefault("year", YEAR)
    fields.setdefault("respondents", 12)
    return services.result_add(actor=actor, unit=unit, topic=topic, score=Decimal(score), **fields)


@pytest.fixture
def result(org, line_manager):
    return add_result(line_manager, org.department, comment="Heavy in exam periods")


def page(unit, year=YEAR) -> str:
    return f"/surveys/{unit.code}/?year={year}"


@pytest.mark.parametrize(
    "who, status",
    [
        ("line_manager", 200),
        ("safety_rep", 200),
        ("hms_department", 200),
        ("administrator", 200),
        ("employee", 404),
        ("outsider", 404),
    ],
)
def test_every_role_on_the_survey_page(client, org, result, request, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.get(page(org.department))
    assert response.status_code == status
    if status == 200:
        assert "Heavy in exam periods" in response.content.decode()


def test_outsider_gets_404_on_every_survey_url(client, org, result, outsider):
    client.force_login(outsider)
    for url in (
        page(org.department),
        f"/surveys/{org.department.code}/results/new/",
        f"/surveys/result/{result.pk}/edit/",
        f"/surveys/result/{result.pk}/measure/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/surveys/result/{result.pk}/delete/").status_code == 404
    response = client.post(
        f"/surveys/{org.department.code}/appraisals/", {"year": YEAR, "held": 1, "eligible": 2}
    )
    assert response.status_code == 404
    assert SurveyResult.objects.filter(pk=result.pk).exists()


def test_safety_rep_reads_but_may_not_change(client, org, result, safety_rep):
    client.force_login(safety_rep)
    page_html = client.get(page(org.department)).content.decode()
    assert "Add a result" not in page_html
    assert client.get(f"/surveys/{org.department.code}/results/new/").status_code == 403
    assert client.get(f"/surveys/result/{result.pk}/edit/").status_code == 403
    assert client.get(f"/surveys/result/{result.pk}/measure/").status_code == 403
    assert client.post(f"/surveys/result/{result.pk}/delete/").status_code == 403
    response = client.post(
        f"/surveys/{org.department.code}/appraisals/", {"year": YEAR, "held": 1, "eligible": 2}
    )
    assert response.status_code == 403
    assert not AppraisalCount.objects.exists()


def test_index_redirects_to_the_only_unit(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get("/surveys/")
    assert response.status_code == 302
    assert response.url == f"/surveys/{org.department.code}/"


def test_line_manager_adds_a_result(client, org, line_manager):
    client.force_login(line_manager)
    response = client.post(
        f"/surveys/{org.department.code}/results/new/",
        {
            "survey": "ARK",
            "year": YEAR,
            "topic": "Leadership",
            "score": "4.25",
            "scale_min": "1",
            "scale_max": "5",
            "respondents": "17",
        },
    )
    assert response.status_code == 302
    saved = SurveyResult.objects.get(topic="Leadership")
    assert (saved.unit, saved.score, saved.respondents) == (org.department, Decimal("4.25"), 17)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"score": "6"}, "score"),
        ({"score": "abc"}, "score"),
        ({"scale_min": "5", "scale_max": "1"}, "scale_max"),
        ({"respondents": "-1"}, "respondents"),
        ({"year": "20260"}, "year"),
        ({"topic": ""}, "topic"),
        ({"score": "1e30"}, "score"),
    ],
)
def test_bad_result_input_keeps_the_input_and_says_why(client, org, line_manager, changes, field):
    data = {
        "survey": "ARK",
        "year": YEAR,
        "topic": "Leadership",
        "score": "4",
        "scale_min": "1",
        "scale_max": "5",
        "respondents": "17",
        **changes,
    }
    client.force_login(line_manager)
    response = client.post(f"/surveys/{org.department.code}/results/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["form"].data["survey"] == "ARK"
    assert not SurveyResult.objects.exists()


def test_the_same_topic_twice_is_a_form_error_not_a_500(client, org, line_manager, result):
    client.force_login(line_manager)
    response = client.post(
        f"/surveys/{org.department.code}/results/new/",
        {
            "survey": result.survey,
            "year": result.year,
            "topic": result.topic,
            "score": "2",
            "scale_min": "1",
            "scale_max": "5",
            "respondents": "3",
        },
    )
    assert response.status_code == 400
    assert SurveyResult.objects.count() == 1


def test_concurrent_result_edit_is_a_409_with_the_input_kept(client, result, line_manager):
    data = {
        "survey": "ARK",
        "year": YEAR,
        "topic": "Workload",
        "score": "3.5",
        "scale_min": "1",
        "scale_max": "5",
        "respondents": "12",
        "comment": "",
        "version": 1,
    }
    client.force_login(line_manager)
    assert (
        client.post(f"/surveys/result/{result.pk}/edit/", {**data, "comment": "First"}).status_code
        == 302
    )
    response = client.post(f"/surveys/result/{result.pk}/edit/", {**data, "comment": "Mine"})
    assert response.status_code == 409
    assert response.context["form"].data["comment"] == "Mine"
    result.refresh_from_db()
    assert result.comment == "First"


def test_a_follow_up_measure_goes_into_the_action_plan(
    client, org, result, line_manager, mailoutbox, django_capture_on_commit_callbacks
):
    fixer = UserFactory(username="fixer")
    client.force_login(line_manager)
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/surveys/result/{result.pk}/measure/",
            {
                "title": "Spread the exam duties",
                "responsible": fixer.username,
                "deadline": deadline.isoformat(),
                "priority": "high",
            },
        )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.source == MeasureSource.SURVEY
    assert measure.unit == org.department
    assert measure.origin_url == result.get_absolute_url()
    assert list(result.measures.all()) == [measure]
    assert to_addresses(mailoutbox) == [fixer.email]
    plan = client.get(f"/actionplans/{org.department.code}/", {"source": "survey"})
    assert [m.title for m in plan.context["page"].object_list] == ["Spread the exam duties"]
    assert "Spread the exam duties" in client.get(page(org.department)).content.decode()
    # A result with measures is kept.
    client.post(f"/surveys/result/{result.pk}/delete/")
    assert SurveyResult.objects.filter(pk=result.pk).exists()


def to_addresses(mails):
    return [address for mail in mails for address in mail.to]


def test_a_result_without_measures_can_be_deleted(client, result, line_manager):
    client.force_login(line_manager)
    assert client.post(f"/surveys/result/{result.pk}/delete/").status_code == 302
    assert not SurveyResult.objects.exists()


# --- Appraisals ---------------------------------------------------------------------------------


def test_appraisal_count_is_recorded_and_replaced(client, org, line_manager):
    client.force_login(line_manager)
    url = f"/surveys/{org.department.code}/appraisals/"
    assert client.post(url, {"year": YEAR, "held": 3, "eligible": 5}).status_code == 302
    assert (
        client.post(url, {"year": YEAR, "held": 4, "eligible": 5, "version": 1}).status_code == 302
    )
    count = AppraisalCount.objects.get()
    assert (count.held, count.eligible, count.version) == (4, 5, 2)
    stale = client.post(url, {"year": YEAR, "held": 5, "eligible": 5, "version": 1})
    assert stale.status_code == 409
    assert stale.context["appraisal_form"].data["held"] == "5"


@pytest.mark.parametrize(
    "data",
    [
        {"held": 6, "eligible": 5},
        {"held": -1, "eligible": 5},
        {"held": "x", "eligible": 5},
        {"held": 1, "eligible": ""},
    ],
)
def test_bad_appraisal_counts_are_refused(client, org, line_manager, data):
    client.force_login(line_manager)
    response = client.post(f"/surveys/{org.department.code}/appraisals/", {"year": YEAR, **data})
    assert response.status_code == 400
    assert not AppraisalCount.objects.exists()


def test_database_keeps_held_within_eligible(org, line_manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppraisalCount.objects.create(
            unit=org.department, year=YEAR, held=3, eligible=2, updated_by=line_manager
        )


def test_appraisal_service_refuses_those_who_may_not(org, safety_rep):
    with pytest.raises(PermissionDenied):
        services.appraisals_record(
            actor=safety_rep, unit=org.department, year=YEAR, held=1, eligible=1
        )
    with pytest.raises(ValidationError):
        services.result_add(
            actor=user_with_role("lm", Role.LINE_MANAGER, org.department),
            unit=org.department,
            survey="ARK",
            year=YEAR,
            topic="T",
            score=Decimal("9"),
            respondents=1,
        )


def test_rollup_sums_held_and_eligible_over_the_subtree(client, org, line_manager, hms_department):
    lab = make_unit(org.department, code="LAB")
    for unit, held, eligible in ((org.department, 2, 4), (org.section, 5, 10), (lab, 9, 10)):
        services.appraisals_record(
            actor=line_manager, unit=unit, year=YEAR, held=held, eligible=eligible
        )
    services.appraisals_record(
        actor=line_manager, unit=org.section, year=YEAR - 1, held=0, eligible=10
    )
    services.appraisals_record(
        actor=hms_department, unit=org.other_department, year=YEAR, held=0, eligible=50
    )
    client.force_login(hms_department)
    rollup = client.get(page(org.faculty)).context["rollup"]
    # (2 + 5 + 9) / (4 + 10 + 10): a ratio of sums, not an average of percentages.
    assert rollup["total"]["held"] == 16
    assert rollup["total"]["eligible"] == 24
    assert rollup["total"]["percent"] == 67
    (department,) = rollup["children"]
    assert (department["held"], department["eligible"]) == (16, 24)
    client.force_login(line_manager)
    rollup = client.get(page(org.department)).context["rollup"]
    by_code = {row["unit"].code: row for row in rollup["children"]}
    assert (by_code["SEC"]["held"], by_code["LAB"]["held"]) == (5, 9)


# --- The cycle's evidence, query counts, bad URLs -----------------------------------------------


def test_a_survey_result_is_evidence_for_identifying_challenges(org, line_manager, result):
    found = evidence.collect([org.department, org.section], YEAR)["identify_challenges"]
    assert found[org.department.pk] == page(org.department)
    assert org.section.pk not in found
    assert (
        org.department.pk not in evidence.collect([org.department], YEAR - 1)["identify_challenges"]
    )


def test_bad_year_in_the_url_falls_back_to_this_year(client, org, line_manager):
    client.force_login(line_manager)
    for year in ("abc", "0", "99999", ""):
        response = client.get(f"/surveys/{org.department.code}/", {"year": year})
        assert response.status_code == 200
        assert response.context["year"] == YEAR


def test_survey_page_queries_do_not_grow_with_the_data(
    client, org, line_manager, django_assert_max_num_queries
):
    client.force_login(line_manager)
    counts = []
    for size in (1, 6):
        with transaction.atomic():
            fixer = UserFactory()
            for number in range(size):
                child = make_unit(org.department)
                services.appraisals_record(
                    actor=line_manager, unit=child, year=YEAR, held=1, eligible=2
                )
                result = add_result(line_manager, org.department, topic=f"Topic {number}")
                services.result_add_measure(
                    actor=line_manager,
                    result=result,
                    title=f"Measure {number}",
                    responsible=fixer,
                    deadline=timezone.localdate(),
                )
            url = page(org.department)
            client.get(url)
            with django_assert_max_num_queries(15) as queries:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(queries.captured_queries))
            transaction.set_rollback(True)
    assert counts[0] == counts[1]
