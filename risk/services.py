"""Risk assessments and inspection rounds: every write is a service, one transaction each."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, Max, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actionplans.models import OPEN_STATUSES as MEASURE_OPEN_STATUSES
from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus, Priority
from actionplans.services import measure_create, measure_record_effect
from risk.models import (
    Answer,
    AssessmentStatus,
    ChecklistAnswer,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Finding,
    FindingOutcome,
    HazardTemplate,
    HazardTemplateRow,
    InspectionRound,
    KeptTemplate,
    MeasureCheck,
    Participant,
    ParticipantRole,
    RiskAssessment,
    RiskMatrix,
    RiskRow,
    RoundParticipant,
    RoundStatus,
    RowMeasure,
    WorkActivity,
    Zone,
)
from units import access, ordering, versions
from units.models import Role, Unit

ROW_COPY_FIELDS = (
    "hazard",
    "existing_measures",
    "probability",
    "consequence_people",
    "consequence_environment",
    "consequence_material",
    "consequence_reputation",
    "proposed_measures",
    "residual_probability",
    "residual_consequence",
    "order",
)


def can_edit(user, unit: Unit) -> bool:
    """The line manager owns the unit's risk work; the HSE coordinator assists."""
    return access.can_manage_records(user, unit)


def can_approve(user, unit: Unit) -> bool:
    """Approval is the line manager's (the HSE department may approve on their behalf)."""
    return access.sees_everything(user) or access.has_role(
        user, {Role.LINE_MANAGER, Role.HMS_DEPARTMENT}, unit
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def current_matrix() -> RiskMatrix:
    return RiskMatrix.objects.get(is_current=True)


# Risk matrix -------------------------------------------------------------------------------


@transaction.atomic
def matrix_new_version(
    *,
    actor,
    probability_labels: dict,
    consequence_labels: dict,
    green_max: int,
    red_min: int,
    green_colour: str = "#4caf50",
    yellow_colour: str = "#ffc107",
    red_colour: str = "#e53935",
) -> RiskMatrix:
    """A new current version of the matrix. The old versions stay, with every assessment that
    was made with them, so changing the matrix never changes an old assessment."""
    _require(access.is_hms_department(actor))
    if not 1 <= green_max < red_min <= 25:
        raise ValidationError(_("Green must end below where red starts, within 1–25."))
    for labels in (probability_labels, consequence_labels):
        if len(labels.get("nb", [])) != 5 or len(labels.get("en", labels["nb"])) != 5:
            raise ValidationError(_("Each scale needs five labels."))
    latest = RiskMatrix.objects.select_for_update().order_by("-version").first()
    RiskMatrix.objects.filter(is_current=True).update(is_current=False)
    matrix = RiskMatrix(
        version=(latest.version + 1) if latest else 1,
        probability_labels=probability_labels,
        consequence_labels=consequence_labels,
        green_max=green_max,
        red_min=red_min,
        green_colour=green_colour,
        yellow_colour=yellow_colour,
        red_colour=red_colour,
        is_current=True,
        created_by=actor,
    )
    matrix.full_clean()
    matrix.save()
    return matrix


# Hazard templates and round checklists (HSE department) --------------------------------------

# What each kind of template holds: its lines' relation, model and text fields.
TEMPLATE_LINES = {
    HazardTemplate: (
        "rows",
        HazardTemplateRow,
        ("hazard_nb", "hazard_en", "existing_measures_nb", "existing_measures_en"),
    ),
    ChecklistTemplate: ("items", ChecklistTemplateItem, ("text_nb", "text_en")),
}


def _new_slug(model: type[KeptTemplate], *names: str) -> str:
    base = slugify(next((name for name in names if name), ""))[:40] or "template"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def template_save(
    *,
    actor,
    model: type[KeptTemplate],
    template: KeptTemplate | None = None,
    version: int | None = None,
    name_nb: str,
    name_en: str,
    name_nn: str = "",
    lines: list[dict],
) -> KeptTemplate:
    """Add or change a hazard template or a round checklist with its lines (hazards or
    questions), in the order given. The lines are replaced: an assessment or a round copied
    its own when it was made, so nothing points at them and nothing made from the template
    changes. A change prepared on an older version (`version` from the form) is refused."""
    _require(access.is_hms_department(actor))
    relation, line_model, fields = TEMPLATE_LINES[model]
    if template is not None:
        template = model.objects.select_for_update().get(pk=template.pk)
        versions.check_version(template.version, version)
    else:
        template = model(
            slug=_new_slug(model, name_en, name_nb),
            position=(model.objects.aggregate(last=Max("position"))["last"] or 0) + 1,
        )
    template.name_nb, template.name_nn, template.name_en = (
        name_nb.strip(),
        name_nn.strip(),
        name_en.strip(),
    )
    template.full_clean()
    built = []
    for number, line in enumerate(lines, start=1):
        obj = line_model(**{name: (line.get(name) or "").strip() for name in fields})
        obj.order = number
        try:
            obj.full_clean(exclude=["template"])
        except ValidationError as error:
            raise ValidationError(
                _("Line %(number)s: %(errors)s")
                % {"number": number, "errors": " ".join(error.messages)}
            ) from error
        built.append(obj)
    if not built:
        raise ValidationError(
            _("A hazard template needs at least one hazard.")
            if model is HazardTemplate
            else _("A checklist needs at least one question.")
        )
    if template.pk is None:
        try:
            template.save()
        except IntegrityError as error:  # the same name or key, saved a moment ago
            raise ValidationError(
                _("Someone just added one with this name: reload the list.")
            ) from error
    else:
        versions.bump(template, ["name_nb", "name_nn", "name_en"])
        getattr(template, relation).all().delete()
    for obj in built:
        obj.template = template
    line_model.objects.bulk_create(built)
    return template


@transaction.atomic
def template_set_active(*, actor, template: KeptTemplate, is_active: bool) -> KeptTemplate:
    """Retire a template (no longer offered for new assessments or rounds; those made from it
    keep their copies) or take it into use again."""
    _require(access.is_hms_department(actor))
    template = type(template).objects.select_for_update().get(pk=template.pk)
    if template.is_active != is_active:
        template.is_active = is_active
        template.save(update_fields=["is_active"])
    return template


@transaction.atomic
def template_move(*, actor, template: KeptTemplate, up: bool) -> KeptTemplate:
    """Move a template one place up or down among those in use (or among the retired ones,
    where it is listed). The list is locked and numbered afresh, so two moves at once cannot
    leave two templates on one place."""
    _require(access.is_hms_department(actor))
    ordered = list(type(template).objects.select_for_update().order_by("position", "pk"))
    moved = next(item for item in ordered if item.pk == template.pk)
    changed = ordering.move_one_place(ordered, moved, up=up, field="position")
    type(template).objects.bulk_update(changed, ["position"])
    return moved


# Risk assessments ----------------------------------------------------------------------------


def _invite_role_holders(assessment: RiskAssessment) -> None:
    for role, as_role in (
        (Role.LINE_MANAGER, ParticipantRole.LINE_MANAGER),
        (Role.SAFETY_REP, ParticipantRole.SAFETY_REP),
    ):
        for user in access.nearest_role_holders(assessment.unit, role):
            Participant.objects.get_or_create(
                assessment=assessment, user=user, defaults={"role": as_role}
            )


@transaction.atomic
def assessment_create(
    *,
    actor,
    unit: Unit,
    title: str,
    activity: str,
    assessed_on: datetime.date | None = None,
    template: HazardTemplate | None = None,
) -> RiskAssessment:
    """A new draft with the current matrix. The unit's line manager and safety rep are invited
    at once; a template adds its common hazards as rows to be scored."""
    _require(can_edit(actor, unit))
    if template is not None and not template.is_active:
        raise ValidationError({"template": _("This template has been retired.")})
    assessment = RiskAssessment(
        unit=unit,
        title=title.strip(),
        activity=activity.strip(),
        assessed_on=assessed_on or timezone.localdate(),
        matrix=current_matrix(),
        created_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    _invite_role_holders(assessment)
    if template is not None:
        RiskRow.objects.bulk_create(
            RiskRow(
                assessment=assessment,
                hazard=row.hazard,
                existing_measures=row.existing_measures,
                order=row.order,
            )
            for row in template.rows.all()
        )
    return assessment


# What a new assessment takes from the one it starts from: the hazards as the unit saw them.
# The proposed measures and the residual risk are left out with the links to the measures:
# they describe measures of the source's own action plan, which the new draft does not have.
SOURCE_ROW_FIELDS = (
    "hazard",
    "existing_measures",
    "probability",
    "consequence_people",
    "consequence_environment",
    "consequence_material",
    "consequence_reputation",
    "order",
)


@transaction.atomic
def assessment_create_from(
    *,
    actor,
    unit: Unit,
    source: RiskAssessment,
    title: str,
    activity: str,
    assessed_on: datetime.date | None = None,
) -> RiskAssessment:
    """A new draft for `unit` started from an earlier assessment (the unit's own, or another
    unit's approved one the actor may see): the work activities and the hazards with their
    scores and existing measures are copied, to be gone through again. The participants,
    approval, review date, history and links to measures are not: the new draft has the
    unit's line manager and safety rep invited, like any new assessment."""
    _require(can_edit(actor, unit))
    _require(RiskAssessment.objects.usable_as_source(actor).filter(pk=source.pk).exists())
    assessment = assessment_create(
        actor=actor, unit=unit, title=title, activity=activity, assessed_on=assessed_on
    )
    old_activities = list(source.activities.all())
    new_activities = WorkActivity.objects.bulk_create(
        WorkActivity(
            assessment=assessment,
            name=old.name,
            harms_people=old.harms_people,
            harms_material=old.harms_material,
            harms_environment=old.harms_environment,
            order=old.order,
        )
        for old in old_activities
    )
    activities = {old.pk: new for old, new in zip(old_activities, new_activities, strict=True)}
    # The copied values passed validation in the source, and the database's constraints keep
    # every score within 1–5; a full_clean per row would cost a query per row for the keys.
    RiskRow.objects.bulk_create(
        RiskRow(
            assessment=assessment,
            activity=activities.get(row.activity_id),
            **{name: getattr(row, name) for name in SOURCE_ROW_FIELDS},
        )
        for row in source.rows.all()
    )
    return assessment


@transaction.atomic
def assessment_copy_for_review(*, actor, assessment: RiskAssessment) -> RiskAssessment:
    """Start next year's review as a copy: same activities and rows, the current matrix, and a
    link back to the assessment it reviews."""
    _require(can_edit(actor, assessment.unit))
    # Locked so that a double click cannot start two reviews of the same assessment.
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.reviews.filter(status=AssessmentStatus.DRAFT).exists():
        raise ValidationError(_("A review of this assessment has been started already."))
    copy = RiskAssessment.objects.create(
        unit=assessment.unit,
        title=assessment.title,
        activity=assessment.activity,
        assessed_on=timezone.localdate(),
        matrix=current_matrix(),
        previous=assessment,
        created_by=actor,
    )
    activities = {}
    for activity in assessment.activities.all():
        activities[activity.pk] = WorkActivity.objects.create(
            assessment=copy,
            name=activity.name,
            harms_people=activity.harms_people,
            harms_material=activity.harms_material,
            harms_environment=activity.harms_environment,
            order=activity.order,
        )
    for row in assessment.rows.all():
        fields = {name: getattr(row, name) for name in ROW_COPY_FIELDS}
        activity = activities.get(row.activity_id)
        new_row = RiskRow.objects.create(assessment=copy, activity=activity, **fields)
        RowMeasure.objects.bulk_create(
            RowMeasure(row=new_row, measure_id=measure_id)
            for measure_id in row.measures.values_list("pk", flat=True)
        )
    for participant in assessment.participants.all():
        Participant.objects.create(assessment=copy, user=participant.user, role=participant.role)
    # The roles may have changed hands since last year: today's holders take part too.
    _invite_role_holders(copy)
    return copy


@transaction.atomic
def assessment_approve(
    *, actor, assessment: RiskAssessment, review_date: datetime.date, version: int
) -> RiskAssessment:
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    _require(can_approve(actor, assessment.unit))
    if assessment.version != version:
        raise ValidationError(_("Someone else changed this assessment; look at it again."))
    errors = []
    if assessment.status != AssessmentStatus.DRAFT:
        errors.append(_("Only a draft can be approved."))
    if not assessment.participants.filter(role=ParticipantRole.SAFETY_REP).exists():
        errors.append(_("The safety representative must be invited before approval."))
    rows = list(assessment.rows.all())
    if not rows:
        errors.append(_("Add at least one hazard before approval."))
    if any(not row.is_scored for row in rows):
        errors.append(_("Every hazard needs a probability and four consequences."))
    if review_date <= timezone.localdate():
        errors.append(_("The review date must be in the future."))
    if errors:
        raise ValidationError(errors)
    assessment.status = AssessmentStatus.APPROVED
    assessment.approved_by = actor
    assessment.approved_at = timezone.now()
    assessment.review_date = review_date
    assessment.version = F("version") + 1
    assessment.save(
        update_fields=["status", "approved_by", "approved_at", "review_date", "version"]
    )
    return RiskAssessment.objects.get(pk=assessment.pk)


def _editable(actor, assessment: RiskAssessment) -> None:
    _require(can_edit(actor, assessment.unit))
    if assessment.status != AssessmentStatus.DRAFT:
        raise ValidationError(
            _("An approved assessment is not changed; start a review of it instead.")
        )


def _changed(assessment: RiskAssessment) -> None:
    """Any change of the content bumps the version the approval form carries, so an approval
    based on what the approver saw before someone else's change is refused."""
    RiskAssessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)


@transaction.atomic
def assessment_update(
    *,
    actor,
    assessment: RiskAssessment,
    version: int,
    title: str,
    activity: str,
    assessed_on: datetime.date,
) -> RiskAssessment:
    """Change the heading of a draft: title, activity or area, and date."""
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    _editable(actor, assessment)
    if assessment.version != version:
        raise ValidationError(_("Someone else changed this assessment; look at it again."))
    assessment.title = title.strip()
    assessment.activity = activity.strip()
    assessment.assessed_on = assessed_on
    assessment.full_clean()
    assessment.version = F("version") + 1
    assessment.save(update_fields=["title", "activity", "assessed_on", "version"])
    return RiskAssessment.objects.get(pk=assessment.pk)


@transaction.atomic
def activity_save(
    *,
    actor,
    assessment: RiskAssessment,
    activity: WorkActivity | None = None,
    version: int | None = None,
    **fields,
) -> WorkActivity:
    """Add a task to the mapping or change one; a change prepared on an older version of the
    task (`version` from the page) is refused as stale."""
    _editable(actor, assessment)
    if activity is not None:
        activity = WorkActivity.objects.select_for_update().get(pk=activity.pk)
        versions.check_version(activity.version, version)
    else:
        activity = WorkActivity(assessment=assessment)
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.full_clean()
    if activity.pk is None:
        activity.save()
    else:
        versions.bump(activity, list(fields))
    _changed(assessment)
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: WorkActivity) -> None:
    """Remove a task from the mapping; hazards assessed for it stay, without the link."""
    _editable(actor, activity.assessment)
    activity.delete()
    _changed(activity.assessment)


