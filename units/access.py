"""Who may see what, and who may do what: the one place that decides.

Roles are rows (user, unit, role, period). A role on a unit covers the unit's whole subtree.
Every domain queryset scopes itself with `records_q(user, "unit")`, and views fetch through
that scope, so what a user may not see is a 404. The tree and each unit's roles page are
readable by every logged-in user; records are not.
"""

from django.db.models import BooleanField, Count, F, Func, IntegerField, Q, Subquery

from units.models import Role, RoleAssignment, Unit

# Roles whose holders see the records (deviations, risk assessments, plans, reports ...) of
# the units they cover. An employee sees only what they reported themselves.
RECORD_ROLES = frozenset(
    {
        Role.LINE_MANAGER,
        Role.SAFETY_REP,
        Role.CHIEF_SAFETY_REP,
        Role.HMS_COORDINATOR,
        Role.RADIATION_COORDINATOR,
        Role.CHEMICAL_CONTACT,
        Role.HMS_DEPARTMENT,
    }
)

# Health-related details of a case: the handler (decided by the owning app), the unit's line
# manager and safety rep, and the HSE department (DESIGN.md, non-negotiables).
HEALTH_ROLES = frozenset({Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_DEPARTMENT})

# Roles that own the unit's HSE work and may change its records.
MANAGER_ROLES = frozenset({Role.LINE_MANAGER, Role.HMS_COORDINATOR, Role.HMS_DEPARTMENT})

_CACHE_ATTR = "_hms_role_paths"
_WHOLE_TREE_ATTR = "_hms_whole_tree"


def role_paths(user) -> dict[str, frozenset[str]]:
    """The paths of the units where the user currently holds each role.

    One query per request: the answer is kept on the user object, which Django builds anew
    for every request.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        found: dict[str, set[str]] = {}
        # How many top units the tree has, in the same query: with one, a role on it covers
        # every unit (see _scope_q).
        roots = Unit.objects.filter(depth=1).order_by().values("depth").annotate(n=Count("pk"))
        rows = (
            RoleAssignment.objects.current()
            .filter(user=user)
            .annotate(roots=Subquery(roots.values("n"), output_field=IntegerField()))
            .values_list("role", "unit__path", "roots")
        )
        whole_tree = set()
        for role, path, root_count in rows:
            found.setdefault(role, set()).add(path)
            if root_count == 1 and len(path) == Unit.steplen:
                whole_tree.add(path)
        cached = {role: frozenset(paths) for role, paths in found.items()}
        setattr(user, _CACHE_ATTR, cached)
        setattr(user, _WHOLE_TREE_ATTR, frozenset(whole_tree))
    return cached


def forget_roles(user) -> None:
    """Drop the per-request cache after the user's roles changed."""
    for attribute in (_CACHE_ATTR, _WHOLE_TREE_ATTR):
        if hasattr(user, attribute):
            delattr(user, attribute)


def _covering_paths(user, roles) -> list[str]:
    held = role_paths(user)
    paths = sorted({path for role in roles for path in held.get(role, ())})
    # A path inside another covered path adds nothing; keep the query short.
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def sees_everything(user) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def has_role(user, roles, unit: Unit) -> bool:
    """Does the user hold one of `roles` on this unit or on one of its ancestors?"""
    return any(unit.path.startswith(path) for path in _covering_paths(user, roles))


# A filter every row passes. An empty Q() would not do: `Q() | Q(reporter=user)` is just
# `Q(reporter=user)`, so a superuser would see only their own reports. The primary key is
# never null, and PostgreSQL drops this condition from the plan.
EVERYTHING = Q(pk__isnull=False)


