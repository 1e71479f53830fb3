"""The unit's action plan: the list with filters, totals and exports, and each measure's page
with its steps (edit, progress, close with the effectiveness check, cancel).

Who sees what: the plan of a unit is for those whose roles cover it (units.access); a person
responsible for a measure sees that measure, wherever it is. Anything else is a 404; a page the
user may read but not change answers a change with 403.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actionplans import export, services
from actionplans.bulk import BulkForm
from actionplans.filters import SORT_COLUMNS, PlanFilter, plan_sort, sort_links
from actionplans.forms import CancelForm, CloseForm, MeasureForm, ProgressForm
from actionplans.models import (
    OPEN_STATUSES,
    Effectiveness,
    Measure,
    MeasureAttachment,
    MeasureSource,
    Priority,
)
from hms.pdf import pdf_response, render_pdf
from units import access, listing
from units.attachments import AttachmentViews, attachments_context
from units.forms import add_service_errors
from units.models import Unit
from units.spreadsheet import respond

PAGE_SIZE = 50


def _plan_unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not access.can_view_records(request.user, unit):
        raise Http404
    return unit


def _filtered(request, unit: Unit):
    """The filterset and the measures it selects from the unit's plan (with its sub-units if
    asked). Invalid filters select nothing: the page says what to correct."""
    with_subunits = request.GET.get("subunits") in ("on", "true", "1")
    if with_subunits:
        base = Measure.objects.filter(unit__path__startswith=unit.path)
    else:
        base = Measure.objects.filter(unit=unit)
    people = (
        get_user_model()
        .objects.filter(pk__in=base.values("responsible"))
        .order_by("first_name", "last_name", "username")
    )
    filterset = PlanFilter(request.GET or None, queryset=base, people=people)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, base.none(), with_subunits
    measures = filterset.qs if filterset.is_bound else base
    return filterset, plan_sort(measures, request.GET.get("sort")), with_subunits


def _totals(measures) -> dict:
    today = timezone.localdate()
    open_q = Q(status__in=OPEN_STATUSES)
    return measures.order_by().aggregate(
        count=Count("pk"),
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(deadline__lt=today)),
        cost=Sum("estimated_cost"),
    )


@login_required
def index(request):
    """The units whose plans the user may open, and the user's own open measures."""
    held = access.role_paths(request.user)
    paths = sorted({path for role in access.RECORD_ROLES for path in held.get(role, ())})
    units = list(Unit.objects.filter(path__in=paths).order_by("path"))
    mine = list(
        Measure.objects.filter(responsible=request.user, status__in=OPEN_STATUSES)
        .select_related("unit")
        .order_by("deadline", "pk")[:100]
    )
    # One unit, and nothing of the user's own outside it: straight to its plan.
    if len(units) == 1 and all(m.unit.path.startswith(units[0].path) for m in mine):
        url = reverse("actionplans:plan", args=[units[0].code])
        # A role covers the subtree, so the plan a role holder lands on does too.
        return redirect(f"{url}?subunits=on" if units[0].numchild else url)
    context = {"units": units, "mine": mine, "today": timezone.localdate()}
    return render(request, "actionplans/plan_index.html", context)


