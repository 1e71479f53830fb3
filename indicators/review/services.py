"""Writes of the management review. Each checks who may make it and that the review is still
a draft; edits of the text carry the version the page showed, so nobody's words are silently
overwritten."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans.models import Measure, MeasureSource, Priority
from indicators.review import facts
from indicators.review.models import (
    AGENDA,
    AgendaItem,
    Decision,
    ManagementReview,
    ParticipantFunction,
    ReviewParticipant,
    ReviewStatus,
    can_run_review,
)
from units import access
from units.models import Role, Unit


def _check_may_run(actor, root: Unit) -> None:
    if not can_run_review(actor, root):
        raise PermissionDenied


def _check_draft(review: ManagementReview) -> None:
    if review.status != ReviewStatus.DRAFT:
        raise ValidationError(_("The review is final and can no longer be changed."))


def _locked(review: ManagementReview, actor) -> ManagementReview:
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    _check_may_run(actor, review.root)
    _check_draft(review)
    return review


def _bump(review: ManagementReview) -> None:
    ManagementReview.objects.filter(pk=review.pk).update(version=F("version") + 1)


@transaction.atomic
def review_create(*, actor, root: Unit, year: int) -> ManagementReview:
    """A new review with every agenda item of the seed, the rector and the chief safety rep
    named as participants, and the year's facts taken now."""
    _check_may_run(actor, root)
    if root.depth != 1:
        raise ValidationError(_("A management review belongs to the institution (a top unit)."))
    if ManagementReview.objects.filter(root=root, year=year).exists():
        raise ValidationError(
            {"year": _("The review of %(year)s already exists.") % {"year": year}}
        )
    review = ManagementReview(root=root, year=year, created_by=actor)
    review.full_clean(exclude=["facts"])
    review.facts = facts.collect(root, year)
    review.facts_taken_at = timezone.now()
    review.save()
    AgendaItem.objects.bulk_create(
        AgendaItem(review=review, key=key, order=number, title_nb=nb, title_en=en)
        for number, (key, nb, en) in enumerate(AGENDA, start=1)
    )
    named = [
        (user, ParticipantFunction.RECTOR)
        for user in access.nearest_role_holders(root, Role.LINE_MANAGER)
    ] + [
        (user, ParticipantFunction.CHIEF_SAFETY_REP)
        for user in access.nearest_role_holders(root, Role.CHIEF_SAFETY_REP)
    ]
    seen = set()
    for user, function in named:
        if user.pk not in seen:
            seen.add(user.pk)
            ReviewParticipant.objects.create(review=review, user=user, function=function)
    return review


@transaction.atomic
def review_update(
    *,
    actor,
    review: ManagementReview,
    version: int,
    meeting_date: datetime.date | None,
    archive_case_number: str,
) -> ManagementReview:
    """The meeting date and the archive case number. A final review still takes its archive
    case number: the archive gives it only once the final document is filed."""
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    _check_may_run(actor, review.root)
    if review.version != version:
        raise ValidationError(_("Someone else changed the review; look at it again."))
    archive_case_number = archive_case_number.strip()
    changes_final = meeting_date != review.meeting_date or (
        review.archive_case_number and archive_case_number != review.archive_case_number
    )
    if review.is_final and changes_final:
        raise ValidationError(
            _("The review is final: only a missing archive case number can be added.")
        )
    review.meeting_date = meeting_date
    review.archive_case_number = archive_case_number
    review.full_clean(exclude=["facts"])
    review.version = F("version") + 1
    review.save(update_fields=["meeting_date", "archive_case_number", "version"])
    return ManagementReview.objects.get(pk=review.pk)


@transaction.atomic
def review_refresh_facts(*, actor, review: ManagementReview) -> ManagementReview:
    """Take the year's facts again (only while the review is a draft)."""
    review = _locked(review, actor)
    review.facts = facts.collect(review.root, review.year)
    review.facts_taken_at = timezone.now()
    review.version = F("version") + 1
    review.save(update_fields=["facts", "facts_taken_at", "version"])
    return ManagementReview.objects.get(pk=review.pk)


