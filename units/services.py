"""Changes to the unit tree and to role assignments. Each is one transaction.

The acting user is stored with every change by the audit trail (pghistory context set by the
request middleware, or by `pghistory.context(...)` in commands).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.access import forget_roles
from units.models import RoleAssignment, Unit

RESERVED_CODES = {"new", "import", "export.csv", "roles"}


class ConcurrentEdit(Exception):
    """Someone else saved the object after this edit started."""


def _check_code(code: str, *, exclude_pk: int | None = None) -> None:
    if code.lower() in RESERVED_CODES:
        raise ValidationError({"code": _("This code is reserved; choose another.")})
    clash = Unit.objects.filter(code__iexact=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"code": _("Another unit already has this code.")})


@transaction.atomic
def unit_create(
    *, parent: Unit | None, code: str, name_nb: str, name_en: str = "", unit_type: str
) -> Unit:
    unit = Unit(code=code.strip(), name_nb=name_nb.strip(), name_en=name_en.strip())
    unit.unit_type = unit_type
    unit.full_clean(
        exclude=["path", "depth", "numchild"], validate_unique=False, validate_constraints=False
    )
    _check_code(unit.code)
    if parent is None:
        return Unit.objects.add_root(instance=unit)
    parent = Unit.objects.select_for_update().get(pk=parent.pk)
    if not parent.is_active:
        raise ValidationError(_("A unit cannot be created under an inactive unit."))
    return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def unit_update(
    *, unit: Unit, version: int, code: str, name_nb: str, name_en: str, unit_type: str
) -> Unit:
    """Rename or re-type a unit. Refused with ConcurrentEdit if `version` is no longer current."""
    candidate = Unit(
        pk=unit.pk,
        code=code.strip(),
        name_nb=name_nb.strip(),
        name_en=name_en.strip(),
        unit_type=unit_type,
        path=unit.path,
        depth=unit.depth,
    )
    candidate.full_clean(
        exclude=["path", "depth", "numchild"], validate_unique=False, validate_constraints=False
    )
    _check_code(candidate.code, exclude_pk=unit.pk)
    updated = Unit.objects.filter(pk=unit.pk, version=version).update(
        code=candidate.code,
        name_nb=candidate.name_nb,
        name_en=candidate.name_en,
        unit_type=candidate.unit_type,
        version=F("version") + 1,
    )
    if not updated:
        raise ConcurrentEdit
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit) -> Unit:
    """Move a unit with its whole subtree under another parent."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ValidationError(
            _("A unit cannot be moved under itself or under one of its own sub-units.")
        )
    if unit.parent_path() == new_parent.path:
        raise ValidationError(
            _("The unit is already directly under %(parent)s.") % {"parent": new_parent.name}
        )
    if not new_parent.is_active:
        raise ValidationError(_("A unit cannot be moved under an inactive unit."))
    Unit.objects.move(unit, new_parent, pos="last-child")
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_deactivate(*, unit: Unit) -> int:
    """Deactivate a unit and everything below it. Records stay; nothing is deleted.

    Returns the number of units deactivated.
    """
    return (
        Unit.objects.subtree_of(unit)
        .filter(is_active=True)
        .update(is_active=False, version=F("version") + 1)
    )


@transaction.atomic
def unit_reactivate(*, unit: Unit) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    parent_path = unit.parent_path()
    if parent_path and not Unit.objects.filter(path=parent_path, is_active=True).exists():
        raise ValidationError(_("Reactivate the parent unit first."))
    Unit.objects.filter(pk=unit.pk).update(is_active=True, version=F("version") + 1)
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    """Delete a unit created by mistake. A unit with sub-units, roles or records is refused:
    it must be deactivated instead, so that its history stays."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.numchild:
        raise ValidationError(_("The unit has sub-units. Deactivate it instead."))
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("The unit has roles or records and cannot be deleted. Deactivate it instead.")
        ) from error


@transaction.atomic
def role_assign(
    *,
    unit: Unit,
    user,
    role: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> RoleAssignment:
    valid_from = valid_from or timezone.localdate()
    assignment = RoleAssignment(
        unit=unit, user=user, role=role, valid_from=valid_from, valid_to=valid_to
    )
    assignment.full_clean(validate_constraints=False)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    overlapping = RoleAssignment.objects.filter(unit=unit, user=user, role=role).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    )
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise ValidationError(
            _("%(user)s already holds this role for this unit in that period.") % {"user": user}
        )
    assignment.save()
    forget_roles(user)
    return assignment


@transaction.atomic
def role_end(
    *, assignment: RoleAssignment, valid_to: datetime.date | None = None
) -> RoleAssignment:
    """End a role on a date (today by default). The row stays, so who held what is kept."""
    valid_to = valid_to or timezone.localdate()
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if valid_to < assignment.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    assignment.valid_to = valid_to
    assignment.save(update_fields=["valid_to"])
    forget_roles(assignment.user)
    return assignment
