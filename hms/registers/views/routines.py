from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hms.pdf import pdf_response, render_pdf
from hms.registers import export, services
from hms.registers.filters import ROUTINE_COLUMNS, RoutineFilter, routine_sort
from hms.registers.forms import RoutineForm, RoutineTemplateForm
from hms.registers.models import Routine, RoutineStatus, RoutineTemplate
from hms.registers.views.scope import (
    forbidden,
    hms_department_only,
    list_context,
    saved_values,
    shared_unit,
)
from units import access, versions
from units.forms import add_service_errors

TEXT_FIELDS = ["title", "purpose", "scope", "responsibility", "procedure", "references"]


def _routine(request, pk: int) -> Routine:
    return get_object_or_404(
        Routine.objects.visible_to(request.user).select_related("unit", "approved_by"), pk=pk
    )


def _routines(request):
    """The list's filterset and the routines it selects, in the order asked for: the page and
    its exports share it. Invalid filters select nothing; the page says what to correct."""
    base = Routine.objects.visible_to(request.user).select_related("unit", "approved_by")
    filterset = RoutineFilter(request.GET, queryset=base)
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, routine_sort(filterset.qs, request.GET.get("sort"))


@login_required
@require_safe
def routine_list(request):
    filterset, routines = _routines(request)
    context = list_context(request, filterset, routines, ROUTINE_COLUMNS)
    context["can_edit_templates"] = access.is_hms_department(request.user)
    return render(request, "registers/routine_list.html", context)


@login_required
@require_safe
def routine_export(request, fmt: str):
    """The filtered list as CSV or XLSX: exactly the routines the page lists."""
    if fmt not in export.FORMATS:
        raise Http404
    _filterset, routines = _routines(request)
    return export.download(
        export.routine_rows(routines),
        export.ROUTINE_COLUMNS,
        _("routines"),
        fmt,
        sheet_title=_("Local HSE routines"),
    )


@login_required
def routine_create(request, code: str):
    unit = shared_unit(request, code)
    if not services.can_change(request.user, unit):
        return forbidden(request, _("You may read this unit's routines, but not add to them."))
    templates = RoutineTemplate.objects.filter(is_active=True)
    template = None
    if (chosen := request.GET.get("template", "")).isdigit():
        template = templates.filter(pk=chosen).first()
    if template is None and request.method == "GET" and not request.GET.get("blank"):
        context = {"unit": unit, "templates": templates}
        return render(request, "registers/routine_start.html", context)
    initial = {name: getattr(template, name) for name in TEXT_FIELDS} if template else {}
    form = RoutineForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                routine = services.routine_create(
                    actor=request.user,
                    unit=unit,
                    template=template,
                    review_due=data["review_due"],
                    **{name: data[name] for name in TEXT_FIELDS},
                )
            except PermissionDenied:
                return forbidden(request, _("You may not add routines to this unit."))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The routine was saved as a draft. The line manager approves it.")
                )
                return redirect(routine)
    context = {"form": form, "unit": unit, "template": template, "title": _("New routine")}
    return render(request, "registers/routine_form.html", context, status=status)


@login_required
@require_safe
def routine_detail(request, pk: int):
    routine = _routine(request, pk)
    versions_seen = routine.versions().visible_to(request.user).select_related("approved_by")
    context = {
        "routine": routine,
        "versions": versions_seen,
        "revision": next((v for v in versions_seen if v.previous_id == routine.pk), None),
        "unit": routine.unit,
        "can_change": services.can_change(request.user, routine.unit),
        "can_approve": services.can_approve(request.user, routine.unit),
        "today": timezone.localdate(),
    }
    return render(request, "registers/routine_detail.html", context)


