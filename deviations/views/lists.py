"""Seeing the deviations: the list with its filters, its exports, and the trends page.

Everything starts from `Deviation.objects.visible_to(request.user)`, so a list, a file or a
chart never holds more than the user may open. The list and the files share one filterset:
the rows on screen are the rows in the file.
"""

import datetime
from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.db.models.functions import Substr, TruncMonth
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.http import urlencode
from django.utils.text import capfirst, slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from deviations import export
from deviations.charts import BarChart, Series
from deviations.counts import DEVIATIONS_DEFINITION
from deviations.filters import SORT_COLUMNS, DeviationFilter, TrendsForm
from deviations.models import OPEN_STATUSES, Category, Deviation, Severity, Status
from hms import formats
from units import access, listing
from units.downloads import file_response
from units.keyset import Key, KeysetPaginator
from units.models import Unit
from units.spreadsheet import respond

PAGE_SIZE = 25
UNIT_CHOICES = 300  # units offered in the unit field's suggestions, top levels first
# What a row of the list shows. Nothing else is read: health details never leave the database
# on this page, nor does the reporter.
LIST_FIELDS = [
    "number",
    "title",
    "status",
    "severity",
    "deadline",
    "created_at",
    "unit__code",
    "unit__name_nb",
    "unit__name_en",
    "category__name_nb",
    "category__name_en",
]


SEVERITY_BADGES = {
    Severity.SERIOUS: "bg-warning-subtle text-warning-emphasis border border-warning-subtle",
    Severity.VERY_SERIOUS: "bg-danger-subtle text-danger-emphasis border border-danger-subtle",
}


def keyset(deviations, sort: str) -> KeysetPaginator:
    """The list's pages in the order asked for (a key of SORT_COLUMNS, "-" before it for
    descending), ties broken by the primary key; without one, the newest report first. The
    cursors are bound to the sort, and to the language where the names sort in the page's."""
    if sort:
        descending = sort.startswith("-")
        expressions = SORT_COLUMNS[sort.lstrip("-")].order()
        keys = [Key(expression, descending) for expression in expressions]
        pk_descending = False
    else:
        keys, pk_descending = [Key(F("created_at"), descending=True)], True
    name = f"deviations:{sort}"
    if sort.lstrip("-") in ("unit", "category"):
        name += f":{get_language()}"
    return KeysetPaginator(deviations, keys, PAGE_SIZE, name=name, pk_descending=pk_descending)


def _sort(request) -> str:
    return listing.sort_key(SORT_COLUMNS, request.GET.get("sort"))


def _filtered(request):
    """The filterset and the rows it selects from what the user may see. Invalid filters
    select nothing: a list that silently ignored a mistyped date would look filtered."""
    filterset = DeviationFilter(
        request.GET or None,
        queryset=Deviation.objects.visible_to(request.user),
        request=request,
    )
    if filterset.is_bound and not filterset.is_valid():
        return filterset, Deviation.objects.none()
    return filterset, filterset.qs


def _unit_suggestions(user) -> list[Unit]:
    units = access.units_covered(user).active().order_by("depth", "path")[:UNIT_CHOICES]
    return sorted(units, key=lambda unit: unit.path)


@login_required
def unit_suggestions(request):
    """The unit field's suggestions, fetched when the field is first focused: drawn into every
    load of the list, the few hundred options cost it a tenth of its time and a third of its
    size, and most visits never open the field."""
    context = {"unit_suggestions": _unit_suggestions(request.user)}
    return render(request, "deviations/_unit_suggestions.html", context)


@login_required
def deviation_list(request):
    filterset, deviations = _filtered(request)
    filter_query = listing.filter_query(request)
    rows = deviations.select_related("unit", "category").only(*LIST_FIELDS)
    sort = _sort(request)
    page = keyset(rows, sort).page(request.GET.get("cursor"))
    today = timezone.localdate()
    status_labels = listing.choice_labels(Status.choices)
    severity_labels = listing.choice_labels(Severity.choices)
    for deviation in page.object_list:
        deviation.overdue = deviation.is_overdue(today)
        deviation.severity_badge = SEVERITY_BADGES.get(deviation.severity, "")
        deviation.status_label = status_labels.get(deviation.status, deviation.status)
        deviation.severity_label = severity_labels.get(deviation.severity, deviation.severity)
    context = {
        "filter": filterset,
        "page": page,
        "filter_query": filter_query,
        "sort": sort,
        "columns": listing.sort_links(filter_query, SORT_COLUMNS, sort),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "deviations/_deviation_rows.html", context)
        # The address bar gets the filters without the form's empty fields.
        query = filter_query.copy()
        if page.cursor:
            query["cursor"] = page.cursor
        response["HX-Push-Url"] = f"{request.path}?{query.urlencode()}" if query else request.path
        return response
    return render(request, "deviations/deviation_list.html", context)


