import datetime

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from pghistory.models import Event, MiddlewareEvents

from hms.celery import app as celery_app
from hms.cycle import todo
from hms.middleware import history_without_user
from units import access
from units.models import Role, RoleAssignment


@login_required
def home(request):
    """What is the user's to do across their units, and their roles."""
    user = request.user
    today = timezone.localdate()
    assignments = RoleAssignment.objects.current().filter(user=user).select_related("unit")
    deviations = list(todo.deviations_to_handle(user)[: todo.LIST_LENGTH + 1])
    measures = list(todo.measures_due(user, today)[: todo.LIST_LENGTH + 1])
    steps = todo.steps_due(user, today)
    return render(
        request,
        "hms/home.html",
        {
            "assignments": assignments,
            "today": today,
            "year": today.year,
            "deviations": deviations[: todo.LIST_LENGTH],
            "more_deviations": len(deviations) > todo.LIST_LENGTH,
            "measures": measures[: todo.LIST_LENGTH],
            "more_measures": len(measures) > todo.LIST_LENGTH,
            "steps": steps[: todo.LIST_LENGTH],
            "more_steps": len(steps) > todo.LIST_LENGTH,
            "led_units": todo.led_cycles(user, today),
            # The newest reports load beside the list, for those who read some unit's records.
            "reads_records": access.reads_records_somewhere(user),
        },
    )


# The day the statement was last checked against the app; a new check moves it.
ACCESSIBILITY_CHECKED = datetime.date(2026, 12, 2)


def accessibility(request):
    """The accessibility statement (tilgjengelighetserklæring) the universal design regulation
    asks of a public body's web pages, open without an account like the report form."""
    contacts = (
        RoleAssignment.objects.current()
        .filter(role=Role.HMS_DEPARTMENT, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__first_name", "user__last_name")[:5]
    )
    return render(
        request,
        "hms/accessibility.html",
        # One line per person, though they may hold the role on several units.
        {"checked": ACCESSIBILITY_CHECKED, "contacts": list({a.user: None for a in contacts})},
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


# Skipping the audit context also skips loading the user: during a database outage the
# health check answers its own JSON 503 instead of failing on the session.
@history_without_user
@never_cache
def healthz(request):
    """Liveness for load balancers: 200 when the database answers, 503 when it does not."""
    database = _database_ok()
    broker = _broker_ok()
    status = 200 if database else 503
    return JsonResponse(
        {
            "status": "ok" if database and broker else "degraded" if database else "down",
            "database": "ok" if database else "error",
            "broker": "ok" if broker else "error",
        },
        status=status,
    )


def _audited_models() -> set[type]:
    """The models whose changes the database records (each has a pghistory event model)."""
    return {
        model.pgh_tracked_model
        for model in apps.get_models()
        if issubclass(model, Event) and getattr(model, "pgh_tracked_model", None)
    }


@login_required
def history(request, content_type_id: int, object_id: int):
    """The audit trail of one object: every insert, update and delete, with who and where."""
    if not access.can_view_history(request.user):
        raise Http404
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model not in _audited_models():
        raise Http404
    obj = get_object_or_404(model._base_manager, pk=object_id)
    events = (
        MiddlewareEvents.objects.references(obj)
        .select_related("user")
        .order_by("-pgh_created_at", "-pgh_id")[:500]
    )
    rows = [_describe(event) for event in events]
    return render(request, "hms/history.html", {"object": obj, "rows": rows})


EVENT_LABELS = {"insert": _("Created"), "update": _("Changed"), "delete": _("Deleted")}


def _describe(event) -> dict:
    """An audit event in words: what kind of record, what happened, and each field by name."""
    model = apps.get_model(event.pgh_obj_model)
    names = {field.attname: field.verbose_name for field in model._meta.concrete_fields}
    if event.pgh_diff:
        changes = [(names.get(key, key), old, new) for key, (old, new) in event.pgh_diff.items()]
    else:
        changes = [(names.get(key, key), None, value) for key, value in event.pgh_data.items()]
    return {
        "event": event,
        "label": EVENT_LABELS.get(event.pgh_label, event.pgh_label),
        "record": f"{model._meta.verbose_name} #{event.pgh_obj_id}",
        "changes": changes,
        "is_diff": bool(event.pgh_diff),
    }
