from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from hms.registers import services
from hms.registers.forms import LocalRequirementForm, RequirementForm, RequirementsRegisterForm
from hms.registers.models import Requirement, UnitRequirement
from hms.registers.views.scope import (
    forbidden,
    hms_department_only,
    records_unit,
    saved_values,
)
from units import access, versions
from units.forms import add_service_errors
from units.models import Unit


@login_required
def catalogue(request):
    """The catalogue the units start from, and a way into a unit's register."""
    if request.GET.get("unit"):
        unit = Unit.objects.filter(code__iexact=request.GET["unit"].strip()).first()
        if unit and access.can_view_records(request.user, unit):
            return redirect("registers:requirements", unit.code)
        messages.error(request, _("No unit with that code whose register you may open."))
    # The units where the person holds a role themselves: the usual way in.
    paths = sorted({p for paths in access.role_paths(request.user).values() for p in paths})
    units = [
        unit
        for unit in Unit.objects.filter(path__in=paths, is_active=True)
        if access.can_view_records(request.user, unit)
    ]
    context = {
        "requirements": Requirement.objects.catalogue()
        if access.is_hms_department(request.user)
        else Requirement.objects.catalogue().filter(is_active=True),
        "units": units,
        "can_edit_catalogue": access.is_hms_department(request.user),
        # The registers are records: the way in is for those whose roles show them records.
        "may_open_registers": bool(units) or access.sees_everything(request.user),
    }
    return render(request, "registers/catalogue.html", context)


@login_required
def catalogue_edit(request, pk: int | None = None):
    hms_department_only(request)
    requirement = get_object_or_404(Requirement.objects.catalogue(), pk=pk) if pk else None
    initial = {"version": requirement.version} if requirement else {}
    form = RequirementForm(request.POST or None, instance=requirement, initial=initial)
    if requirement is not None:
        form.fields["version"].required = True
    status = 200
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_save(
                actor=request.user, requirement=requirement, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
            if versions.is_stale(error):
                saved = saved_values(form, Requirement.objects.get(pk=requirement.pk))
                status = 409
        else:
            messages.success(request, _("The catalogue was saved."))
            return redirect("registers:catalogue")
    title = _("Change a requirement") if requirement else _("Add a requirement")
    return render(
        request,
        "registers/simple_form.html",
        {"form": form, "title": title, "back": "registers:catalogue", "saved": saved},
        status=status,
    )


@login_required
def register(request, code: str):
    """The unit's requirements register: every active requirement of the catalogue, which apply
    and why. Requirements no longer in the catalogue stay listed while the unit marks them."""
    unit = records_unit(request, code)
    entries = {
        entry.requirement_id: entry
        for entry in UnitRequirement.objects.filter(unit=unit).select_related("reviewed_by")
    }
    requirements = _register_requirements(unit, entries)
    can_change = services.can_change(request.user, unit)
    form = RequirementsRegisterForm(
        request.POST or None, requirements=requirements, entries=entries
    )
    status = 200
    if request.method == "POST":
        if not can_change:
            return forbidden(request, _("You can read this register, but you may not change it."))
        if form.is_valid():
            try:
                services.requirements_register_save(
                    actor=request.user,
                    unit=unit,
                    entries=form.entries(),
                    shown_versions=form.shown_versions(),
                )
            except PermissionDenied:
                return forbidden(request, _("You may not change this register."))
            except ValidationError as error:
                if not versions.is_stale(error):
                    raise
                return _stale_register(request, unit, form, requirements, can_change)
            messages.success(request, _("The requirements register was saved."))
            return redirect("registers:requirements", unit.code)
        status = 400
    reviewed = [entry.reviewed_on for entry in entries.values()]
    context = {
        "unit": unit,
        "form": form,
        "can_change": can_change,
        "last_reviewed": max(reviewed) if reviewed else None,
        "applying": sum(entry.applies for entry in entries.values()),
    }
    return render(request, "registers/requirements.html", context, status=status)


def _register_requirements(unit, entries):
    """The catalogue and the local requirements that bind the unit; one no longer active
    stays listed while the unit marks it as applying. The catalogue first, then local ones."""
    applying = [pk for pk, entry in entries.items() if entry.applies]
    listed = Requirement.objects.for_register(unit) | Requirement.objects.filter(pk__in=applying)
    return (
        listed.distinct()
        .select_related("unit")
        .order_by(F("unit__path").asc(nulls_first=True), "order", "short_name")
    )


@login_required
def local_requirement_edit(request, code: str | None = None, pk: int | None = None):
    """Add (under the unit's code) or change (by its pk) one of a unit's own requirements."""
    if pk is not None:
        requirement = get_object_or_404(
            Requirement.objects.filter(unit__isnull=False).select_related("unit"), pk=pk
        )
        unit = records_unit(request, requirement.unit.code)
    else:
        requirement = None
        unit = records_unit(request, code)
    if not services.can_change(request.user, unit):
        return forbidden(request, _("You can read this register, but you may not change it."))
    initial = {"version": requirement.version} if requirement else {"kind": "internal"}
    form = LocalRequirementForm(request.POST or None, instance=requirement, initial=initial)
    if requirement is not None:
        form.fields["version"].required = True
    status = 200
    saved = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.local_requirement_save(
                    actor=request.user, unit=unit, requirement=requirement, **form.cleaned_data
                )
            except PermissionDenied:
                return forbidden(request, _("You may not change this register."))
            except ValidationError as error:
                add_service_errors(form, error)
                if versions.is_stale(error):
                    saved = saved_values(form, Requirement.objects.get(pk=requirement.pk))
                    status = 409
            else:
                messages.success(request, _("The unit's requirement was saved."))
                return redirect("registers:requirements", unit.code)
    title = _("Change a local requirement") if requirement else _("Add a local requirement")
    context = {
        "form": form,
        "title": title,
        "back_url": reverse("registers:requirements", args=[unit.code]),
        "saved": saved,
        "unit": unit,
    }
    return render(request, "registers/simple_form.html", context, status=status)


def _stale_register(request, unit, form, requirements, can_change):
    """409: someone reviewed the register after this page was opened. The ticks and comments
    typed here stay in the form, now carrying the current versions; what the other person
    saved is shown beside each requirement they changed."""
    entries = {
        entry.requirement_id: entry
        for entry in UnitRequirement.objects.filter(unit=unit).select_related("reviewed_by")
    }
    shown = form.shown_versions()
    data = form.data.copy()
    changed = set()
    for requirement in requirements:
        current = entries[requirement.pk].version if requirement.pk in entries else 0
        if shown.get(requirement.pk) != current:
            changed.add(requirement.pk)
        data[f"version_{requirement.pk}"] = current
    form = RequirementsRegisterForm(data, requirements=requirements, entries=entries)
    form.is_valid()
    reviewed = [entry.reviewed_on for entry in entries.values()]
    context = {
        "unit": unit,
        "form": form,
        "can_change": can_change,
        "last_reviewed": max(reviewed) if reviewed else None,
        "applying": sum(entry.applies for entry in entries.values()),
        "stale": versions.stale_error().messages[0],
        "changed": changed,
    }
    return render(request, "registers/requirements.html", context, status=409)