# The export can hold health details: no browser or proxy may keep a copy.
@never_cache
@login_required
def deviation_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _filterset, deviations = _filtered(request)
    # The rows in the order the pages show them.
    deviations = keyset(deviations, _sort(request)).ordered()
    filename = f"{slugify(_('deviations'))}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        lines = export.csv_lines(deviations, get_language())
        return file_response(lines, filename, content_type="text/csv")
    return respond(
        export.rows(deviations), export.COLUMNS, filename, "xlsx", sheet_title=_("Deviations")
    )


# -- trends ----------------------------------------------------------------------------------


def _default_unit(user) -> Unit | None:
    """Where the user's record roles meet: a line manager's department, the HSE department's
    root. Without such roles (an employee sees only their own reports), the root."""
    held = access.role_paths(user)
    paths = [path for role in access.RECORD_ROLES for path in held.get(role, ())]
    prefix = paths[0] if paths else ""
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: -Unit.steplen]
    if prefix:
        return Unit.objects.filter(path=prefix).first()
    roots = list(Unit.objects.filter(depth=1)[:2])
    return roots[0] if len(roots) == 1 else None


def _trend_counts(scope, depth: int, year: int) -> dict[str, dict]:
    """One grouped query for all three charts: counts per (year, month, category, branch) over
    the chosen year and the one before. The branch is the prefix of the deviation's unit path
    one level below the chosen unit (depth), so each child unit counts its whole subtree."""
    start = timezone.make_aware(datetime.datetime(year - 1, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    groups = (
        scope.filter(occurred_at__gte=start, occurred_at__lt=end)
        # The local month as one truncated value rather than its year and month apart: three
        # grouping keys, which PostgreSQL hashes, where four made it sort 216,000 rows on
        # disk for the HSE department at a million deviations (730 -> 515 ms).
        .annotate(
            month=TruncMonth("occurred_at"),
            branch=Substr("unit__path", 1, (depth + 1) * Unit.steplen),
        )
        .values("month", "category_id", "branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {"month": defaultdict(int), "category": defaultdict(int), "branch": defaultdict(int)}
    for row in groups:
        y = row["month"].year
        counts["month"][y, row["month"].month] += row["n"]
        counts["category"][y, row["category_id"]] += row["n"]
        counts["branch"][y, row["branch"]] += row["n"]
    return counts


def _same_day_a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the last day of February
        return day.replace(year=day.year - 1, day=28)


def _headline(scope, year: int, today: datetime.date) -> dict:
    """The year's count against last year's over the same stretch of days: for the current
    year, 1 January to today against 1 January to the same day last year; for an earlier year,
    the whole year against the whole year before. One query."""
    last_day = today if year == today.year else datetime.date(year, 12, 31)

    def moment(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    one_day = datetime.timedelta(days=1)
    last_year_day = _same_day_a_year_before(last_day)
    # Both stretches lie between 1 January last year and the last day: read only those rows
    # (through the index on occurred_at) rather than count every deviation of the scope.
    found = scope.filter(
        occurred_at__gte=moment(datetime.date(year - 1, 1, 1)),
        occurred_at__lt=moment(last_day + one_day),
    ).aggregate(
        this=Count(
            "pk",
            filter=Q(
                occurred_at__gte=moment(datetime.date(year, 1, 1)),
                occurred_at__lt=moment(last_day + one_day),
            ),
        ),
        last=Count(
            "pk",
            filter=Q(
                occurred_at__gte=moment(datetime.date(year - 1, 1, 1)),
                occurred_at__lt=moment(last_year_day + one_day),
            ),
        ),
    )
    whole_year = last_day == datetime.date(year, 12, 31)
    return {
        "this": found["this"],
        "last": found["last"],
        "change": found["this"] - found["last"],
        "whole_year": whole_year,
        "until": last_day,
        "last_until": last_year_day,
    }


def _month_chart(per_month, year: int, where: str, today: datetime.date) -> BarChart:
    last = year - 1
    totals = [sum(n for (y, _m), n in per_month.items() if y == wanted) for wanted in (year, last)]
    months = range(1, 13)
    return BarChart(
        slug="chart-months",
        title=_("Deviations per month, %(year)s compared with %(last)s")
        % {"year": year, "last": last},
        description=_(
            "Deviations that happened in %(where)s per month: %(total)s in %(year)s, "
            "%(last_total)s in %(last)s."
        )
        % {
            "where": where,
            "total": formats.number(totals[0]),
            "year": year,
            "last_total": formats.number(totals[1]),
            "last": last,
        },
        labels=[capfirst(str(MONTHS_3[month])) for month in months],
        series=[
            # Months still to come have no figure, rather than a misleading zero.
            Series(
                str(year),
                [
                    None if (year, m) > (today.year, today.month) else per_month[year, m]
                    for m in months
                ],
            ),
            Series(str(last), [per_month[last, m] for m in months]),
        ],
    )


def _category_chart(per_category, year: int, where: str) -> BarChart:
    last = year - 1
    categories = [
        category
        for category in Category.objects.all()
        if category.is_active or per_category[year, category.pk] or per_category[last, category.pk]
    ]
    categories.sort(key=lambda c: (-per_category[year, c.pk], -per_category[last, c.pk]))
    return BarChart(
        slug="chart-categories",
        title=_("Deviations per category, %(year)s compared with %(last)s")
        % {"year": year, "last": last},
        description=_("Deviations in %(where)s per category, most frequent in %(year)s first.")
        % {"where": where, "year": year},
        labels=[category.name for category in categories],
        series=[
            Series(str(year), [per_category[year, c.pk] for c in categories]),
            Series(str(last), [per_category[last, c.pk] for c in categories]),
        ],
    )


def _unit_chart(per_branch, unit: Unit | None, children, year: int, where: str) -> BarChart:
    last = year - 1
    # (label, path, code to drill down to)
    branches = [(child.name, child.path, child.code) for child in children]
    if unit is not None and (per_branch[year, unit.path] or per_branch[last, unit.path]):
        label = _("%(code)s (the unit itself)") % {"code": unit.code}
        branches.append((label, unit.path, None))
    branches.sort(key=lambda b: (-per_branch[year, b[1]], -per_branch[last, b[1]], b[0]))
    trends_url = reverse("deviations:trends")
    return BarChart(
        slug="chart-units",
        title=_("Deviations per unit under %(where)s, %(year)s compared with %(last)s")
        % {"where": where, "year": year, "last": last},
        description=_("Each unit counts the deviations of its whole subtree.")
        + " "
        + _("Most in %(year)s first.") % {"year": year},
        labels=[label for label, _path, _code in branches],
        series=[
            Series(str(year), [per_branch[year, path] for _label, path, _code in branches]),
            Series(str(last), [per_branch[last, path] for _label, path, _code in branches]),
        ],
        links=[
            f"{trends_url}?{urlencode({'unit': code, 'year': year})}" if code else None
            for _label, _path, code in branches
        ],
    )


@login_required
def trends(request):
    form = TrendsForm(request.GET or None)
    data = {}
    if form.is_bound:
        # A field given wrongly shows its error and falls back to its default; the other
        # field still counts (cleaned_data holds the valid ones).
        form.is_valid()
        data = form.cleaned_data
    today = timezone.localdate()
    year = data.get("year") or today.year
    unit = data.get("unit") or _default_unit(request.user)
    depth = unit.depth if unit else 0
    where = unit.name if unit else _("the whole organisation")

    # The unit's ancestors (a way back up) and its children (the bars), in one query.
    if unit is not None:
        around = Unit.objects.filter(
            Q(path__in=unit.ancestor_paths()) | Q(depth=depth + 1, path__startswith=unit.path)
        )
    else:
        around = Unit.objects.filter(depth=1)
    ancestors, children = [], []
    for other in around:
        (children if other.depth == depth + 1 else ancestors).append(other)
    ancestors.sort(key=lambda other: other.depth)

    scope = Deviation.objects.visible_to(request.user)
    if unit is not None:
        # Joined on the unit's path, not access.subtree_q: the charts group by that path
        # anyway, and an array of every unit tested against each of 200,000 rows is slower.
        scope = scope.filter(unit__path__startswith=unit.path)
    # The statistics count as the indicators, reports and review do (deviations.counts).
    counted = scope.counted()
    counts = _trend_counts(counted, depth, year)
    month_chart = _month_chart(counts["month"], year, where, today)
    now = scope.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today))
    )

    list_url = reverse("deviations:list")
    in_unit = {"unit": unit.code} if unit else {}
    context = {
        "form": form,
        "unit": unit,
        "where": where,
        "year": year,
        "last_year": year - 1,
        "ancestors": ancestors,
        "headline": _headline(counted, year, today),
        "definition": DEVIATIONS_DEFINITION,
        "open_now": now["open"],
        "overdue_now": now["overdue"],
        "open_url": f"{list_url}?{urlencode({**in_unit, 'status': 'open'})}",
        "overdue_url": f"{list_url}?{urlencode({**in_unit, 'overdue': 1})}",
        "year_url": f"{list_url}?"
        + urlencode({**in_unit, "occurred_from": f"{year}-01-01", "occurred_to": f"{year}-12-31"}),
        "month_chart": month_chart,
        "category_chart": _category_chart(counts["category"], year, where),
        "unit_chart": _unit_chart(counts["branch"], unit, children, year, where)
        if children
        else None,
        "unit_suggestions": _unit_suggestions(request.user),
    }
    return render(request, "deviations/trends.html", context)
