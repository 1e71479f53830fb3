import datetime

from django.contrib.auth.decorators import login_required
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
    own_documents = Document.objects.filter(unit=unit)
    own_routines = Routine.objects.filter(unit=unit)
    context = {
        "unit": unit,
        "documents": own_documents.count(),
        "documents_passed": own_documents.filter(review_due__lt=today).count(),
        "documents_soon": own_documents.filter(review_due__gte=today, review_due__lte=soon).count(),
        "routines": own_routines.count(),
        "routines_in_force": own_routines.in_force(today).count(),
        "routines_passed": own_routines.filter(review_due__lt=today).count(),
        "routines_soon": own_routines.filter(review_due__gte=today, review_due__lte=soon).count(),
        "may_see_records": access.can_view_records(request.user, unit),
    }
    if context["may_see_records"]:
        agreements = CoordinationAgreement.objects.filter(unit=unit).valid_in_year(today.year)
        context["agreements"] = agreements.count()
        context["requirements_applying"] = UnitRequirement.objects.filter(
            unit=unit, applies=True
        ).count()
    return render(request, "registers/_unit_summary.html", context)
