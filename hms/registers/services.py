"""Writes of the registers. Each checks who may do it, validates with full_clean() and bumps
`version`, so a form based on an older version is refused instead of overwriting."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.registers.models import (
    AgreementParty,
    CooperationItem,
    CoordinationAgreement,
    Document,
    DocumentVersion,
    Requirement,
    Routine,
    RoutineStatus,
    RoutineTemplate,
    UnitRequirement,
)
from units import access, versions
from units.models import Role, Unit

ROUTINE_TEXT = ["title", "purpose", "scope", "responsibility", "procedure", "references"]


def can_change(user, unit: Unit) -> bool:
    """Line manager or HSE coordinator of the unit (or above), and the HSE department."""
    return access.can_manage_records(user, unit)


def can_approve(user, unit: Unit) -> bool:
    """The line manager approves routines and documents: the HSE responsibility is theirs and
    cannot be delegated."""
    return access.sees_everything(user) or access.has_role(user, {Role.LINE_MANAGER}, unit)


def _require_change(actor, unit: Unit) -> None:
    if not can_change(actor, unit):
        raise PermissionDenied


def _require_hms_department(actor) -> None:
    if not access.is_hms_department(actor):
        raise PermissionDenied


def _check_version(current: int, given: int | None, what) -> None:
    if given is not None and current != given:
        raise ValidationError(
            _("Someone else changed this %(what)s after you opened it; look at it again."),
            params={"what": what},
        )


# --- Requirements -------------------------------------------------------------------------------


@transaction.atomic
def requirement_save(
    *, actor, requirement: Requirement | None = None, version: int | None = None, **fields
) -> Requirement:
    """Add or change a requirement of the catalogue (HSE department only); a change prepared
    on an older version (`version` from the form) is refused as stale."""
    _require_hms_department(actor)
    if requirement is not None:
        requirement = Requirement.objects.catalogue().select_for_update().get(pk=requirement.pk)
        versions.check_version(requirement.version, version)
    else:
        requirement = Requirement()
    for name, value in fields.items():
        setattr(requirement, name, value.strip() if isinstance(value, str) else value)
    requirement.full_clean()
    if requirement.pk is None:
        requirement.save()
    else:
        versions.bump(requirement, list(fields))
    return requirement


@transaction.atomic
def local_requirement_save(
    *,
    actor,
    unit: Unit,
    requirement: Requirement | None = None,
    version: int | None = None,
    **fields,
) -> Requirement:
    """Add or change one of the unit's own requirements (its lab rules, a local agreement):
    by those who keep the unit's records. It is listed in the unit's register and in those of
    the units below it."""
    if requirement is not None:
        requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
        if requirement.unit_id is None:
            raise PermissionDenied
        unit = requirement.unit
        _require_change(actor, unit)
        versions.check_version(requirement.version, version)
    else:
        _require_change(actor, unit)
        requirement = Requirement(unit=unit)
    for name, value in fields.items():
        setattr(requirement, name, value.strip() if isinstance(value, str) else value)
    requirement.full_clean()
    if requirement.pk is None:
        requirement.save()
    else:
        versions.bump(requirement, list(fields))
    return requirement


def register_listable_q(unit: Unit) -> Q:
    """What the unit's register may list: the catalogue and the local requirements of the
    unit and of the units above it (another unit's local requirement never)."""
    return Q(unit__isnull=True) | Q(unit__path__in=[*unit.ancestor_paths(), unit.path])


@transaction.atomic
def requirement_review(
    *,
    actor,
    unit: Unit,
    requirement: Requirement,
    version: int | None,
    applies: bool | None = None,
    comment: str | None = None,
) -> UnitRequirement:
    """Review one requirement of the unit's register: the entry gets today's date and the
    reviewer, and whether it applies and the comment when given (kept as they are when None;
    a requirement not reviewed before does not apply until someone says it does). `version`
    is the entry's version as the page showed it, 0 for none yet: a review prepared before
    someone else's is refused as stale."""
    _require_change(actor, unit)
    if not Requirement.objects.filter(register_listable_q(unit), pk=requirement.pk).exists():
        raise PermissionDenied
    entry = (
        UnitRequirement.objects.select_for_update()
        .filter(unit=unit, requirement=requirement)
        .first()
    )
    versions.check_version(entry.version if entry else 0, version)
    if entry is None:
        entry = UnitRequirement(unit=unit, requirement=requirement)
    if applies is not None:
        entry.applies = applies
    if comment is not None:
        entry.comment = comment.strip()
    entry.reviewed_on = timezone.localdate()
    entry.reviewed_by = actor
    entry.full_clean()
    if entry.pk is None:
        entry.save()
    else:
        versions.bump(entry, ["applies", "comment", "reviewed_on", "reviewed_by"])
    return entry


@transaction.atomic
def requirements_register_save(
    *,
    actor,
    unit: Unit,
    entries: dict[int, tuple[bool, str]],
    shown_versions: dict[int, int] | None = None,
) -> list[UnitRequirement]:
    """Record which requirements apply to the unit, with a comment each. Saving is the unit's
    review of the requirements on the page: every row gets today's date and the reviewer
    (requirement_review, row by row). With `shown_versions` (each entry's version as the page
    showed it, 0 for none yet), a review prepared before someone else's is refused as stale,
    whole: nothing of the page is saved."""
    _require_change(actor, unit)
    # Another unit's local requirement is ignored.
    requirements = {
        r.pk: r for r in Requirement.objects.filter(register_listable_q(unit), pk__in=entries)
    }
    # The unit's entries locked in one order, so two reviews of the register queue up.
    list(UnitRequirement.objects.select_for_update().filter(unit=unit).order_by("pk"))
    return [
        requirement_review(
            actor=actor,
            unit=unit,
            requirement=requirements[requirement_id],
            version=None if shown_versions is None else shown_versions.get(requirement_id),
            applies=applies,
            comment=comment,
        )
        for requirement_id, (applies, comment) in entries.items()
        if requirement_id in requirements
    ]


# --- Documents ----------------------------------------------------------------------------------


# What a new version of a document is: a new file, or a new edition or archive reference.
VERSIONED = ["edition", "archive_ref"]


@transaction.atomic
def document_save(
    *,
    actor,
    unit: Unit,
    document: Document | None = None,
    version: int | None = None,
    upload=None,
    **fields,
) -> Document:
    """Add a document to the unit's register, or change one. `upload` is a checked file
    (forms.DocumentFileField). A new file, edition or archive reference is a new version: the
    one it replaces is kept, with its file and approval, and the new one awaits approval.
    Changing the title, kind or review date changes the current version."""
    if document is not None:
        document = Document.objects.select_for_update().get(pk=document.pk)
        unit = document.unit
        _require_change(actor, unit)
        _check_version(document.version, version, _("document"))
    else:
        _require_change(actor, unit)
        document = Document(unit=unit, created_by=actor)
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    new_version = document.pk is not None and (
        upload is not None
        or any(name in fields and fields[name] != getattr(document, name) for name in VERSIONED)
    )
    if new_version:
        _keep_as_earlier_version(actor, document)
    for name, value in fields.items():
        setattr(document, name, value)
    if upload is not None:
        document.file_name = upload.name[-255:]
        document.file_type = getattr(upload, "sniffed_type", "application/octet-stream")
        document.file.save(upload.name, upload, save=False)
    try:
        document.full_clean()
    except ValidationError:
        if upload is not None:
            document.file.delete(save=False)
        raise
    if document.pk:
        document.version = F("version") + 1
    document.save()
    return Document.objects.get(pk=document.pk)


def _keep_as_earlier_version(actor, document: Document) -> None:
    """Copy the current version (its file stays where it is, and stays the new version's until
    a new one is uploaded) and make room for the next, which awaits approval."""
    DocumentVersion.objects.create(
        document=document,
        number=document.number,
        edition=document.edition,
        file=document.file.name,
        file_name=document.file_name,
        file_type=document.file_type,
        archive_ref=document.archive_ref,
        approved_by=document.approved_by,
        approved_at=document.approved_at,
        recorded_approver=document.recorded_approver,
        recorded_approved_on=document.recorded_approved_on,
        replaced_by=actor,
    )
    document.number += 1
    document.approved_by = document.approved_at = None
    document.recorded_approver, document.recorded_approved_on = "", None


@transaction.atomic
def document_approve(*, actor, document: Document, version: int | None) -> Document:
    """The line manager approves the current version: who and when are recorded."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if not can_approve(actor, document.unit):
        raise PermissionDenied
    _check_version(document.version, version, _("document"))
    if document.approved_by_id:
        raise ValidationError(_("This version of the document is already approved."))
    document.approved_by = actor
    document.approved_at = timezone.now()
    document.version = F("version") + 1
    document.save(update_fields=["approved_by", "approved_at", "version", "updated_at"])
    return Document.objects.get(pk=document.pk)


@transaction.atomic
def document_delete(*, actor, document: Document) -> None:
    """Remove a document registered by mistake, with its earlier versions; the files go once
    the deletion is committed. The audit trail keeps the rows."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_change(actor, document.unit)
    storage = document.file.storage
    stored = [document.file.name, *document.versions.values_list("file", flat=True)]
    document.delete()
    for name in filter(None, stored):
        transaction.on_commit(lambda name=name: storage.delete(name))


# --- Routines -----------------------------------------------------------------------------------


@transaction.atomic
def routine_template_save(
    *, actor, template: RoutineTemplate | None = None, version: int | None = None, **fields
) -> RoutineTemplate:
    """Add or change a routine template (HSE department only); a change prepared on an older
    version (`version` from the form) is refused as stale."""
    _require_hms_department(actor)
    if template is not None:
        template = RoutineTemplate.objects.select_for_update().get(pk=template.pk)
        versions.check_version(template.version, version)
    else:
        template = RoutineTemplate()
    for name, value in fields.items():
        setattr(template, name, value.strip() if isinstance(value, str) else value)
    template.full_clean()
    if template.pk is None:
        template.save()
    else:
        versions.bump(template, list(fields))
    return template


@transaction.atomic
def routine_create(
    *, actor, unit: Unit, template: RoutineTemplate | None = None, **fields
) -> Routine:
    """A draft routine for the unit; the line manager approves it afterwards."""
    _require_change(actor, unit)
    routine = Routine(unit=unit, template=template, created_by=actor)
    for name, value in fields.items():
        setattr(routine, name, value.strip() if isinstance(value, str) else value)
    routine.full_clean()
    routine.save()
    return routine


@transaction.atomic
def routine_update(*, actor, routine: Routine, version: int | None, **fields) -> Routine:
    """Change a routine. A draft is changed in place. A changed text of an approved routine
    becomes its next version, a draft the line manager approves: the approved one stays in
    force meanwhile. Returns the routine that holds the change (the revision, if one was
    made). A replaced version is kept as it was."""
    routine = Routine.objects.select_for_update().get(pk=routine.pk)
    _require_change(actor, routine.unit)
    _check_version(routine.version, version, _("routine"))
    if routine.status == RoutineStatus.SUPERSEDED:
        raise ValidationError(_("This version has been replaced; change the one in force."))
    changed_text = any(
        (fields.get(name, getattr(routine, name)) or "").strip() != getattr(routine, name)
        for name in ROUTINE_TEXT
    )
    if changed_text and routine.status == RoutineStatus.APPROVED:
        revision = _revision_of(actor, routine)
        for name, value in fields.items():
            setattr(revision, name, value.strip() if isinstance(value, str) else value)
        revision.full_clean()
        revision.save()
        return revision
    for name, value in fields.items():
        setattr(routine, name, value.strip() if isinstance(value, str) else value)
    routine.full_clean()
    routine.version = F("version") + 1
    routine.save()
    return Routine.objects.get(pk=routine.pk)


def _revision_of(actor, routine: Routine) -> Routine:
    """A new draft version of an approved routine, copying its text (unsaved)."""
    if Routine.objects.filter(previous=routine).exists():
        raise ValidationError(
            _("A revision of this routine is already being drafted; change that one.")
        )
    return Routine(
        unit=routine.unit,
        template=routine.template,
        review_due=routine.review_due,
        previous=routine,
        first_id=routine.first_id or routine.pk,
        edition=routine.edition + 1,
        created_by=actor,
        **{name: getattr(routine, name) for name in ROUTINE_TEXT},
    )


@transaction.atomic
def routine_approve(
    *, actor, routine: Routine, version: int | None, review_due: datetime.date | None = None
) -> Routine:
    """Approve a draft: it is in force from now. Approving a revision replaces the version it
    revises, which is kept, readable with its own approval."""
    routine = Routine.objects.select_for_update().get(pk=routine.pk)
    if not can_approve(actor, routine.unit):
        raise PermissionDenied
    _check_version(routine.version, version, _("routine"))
    if routine.status != RoutineStatus.DRAFT:
        raise ValidationError(_("This routine is already approved."))
    now = timezone.now()
    routine.status = RoutineStatus.APPROVED
    routine.approved_by = actor
    routine.approved_at = now
    if review_due is not None:
        routine.review_due = review_due
    if routine.review_due is None:
        raise ValidationError(_("Set a review date before approving the routine."))
    routine.full_clean()
    if routine.previous_id:
        replaced = Routine.objects.select_for_update().get(pk=routine.previous_id)
        replaced.status = RoutineStatus.SUPERSEDED
        replaced.superseded_at = now
        replaced.version = F("version") + 1
        replaced.save(update_fields=["status", "superseded_at", "version", "updated_at"])
    routine.version = F("version") + 1
    routine.save()
    return Routine.objects.get(pk=routine.pk)


@transaction.atomic
def routine_delete(*, actor, routine: Routine) -> None:
    """Only a draft is deleted: an approved routine has been in force and is kept."""
    routine = Routine.objects.select_for_update().get(pk=routine.pk)
    _require_change(actor, routine.unit)
    if routine.status != RoutineStatus.DRAFT:
        raise ValidationError(_("An approved routine is kept; change it or let it expire."))
    routine.delete()


# --- Coordination agreements --------------------------------------------------------------------


@transaction.atomic
def agreement_save(
    *,
    actor,
    unit: Unit,
    parties: list[dict],
    agreement: CoordinationAgreement | None = None,
    version: int | None = None,
    **fields,
) -> CoordinationAgreement:
    """Add or change a coordination agreement with its parties (exactly one main enterprise,
    which is responsible for coordinating the HSE work on the premises)."""
    if agreement is not None:
        agreement = CoordinationAgreement.objects.select_for_update().get(pk=agreement.pk)
        unit = agreement.unit
        _require_change(actor, unit)
        _check_version(agreement.version, version, _("agreement"))
    else:
        _require_change(actor, unit)
        agreement = CoordinationAgreement(unit=unit, created_by=actor)
    for name, value in fields.items():
        setattr(agreement, name, value.strip() if isinstance(value, str) else value)
    if sum(bool(party["is_main"]) for party in parties) != 1 or len(parties) < 2:
        raise ValidationError(
            _("An agreement has at least two parties, and exactly one main enterprise.")
        )
    agreement.full_clean()
    if agreement.pk:
        agreement.version = F("version") + 1
    agreement.save()
    agreement.parties.all().delete()
    try:
        AgreementParty.objects.bulk_create(
            AgreementParty(agreement=agreement, **party) for party in parties
        )
    except IntegrityError as error:
        raise ValidationError(_("Each party is listed once.")) from error
    return CoordinationAgreement.objects.get(pk=agreement.pk)


@transaction.atomic
def cooperation_item_add(
    *, actor, agreement: CoordinationAgreement, date: datetime.date, what: str, who: str
) -> CooperationItem:
    _require_change(actor, agreement.unit)
    item = CooperationItem(agreement=agreement, date=date, what=what.strip(), who=who.strip())
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def cooperation_item_delete(*, actor, item: CooperationItem) -> None:
    _require_change(actor, item.agreement.unit)
    item.delete()