def _scope_q(user, roles, unit_field: str) -> Q:
    """Rows whose `unit_field` lies in a subtree the user's `roles` cover; with unit_field ""
    the units themselves."""
    if sees_everything(user):
        return EVERYTHING
    paths = _covering_paths(user, roles)
    if not paths:
        return Q(pk__in=[])
    if set(paths) & getattr(user, _WHOLE_TREE_ATTR, frozenset()):
        # A role on the only top unit covers every unit. Said as "has a unit" rather than
        # "path LIKE '0001%'": the same rows, but PostgreSQL estimates the LIKE on the joined
        # unit at a tenth of them and sorts a million deviations instead of reading the
        # newest through the index (bench_scale: 739 ms for the HSE department's first page).
        return Q(**{f"{unit_field}__isnull": False}) if unit_field else EVERYTHING
    in_subtrees = Q()
    for path in paths:
        in_subtrees |= Q(path__startswith=path)
    if not unit_field:
        return in_subtrees
    return _in_units(unit_field, in_subtrees)


def subtree_q(unit: Unit, unit_field: str = "unit") -> Q:
    """Records whose `unit_field` is `unit` or a unit below it (a list's unit filter), said as
    the scope is (_InUnits): a faculty's filtered deviations at 1M, 200 -> 36 ms."""
    return _in_units(unit_field, Q(path__startswith=unit.path))


def _in_units(unit_field: str, units: Q) -> Q:
    return Q(_InUnits(F(unit_field), Subquery(Unit.objects.filter(units).values("pk"))))


class _InUnits(Func):
    """`unit_id = ANY(ARRAY(SELECT id FROM units WHERE path LIKE ...))`: the covered units
    found once, before the records are read. Said as a join on the unit's path, or as
    `IN (SELECT ...)`, the condition can only be tested row by row, so ORed with "reported by
    me" it read all of a million deviations to count a department's 2,447 (bench_scale: a
    line manager's count 643 ms); as an array, each side of the OR is an index scan (19 ms)."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra):
        field, units = self.get_source_expressions()
        field_sql, field_params = compiler.compile(field)
        units_sql, units_params = compiler.compile(units)
        return f"{field_sql} = ANY(ARRAY{units_sql})", (*field_params, *units_params)


def records_q(user, unit_field: str = "unit", roles=RECORD_ROLES) -> Q:
    """A filter for records whose `unit_field` lies in a subtree the user's roles cover.

    Use it in each domain queryset's `visible_to(user)`; add the app's own "reported by me".
    """
    return _scope_q(user, roles, unit_field)


def units_covered(user, roles=RECORD_ROLES):
    """Units whose records the user may see, as a queryset."""
    return Unit.objects.filter(_scope_q(user, roles, ""))


def nearest_role_holders(unit: Unit, role: str):
    """The current holders of `role` for a unit: on the unit itself, or, where it has none, on
    the nearest unit above it that has. A section without its own line manager answers to the
    department's. One query."""
    paths = [*unit.ancestor_paths(), unit.path]
    assignments = (
        RoleAssignment.objects.current()
        .filter(role=role, unit__path__in=paths, user__is_active=True)
        .select_related("user", "unit")
    )
    by_depth: dict[int, list] = {}
    for assignment in assignments:
        by_depth.setdefault(assignment.unit.depth, []).append(assignment.user)
    return by_depth[max(by_depth)] if by_depth else []


def can_view_records(user, unit: Unit) -> bool:
    return sees_everything(user) or has_role(user, RECORD_ROLES, unit)


def can_manage_records(user, unit: Unit) -> bool:
    return sees_everything(user) or has_role(user, MANAGER_ROLES, unit)


def can_view_health_details(user, unit: Unit) -> bool:
    return sees_everything(user) or has_role(user, HEALTH_ROLES, unit)


def is_hms_department(user) -> bool:
    """The HSE department configures what is shared by all (matrices, templates, lists)."""
    return sees_everything(user) or bool(role_paths(user).get(Role.HMS_DEPARTMENT))


def requires_second_factor(user) -> bool:
    """Superusers and the HSE department read every record of the organisation: when they sign
    in with a local password, a stolen password alone must not be enough (a TOTP code too)."""
    return is_hms_department(user)


def can_manage_units(user) -> bool:
    """Administrators maintain the unit tree and the role assignments."""
    return bool(getattr(user, "is_active", False) and user.has_perm("units.manage_tree"))


