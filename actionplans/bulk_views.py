"""The action plan's bulk form: the rows ticked on the plan, an action and its fields, a
summary to confirm, then one transaction (actionplans/bulk.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from actionplans import bulk, services
from actionplans.models import Measure
from actionplans.views import _plan_unit

DONE = {
    bulk.REASSIGN: lambda n: ngettext(
        "%(n)d measure was given to another person.",
        "%(n)d measures were given to another person.",
        n,
    ),
    bulk.DEADLINE: lambda n: ngettext(
        "The deadline of %(n)d measure was changed.",
        "The deadline of %(n)d measures was changed.",
        n,
    ),
    bulk.CLOSE: lambda n: ngettext("%(n)d measure was closed.", "%(n)d measures were closed.", n),
    bulk.REMIND: lambda n: ngettext("%(n)d reminder was sent.", "%(n)d reminders were sent.", n),
}


@login_required
@require_POST
def plan_bulk(request, code: str):
    unit = _plan_unit(request, code)
    if not services.can_change_plan(request.user, unit):
        raise PermissionDenied
    form = bulk.BulkForm(request.POST)
    back = request.POST.get("back", "")
    if not back.startswith(reverse("actionplans:plan", args=[unit.code])):
        back = reverse("actionplans:plan", args=[unit.code])
    status, refused = 200, []
    if not form.is_valid():
        status = 400
    elif request.POST.get("confirm") == "yes":
        try:
            count = bulk.bulk_apply(
                actor=request.user, unit=unit, selected=form.selected, **form.cleaned_data
            )
        except bulk.Refused as error:
            status, refused = 409, error.rows
        else:
            messages.success(request, DONE[form.cleaned_data["action"]](count) % {"n": count})
            return redirect(back)
    selected = list(
        Measure.objects.filter(pk__in=form.selected, unit__path__startswith=unit.path)
        .select_related("unit", "responsible")
        .order_by("deadline", "pk")
    )
    context = {
        "unit": unit,
        "form": form,
        "selected": selected,
        "versions": form.selected,
        "missing": len(form.selected) - len(selected),
        "refused": refused,
        "back": back,
    }
    return render(request, "actionplans/plan_bulk.html", context, status=status)