@transaction.atomic
def row_save(
    *,
    actor,
    assessment: RiskAssessment,
    row: RiskRow | None = None,
    version: int | None = None,
    **fields,
) -> RiskRow:
    """Add a hazard or change one; a change prepared on an older version of the hazard
    (`version` from the form) is refused as stale, so a red risk is never silently turned
    green by someone who did not see it."""
    _editable(actor, assessment)
    if row is not None:
        row = RiskRow.objects.select_for_update().get(pk=row.pk)
        versions.check_version(row.version, version)
    else:
        row = RiskRow(assessment=assessment)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    if row.pk is None:
        row.save()
    else:
        versions.bump(row, list(fields))
    _changed(assessment)
    return row


@transaction.atomic
def row_delete(*, actor, row: RiskRow) -> None:
    _editable(actor, row.assessment)
    if row.measures.exists():
        raise ValidationError(_("This hazard has measures in the action plan; keep it."))
    row.delete()
    _changed(row.assessment)


@transaction.atomic
def participant_save(
    *,
    actor,
    assessment: RiskAssessment,
    user,
    role: str,
    took_part: bool = False,
    version: int | None = None,
) -> Participant:
    """Invite someone, or change their part and whether they took part. `version` is the
    participant as the page showed it (0: not on the page); a change prepared on another
    is refused."""
    _editable(actor, assessment)
    participant, created = Participant.objects.select_for_update().get_or_create(
        assessment=assessment, user=user, defaults={"role": role, "took_part": took_part}
    )
    if not created:
        versions.check_version(participant.version, version)
        participant.role, participant.took_part = role, took_part
        versions.bump(participant, ["role", "took_part"])
    _changed(assessment)
    return participant


