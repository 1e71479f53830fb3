"""The indicator pages: pick a unit, a unit's figures over time, the entry form and the CSV
import. Who sees a unit's figures is decided by units.access like any record: the roles that
cover the unit read them (safety reps included); the line manager, HSE coordinator and HSE
department enter them. Everyone else gets a 404."""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deviations.charts import BarChart, Series
from hms import formats
from indicators import figures as figures_module
from indicators import services, values_csv
from indicators.forms import PeriodForm, ValuesForm, ValuesImportForm
from indicators.models import (
    Category,
    Indicator,
    IndicatorValue,
    PeriodKind,
    period_bounds,
    period_label,
    tertial_of,
)
from units import access
from units.downloads import file_response
from units.forms import UnitImportApplyForm
from units.models import Unit

TERTIALS_SHOWN = 6
YEARS_SHOWN = 4
UNITS_LISTED = 200


def _unit_for_reading(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not access.can_view_records(request.user, unit):
        raise Http404
    return unit


@login_required
def index(request):
    """Choose a unit: the units the user's roles cover, the top ones first."""
    query = (request.GET.get("q") or "").strip()[:100]
    units = access.units_covered(request.user).active()
    if query:
        units = units.search(query)
    else:
        paths = [
            path
            for role in access.RECORD_ROLES
            for path in access.role_paths(request.user).get(role, ())
        ]
        top = min((len(path) // Unit.steplen for path in paths), default=1)
        if access.sees_everything(request.user):
            top = 1
        units = units.filter(depth__lte=top + 1)
    units = list(units.order_by("path")[: UNITS_LISTED + 1])
    return render(
        request,
        "indicators/index.html",
        {
            "units": units[:UNITS_LISTED],
            "more": len(units) > UNITS_LISTED,
            "query": query,
            "may_import": access.manages_records_somewhere(request.user),
        },
    )


def _ranges(view: str, today: datetime.date) -> list[tuple[str, tuple[int, int]]]:
    """The periods on the time axis, oldest first, ending with the current one."""
    if view == "year":
        return [
            (str(year), (year, 0)) for year in range(today.year - YEARS_SHOWN + 1, today.year + 1)
        ]
    year, tertial = today.year, tertial_of(today)
    periods = []
    for _step in range(TERTIALS_SHOWN):
        periods.append((year, tertial))
        year, tertial = (year, tertial - 1) if tertial > 1 else (year - 1, 3)
    return [(period_label(year, tertial), (year, tertial)) for year, tertial in reversed(periods)]


# Readable names for the parts a figure is worked out from; other keys are shown as they are.
PART_LABELS = {
    "injuries": gettext_lazy("Injuries"),
    "injuries_with_absence": gettext_lazy("Injuries with absence"),
    "injuries_without_absence": gettext_lazy("Injuries without absence"),
    "absence_days": gettext_lazy("Days of absence"),
    "hours_worked": gettext_lazy("Hours worked"),
    "window_start": gettext_lazy("From"),
    "window_end": gettext_lazy("To"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "missing_hours": gettext_lazy("No hours worked for"),
    "sick_leave_days": gettext_lazy("Sick-leave days"),
    "agreed_days": gettext_lazy("Agreed working days"),
    "periods": gettext_lazy("Periods"),
    "kwh": gettext_lazy("kWh"),
    "corrected_kwh": gettext_lazy("Corrected kWh"),
    "floor_area_m2": gettext_lazy("Floor area m²"),
    "municipality": gettext_lazy("Municipality"),
    "degree_days_actual": gettext_lazy("Degree days"),
    "degree_days_normal": gettext_lazy("Normal degree days"),
    "normal_period": gettext_lazy("Normal period"),
    "temperature_share": gettext_lazy("Temperature-dependent share"),
    "missing_degree_days": gettext_lazy("No degree days for"),
    "missing_emission_factors": gettext_lazy("No emission factor for"),
    "sorted_tonnes": gettext_lazy("Sorted, tonnes"),
    "unsorted_tonnes": gettext_lazy("Unsorted, tonnes"),
    "total_tonnes": gettext_lazy("Total, tonnes"),
}


def _readable_part(value) -> str:
    """A part as the page writes figures (hms.formats): "141 666,67", not "141666.6667"."""
    try:
        exact = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value  # a date, a list of units
    if not exact.is_finite():
        return value
    places = min(2, max(0, -exact.normalize().as_tuple().exponent))
    return formats.number(exact, places)


def _readable_parts(parts: dict) -> list[tuple[str, str]]:
    return [
        (str(PART_LABELS.get(key, key)), _readable_part(value))
        for key, value in parts.items()
        if value
    ]


def _number(value, decimals: int):
    """A figure rounded (half up) as every page and PDF writes it, for a chart to draw."""
    found = formats.rounded(value, decimals)
    if found is None:
        return None
    return float(found) if decimals else int(found)


@login_required
def unit_page(request, code: str):
    unit = _unit_for_reading(request, code)
    view = "year" if request.GET.get("view") == "year" else "tertial"
    today = timezone.localdate()
    ranges = _ranges(view, today)
    series = figures_module.collect_series(
        unit, [period_bounds(year, tertial) for _label, (year, tertial) in ranges]
    )
    indicators = {indicator.code: indicator for indicator in Indicator.objects.active()}
    current = (today.year, 0 if view == "year" else tertial_of(today))
    labels = [label + (" *" if period == current else "") for label, period in ranges]
    sections: dict[str, dict] = {}
    for position, first in enumerate(series[0] if series else []):
        indicator = indicators.get(first.code)
        if indicator is None:
            continue
        section = sections.setdefault(
            first.category,
            {
                "label": first.category_label,
                "code": first.category,
                "items": [],
                "yearly": [],
                "empty": [],
            },
        )
        if view == "tertial" and indicator.period == PeriodKind.YEAR:
            # Given once a year: a chart of empty tertials would only confuse.
            section["yearly"].append(indicator)
            continue
        values = [_number(figures[position].value, indicator.decimals) for figures in series]
        chart = BarChart(
            slug=f"chart-{first.code}",
            title=first.name,
            description=_("%(name)s per period, %(unit)s")
            % {"name": first.name, "unit": first.unit_of_measure},
            labels=labels,
            series=[Series(label=first.unit_of_measure, values=values)],
            legend=False,
        )
        if not any(value is not None for value in values):
            # A card per missing figure would bury the ones there are.
            section["empty"].append(indicator)
            continue
        section["items"].append(
            {
                "indicator": indicator,
                "figure": first,
                "chart": chart,
                "last_parts": _readable_parts(series[-1][position].parts),
            }
        )
    ordered = [sections[key] for key in Category.values if key in sections]
    return render(
        request,
        "indicators/unit_page.html",
        {
            "unit": unit,
            "view": view,
            "sections": ordered,
            # A way back up, linked only where the user may read the figures (else a 404).
            "ancestors": [
                (ancestor, access.can_view_records(request.user, ancestor))
                for ancestor in unit.ancestors_and_self().exclude(pk=unit.pk)
            ],
            "may_enter": access.can_manage_records(request.user, unit),
            "current_label": ranges[-1][0],
            "enter_year": current[0],
            "enter_tertial": current[1],
        },
    )


@login_required
def enter(request, code: str):
    unit = _unit_for_reading(request, code)
    if not access.can_manage_records(request.user, unit):
        raise PermissionDenied
    period_form = PeriodForm.from_query(request.GET)
    year, tertial = period_form.period()
    indicators = list(services.entry_indicators(tertial))
    existing = {
        value.indicator_id: value
        for value in IndicatorValue.objects.filter(
            unit=unit, year=year, tertial=tertial, indicator__in=indicators
        ).select_related("entered_by")
    }
    form = ValuesForm(request.POST or None, indicators=indicators, existing=existing)
    context = {
        "unit": unit,
        "year": year,
        "tertial": tertial,
        "period": period_label(year, tertial),
        "period_form": period_form,
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.values_save(
                actor=request.user,
                unit=unit,
                year=year,
                tertial=tertial,
                posted=form.posted(),
            )
        except services.ConcurrentEdit as conflict:
            # Keep what the user typed; show what was saved meanwhile, and take the new
            # versions so that saving again overwrites on purpose.
            current = {
                value.indicator_id: value
                for value in IndicatorValue.objects.filter(
                    unit=unit, year=year, tertial=tertial, indicator__in=indicators
                ).select_related("entered_by")
            }
            data = request.POST.copy()
            for indicator in indicators:
                value = current.get(indicator.pk)
                data[f"version_{indicator.pk}"] = value.version if value else 0
            form = ValuesForm(data, indicators=indicators, existing=current)
            form.is_valid()
            context.update(form=form, conflicts=conflict.indicators)
            return render(request, "indicators/values_form.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Saved the figures for %(period)s: %(added)s added, %(changed)s changed, "
                    "%(removed)s removed."
                )
                % {"period": period_label(year, tertial), **counts},
            )
            return redirect(
                f"{reverse('indicators:enter', args=[unit.code])}?year={year}&tertial={tertial}"
            )
    return render(request, "indicators/values_form.html", context)


@login_required
def values_import(request):
    """Upload a CSV file, preview it, then apply it all or nothing (as the unit import)."""
    if not access.manages_records_somewhere(request.user):
        raise Http404
    form = ValuesImportForm()
    context = {"form": form}
    if request.method == "POST" and "apply" in request.POST:
        apply_form = UnitImportApplyForm(request.POST)
        if not apply_form.is_valid():
            context["apply_errors"] = [
                _("The previewed file did not come back intact. Upload it again.")
            ]
        else:
            data = apply_form.cleaned_data
            context["filename"] = data["filename"]
            try:
                plan = services.values_import(
                    actor=request.user,
                    content=data["content"],
                    filename=data["filename"],
                    expected_digest=data["plan_digest"],
                )
            except values_csv.ImportRejected as rejected:
                context["plan"] = rejected.plan
            except values_csv.ImportChanged as changed:
                context.update(
                    plan=changed.plan,
                    plan_changed=True,
                    apply_form=UnitImportApplyForm.for_file(
                        content=data["content"], filename=data["filename"], plan=changed.plan
                    ),
                )
            else:
                messages.success(
                    request,
                    _(
                        "Imported %(filename)s: %(new)s new, %(changed)s changed, "
                        "%(unchanged)s unchanged."
                    )
                    % {"filename": data["filename"], **plan.counts()},
                )
                return redirect("indicators:index")
    elif request.method == "POST":
        form = ValuesImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            content = form.content()
            plan = values_csv.plan_import(content, actor=request.user)
            context.update(plan=plan, filename=form.filename())
            if plan.ok:
                context["apply_form"] = UnitImportApplyForm.for_file(
                    content=content, filename=form.filename(), plan=plan
                )
    context["indicators"] = Indicator.objects.active().stored()
    return render(request, "indicators/values_import.html", context)


@login_required
def import_example(request):
    """A file to start from: every entered indicator for one unit the user may enter for."""
    if not access.manages_records_somewhere(request.user):
        raise Http404
    unit = access.units_covered(request.user, access.MANAGER_ROLES).order_by("path").first()
    code = unit.code if unit else "UNIT"
    year = timezone.localdate().year - 1
    text = io.StringIO()
    text.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(text, delimiter=";")
    writer.writerow(values_csv.HEADER)
    for indicator in Indicator.objects.active().stored():
        tertial = "1" if indicator.period == PeriodKind.TERTIAL else ""
        writer.writerow([code, indicator.code, year, tertial, ""])
    return file_response(text.getvalue(), "indicator-values.csv", content_type="text/csv")


SUMMARY_CODES = ("deviations", "personal_injuries", "h1", "sick_leave_pct")


@login_required
def unit_summary(request, code: str):
    """A line of last year's key figures for the unit page (htmx partial)."""
    unit = _unit_for_reading(request, code)
    year = timezone.localdate().year - 1
    figures = {
        figure.code: figure
        for figure in figures_module.collect(unit, *period_bounds(year, 0))
        if figure.code in SUMMARY_CODES
    }
    decimals = dict(
        Indicator.objects.filter(code__in=SUMMARY_CODES).values_list("code", "decimals")
    )
    shown = [
        (
            figures[code],
            None
            if figures[code].value is None
            else formats.number(figures[code].value, decimals.get(code, 0)),
        )
        for code in SUMMARY_CODES
        if code in figures
    ]
    return render(
        request, "indicators/_unit_summary.html", {"unit": unit, "year": year, "shown": shown}
    )
