"""Which models an export of a unit holds, found from the models themselves.

A model is *owned* by a unit when one of its foreign keys leads, through other owned models,
to `Unit` (a deviation's `unit`, a comment's `deviation`, a risk row's `assessment` ...). Every
owned model is exported, unless `EXCLUDED` names it with the reason; a new model with a path
to a unit is therefore exported without anyone remembering to add it (tests/test_unit_export
fails for a model that is neither). Models an owned row points at but that belong to no unit
(categories, courses, the risk matrix, people) are *shared*: the export carries the rows it
refers to, and an import finds them by their natural key or creates them.
"""

import graphlib
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

from units.models import RoleAssignment, Unit

# Owned models left out, each with its reason.
EXCLUDED = {
    "transfer.UnitExport": "the export jobs themselves: their files are exports, not records",
}


# Models with no foreign key to a unit that still belong to one: a training record is a
# person's, and goes with the units where the person holds a role or is employed.
def _training_scope(root: Unit) -> Q:
    people = RoleAssignment.objects.filter(unit__path__startswith=root.path).values("user_id")
    employed = apps.get_model("units", "Employment").objects.filter(
        unit__path__startswith=root.path
    )
    return Q(person__in=people) | Q(person__in=employed.values("person_id"))


# A requirement of the HSE department's catalogue has no unit; a unit's own one has. An export
# carries the unit's own and the whole catalogue (the register's entries point at it), and an
# import finds the catalogue's rows by their short name (importer.CATALOGUE_MATCH).
def _requirement_scope(root: Unit) -> Q:
    return Q(unit__isnull=True) | Q(unit__path__startswith=root.path)


SCOPED_BY = {
    "training.TrainingRecord": _training_scope,
    "registers.Requirement": _requirement_scope,
}

# What a person is in an export: who they are, never their password or sign-in identifiers.
PERSON_FIELDS = ("username", "first_name", "last_name", "email")


def label(model) -> str:
    return model._meta.label


def is_history(model) -> bool:
    """pghistory's event tables: the audit trail stays with the installation that wrote it."""
    from pghistory.models import Event

    return issubclass(model, Event) or model._meta.app_label == "pghistory"


def _relations(model):
    return [
        f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)
    ]


@dataclass
class Spec:
    """How one model is exported and imported."""

    model: type[models.Model]
    owned: bool
    fields: list = field(default_factory=list)  # concrete fields written, pk left out
    references: dict = field(default_factory=dict)  # field name -> target model

    @property
    def label(self) -> str:
        return label(self.model)

    @property
    def file_fields(self) -> list:
        return [f for f in self.fields if isinstance(f, models.FileField)]


def _candidates():
    return [m for m in apps.get_models(include_auto_created=True) if not is_history(m)]


@cache
def owned_models() -> frozenset:
    """Every model with a path of foreign keys to Unit (Unit included), excluded ones too."""
    owned = {Unit} | {apps.get_model(name) for name in SCOPED_BY}
    changed = True
    while changed:
        changed = False
        for model in _candidates():
            if model in owned:
                continue
            if any(f.related_model in owned for f in _relations(model)):
                owned.add(model)
                changed = True
    return frozenset(owned)


def exported_models() -> frozenset:
    return frozenset(m for m in owned_models() if label(m) not in EXCLUDED)


def _owner_relations(model) -> list:
    """The foreign keys that tie a row to a unit, the unit's own first, non-empty before
    empty ones: the first is how the rows of a subtree are found."""
    owned = exported_models()
    found = [f for f in _relations(model) if f.related_model in owned and f.related_model != model]
    return sorted(found, key=lambda f: (f.null, f.related_model is not Unit))


def _in_scope(relation, root: Unit) -> Q:
    """The rows whose `relation` points into the subtree of `root`: a join along the
    relations to the unit's path, or a subquery where the way passes a SCOPED_BY model."""
    target = relation.related_model
    if target is Unit:
        return Q(**{f"{relation.name}__path__startswith": root.path})
    lookup = _path_lookup(target)
    if lookup is None:
        rows = target._base_manager.filter(scope_q(target, root)).values("pk")
        return Q(**{f"{relation.name}__in": rows})
    return Q(**{f"{relation.name}__{lookup}__startswith": root.path})


def _path_lookup(model) -> str | None:
    """The join from the model to its unit's path through its first owner relation; None
    when the way passes a model found by SCOPED_BY."""
    if model is Unit:
        return "path"
    if label(model) in SCOPED_BY:
        return None
    first = _owner_relations(model)[0]
    rest = _path_lookup(first.related_model)
    return None if rest is None else f"{first.name}__{rest}"


def scope_q(model, root: Unit) -> Q:
    """The rows of `model` in the subtree of `root`. A row tied only by empty-able relations
    (a review reminder of a document or of a routine) counts if one of them is in it."""
    name = label(model)
    if name in SCOPED_BY:
        return SCOPED_BY[name](root)
    if model is Unit:
        return Q(path__startswith=root.path)
    owners = _owner_relations(model)
    if not owners[0].null:
        return _in_scope(owners[0], root)
    either = Q(pk__in=[])
    for relation in owners:
        either |= _in_scope(relation, root)
    return either


def _spec(model, owned: bool) -> Spec:
    if model is get_user_model():
        fields = [model._meta.get_field(name) for name in PERSON_FIELDS]
    else:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if model is Unit:  # the tree's place is given by the parent's code
            fields = [f for f in fields if f.name not in ("path", "depth", "numchild")]
    references = {f.name: f.related_model for f in fields if f.is_relation}
    return Spec(model=model, owned=owned, fields=fields, references=references)


def _ordered(models_, deps) -> list:
    """Dependencies first; ties by label, so the order never changes between runs."""
    sorter = graphlib.TopologicalSorter({m: deps(m) for m in models_})
    sorter.prepare()
    order = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=label)
        order.extend(ready)
        sorter.done(*ready)
    return order


@cache
def owned_specs() -> tuple:
    owned = exported_models()
    specs = {m: _spec(m, owned=True) for m in owned}

    def deps(model):
        return {target for target in specs[model].references.values() if target in owned} - {model}

    return tuple(specs[m] for m in _ordered(owned, deps))


@cache
def shared_specs() -> tuple:
    """The models outside any unit that owned rows (or other shared rows) point at."""
    owned = exported_models()
    found: set = set()
    todo = [t for spec in owned_specs() for t in spec.references.values() if t not in owned]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.add(model)
        todo.extend(t for t in _spec(model, owned=False).references.values() if t not in owned)
    specs = {m: _spec(m, owned=False) for m in found}
    for spec in specs.values():  # a shared row's link into a unit is not carried
        spec.fields = [f for f in spec.fields if not (f.is_relation and f.related_model in owned)]
        spec.references = {n: t for n, t in spec.references.items() if t in found}

    def deps(model):
        return set(specs[model].references.values()) - {model}

    return tuple(specs[m] for m in _ordered(found, deps))


def natural_key(model) -> str | None:
    """The one field that names a shared row in any installation (a code, a key, a user
    name); None when there is none and the row is matched by all its fields."""
    if model is get_user_model():
        return "username"
    for candidate in model._meta.concrete_fields:
        if (
            candidate.unique
            and not candidate.primary_key
            and not candidate.is_relation
            and isinstance(candidate, (models.CharField, models.PositiveIntegerField))
            and candidate.name != "version"
        ):
            return candidate.name
    return None


def spec_of(name: str) -> Spec | None:
    for spec in (*owned_specs(), *shared_specs()):
        if spec.label == name:
            return spec
    return None