def can_view_history(user) -> bool:
    """The audit trail is for administrators."""
    return can_manage_units(user)


def can_view_unit(user, unit: Unit) -> bool:
    """The tree and each unit's roles page are open to every logged-in user."""
    return bool(getattr(user, "is_authenticated", False))


def units_belonged_to(user) -> frozenset[str]:
    """The paths of the units a person belongs to: where they are employed (the employee
    role) and where they hold any other current role. No query beyond `role_paths`."""
    return frozenset(path for paths in role_paths(user).values() for path in paths)


def belonged_units_q(user, unit_field: str = "unit") -> Q:
    """A filter for things shared down the tree (routines, documents): those of a unit the
    person belongs to or of any unit above it, so the institution's central routines reach
    everyone. Add it to `records_q` for those whose roles cover the unit."""
    if sees_everything(user):
        return EVERYTHING
    paths: set[str] = set()
    for path in units_belonged_to(user):
        paths.update(path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen))
    if not paths:
        return Q(pk__in=[])
    return Q(**{f"{unit_field}__path__in": sorted(paths)})


def belongs_within(user, unit: Unit) -> bool:
    """Does the person belong to this unit or to a unit below it?"""
    return any(path.startswith(unit.path) for path in units_belonged_to(user))


def can_order_report(user, unit: Unit) -> bool:
    """The HSE department orders any report for any unit; a line manager for the units of
    their own subtree (indicators.reports)."""
    return is_hms_department(user) or has_role(user, {Role.LINE_MANAGER}, unit)


def can_export_unit(user, unit: Unit) -> bool:
    """A whole unit's records leave the system (hms/transfer) only at the hands of an
    administrator or the HSE department holding its role over the unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        can_manage_units(user)
        or sees_everything(user)
        or has_role(user, {Role.HMS_DEPARTMENT}, unit)
    )


def may_order_reports(user) -> bool:
    return is_hms_department(user) or bool(role_paths(user).get(Role.LINE_MANAGER))


def manages_records_somewhere(user) -> bool:
    """Does the user manage the records of some unit (line manager, HSE coordinator, HSE
    department)? For pages and menus that exist only for those who change records."""
    held = role_paths(user)
    return sees_everything(user) or any(held.get(role) for role in MANAGER_ROLES)


def reads_records_somewhere(user) -> bool:
    """Does the user read the records of some unit (and so its agreements, indicators and
    reports)? Menus show those pages only then: a plain employee would find them empty."""
    held = role_paths(user)
    return sees_everything(user) or any(held.get(role) for role in RECORD_ROLES)


def leads_institution(user, root: Unit) -> bool:
    """The line manager of the institution itself (the rector): a line manager role held on
    the root unit, not on a unit below it."""
    return sees_everything(user) or (
        root.depth == 1 and root.path in role_paths(user).get(Role.LINE_MANAGER, ())
    )


def can_view_people(user) -> bool:
    """The people register (who works where, their roles and open work) is for administrators
    and the HSE department holding its role at the root of the tree."""
    at_root = any(
        len(path) == Unit.steplen for path in role_paths(user).get(Role.HMS_DEPARTMENT, ())
    )
    # The role first: it is already read for the request, while can_manage_units asks the
    # database for the user's permissions (two queries on every page the menu is drawn on).
    return at_root or can_manage_units(user)


# Who follows the yearly cycle across a subtree: those who lead or coordinate the HSE work of
# a unit, and the chief safety rep, each for the units their role covers.
OVERVIEW_ROLES = frozenset({Role.LINE_MANAGER, Role.HMS_COORDINATOR, Role.CHIEF_SAFETY_REP})


def overview_paths(user) -> list[str] | None:
    """The outermost paths of the subtrees whose cycle overview the user may see; None for the
    whole tree (the HSE department), [] for nobody. No query beyond `role_paths`."""
    if is_hms_department(user):
        return None
    return _covering_paths(user, OVERVIEW_ROLES)


def sees_cycle_overview(user) -> bool:
    return overview_paths(user) != []
