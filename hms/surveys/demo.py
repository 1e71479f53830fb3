"""Demo rows for the survey page and the action plan (seed_demo calls `seed()`): a survey of
IKJ with follow-up measures, appraisal counts in its sections, and a few measures added to the
plan, one of them overdue. Runs once: does nothing if IKJ already has survey results."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from actionplans.models import Priority
from actionplans.services import measure_create, plan_measure_add
from hms.surveys import services
from hms.surveys.models import AppraisalCount, SurveyResult
from units.models import Unit

SURVEY = "Arbeidsmiljøundersøkelsen (ARK)"
TOPICS = [
    (
        "Arbeidsbelastning",
        Decimal("3.1"),
        18,
        "Mange opplever høyt arbeidspress i eksamensperioden.",
    ),
    ("Psykososialt arbeidsmiljø", Decimal("4.2"), 18, ""),
    ("Fysisk arbeidsmiljø", Decimal("3.6"), 17, "Trekk og kulde i kontorfløyen."),
    ("Ledelse", Decimal("4.0"), 18, ""),
]

# Sections of IKJ: (code, held, eligible).
APPRAISALS = [("IKJ-ORG", 7, 9), ("IKJ-ANA", 5, 8), ("IKJ-FYS", 9, 9)]


def seed() -> None:
    unit = Unit.objects.filter(code="IKJ").first()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["leder", "verneombud", "ansatt"])
    }
    if unit is None or len(users) < 3 or SurveyResult.objects.filter(unit=unit).exists():
        return
    leader = users["leder"]
    today = timezone.localdate()
    year = today.year
    results = [
        services.result_add(
            actor=leader,
            unit=unit,
            survey=SURVEY,
            year=year,
            topic=topic,
            score=score,
            respondents=respondents,
            comment=comment,
        )
        for topic, score, respondents, comment in TOPICS
    ]
    services.result_add_measure(
        actor=leader,
        result=results[0],
        title="Fordele eksamensvakter jevnere",
        responsible=leader,
        deadline=today + datetime.timedelta(days=60),
        priority=Priority.HIGH,
    )
    services.result_add_measure(
        actor=leader,
        result=results[2],
        title="Tette vinduer i kontorfløyen",
        responsible=users["ansatt"],
        deadline=today + datetime.timedelta(days=5),
        estimated_cost=Decimal("45000"),
    )
    plan_measure_add(
        actor=leader,
        unit=unit,
        title="Oppdatere beredskapsplanen",
        responsible=users["verneombud"],
        deadline=today + datetime.timedelta(days=30),
        priority=Priority.MEDIUM,
        estimated_cost=Decimal("5000"),
    )
    overdue = measure_create(
        actor=leader,
        unit=unit,
        title="Merke nødutganger i kjelleren",
        responsible=leader,
        deadline=today + datetime.timedelta(days=1),
        source="action_plan",
        priority=Priority.HIGH,
        estimated_cost=Decimal("12000"),
    )
    # A deadline already past, as in any real plan: set directly (the form refuses past dates).
    type(overdue).objects.filter(pk=overdue.pk).update(deadline=today - datetime.timedelta(days=10))
    for code, held, eligible in APPRAISALS:
        section = Unit.objects.filter(code=code).first()
        if section:
            AppraisalCount.objects.get_or_create(
                unit=section,
                year=year,
                defaults={"held": held, "eligible": eligible, "updated_by": leader},
            )
    AppraisalCount.objects.get_or_create(
        unit=unit, year=year, defaults={"held": 3, "eligible": 4, "updated_by": leader}
    )
