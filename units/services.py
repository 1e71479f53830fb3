"""Changes to the unit tree and to role assignments. Each is one transaction.

The acting user is stored with every change by the audit trail (pghistory context set by the
request middleware, or by `pghistory.context(...)` in commands).
"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from units import versions
from units.access import can_manage_units, forget_roles, has_role, is_hms_department
from units.models import Role, RoleAssignment, RoleDescription, Unit, User

RESERVED_CODES = {"new", "import", "export.csv", "roles"}


class ConcurrentEdit(Exception):
    """Someone else saved the object after this edit started."""


class SignInRefused(Exception):
    """The provider vouched for the person, but they may not sign in here. `reason` is
    "inactive" (the account is deactivated) or "ambiguous" (the claims fit several accounts,
    or an account already linked to another subject)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
def unit_move(*, unit: Unit, new_parent: Unit, version: int | None = None) -> Unit:
    """Move a unit with its whole subtree under another parent. Refused with ConcurrentEdit
    if `version` (the unit as the page showed it) is no longer current: a move states the
    unit's whole new place, and two at once would leave the last one's without a word."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    if version is not None and unit.version != version:
        raise ConcurrentEdit
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
    Unit.objects.filter(pk=unit.pk).update(version=F("version") + 1)
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def deactivated_message(count: int) -> str:
    """What the app and the admin say after deactivating `count` units."""
    return ngettext(
        "%(count)s unit deactivated. Its records and history are kept.",
        "%(count)s units deactivated. Their records and history are kept.",
        count,
    ) % {"count": count}


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


def unit_references(unit: Unit) -> list[tuple[str, int]]:
    """What refers to the unit or to a unit below it, as (kind, count): the sub-units first,
    then every kind of row with a foreign key to a unit (records, roles, reports, profiles...),
    found from the model relations so that a new app's records count without a change here.
    The audit trail's copies are left out: they keep no constraint and outlive any row."""
    subtree = Unit.objects.subtree_of(unit)
    found = []
    sub_units = subtree.exclude(pk=unit.pk).count()
    if sub_units:
        found.append((_("sub-units"), sub_units))
    fields_by_model: dict[type[models.Model], list[str]] = {}
    for relation in Unit._meta.get_fields(include_hidden=True):
        if relation.concrete or not relation.auto_created or not relation.is_relation:
            continue
        if relation.on_delete is models.DO_NOTHING:
            continue  # the audit trail's copies (pghistory events)
        fields_by_model.setdefault(relation.related_model, []).append(relation.field.name)
    others = 0
    for model, fields in fields_by_model.items():
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__in": subtree})
        count = model._base_manager.filter(condition).count()
        if not count:
            continue
        if "verbose_name_plural" in model._meta.original_attrs:
            found.append((str(model._meta.verbose_name_plural), count))
        else:  # an internal row (a sent reminder, a case's step) has no name of its own
            others += count
    if others:
        found.append((_("other records"), others))
    return found


def describe_references(references: list[tuple[str, int]]) -> str:
    """ "sub-units: 2, deviations: 5": the kinds and counts from unit_references."""
    return ", ".join(f"{kind}: {count}" for kind, count in references)


@transaction.atomic
def unit_delete(*, unit: Unit) -> None:
    """Delete a unit created by mistake. A unit with sub-units, roles or records is refused:
    it must be deactivated instead, so that its history stays."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.numchild:
        raise ValidationError(_("The unit has sub-units. Deactivate it instead."))
    if unit_references(unit):
        raise ValidationError(
            _("The unit has roles or records and cannot be deleted. Deactivate it instead.")
        )
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError as error:  # a record added since the check above
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
    delegated: str = "",
) -> RoleAssignment:
    valid_from = valid_from or timezone.localdate()
    assignment = RoleAssignment(
        unit=unit,
        user=user,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        delegated=delegated.strip(),
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


# Feide releases the Feide id under its own claim name; other providers use the plain one.
FEIDE_ID_CLAIMS = ("https://n.feide.no/claims/eduPersonPrincipalName", "eduPersonPrincipalName")


def _claimed_feide_id(claims: dict) -> str:
    for name in FEIDE_ID_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:254]
    return ""


def _claimed_names(claims: dict) -> tuple[str, str]:
    first, last = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (first or last) and claims.get("name"):
        first, _space, last = str(claims["name"]).strip().rpartition(" ")
        if not first:
            first, last = last, ""
    return str(first).strip()[:150], str(last).strip()[:150]


def _free_username(*candidates: str) -> str:
    """A unique username from the first usable candidate (the Feide id's or e-mail's local
    part, the name), reduced to the characters Django's username validator accepts."""
    base = ""
    for candidate in candidates:
        base = re.sub(r"[^\w.+-]+", "", candidate.split("@")[0].lower().replace(" ", "."))
        base = base.strip(".")[:140]
        if base:
            break
    base = base or "user"
    username, number = base, 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}{number}"
    return username


