"""The risk matrix: how a cell, the grid and a hazard are shown on the pages and in the PDF,
each by its assessment's own matrix; the matrix of a unit's assessments in force or of its whole
subtree, the red risks, and the matrix settings of the HSE department.

Every fetch is scoped: a unit whose records the user may not see is a 404.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from risk import export, filters, forms, services
from risk.filters import RedRiskFilter
from risk.models import (
    CONSEQUENCE_LETTERS,
    CURRENT_DEFINITION,
    Dimension,
    RiskAssessment,
    RiskMatrix,
    RiskRow,
    RowMeasure,
    Zone,
)
from units import access, listing
from units.forms import add_service_errors
from units.models import Unit
from units.spreadsheet import respond

RED_PAGE_SIZE = 50
MATRIX_LIST_LIMIT = 50
DIMENSIONS = (
    (Dimension.PEOPLE, "consequence_people"),
    (Dimension.ENVIRONMENT, "consequence_environment"),
    (Dimension.MATERIAL, "consequence_material"),
    (Dimension.REPUTATION, "consequence_reputation"),
)


# --- The matrix, for pages and the PDF ---------------------------------------------------------


def _relative_luminance(colour: str) -> float:
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on the zone colour (WCAG contrast)."""
    try:
        luminance = _relative_luminance(background)
    except (ValueError, IndexError):
        return "#000"
    return "#000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#fff"


def zone_class(matrix: RiskMatrix, zone: str) -> str:
    """The class that colours a zone of this matrix version; `zone_css` defines it."""
    return f"rm-v{matrix.pk}-{Zone(zone).value}"


def zone_css(matrices) -> str:
    """A rule per zone of each matrix version: its colour and the text colour that reads on it.
    The colours are the HSE department's, so they come as a stylesheet (the
    Content-Security-Policy allows no inline style)."""
    rules = []
    for matrix in matrices:
        for zone in (Zone.GREEN, Zone.YELLOW, Zone.RED):
            colour = matrix.colour(zone)
            if not forms.HEX_COLOUR.match(colour):  # only a colour may reach the stylesheet
                continue
            rules.append(
                f".{zone_class(matrix, zone)} {{ background-color: {colour}; "
                f"color: {text_colour(colour)}; }}"
            )
    return "\n".join(rules) + "\n"