@login_required
def plan(request, code: str):
    unit = _plan_unit(request, code)
    filterset, measures, with_subunits = _filtered(request, unit)
    page = Paginator(measures.select_related("unit", "responsible"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sources = listing.choice_labels(MeasureSource.choices)
    priorities = listing.choice_labels(Priority.choices)
    effects = listing.choice_labels(Effectiveness.choices)
    for measure in page.object_list:
        measure.source_label = sources.get(measure.source, measure.source)
        measure.priority_label = priorities.get(measure.priority, measure.priority)
        measure.effectiveness_label = effects.get(measure.effectiveness, measure.effectiveness)
    sort = request.GET.get("sort") or ""
    context = {
        "unit": unit,
        "filter": filterset,
        "page": page,
        "sort": sort if sort.lstrip("-") in SORT_COLUMNS else "",
        "columns": sort_links(listing.filter_query(request), sort),
        "totals": _totals(measures),
        "with_subunits": with_subunits,
        "filter_query": listing.filter_query(request),
        "can_change": services.can_change_plan(request.user, unit),
        "today": timezone.localdate(),
    }
    if context["can_change"]:
        context["bulk_form"] = BulkForm(auto_id="bulk_%s")
    return render(request, "actionplans/plan.html", context)


@login_required
def plan_export(request, code: str, fmt: str):
    unit = _plan_unit(request, code)
    _filterset, measures, with_subunits = _filtered(request, unit)
    today = timezone.localdate()
    name = f"{_('action-plan')}-{slugify(unit.code)}-{today.isoformat()}"
    if fmt == "xlsx":
        return respond(
            export.rows(measures),
            export.COLUMNS,
            f"{name}.xlsx",
            "xlsx",
            sheet_title=_("Action plan"),
        )
    if fmt == "pdf":
        context = {
            "unit": unit,
            "measures": list(measures.select_related("unit", "responsible")),
            "totals": _totals(measures),
            "with_subunits": with_subunits,
            "filters": _filter_summary(_filterset),
            "today": today,
            "now": timezone.localtime(),
        }
        return pdf_response(render_pdf("actionplans/pdf/plan.html", context), f"{name}.pdf")
    raise Http404


def _filter_summary(filterset) -> list[tuple[str, str]]:
    """The filters in force, as (label, value) for the PDF's heading."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    shown = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", False) or name == "subunits":
            continue
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        if value is True:
            value = _("yes")
        shown.append((str(field.label), str(value)))
    return shown


@login_required
def unit_summary(request, code: str):
    """The plan's state for the unit page: open, overdue, and a link. Empty for those who may
    not see the plan (the unit page itself is open to everyone)."""
    unit = get_object_or_404(Unit, code=code)
    if not access.can_view_records(request.user, unit):
        return render(request, "actionplans/_unit_summary.html", {"unit": unit, "hidden": True})
    measures = Measure.objects.filter(unit__path__startswith=unit.path)
    context = {"unit": unit, "totals": _totals(measures)}
    return render(request, "actionplans/_unit_summary.html", context)


# --- One measure ------------------------------------------------------------------------------


def _measure(request, pk: int) -> Measure:
    return get_object_or_404(
        Measure.objects.visible_to(request.user).select_related(
            "unit", "responsible", "created_by", "follow_up_of"
        ),
        pk=pk,
    )


def _detail(request, measure: Measure, status: int = 200, **forms):
    can_change = services.can_change_plan(request.user, measure.unit)
    can_progress = services.can_update_progress(request.user, measure)
    initial = {"version": measure.version}
    if measure.is_open and can_progress and "progress_form" not in forms:
        forms["progress_form"] = ProgressForm(
            initial={**initial, "status": measure.status, "progress": measure.progress}
        )
    if measure.is_open and can_change:
        forms.setdefault("close_form", CloseForm(initial=initial))
        forms.setdefault("cancel_form", CancelForm(initial=initial))
    follow_ups = list(measure.follow_ups.order_by("pk"))
    attachments = attachments_context(
        attachment_views, measure, request.user, forms.pop("attachment_form", None)
    )
    context = {
        **attachments,
        "measure": measure,
        "follow_ups": follow_ups,
        "may_follow_up": can_change and measure.did_not_work and not follow_ups,
        "can_change": can_change,
        "can_see_plan": access.can_view_records(request.user, measure.unit),
        "overdue": measure.is_overdue(),
        **forms,
    }
    return render(request, "actionplans/measure_detail.html", context, status=status)


def _stale(form, measure: Measure) -> int:
    """After a refused save: 409 if the measure changed meanwhile. The form keeps the input
    and takes the new version, so saving again is a deliberate overwrite."""
    current = Measure.objects.get(pk=measure.pk)
    if "version" in form.fields and current.version != form.cleaned_data.get("version"):
        form.data = form.data.copy()
        form.data["version"] = current.version
        return 409
    return 400


@login_required
def measure_detail(request, pk: int):
    return _detail(request, _measure(request, pk))


# The evidence of the fix, before and after: added by whoever may record the measure's progress
# (the responsible person does the fix), read by whoever may see the measure.
attachment_views = AttachmentViews(
    model=MeasureAttachment,
    record=lambda request, pk: _measure(request, pk),
    may_change=services.can_update_progress,
    page=lambda request, measure, form, status: _detail(
        request, measure, status=status, attachment_form=form
    ),
)


@login_required
def measure_add(request, code: str):
    unit = _plan_unit(request, code)
    if not services.can_change_plan(request.user, unit):
        raise PermissionDenied
    form = MeasureForm(request.POST or None, new=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                measure = services.plan_measure_add(
                    actor=request.user, unit=unit, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The measure was added to the action plan."))
                return redirect(measure)
    context = {"form": form, "unit": unit, "title": _("New measure")}
    return render(request, "actionplans/measure_form.html", context, status=status)


@login_required
def measure_edit(request, pk: int):
    measure = _measure(request, pk)
    if not services.can_change_plan(request.user, measure.unit):
        raise PermissionDenied
    if not measure.is_open:
        messages.error(request, _("A closed or cancelled measure is not changed."))
        return redirect(measure)
    responsible = measure.responsible
    initial = {
        "title": measure.title,
        "description": measure.description,
        "responsible": responsible.username,
        "deadline": measure.deadline,
        "priority": measure.priority,
        "estimated_cost": measure.estimated_cost,
        "version": measure.version,
    }
    form = MeasureForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                measure = services.measure_update(
                    actor=request.user, measure=measure, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = _stale(form, measure)
                measure = Measure.objects.select_related("unit").get(pk=measure.pk)
            else:
                messages.success(request, _("The measure was saved."))
                return redirect(measure)
    context = {
        "form": form,
        "unit": measure.unit,
        "measure": measure,
        "title": _("Edit the measure"),
    }
    return render(request, "actionplans/measure_form.html", context, status=status)


def _step(request, pk: int, form_class, form_key: str, service, success: str, may):
    """A POSTed step on the measure's page: validate, call the service, and on failure show
    the page again with the form's input and errors."""
    measure = _measure(request, pk)
    if request.method != "POST":
        return redirect(measure)
    if not may(request.user, measure):
        raise PermissionDenied
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            service(actor=request.user, measure=measure, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            status = _stale(form, measure)
            measure = _measure(request, pk)
        else:
            messages.success(request, success)
            return redirect(measure)
    return _detail(request, measure, status=status, **{form_key: form})


@login_required
def measure_progress(request, pk: int):
    return _step(
        request,
        pk,
        ProgressForm,
        "progress_form",
        services.measure_set_progress,
        _("The progress was saved."),
        services.can_update_progress,
    )


@login_required
def measure_close(request, pk: int):
    return _step(
        request,
        pk,
        CloseForm,
        "close_form",
        services.measure_close,
        _("The measure was closed."),
        lambda user, measure: services.can_change_plan(user, measure.unit),
    )


@login_required
def measure_cancel(request, pk: int):
    def cancel(*, actor, measure, version, cancel_reason):
        return services.measure_cancel(
            actor=actor, measure=measure, version=version, reason=cancel_reason
        )

    return _step(
        request,
        pk,
        CancelForm,
        "cancel_form",
        cancel,
        _("The measure was cancelled."),
        lambda user, measure: services.can_change_plan(user, measure.unit),
    )


@login_required
def measure_follow_up(request, pk: int):
    """One click from a measure that did not work to its follow-up, whose form opens next so
    its deadline and responsible person can be set."""
    measure = _measure(request, pk)
    if request.method != "POST":
        return redirect(measure)
    if not services.can_change_plan(request.user, measure.unit):
        raise PermissionDenied
    try:
        follow_up, created = services.plan_follow_up_add(actor=request.user, measure=measure)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect(measure)
    if created:
        messages.success(
            request, _("A follow-up measure was added. Set its deadline and who does it.")
        )
    else:
        messages.info(request, _("This measure has a follow-up already."))
    return redirect("actionplans:measure_edit", follow_up.pk)