def _only_unlinked(users, subject: str) -> User | None:
    """The one account found, if it is not already linked to another subject."""
    found = list(users[:2])
    if len(found) > 1:
        raise SignInRefused("ambiguous")
    if found and found[0].oidc_subject not in (None, subject):
        raise SignInRefused("ambiguous")
    return found[0] if found else None


@transaction.atomic
def oidc_sign_in(*, subject: str, claims: dict) -> User:
    """The person the provider signed in, found or created; name and e-mail follow the claims.

    Found by, in order: the subject (`sub`) stored at an earlier sign-in; the Feide id
    (eduPersonPrincipalName) of an imported person; an account with the same e-mail, only when
    the provider says it is verified. Otherwise a new account is made, with no password and no
    roles: roles come only from the unit tree's role assignments, never from the provider.
    Raises SignInRefused for a deactivated person or claims that fit more than one account."""
    if not subject:
        raise SignInRefused("ambiguous")
    feide_id = _claimed_feide_id(claims)
    email = str(claims.get("email") or "").strip()[:254]
    user = User.objects.select_for_update().filter(oidc_subject=subject).first()
    if user is None and feide_id:
        user = _only_unlinked(User.objects.filter(feide_id__iexact=feide_id), subject)
    if user is None and email and claims.get("email_verified") is True:
        user = _only_unlinked(User.objects.filter(email__iexact=email), subject)
    first_name, last_name = _claimed_names(claims)
    if user is None:
        user = User(username=_free_username(feide_id, email, f"{first_name} {last_name}"))
        user.set_unusable_password()
    elif not user.is_active:
        raise SignInRefused("inactive")
    user.oidc_subject = subject
    if feide_id and not user.feide_id:
        if User.objects.filter(feide_id__iexact=feide_id).exclude(pk=user.pk).exists():
            raise SignInRefused("ambiguous")
        user.feide_id = feide_id
    if first_name or last_name:
        user.first_name, user.last_name = first_name, last_name
    if email:
        user.email = email
    user.full_clean(exclude=["password"])
    user.save()
    return user


def can_record_delegation(user, unit: Unit) -> bool:
    """The line manager delegates tasks and authority (never the responsibility): they, the
    line managers above, administrators and the HSE department record what was delegated."""
    return (
        is_hms_department(user)
        or can_manage_units(user)
        or has_role(user, {Role.LINE_MANAGER}, unit)
    )


@transaction.atomic
def delegation_save(*, actor, assignment: RoleAssignment, delegated: str, shown: str) -> None:
    """Record what was delegated to the holder of `assignment`. `shown` is the text the form
    started from: if someone saved another meanwhile, the save is refused as stale."""
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not can_record_delegation(actor, assignment.unit) or not assignment.takes_delegation:
        raise PermissionDenied
    if assignment.delegated != shown.strip():
        raise versions.stale_error()
    assignment.delegated = delegated.strip()
    assignment.full_clean(validate_constraints=False)
    assignment.save(update_fields=["delegated"])


@transaction.atomic
def role_description_save(
    *, actor, description: RoleDescription, version: int | None, **fields
) -> RoleDescription:
    """The HSE department keeps the text of each role's responsibility, tasks and authority."""
    if not is_hms_department(actor):
        raise PermissionDenied
    description = RoleDescription.objects.select_for_update().get(pk=description.pk)
    versions.check_version(description.version, version)
    for name, value in fields.items():
        setattr(description, name, value.strip())
    description.full_clean()
    versions.bump(description, list(fields))
    return description
