"""Writes to the survey results and appraisal counts: keyword-only, atomic, validated. Those
who manage the unit's records (line manager, HSE coordinator, HSE department) may write."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplans.models import Measure, MeasureSource, Priority
from actionplans.services import measure_create
from hms.surveys.models import AppraisalCount, SurveyMeasure, SurveyResult
from units import access
from units.models import Unit

# Lazy: a module-level text must be translated when shown, in the request's language.
STALE = gettext_lazy(
    "Someone else changed this while you were editing it. Their version is shown; your input "
    "is kept in the form. Save again to overwrite it."
)


def can_change(user, unit: Unit) -> bool:
    return access.can_manage_records(user, unit)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def result_add(
    *,
    actor,
    unit: Unit,
    survey: str,
    year: int,
    topic: str,
    score: Decimal,
    respondents: int,
    scale_min: Decimal = Decimal(1),
    scale_max: Decimal = Decimal(5),
    comment: str = "",
) -> SurveyResult:
    _require(can_change(actor, unit))
    result = SurveyResult(
        unit=unit,
        survey=survey.strip(),
        year=year,
        topic=topic.strip(),
        score=score,
        scale_min=scale_min,
        scale_max=scale_max,
        respondents=respondents,
        comment=comment.strip(),
        created_by=actor,
    )
    _check_scale(result)
    result.full_clean()
    result.save()
    return result


def _check_scale(result: SurveyResult) -> None:
    # Said here with the field it concerns; the database constraints say it again.
    if result.scale_min >= result.scale_max:
        raise ValidationError({"scale_max": _("The highest value must be above the lowest.")})
    if not result.scale_min <= result.score <= result.scale_max:
        raise ValidationError(
            {
                "score": _("The score must lie on the scale, %(low)s to %(high)s.")
                % {"low": result.scale_min, "high": result.scale_max}
            }
        )


@transaction.atomic
def result_update(
    *,
    actor,
    result: SurveyResult,
    version: int | None,
    survey: str,
    year: int,
    topic: str,
    score: Decimal,
    respondents: int,
    scale_min: Decimal,
    scale_max: Decimal,
    comment: str = "",
) -> SurveyResult:
    result = SurveyResult.objects.select_for_update().select_related("unit").get(pk=result.pk)
    _require(can_change(actor, result.unit))
    if version is not None and result.version != version:
        raise ValidationError(STALE, code="stale")
    result.survey, result.year, result.topic = survey.strip(), year, topic.strip()
    result.score, result.scale_min, result.scale_max = score, scale_min, scale_max
    result.respondents, result.comment = respondents, comment.strip()
    _check_scale(result)
    result.full_clean()
    result.version = F("version") + 1
    result.save()
    result.refresh_from_db(fields=["version"])
    return result


@transaction.atomic
def result_delete(*, actor, result: SurveyResult) -> None:
    result = SurveyResult.objects.select_for_update().select_related("unit").get(pk=result.pk)
    _require(can_change(actor, result.unit))
    if SurveyMeasure.objects.filter(result=result).exists():
        raise ValidationError(_("This result has follow-up measures in the action plan; keep it."))
    result.delete()


@transaction.atomic
def result_add_measure(
    *,
    actor,
    result: SurveyResult,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A follow-up measure of a survey result, in the unit's action plan."""
    result = SurveyResult.objects.select_related("unit").get(pk=result.pk)
    _require(can_change(actor, result.unit))
    measure = measure_create(
        actor=actor,
        unit=result.unit,
        title=title,
        responsible=responsible,
        deadline=deadline,
        description=description,
        priority=priority,
        estimated_cost=estimated_cost,
        source=MeasureSource.SURVEY,
        origin_label=str(result),
        origin_url=result.get_absolute_url(),
    )
    SurveyMeasure.objects.create(result=result, measure=measure)
    return measure


@transaction.atomic
def appraisals_record(
    *, actor, unit: Unit, year: int, held: int, eligible: int, version: int | None = None
) -> AppraisalCount:
    """The year's appraisal count for the unit, replacing what was recorded before. `version`
    is what the form was shown with (None for a first count)."""
    _require(can_change(actor, unit))
    if held > eligible:
        raise ValidationError(
            {"held": _("More appraisals held than employees who should have one.")}
        )
    count = AppraisalCount.objects.select_for_update().filter(unit=unit, year=year).first()
    if count is None:
        if version:
            raise ValidationError(STALE, code="stale")
        count = AppraisalCount(unit=unit, year=year, held=held, eligible=eligible, updated_by=actor)
        count.full_clean()
        count.save()
        return count
    if version != count.version:
        raise ValidationError(STALE, code="stale")
    count.held, count.eligible = held, eligible
    count.updated_by, count.updated_at = actor, timezone.now()
    count.full_clean()
    count.version = F("version") + 1
    count.save()
    count.refresh_from_db(fields=["version"])
    return count
