"""A unit's work environment survey results and appraisal completion, per year.

Scoped as records: those whose roles cover the unit see it (units.access), others get a 404;
a change by someone who may read but not change is a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplans.forms import MeasureForm
from actionplans.models import Measure
from hms.surveys import export, services
from hms.surveys.forms import AppraisalForm, SurveyResultForm, YearForm
from hms.surveys.models import AppraisalCount, SurveyResult
from units import access
from units.forms import add_service_errors
from units.models import Unit


def _unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not access.can_view_records(request.user, unit):
        raise Http404
    return unit


def _result(request, pk: int) -> SurveyResult:
    return get_object_or_404(
        SurveyResult.objects.visible_to(request.user).select_related("unit"), pk=pk
    )


def _is_stale(error: ValidationError) -> bool:
    return not hasattr(error, "error_dict") and any(e.code == "stale" for e in error.error_list)


def _page_url(unit: Unit, year: int) -> str:
    return reverse("surveys:unit", args=[unit.code]) + f"?year={year}"


@login_required
def index(request):
    held = access.role_paths(request.user)
    paths = sorted({path for role in access.RECORD_ROLES for path in held.get(role, ())})
    units = list(Unit.objects.filter(path__in=paths).order_by("path"))
    if len(units) == 1:
        return redirect("surveys:unit", units[0].code)
    return render(request, "surveys/survey_index.html", {"units": units})


def appraisal_rollup(unit: Unit, year: int) -> dict:
    """Appraisal completion over the unit's subtree: the sums of held and of eligible (a ratio
    of sums, never an average of percentages), in total and for each unit just below. Two
    queries, whatever the size of the tree."""
    children = list(
        Unit.objects.filter(depth=unit.depth + 1, path__startswith=unit.path).order_by("path")
    )
    rows = AppraisalCount.objects.filter(unit__path__startswith=unit.path, year=year).values_list(
        "unit__path", "held", "eligible"
    )
    total = {"held": 0, "eligible": 0, "units": 0}
    per_child = {
        child.path: {"unit": child, "held": 0, "eligible": 0, "units": 0} for child in children
    }
    for path, held, eligible in rows:
        for bucket in [total, *(v for p, v in per_child.items() if path.startswith(p))]:
            bucket["held"] += held
            bucket["eligible"] += eligible
            bucket["units"] += 1
    for bucket in [total, *per_child.values()]:
        bucket["percent"] = (
            round(100 * bucket["held"] / bucket["eligible"]) if bucket["eligible"] else None
        )
    return {"total": total, "children": list(per_child.values())}


def _results(unit: Unit, year: int) -> list[SurveyResult]:
    """The year's results as the page lists them; the export takes the same list."""
    return list(
        SurveyResult.objects.filter(unit=unit, year=year)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.select_related("responsible"))
        )
        .order_by("survey", "topic")
    )


def _render_unit(request, unit: Unit, year: int, status: int = 200, appraisal_form=None):
    results = _results(unit, year)
    count = AppraisalCount.objects.filter(unit=unit, year=year).first()
    can_change = services.can_change(request.user, unit)
    if can_change and appraisal_form is None:
        initial = {"year": year}
        if count:
            initial.update(held=count.held, eligible=count.eligible, version=count.version)
        appraisal_form = AppraisalForm(initial=initial)
    context = {
        "unit": unit,
        "year": year,
        "results": results,
        "appraisals": count,
        "rollup": appraisal_rollup(unit, year),
        "can_change": can_change,
        "appraisal_form": appraisal_form,
    }
    return render(request, "surveys/survey_unit.html", context, status=status)


@login_required
def unit_page(request, code: str):
    unit = _unit(request, code)
    return _render_unit(request, unit, YearForm(request.GET).year_or_this())


@login_required
@require_safe
def results_export(request, code: str, fmt: str):
    """The year's results as CSV or XLSX: exactly what the results page shows."""
    unit = _unit(request, code)
    if fmt not in export.FORMATS:
        raise Http404
    year = YearForm(request.GET).year_or_this()
    return export.download(unit, year, _results(unit, year), fmt)


@login_required
@require_POST
def appraisals(request, code: str):
    unit = _unit(request, code)
    if not services.can_change(request.user, unit):
        raise PermissionDenied
    form = AppraisalForm(request.POST)
    year = YearForm(request.POST).year_or_this()
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.appraisals_record(actor=request.user, unit=unit, **data)
        except ValidationError as error:
            add_service_errors(form, error)
            if _is_stale(error):
                current = AppraisalCount.objects.filter(unit=unit, year=data["year"]).first()
                form.data = form.data.copy()
                form.data["version"] = current.version if current else ""
                return _render_unit(request, unit, year, 409, form)
        else:
            messages.success(request, _("The appraisal count was saved."))
            return redirect(_page_url(unit, data["year"]))
    return _render_unit(request, unit, year, 400, form)


@login_required
def result_add(request, code: str):
    unit = _unit(request, code)
    if not services.can_change(request.user, unit):
        raise PermissionDenied
    year = YearForm(request.GET).year_or_this()
    form = SurveyResultForm(request.POST or None, initial={"year": year})
    del form.fields["version"]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = services.result_add(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The survey result was saved."))
                return redirect(result)
    context = {"form": form, "unit": unit, "year": year, "title": _("New survey result")}
    return render(request, "surveys/result_form.html", context, status=status)


@login_required
def result_edit(request, pk: int):
    result = _result(request, pk)
    if not services.can_change(request.user, result.unit):
        raise PermissionDenied
    fields = [
        "survey",
        "year",
        "topic",
        "score",
        "scale_min",
        "scale_max",
        "respondents",
        "comment",
        "version",
    ]
    initial = {name: getattr(result, name) for name in fields}
    form = SurveyResultForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = services.result_update(
                    actor=request.user, result=result, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
                current = SurveyResult.objects.get(pk=result.pk)
                if current.version != form.cleaned_data.get("version"):
                    form.data = form.data.copy()
                    form.data["version"] = current.version
                    status = 409
            else:
                messages.success(request, _("The survey result was saved."))
                return redirect(result)
    context = {
        "form": form,
        "unit": result.unit,
        "year": result.year,
        "result": result,
        "title": _("Edit the survey result"),
    }
    return render(request, "surveys/result_form.html", context, status=status)


@login_required
@require_POST
def result_delete(request, pk: int):
    result = _result(request, pk)
    if not services.can_change(request.user, result.unit):
        raise PermissionDenied
    try:
        services.result_delete(actor=request.user, result=result)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The survey result was deleted."))
    return redirect(_page_url(result.unit, result.year))


@login_required
def result_measure(request, pk: int):
    result = _result(request, pk)
    if not services.can_change(request.user, result.unit):
        raise PermissionDenied
    form = MeasureForm(request.POST or None, new=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.result_add_measure(actor=request.user, result=result, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The measure was added to the action plan."))
                return redirect(result)
    context = {"form": form, "result": result, "unit": result.unit}
    return render(request, "surveys/result_measure_form.html", context, status=status)