@transaction.atomic
def review_finalise(*, actor, review: ManagementReview, version: int) -> ManagementReview:
    """Make the review final: from now on it is read-only, with the facts it was held on."""
    review = _locked(review, actor)
    if review.version != version:
        raise ValidationError(_("Someone else changed the review; look at it again."))
    errors = []
    if review.meeting_date is None:
        errors.append(_("Give the date of the meeting first."))
    if not review.participants.filter(took_part=True).exists():
        errors.append(_("Mark who took part first."))
    if errors:
        raise ValidationError(errors)
    review.status = ReviewStatus.FINAL
    review.finalised_by = actor
    review.finalised_at = timezone.now()
    review.version = F("version") + 1
    review.save(update_fields=["status", "finalised_by", "finalised_at", "version"])
    return ManagementReview.objects.get(pk=review.pk)


@transaction.atomic
def participant_add(
    *, actor, review: ManagementReview, function: str, user=None, name: str = ""
) -> ReviewParticipant:
    review = _locked(review, actor)
    name = name.strip()
    if user is None and not name:
        raise ValidationError({"person": _("Give a user or a name.")})
    if user is not None and review.participants.filter(user=user).exists():
        raise ValidationError({"person": _("This person is already a participant.")})
    participant = ReviewParticipant(
        review=review, user=user, name="" if user else name, function=function
    )
    participant.full_clean()
    participant.save()
    _bump(review)
    return participant


@transaction.atomic
def participants_took_part(*, actor, review: ManagementReview, took_part: set[int]) -> None:
    """Who took part in the meeting: the ticked participants did, the others did not."""
    review = _locked(review, actor)
    review.participants.update(took_part=False)
    review.participants.filter(pk__in=took_part).update(took_part=True)
    _bump(review)


@transaction.atomic
def participant_remove(*, actor, participant: ReviewParticipant) -> None:
    review = _locked(participant.review, actor)
    participant.delete()
    _bump(review)


@transaction.atomic
def item_notes_save(*, actor, item: AgendaItem, version: int, notes: str) -> AgendaItem:
    _locked(item.review, actor)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if item.version != version:
        raise ValidationError(
            _("Someone else changed the notes of this item; their text is shown above yours.")
        )
    item.notes = notes.strip()
    item.version = F("version") + 1
    item.save(update_fields=["notes", "version"])
    return AgendaItem.objects.get(pk=item.pk)


@transaction.atomic
def decision_add(
    *,
    actor,
    item: AgendaItem,
    text: str,
    responsible=None,
    deadline: datetime.date | None = None,
) -> Decision:
    _locked(item.review, actor)
    decision = Decision(
        item=item, text=text.strip(), responsible=responsible, deadline=deadline, created_by=actor
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_remove(*, actor, decision: Decision) -> None:
    _locked(decision.item.review, actor)
    if decision.measure_id:
        raise ValidationError(
            _("This decision is already a measure of the action plan; it stays in the review.")
        )
    decision.delete()


@transaction.atomic
def decision_to_measure(
    *, actor, decision: Decision, priority: str = Priority.MEDIUM, estimated_cost=None
) -> Measure:
    """Put a decision into the institution's action plan as a measure, in one step, so it is
    followed up (and shown with its status in next year's review)."""
    decision = (
        Decision.objects.select_for_update()
        .select_related("item__review__root")
        .get(pk=decision.pk)
    )
    review = _locked(decision.item.review, actor)
    if decision.measure_id:
        raise ValidationError(_("This decision is already a measure of the action plan."))
    errors = {}
    if decision.responsible_id is None:
        errors["responsible"] = _("A measure needs a responsible person.")
    if decision.deadline is None:
        errors["deadline"] = _("A measure needs a deadline.")
    if errors:
        raise ValidationError(errors)
    measure = Measure(
        unit=review.root,
        title=decision.text.strip().splitlines()[0][:300],
        description=_("Decision of the management review %(year)s, item %(number)s: %(text)s")
        % {"year": review.year, "number": decision.item.order, "text": decision.text},
        responsible=decision.responsible,
        deadline=decision.deadline,
        priority=priority,
        estimated_cost=estimated_cost,
        source=MeasureSource.ACTION_PLAN,
        created_by=actor,
    )
    measure.full_clean()
    measure.save()
    decision.measure = measure
    decision.save(update_fields=["measure"])
    return measure
