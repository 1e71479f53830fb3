import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from deviations.filters import MINE_REPORTED
from hms import history as audit_trail
from hms.celery import app as celery_app
from hms.cycle import todo
from hms.middleware import history_without_user
from units import access
from units.models import Role, RoleAssignment

MY_REPORTS = 5


@login_required
def home(request):
    """What is the user's to do across their units, and their roles."""
    user = request.user
    today = timezone.localdate()
    assignments = RoleAssignment.objects.current().filter(user=user).select_related("unit")
    deviations = list(todo.deviations_to_handle(user)[: todo.LIST_LENGTH + 1])
    measures = list(todo.measures_due(user, today)[: todo.LIST_LENGTH + 1])
    steps, led_units = todo.cycle_todo(user, today)
    reports = list(todo.my_reports(user)[: MY_REPORTS + 1])
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
            "my_reports": reports[:MY_REPORTS],
            "more_reports": len(reports) > MY_REPORTS,
            "mine_reported": MINE_REPORTED,
            "led_units": led_units,
            # The newest reports load beside the list, for those who read some unit's records.
            "reads_records": access.reads_records_somewhere(user),
            # The HSE department sees the organisation's state first (hms/organisation.py).
            "oversees_organisation": access.is_hms_department(user),
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


@login_required
def history(request, content_type_id: int, object_id: int):
    """The audit trail of one record, in words, for those who may see the record."""
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model not in audit_trail.audited_models():
        raise Http404
    obj = get_object_or_404(model._base_manager, pk=object_id)
    if not audit_trail.may_read_history(request.user, obj):
        raise Http404
    context = {"object": obj, "rows": audit_trail.events_of(obj)}
    return render(request, "hms/history.html", context)
