from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from hms.registers import bulk, export, filters, services
from hms.registers.bulk import BulkReviewForm
from hms.registers.filters import CATALOGUE_COLUMNS, CatalogueFilter, RegisterFilter
from hms.registers.forms import LocalRequirementForm, RequirementForm, RequirementsRegisterForm
from hms.registers.models import Requirement, UnitRequirement
from hms.registers.views.scope import (
    forbidden,
    hms_department_only,
    list_context,
    records_unit,
    saved_values,
)
from units import access, listing, versions
from units.forms import add_service_errors
from units.models import Unit


def _catalogue(request):
    """The catalogue's filterset and the requirements it selects, in the order asked for: the
    page and its exports share it. Others than the HSE department see the active ones."""
    base = Requirement.objects.catalogue()
    if not access.is_hms_department(request.user):
        base = base.filter(is_active=True)
    filterset = CatalogueFilter(request.GET, queryset=base)
    if not filterset.is_valid():
        return filterset, base.none()
    requirements = filterset.qs
    if listing.sort_key(CATALOGUE_COLUMNS, request.GET.get("sort")):
        return filterset, listing.sort_queryset(
            requirements, CATALOGUE_COLUMNS, request.GET.get("sort")
        )
    return filterset, requirements.order_by("order", "short_name", "pk")


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
    filterset, requirements = _catalogue(request)
    context = list_context(request, filterset, requirements, CATALOGUE_COLUMNS)
    context.update(
        units=units,
        can_edit_catalogue=access.is_hms_department(request.user),
        # The registers are records: the way in is for those whose roles show them records.
        may_open_registers=bool(units) or access.sees_everything(request.user),
    )
    return render(request, "registers/catalogue.html", context)


@login_required
@require_safe
def catalogue_export(request, fmt: str):
    """The filtered catalogue as CSV or XLSX: exactly the requirements the page lists."""
    if fmt not in export.FORMATS:
        raise Http404
    _filterset, requirements = _catalogue(request)
    return export.download(
        export.catalogue_rows(requirements),
        export.CATALOGUE_COLUMNS,
        _("requirements-catalogue"),
        fmt,
        sheet_title=_("Requirements"),
    )


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


def _listed(unit: Unit):
    """The catalogue and the local requirements that bind the unit; one no longer active
    stays listed while the unit marks it as applying."""
    applying = UnitRequirement.objects.filter(unit=unit, applies=True).values("requirement")
    listed = Requirement.objects.for_register(unit) | Requirement.objects.filter(pk__in=applying)
    return listed.distinct().select_related("unit")


def _register_rows(request, unit: Unit):
    """The register's filterset and the requirements it selects, in the order asked for: the
    page, its exports and its review all use it. Invalid filters select nothing."""
    base = filters.with_entry(_listed(unit), unit)
    filterset = RegisterFilter(request.GET, queryset=base, unit=unit)
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filters.register_sort(filterset.qs, request.GET.get("sort"))


def _entries(unit: Unit) -> dict:
    return {
        entry.requirement_id: entry
        for entry in UnitRequirement.objects.filter(unit=unit).select_related("reviewed_by")
    }


def _register_context(request, unit, filterset, form, entries, can_change) -> dict:
    query = listing.filter_query(request)
    sort = listing.sort_key(filters.REGISTER_COLUMNS, request.GET.get("sort"))
    reviewed = [entry.reviewed_on for entry in entries.values()]
    context = {
        "unit": unit,
        "form": form,
        "filter": filterset,
        "columns": listing.sort_links(query, filters.REGISTER_COLUMNS, sort),
        "sort": sort,
        "filter_query": query,
        "filtered": any(key != "sort" for key in query),
        "can_change": can_change,
        "last_reviewed": max(reviewed) if reviewed else None,
        "applying": sum(entry.applies for entry in entries.values()),
    }
    if can_change:
        context["bulk_form"] = BulkReviewForm(auto_id="bulk_%s")
    return context


def _register_url(unit, query) -> str:
    url = reverse("registers:requirements", args=[unit.code])
    return f"{url}?{query.urlencode()}" if query else url


@login_required
def register(request, code: str):
    """The unit's requirements register: every active requirement of the catalogue, which apply
    and why. Requirements no longer in the catalogue stay listed while the unit marks them.
    With a search or filter, the form holds (and saving reviews) the requirements shown."""
    unit = records_unit(request, code)
    entries = _entries(unit)
    filterset, requirements = _register_rows(request, unit)
    requirements = list(requirements)
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
                return _stale_register(request, unit, filterset, form, requirements, can_change)
            messages.success(request, _("The requirements register was saved."))
            return redirect(_register_url(unit, listing.filter_query(request)))
        status = 400
    context = _register_context(request, unit, filterset, form, entries, can_change)
    return render(request, "registers/requirements.html", context, status=status)


@login_required
@require_safe
def register_export(request, code: str, fmt: str):
    """The register as CSV or XLSX: exactly the requirements the page lists, with the unit's
    entry for each."""
    unit = records_unit(request, code)
    if fmt not in export.FORMATS:
        raise Http404
    _filterset, requirements = _register_rows(request, unit)
    name = _("requirements-register")
    return export.download(
        export.register_rows(unit, requirements),
        export.REGISTER_COLUMNS,
        f"{name}-{unit.code}",
        fmt,
        sheet_title=_("Requirements register"),
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


def _stale_register(request, unit, filterset, form, requirements, can_change):
    """409: someone reviewed the register after this page was opened. The ticks and comments
    typed here stay in the form, now carrying the current versions; what the other person
    saved is shown beside each requirement they changed."""
    entries = _entries(unit)
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
    context = _register_context(request, unit, filterset, form, entries, can_change)
    context["stale"] = versions.stale_error().messages[0]
    context["changed"] = changed
    return render(request, "registers/requirements.html", context, status=409)


@login_required
@require_POST
def register_review(request, code: str):
    """Mark the requirements ticked in the register as reviewed: a summary to confirm, then
    one transaction (registers/bulk.py), refused whole if any row cannot be reviewed."""
    unit = records_unit(request, code)
    if not services.can_change(request.user, unit):
        return forbidden(request, _("You can read this register, but you may not change it."))
    form = BulkReviewForm(request.POST)
    back = request.POST.get("back", "")
    if not back.startswith(reverse("registers:requirements", args=[unit.code])):
        back = reverse("registers:requirements", args=[unit.code])
    status, refused = 200, []
    if not form.is_valid():
        status = 400
    elif request.POST.get("confirm") == "yes":
        try:
            count = bulk.bulk_review(
                actor=request.user,
                unit=unit,
                selected=form.selected,
                comment=form.cleaned_data["comment"],
            )
        except bulk.Refused as error:
            status, refused = 409, error.rows
        except PermissionDenied:
            return forbidden(request, _("You may not change this register."))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d requirement was marked as reviewed.",
                    "%(n)d requirements were marked as reviewed.",
                    count,
                )
                % {"n": count},
            )
            return redirect(back)
    entries = _entries(unit)
    selected = [
        (requirement, entries.get(requirement.pk))
        for requirement in _listed(unit)
        .filter(pk__in=form.selected)
        .order_by(F("unit__path").asc(nulls_first=True), "order", "short_name")
    ]
    context = {
        "unit": unit,
        "form": form,
        "selected": selected,
        "versions": form.selected,
        "missing": len(form.selected) - len(selected),
        "refused": refused,
        "back": back,
    }
    return render(request, "registers/requirements_review.html", context, status=status)