# A measure for a hazard is as urgent as the hazard's risk (DOMAIN.md: red is unacceptable,
# measures required; yellow, consider measures; green, acceptable).
ZONE_PRIORITY = {Zone.RED: Priority.HIGH, Zone.YELLOW: Priority.MEDIUM, Zone.GREEN: Priority.LOW}


def priority_for_row(row: RiskRow) -> str:
    """The priority of a measure for this hazard: from its risk value, in the zones of the
    matrix its assessment was made with. A row not yet scored gives medium."""
    value = row.risk_value
    if not value:
        return Priority.MEDIUM
    return ZONE_PRIORITY[row.assessment.matrix.zone(value)]


@transaction.atomic
def row_propose_measure(
    *,
    actor,
    row: RiskRow,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A proposed measure goes into the unit's action plan, linked to the hazard, with the
    priority its risk value gives (priority_for_row)."""
    _require(can_edit(actor, row.assessment.unit))
    row = RiskRow.objects.select_related("assessment__unit", "assessment__matrix").get(pk=row.pk)
    measure = measure_create(
        actor=actor,
        unit=row.assessment.unit,
        title=title,
        description=description,
        responsible=responsible,
        deadline=deadline,
        priority=priority_for_row(row),
        estimated_cost=estimated_cost,
        source=MeasureSource.RISK_ASSESSMENT,
        origin_label=row.assessment.title,
        origin_url=row.assessment.get_absolute_url(),
    )
    RowMeasure.objects.create(row=row, measure=measure)
    return measure


# Matrix views -------------------------------------------------------------------------------


def worst_consequence_expression():
    return Greatest(
        "consequence_people",
        "consequence_environment",
        "consequence_material",
        "consequence_reputation",
        output_field=IntegerField(),
    )


def matrix_counts(rows) -> dict[tuple[int, int], int]:
    """Rows counted per cell: {(probability, worst consequence): count}. One query."""
    # order_by(): an ordering of the caller's would otherwise join the GROUP BY.
    scored = (
        rows.filter(probability__isnull=False)
        .order_by()
        .annotate(worst=worst_consequence_expression())
    )
    return {
        (cell["probability"], cell["worst"]): cell["n"]
        for cell in scored.values("probability", "worst").annotate(n=Count("pk"))
        if cell["worst"]
    }


def red_rows(rows):
    """Rows in the red zone of the matrix their assessment was made with."""
    return (
        rows.filter(probability__isnull=False)
        .annotate(value=F("probability") * worst_consequence_expression())
        .filter(value__gte=F("assessment__matrix__red_min"))
    )


# Inspection rounds --------------------------------------------------------------------------


def can_run_round(user, unit: Unit) -> bool:
    return access.can_manage_records(user, unit)


@transaction.atomic
def round_plan(
    *,
    actor,
    unit: Unit,
    planned_for: datetime.date,
    participants: list,
    checklists: list,
    pre_meeting_notes: str = "",
) -> InspectionRound:
    """Plan a round: the line manager and the safety rep are required participants; the
    checklists are copied in; every measure from the unit's risk assessments is to be checked.
    `participants` is a list of (user, ParticipantRole) pairs."""
    _require(can_run_round(actor, unit))
    # One person takes part in one role: the first pair given for a user is kept, and the
    # required roles are checked on what is kept (the line manager cannot also be the
    # safety representative, who speaks for the employees).
    kept: dict[int, tuple] = {}
    for user, role in participants:
        kept.setdefault(user.pk, (user, role))
    roles = {role for _user, role in kept.values()}
    errors = []
    if not unit.is_active:
        errors.append(_("This unit is no longer active."))
    if ParticipantRole.LINE_MANAGER not in roles:
        errors.append(_("The line manager must take part in the round."))
    if ParticipantRole.SAFETY_REP not in roles:
        errors.append(_("The safety representative must take part in the round."))
    if not checklists:
        errors.append(_("Choose at least one checklist."))
    elif ChecklistTemplate.objects.filter(
        pk__in=[t.pk for t in checklists], is_active=False
    ).exists():
        errors.append(_("A chosen checklist has been retired."))
    if errors:
        raise ValidationError(errors)
    round_ = InspectionRound(
        unit=unit,
        planned_for=planned_for,
        pre_meeting_notes=pre_meeting_notes.strip(),
        created_by=actor,
    )
    round_.full_clean()
    round_.save()
    RoundParticipant.objects.bulk_create(
        RoundParticipant(round=round_, user=user, role=role) for user, role in kept.values()
    )
    templates = list(
        ChecklistTemplate.objects.filter(pk__in=[t.pk for t in checklists]).prefetch_related(
            "items"
        )
    )
    round_.checklists.set(templates)
    ChecklistAnswer.objects.bulk_create(
        ChecklistAnswer(
            round=round_,
            checklist=template.slug,
            question=item.text_nb,
            question_en=item.text_en,
            order=item.order,
        )
        for template in templates
        for item in template.items.all()
    )
    MeasureCheck.objects.bulk_create(
        MeasureCheck(round=round_, measure=measure) for measure in measures_to_check(unit)
    )
    return round_


def measures_to_check(unit: Unit):
    """The measures a round of the unit checks: those from the unit's risk assessments. A
    cancelled measure is not there to be checked."""
    return (
        Measure.objects.filter(unit=unit, risk_rows__assessment__unit=unit)
        .exclude(status=MeasureStatus.CANCELLED)
        .distinct()
    )


def _round_editable(actor, round_: InspectionRound) -> None:
    _require(can_run_round(actor, round_.unit))
    if round_.status == RoundStatus.COMPLETED:
        raise ValidationError(_("The round is completed and its report archived."))


def answer_finding_text(answer: ChecklistAnswer, question: str | None = None) -> str:
    """The finding a question answered "not OK" is recorded as with one tap: the question and
    the comment. The round page and the completion check both go by it."""
    question = answer.question_text if question is None else question
    return f"{question} {answer.comment}" if answer.comment else question


def answer_finding_texts(answer: ChecklistAnswer) -> set[str]:
    """The answer's finding text in each language its question has (the finding was recorded
    in the language of whoever tapped)."""
    return {answer_finding_text(answer, q) for q in (answer.question, answer.question_en) if q}


@transaction.atomic
def answer_save(*, actor, answer: ChecklistAnswer, value: str, comment: str) -> ChecklistAnswer:
    _round_editable(actor, answer.round)
    answer.answer = value
    answer.comment = comment.strip()
    answer.full_clean()
    answer.save(update_fields=["answer", "comment"])
    return answer


@transaction.atomic
def measure_check_save(
    *, actor, check: MeasureCheck, implemented: bool | None, working: bool | None, comment: str
) -> MeasureCheck:
    _round_editable(actor, check.round)
    if implemented is False and working is True:
        raise ValidationError(_("A measure that is not implemented cannot be working as intended."))
    check.implemented = implemented
    check.working = working
    check.comment = comment.strip()
    check.save(update_fields=["implemented", "working", "comment"])
    return check


@transaction.atomic
def round_notes_save(
    *,
    actor,
    round_: InspectionRound,
    version: int,
    pre_meeting_notes: str | None = None,
    post_meeting_notes: str | None = None,
) -> InspectionRound:
    """Save the pre- or post-meeting notes (None leaves them as they are). The version the
    page showed must still be current, so nobody's notes are silently overwritten."""
    round_ = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    _round_editable(actor, round_)
    if round_.version != version:
        raise ValidationError(_("Someone else changed this round; look at it again."))
    fields = ["version"]
    if pre_meeting_notes is not None:
        round_.pre_meeting_notes = pre_meeting_notes.strip()
        fields.append("pre_meeting_notes")
    if post_meeting_notes is not None:
        round_.post_meeting_notes = post_meeting_notes.strip()
        fields.append("post_meeting_notes")
    round_.version = F("version") + 1
    round_.save(update_fields=fields)
    return InspectionRound.objects.get(pk=round_.pk)