@require_safe
def zone_stylesheet(request):
    """The zone colours of every matrix version, for pages that show a zone. Open to all,
    like the static files: colours are no record. The browser asks again on each page (no-cache)
    and gets a 304 while no version has changed."""
    matrices = list(RiskMatrix.objects.order_by("pk"))
    etag = '"' + hashlib.sha256(zone_css(matrices).encode()).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(zone_css(matrices), content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


def cell(matrix: RiskMatrix, probability: int | None, consequence: int | None) -> dict | None:
    """One cell of the matrix: its code ("C3"), risk value, zone and colours."""
    if not probability or not consequence:
        return None
    value = probability * consequence
    zone = Zone(matrix.zone(value))
    colour = matrix.colour(zone)
    return {
        "code": f"{CONSEQUENCE_LETTERS[consequence - 1]}{probability}",
        "letter": CONSEQUENCE_LETTERS[consequence - 1],
        "probability": probability,
        "consequence": consequence,
        "value": value,
        "zone": zone.value,
        "zone_label": zone.label,
        "colour": colour,
        "text": text_colour(colour),
        "css": zone_class(matrix, zone),
    }


def zone_legend(matrix: RiskMatrix) -> list[dict]:
    ranges = {
        Zone.GREEN: f"≤ {matrix.green_max}",
        Zone.YELLOW: f"{matrix.green_max + 1}–{matrix.red_min - 1}",
        Zone.RED: f"≥ {matrix.red_min}",
    }
    if matrix.green_max + 1 > matrix.red_min - 1:  # no yellow zone at all
        ranges[Zone.YELLOW] = "–"
    return [
        {
            "zone": zone.value,
            "label": zone.label,
            "range": ranges[zone],
            "colour": matrix.colour(zone),
            "text": text_colour(matrix.colour(zone)),
            "css": zone_class(matrix, zone),
        }
        for zone in (Zone.GREEN, Zone.YELLOW, Zone.RED)
    ]


def matrix_grid(matrix: RiskMatrix, counts: dict | None = None) -> dict:
    """The 5×5 grid for `risk/_matrix.html`: probability 5 → 1 top to bottom, consequence
    A → E left to right, coloured by `matrix`, each cell with its count from
    `services.matrix_counts` (leave `counts` out for the bare matrix, without counts).

        {% include "risk/_matrix.html" with grid=grid %}
    """
    show_counts = counts is not None
    counts = counts or {}
    probability_labels = matrix.labels("probability")
    consequence_labels = matrix.labels("consequence")
    rows = []
    for probability in range(5, 0, -1):
        cells = []
        for consequence in range(1, 6):
            entry = cell(matrix, probability, consequence)
            entry["count"] = counts.get((probability, consequence), 0)
            cells.append(entry)
        rows.append(
            {
                "probability": probability,
                "label": forms.scale_label(str(probability), probability_labels[probability - 1]),
                "cells": cells,
            }
        )
    consequences = [
        {
            "letter": letter,
            "label": forms.scale_label(letter, consequence_labels[index]),
        }
        for index, letter in enumerate(CONSEQUENCE_LETTERS)
    ]
    return {
        "matrix": matrix,
        "rows": rows,
        "consequences": consequences,
        "legend": zone_legend(matrix),
        "total": sum(counts.values()),
        "show_counts": show_counts,
    }


def describe_row(row: RiskRow, matrix: RiskMatrix) -> RiskRow:
    """Attach what the page and the PDF show of a hazard, from the assessment's own matrix."""
    row.cells = [
        {"dimension": dimension.label, "cell": cell(matrix, row.probability, getattr(row, field))}
        for dimension, field in DIMENSIONS
    ]
    row.worst = cell(matrix, row.probability, row.worst_consequence)
    row.residual = cell(matrix, row.residual_probability, row.residual_consequence)
    return row


# --- Fetching and permissions -----------------------------------------------------------------


def _scope_unit(request, code: str) -> tuple[Unit | None, str]:
    """The unit a matrix or red list is asked for: by code, else the top unit the user's
    roles cover. A unit whose records the user may not see is a 404."""
    code = code.strip()
    if code:
        # A NUL cannot reach the database, and no code is longer than the field.
        valid = "\x00" not in code and len(code) <= Unit._meta.get_field("code").max_length
        unit = Unit.objects.filter(code__iexact=code).first() if valid else None
        if unit is None:
            return None, _("No unit has the code %(code)s.") % {"code": code}
        if not access.can_view_records(request.user, unit):
            raise Http404
        return unit, ""
    unit = access.units_covered(request.user).order_by("depth", "path").first()
    if unit is None:
        raise Http404
    return unit, ""


# --- The matrix of a unit, red risks, and the matrix settings --------------------------------


def _scope_assessments(user, unit: Unit, subtree: bool):
    # One version of each assessment (a revision in draft does not count its hazards twice).
    assessments = RiskAssessment.objects.visible_to(user).current()
    if subtree:
        return assessments.filter(unit__path__startswith=unit.path)
    return assessments.filter(unit=unit)


@login_required
@require_safe
def unit_matrix(request):
    """The risk matrix of a unit's assessments in force, or of its whole subtree rolled up."""
    unit, error = _scope_unit(request, request.GET.get("unit", ""))
    subtree = request.GET.get("subtree") == "1"
    context = {
        "unit": unit,
        "error": error,
        "subtree": subtree,
        "code": request.GET.get("unit"),
        "definition": CURRENT_DEFINITION,
    }
    if unit is not None:
        scope = _scope_assessments(request.user, unit, subtree)
        counts = services.matrix_counts(RiskRow.objects.filter(assessment__in=scope))
        versions = sorted(set(scope.values_list("matrix__version", flat=True)))
        current = services.current_matrix()
        # One version in use: its colours. Several: the current matrix, and the page says so.
        matrix = RiskMatrix.objects.get(version=versions[0]) if len(versions) == 1 else current
        assessments = list(
            scope.select_related("unit", "matrix")
            .annotate(row_count=Count("rows"))
            .order_by("unit__path", "-assessed_on", "-pk")[: MATRIX_LIST_LIMIT + 1]
        )
        context.update(
            {
                "grid": matrix_grid(matrix, counts),
                "versions": versions,
                "mixed_versions": len(versions) > 1,
                "assessments": assessments[:MATRIX_LIST_LIMIT],
                "more_assessments": len(assessments) > MATRIX_LIST_LIMIT,
                "ancestors": list(
                    Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path")
                ),
            }
        )
    return render(request, "risk/unit_matrix.html", context, status=200 if unit else 400)


def _red_rows(request, unit: Unit):
    """The red list's filterset and the rows it selects in the unit's subtree, sorted: the
    page and its files share them."""
    rows = RiskRow.objects.visible_to(request.user).filter(
        assessment__in=_scope_assessments(request.user, unit, subtree=True)
    )
    rows = services.red_rows(rows).annotate(
        has_measures=Exists(RowMeasure.objects.filter(row=OuterRef("pk")))
    )
    filterset = RedRiskFilter(request.GET or None, queryset=rows)
    rows = filterset.qs.select_related("assessment__unit", "assessment__matrix", "activity")
    sorted_rows = filters.sort(
        rows, filters.RED_COLUMNS, filters.RED_ORDERING, request.GET.get("sort")
    )
    return filterset, sorted_rows


@login_required
@require_safe
def red_risks(request):
    """Red hazards across a unit's subtree, each judged by its own assessment's matrix."""
    unit, error = _scope_unit(request, request.GET.get("unit", ""))
    query = listing.filter_query(request)
    sort = listing.sort_key(filters.RED_COLUMNS, request.GET.get("sort"))
    context = {
        "unit": unit,
        "error": error,
        "filter": RedRiskFilter(request.GET or None, queryset=RiskRow.objects.none()),
        "missing": request.GET.get("missing") == "1",
        "code": request.GET.get("unit"),
        "definition": CURRENT_DEFINITION,
        "query": query.urlencode(),
        "filter_query": query,
        "sort": sort,
        "columns": listing.sort_links(query, filters.RED_COLUMNS, sort),
    }
    if unit is not None:
        filterset, rows = _red_rows(request, unit)
        page = Paginator(rows, RED_PAGE_SIZE).get_page(request.GET.get("page"))
        for row in page:
            describe_row(row, row.assessment.matrix)
        context.update({"page": page, "filter": filterset})
    return render(request, "risk/red_risks.html", context, status=200 if unit else 400)


@login_required
@require_safe
def red_risks_export(request, fmt: str):
    """The red list as a file: the rows its filters select, in its order, every page. The
    same unit rules as the page: one the user may not see is a 404."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    unit, error = _scope_unit(request, request.GET.get("unit", ""))
    if unit is None:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    _filterset, rows = _red_rows(request, unit)
    today = timezone.localdate()
    name = slugify(_("red-risks"))
    filename = f"{name}-{slugify(unit.code)}-{today:%Y-%m-%d}.{fmt}"
    return respond(
        export.red_rows(rows), export.RED_COLUMNS, filename, fmt, sheet_title=_("Red risks")
    )


@login_required
def matrix_settings(request):
    """The HSE department's page: the current matrix, its versions, and a new version."""
    if not access.is_hms_department(request.user):
        raise Http404
    current = services.current_matrix()
    form = forms.MatrixVersionForm(request.POST or None, matrix=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matrix = services.matrix_new_version(
                actor=request.user,
                probability_labels=form.labels("probability"),
                consequence_labels=form.labels("consequence"),
                green_max=data["green_max"],
                red_min=data["red_min"],
                green_colour=data["green_colour"],
                yellow_colour=data["yellow_colour"],
                red_colour=data["red_colour"],
            )
        except PermissionDenied as denied:
            raise Http404 from denied
        except ValidationError as error:
            add_service_errors(form, error)
        except IntegrityError:
            form.add_error(
                None, _("Someone else made a new version at the same moment; look again.")
            )
        else:
            messages.success(
                request,
                _(
                    "Version %(version)s of the risk matrix is now in use for new assessments. "
                    "Earlier assessments keep the version they were made with."
                )
                % {"version": matrix.version},
            )
            return redirect("risk:matrix_settings")
    versions = RiskMatrix.objects.select_related("created_by").annotate(
        assessment_count=Count("assessments")
    )
    context = {
        "matrix": current,
        "grid": matrix_grid(current),
        "probability_labels": list(
            zip(
                current.probability_labels.get("nb", []),
                current.probability_labels.get("en", []),
                strict=False,
            )
        ),
        "consequence_labels": list(
            zip(
                current.consequence_labels.get("nb", []),
                current.consequence_labels.get("en", []),
                strict=False,
            )
        ),
        "versions": versions,
        "form": form,
    }
    return render(request, "risk/matrix_settings.html", context)
