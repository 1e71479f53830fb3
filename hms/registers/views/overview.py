import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from hms.registers import services
from hms.registers.models import (
    REVIEW_SOON_DAYS,
    CoordinationAgreement,
    Document,
    Routine,
    RoutineStatus,
    UnitRequirement,
)
from hms.registers.views.scope import can_read_shared, shared_unit
from units import access
from units.models import Unit


def _unit_registers(request, unit: Unit) -> dict:
    """What the unit keeps in each register. Documents and routines of the units above are
    listed too: they apply here (shared down the tree)."""
    user = request.user
    may_see_records = access.can_view_records(user, unit)
    in_reach = [*unit.ancestor_paths(), unit.path]
    documents = (
        Document.objects.visible_to(user)
        .filter(unit__path__in=in_reach)
        .select_related("unit")
        .order_by("unit__path", "kind", "title")
    )
    routines = (
        Routine.objects.visible_to(user)
        .current()
        .filter(unit__path__in=in_reach)
        .select_related("unit", "approved_by")
        .order_by("unit__path", "title")
    )
    context = {
        "unit": unit,
        "documents": documents,
        "routines": routines,
        "may_see_records": may_see_records,
        "can_change": services.can_change(user, unit),
        "today": timezone.localdate(),
    }
    if may_see_records:
        context["agreements"] = (
            CoordinationAgreement.objects.filter(unit=unit)
            .exclude(valid_to__lt=timezone.localdate() - datetime.timedelta(days=365))
            .prefetch_related("parties")
        )
        entries = UnitRequirement.objects.filter(unit=unit)
        context["requirements_applying"] = entries.filter(applies=True).count()
        context["requirements_reviewed"] = (
            entries.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first()
        )
    return context


@login_required
@require_safe
def unit_registers(request, code: str):
    unit = shared_unit(request, code)
    return render(request, "registers/unit_registers.html", _unit_registers(request, unit))


@login_required
@require_safe
def unit_summary(request, code: str):
    """The partial on the unit page: how the unit's registers stand. Nothing for those who may
    read none of them."""
    unit = get_object_or_404(Unit, code=code)
    if not can_read_shared(request.user, unit):
        return HttpResponse("")
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=REVIEW_SOON_DAYS)
    # Counted over the unit and the units above it (their documents and routines apply
    # here too); the review badges only for the unit's own, which are the unit's to review.
    in_reach = Q(unit__path__in=[*unit.ancestor_paths(), unit.path])
    own = Q(unit=unit)
    passed, due_soon = Q(review_due__lt=today), Q(review_due__gte=today, review_due__lte=soon)
    documents = (
        Document.objects.visible_to(request.user)
        .filter(in_reach)
        .aggregate(
            total=Count("pk"),
            passed=Count("pk", filter=own & passed),
            soon=Count("pk", filter=own & due_soon),
        )
    )
    in_force = Routine.objects.in_force(today).filter(in_reach).values("pk")
    routines = (
        Routine.objects.visible_to(request.user)
        .current()
        .filter(in_reach)
        .aggregate(
            in_force=Count("pk", filter=Q(pk__in=in_force)),
            drafts=Count("pk", filter=own & Q(status=RoutineStatus.DRAFT)),
            passed=Count("pk", filter=own & passed),
            soon=Count("pk", filter=own & due_soon),
        )
    )
    context = {
        "unit": unit,
        "documents": documents,
        "routines": routines,
        "may_see_records": access.can_view_records(request.user, unit),
    }
    if context["may_see_records"]:
        agreements = CoordinationAgreement.objects.filter(unit=unit).valid_in_year(today.year)
        context["agreements"] = agreements.count()
        context["requirements_applying"] = UnitRequirement.objects.filter(
            unit=unit, applies=True
        ).count()
    return render(request, "registers/_unit_summary.html", context)
