"""Which steps of the yearly cycle apply to which kind of unit, as the HSE department says.

A laboratory or a research group under a department has no goals or working group of its
own: marking those steps as not applying to that kind of unit takes them out of the unit's
completion and out of "behind" (hms/cycle/progress.py), for cycles already opened too.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hms.cycle.models import PHASE_ORDER, StepTemplate
from units import access
from units.models import UnitType

STALE = gettext_lazy("Someone else changed these marks while you were editing; look at them again.")


def _fingerprint(templates) -> str:
    """The marks as they were shown: a save over someone else's newer marks is refused."""
    text = ";".join(f"{t.pk}:{','.join(sorted(t.not_for_unit_types))}" for t in templates)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _templates(lock: bool = False):
    templates = StepTemplate.objects.filter(is_active=True)
    templates = list(templates.select_for_update(of=("self",)) if lock else templates)
    templates.sort(key=lambda t: (PHASE_ORDER.get(t.phase, 99), t.order, t.pk))
    return templates


def _row(template, types) -> dict:
    excluded = set(template.not_for_unit_types)
    cells = [
        {"value": value, "label": label, "applies": value not in excluded} for value, label in types
    ]
    return {"template": template, "cells": cells}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def applicability(request):
    if not access.is_hms_department(request.user):
        raise Http404
    if request.method == "POST":
        with transaction.atomic():
            templates = _templates(lock=True)
            if request.POST.get("fingerprint") != _fingerprint(templates):
                messages.error(request, STALE)
                return redirect("cycle:applicability")
            changed = []
            for template in templates:
                marked = set(request.POST.getlist(f"applies-{template.pk}"))
                wanted = sorted(value for value in UnitType.values if value not in marked)
                if wanted != sorted(template.not_for_unit_types):
                    template.not_for_unit_types = wanted
                    template.save(update_fields=["not_for_unit_types"])
                    changed.append(template)
        if changed:
            messages.success(request, _("Saved: which steps apply to which kind of unit."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("cycle:applicability")
    templates = _templates()
    types = UnitType.choices
    rows = [_row(template, types) for template in templates]
    context = {"rows": rows, "types": types, "fingerprint": _fingerprint(templates)}
    return render(request, "cycle/applicability.html", context)