@login_required
def routine_edit(request, pk: int):
    routine = _routine(request, pk)
    if not services.can_change(request.user, routine.unit):
        return forbidden(request, _("You can read this routine, but you may not change it."))
    if routine.status == RoutineStatus.SUPERSEDED:
        messages.error(request, _("This version has been replaced; change the one in force."))
        return redirect(routine)
    revision = Routine.objects.filter(previous=routine).first()
    if revision is not None:
        # The next version is being drafted: changes go there, not into the one in force.
        return redirect("registers:routine_edit", revision.pk)
    initial = {name: getattr(routine, name) for name in [*TEXT_FIELDS, "review_due", "version"]}
    form = RoutineForm(request.POST or None, initial=initial)
    # An edit always says which version it started from (a missing one is no overwrite).
    form.fields["version"].required = True
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.routine_update(
                    actor=request.user,
                    routine=routine,
                    version=data["version"],
                    review_due=data["review_due"],
                    **{name: data[name] for name in TEXT_FIELDS},
                )
            except PermissionDenied:
                return forbidden(request, _("You may not change this routine."))
            except ValidationError as error:
                add_service_errors(form, error)
                current = Routine.objects.get(pk=routine.pk)
                if current.version != data["version"]:
                    form.data = form.data.copy()
                    form.data["version"] = current.version
                    status = 409
            else:
                if saved.pk != routine.pk:
                    messages.success(
                        request,
                        _(
                            "Saved as version %(edition)s, a draft. Version %(previous)s stays "
                            "in force until the line manager approves the new one."
                        )
                        % {"edition": saved.edition, "previous": routine.edition},
                    )
                else:
                    messages.success(request, _("The routine was saved."))
                return redirect(saved)
    context = {
        "form": form,
        "unit": routine.unit,
        "routine": routine,
        "title": _("Change the routine"),
    }
    return render(request, "registers/routine_form.html", context, status=status)


@login_required
@require_POST
def routine_approve(request, pk: int):
    routine = _routine(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.routine_approve(actor=request.user, routine=routine, version=version)
    except PermissionDenied:
        return forbidden(request, _("Only the unit's line manager approves its routines."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(routine)
    messages.success(request, _("The routine is approved and in force."))
    return redirect(routine)


@login_required
@require_safe
def routine_pdf(request, pk: int):
    routine = _routine(request, pk)
    pdf = render_pdf(
        "registers/pdf/routine.html",
        {"routine": routine, "unit": routine.unit, "printed": timezone.localtime()},
    )
    return pdf_response(pdf, f"routine-{routine.unit.code}-{routine.pk}.pdf")


@login_required
@require_POST
def routine_delete(request, pk: int):
    routine = _routine(request, pk)
    unit = routine.unit
    try:
        services.routine_delete(actor=request.user, routine=routine)
    except PermissionDenied:
        return forbidden(request, _("You can read this routine, but you may not delete it."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(routine)
    messages.success(request, _("The draft was deleted."))
    return redirect(reverse("registers:unit", args=[unit.code]) + "#routines")


# --- Templates (HSE department) -----------------------------------------------------------------


@login_required
@require_safe
def template_list(request):
    hms_department_only(request)
    context = {"templates": RoutineTemplate.objects.all()}
    return render(request, "registers/template_list.html", context)


@login_required
def template_edit(request, pk: int | None = None):
    hms_department_only(request)
    template = get_object_or_404(RoutineTemplate, pk=pk) if pk else None
    initial = {"version": template.version} if template else {}
    form = RoutineTemplateForm(request.POST or None, instance=template, initial=initial)
    if template is not None:
        form.fields["version"].required = True
    status = 200
    saved = None
    if request.method == "POST" and form.is_valid():
        try:
            services.routine_template_save(
                actor=request.user, template=template, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
            if versions.is_stale(error):
                saved = saved_values(form, RoutineTemplate.objects.get(pk=template.pk))
                status = 409
        else:
            messages.success(request, _("The template was saved."))
            return redirect("registers:templates")
    title = _("Change a routine template") if template else _("New routine template")
    return render(
        request,
        "registers/simple_form.html",
        {"form": form, "title": title, "back": "registers:templates", "saved": saved},
        status=status,
    )