@transaction.atomic
def round_participants_save(
    *,
    actor,
    round_: InspectionRound,
    took_part: set[int],
    add=None,
    shown_versions: dict[int, int] | None = None,
) -> None:
    """Record who took part (`took_part`: participant ids); `add` invites one more person,
    as having taken part. With `shown_versions` (each participant's version as the page
    showed it), a tick changed on an older version is refused as stale, the list whole; a
    participant the page did not show counts as version 0."""
    _round_editable(actor, round_)
    for participant in round_.participants.select_for_update():
        value = participant.pk in took_part
        if participant.took_part != value:
            if shown_versions is not None:
                versions.check_version(participant.version, shown_versions.get(participant.pk, 0))
            participant.took_part = value
            versions.bump(participant, ["took_part"])
    if add is not None:
        RoundParticipant.objects.get_or_create(
            round=round_, user=add, defaults={"role": ParticipantRole.OTHER, "took_part": True}
        )


@transaction.atomic
def measure_check_follow_up(
    *,
    actor,
    check: MeasureCheck,
    title: str,
    responsible,
    deadline: datetime.date,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A measure found not working as intended gets a new measure in one step. It is recorded
    as a finding of the round, followed up with the measure, so the report shows it; the new
    measure names the one it follows up, which stays open."""
    check = MeasureCheck.objects.select_related("round__unit", "measure").get(pk=check.pk)
    _round_editable(actor, check.round)
    if check.working is not False:
        raise ValidationError(_("Only a measure found not working needs a new measure."))
    text = check_finding_text(check)
    finding = finding_add(actor=actor, round_=check.round, text=text)
    finding.measure_check = check
    finding.save(update_fields=["measure_check"])
    return finding_to_measure(
        actor=actor,
        finding=finding,
        title=title,
        responsible=responsible,
        deadline=deadline,
        estimated_cost=estimated_cost,
        follow_up_of=check.measure,
    )


def check_finding_text(check: MeasureCheck) -> str:
    """The finding recorded for a measure not working."""
    text = f"{check.measure.title}: " + _("not working as intended.")
    return f"{text} {check.comment}" if check.comment else text


def findings_of_check(check: MeasureCheck, findings) -> list[Finding]:
    return [finding for finding in findings if finding.measure_check_id == check.pk]


@transaction.atomic
def finding_add(*, actor, round_: InspectionRound, text: str, location: str = "") -> Finding:
    _round_editable(actor, round_)
    finding = Finding(round=round_, text=text.strip(), location=location.strip())
    finding.full_clean()
    finding.save()
    return finding


@transaction.atomic
def finding_to_measure(
    *,
    actor,
    finding: Finding,
    title: str,
    responsible,
    deadline: datetime.date,
    estimated_cost: Decimal | None = None,
    follow_up_of: Measure | None = None,
) -> Measure:
    """One step from a finding to a measure in the unit's action plan."""
    finding = Finding.objects.select_for_update().select_related("round__unit").get(pk=finding.pk)
    _require(can_run_round(actor, finding.round.unit))
    if finding.outcome:
        raise ValidationError(_("This finding has been followed up already."))
    round_ = finding.round
    measure = measure_create(
        actor=actor,
        unit=round_.unit,
        title=title,
        description=finding.text,
        responsible=responsible,
        deadline=deadline,
        source=MeasureSource.INSPECTION_ROUND,
        origin_label=f"{round_.unit.code} {round_.planned_for.isoformat()}",
        origin_url=round_.get_absolute_url(),
        estimated_cost=estimated_cost,
        follow_up_of=follow_up_of,
    )
    finding.outcome = FindingOutcome.MEASURE
    finding.measure = measure
    finding.save(update_fields=["outcome", "measure"])
    return measure


@transaction.atomic
def finding_to_deviation(
    *, actor, finding: Finding, category, severity: str, deviation_type: str, submission_token
):
    """One step from a finding to a deviation reported for the unit, by the actor."""
    from deviations.services import deviation_report

    finding = Finding.objects.select_for_update().select_related("round__unit").get(pk=finding.pk)
    _require(can_run_round(actor, finding.round.unit))
    if finding.outcome:
        raise ValidationError(_("This finding has been followed up already."))
    deviation, _code, _created = deviation_report(
        reporter=actor,
        anonymous=False,
        unit=finding.round.unit,
        submission_token=submission_token,
        title=finding.text[:200],
        description=finding.text,
        location=finding.location,
        occurred_at=timezone.now(),
        deviation_type=deviation_type,
        category=category,
        severity=severity,
    )
    finding.outcome = FindingOutcome.DEVIATION
    finding.deviation = deviation
    finding.save(update_fields=["outcome", "deviation"])
    return deviation


@transaction.atomic
def round_complete(
    *, actor, round_: InspectionRound, post_meeting_notes: str = "", version: int
) -> InspectionRound:
    """Complete the round and archive its report. Refused, with what is missing, until every
    question is answered (a "not OK" with what is wrong), every measure checked, every finding
    followed up and someone is marked as having taken part. A measure found implemented and
    working is done: it is closed in the action plan as effective. One not working stays
    open; its follow-up measure names it."""
    round_ = InspectionRound.objects.select_for_update().get(pk=round_.pk)
    _round_editable(actor, round_)
    if round_.version != version:
        raise ValidationError(_("Someone else changed this round; look at it again."))
    errors = []
    if round_.answers.filter(answer="").exists():
        errors.append(_("Answer every checklist question before completing the round."))
    finding_texts = set(round_.findings.values_list("text", flat=True))
    for answer in round_.answers.filter(answer=Answer.NOT_OK, comment=""):
        if not finding_texts & answer_finding_texts(answer):
            errors.append(
                _(
                    "“%(question)s” is answered “Not OK”: record it as a finding, or say in "
                    "its comment why nothing needs to be done."
                )
                % {"question": answer.question_text}
            )
    if round_.measure_checks.filter(Q(implemented__isnull=True) | Q(working__isnull=True)).exists():
        errors.append(_("Check every measure: implemented, and working?"))
    if round_.findings.filter(outcome="").exists():
        errors.append(_("Follow up every finding: make it a deviation or a measure."))
    if not round_.participants.filter(took_part=True).exists():
        errors.append(_("Mark who took part in the round before completing it."))
    if errors:
        raise ValidationError(errors)
    comment = _("Found implemented and working on the inspection round of %(date)s.") % {
        "date": date_format(round_.planned_for, "SHORT_DATE_FORMAT")
    }
    working = Measure.objects.select_for_update().filter(
        pk__in=round_.measure_checks.filter(implemented=True, working=True).values("measure"),
        status__in=MEASURE_OPEN_STATUSES,
    )
    for measure in working:
        measure_record_effect(
            measure=measure,
            effectiveness=Effectiveness.EFFECTIVE,
            effectiveness_comment=comment,
            close=True,
        )
    round_.status = RoundStatus.COMPLETED
    round_.completed_at = timezone.now()
    round_.post_meeting_notes = post_meeting_notes.strip() or round_.post_meeting_notes
    round_.version = F("version") + 1
    round_.save(update_fields=["status", "completed_at", "post_meeting_notes", "version"])
    return InspectionRound.objects.get(pk=round_.pk)


def units_without_recent_round(units, today=None):
    """Units (of the given queryset) with no completed round in the last 12 months."""
    today = today or timezone.localdate()
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=365), datetime.time.min)
    )
    recent = InspectionRound.objects.filter(
        status=RoundStatus.COMPLETED, completed_at__gte=since
    ).values("unit_id")
    return units.exclude(pk__in=recent)
