"""The audit trail of one record, in words, for those who may see the record.

Administrators read the history of anything audited. Anyone else reads the history of a record
their roles show them: a record model whose manager has `visible_to(user)` (deviations,
measures, risk assessments, inspection rounds, routines, documents, agreements, ...) is open to
exactly those that `visible_to` lets through, the one rule the record's own page follows.
Health details and an anonymous reporter are never in the audit tables (their models exclude
them), so the history cannot show them to anyone.
"""

import datetime
from functools import cache

from django.apps import apps
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from pghistory.models import Event, MiddlewareEvents

from units import access

EVENT_LABELS = {"insert": _("Created"), "update": _("Changed"), "delete": _("Deleted")}
# Internal bookkeeping, not something a reader needs to see change.
HIDDEN_FIELDS = {"id", "version", "path", "depth", "numchild", "updated_at"}
MAX_EVENTS = 500


def audited_models() -> set[type]:
    """The models whose changes the database records (each has a pghistory event model)."""
    return {
        model.pgh_tracked_model
        for model in apps.get_models()
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None)
    }


def may_read_history(user, obj) -> bool:
    if access.can_view_history(user):
        return True
    visible_to = getattr(type(obj)._default_manager, "visible_to", None)
    if visible_to is None:
        return False
    return visible_to(user).filter(pk=obj.pk).exists()


def events_of(obj) -> list[dict]:
    """Every insert, update and delete of the record and of the records that refer to it,
    newest first, each field by its name and each value in words."""
    events = list(
        MiddlewareEvents.objects.references(obj)
        .select_related("user")
        .order_by("-pgh_created_at", "-pgh_id")[:MAX_EVENTS]
    )
    names = _Names()
    for event in events:
        model = apps.get_model(event.pgh_obj_model)
        for attname, value in _values(event):
            field = _field(model, attname)
            if isinstance(field, models.ForeignKey) and value is not None:
                names.want(field.related_model, value)
        names.want(model, event.pgh_obj_id)
    names.fetch()
    return [_describe(event, names) for event in events]


def _values(event):
    if event.pgh_diff:
        for attname, (old, new) in event.pgh_diff.items():
            yield attname, old
            yield attname, new
    else:
        yield from (event.pgh_data or {}).items()


def _field(model, attname):
    return _fields_by_attname(model).get(attname)


@cache
def _fields_by_attname(model) -> dict:
    return {field.attname: field for field in model._meta.concrete_fields}


class _Names:
    """The names of the records the events refer to: one query per model, not per value."""

    def __init__(self):
        self.wanted: dict[type, set] = {}
        self.found: dict[tuple[type, object], str] = {}

    def want(self, model, pk) -> None:
        self.wanted.setdefault(model, set()).add(pk)

    def fetch(self) -> None:
        for model, pks in self.wanted.items():
            for obj in model._base_manager.filter(pk__in=pks):
                self.found[(model, obj.pk)] = str(obj)

    def get(self, model, pk) -> str | None:
        return self.found.get((model, pk))


def _describe(event, names: _Names) -> dict:
    model = apps.get_model(event.pgh_obj_model)
    if event.pgh_diff:
        pairs = event.pgh_diff.items()
    else:
        pairs = ((key, (None, value)) for key, value in (event.pgh_data or {}).items())
    changes = []
    for attname, (old, new) in pairs:
        field = _field(model, attname)
        if field is None or field.name in HIDDEN_FIELDS:
            continue
        if not event.pgh_diff and new in (None, "", False):
            continue
        label = field.verbose_name
        changes.append((label, _in_words(field, old, names), _in_words(field, new, names)))
    name = names.get(model, event.pgh_obj_id)
    return {
        "event": event,
        "label": EVENT_LABELS.get(event.pgh_label, event.pgh_label),
        "record": f"{model._meta.verbose_name}: {name}" if name else model._meta.verbose_name,
        "changes": changes,
        "is_diff": bool(event.pgh_diff),
    }


def _in_words(field, value, names: _Names):
    if value is None or value == "":
        return None
    if isinstance(field, models.ForeignKey):
        return names.get(field.related_model, value) or _("(removed)")
    if field.flatchoices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        if day is not None:
            return formats.date_format(day, "DATE_FORMAT")
    return value
