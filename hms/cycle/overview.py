"""The cycle overview: who is behind in the yearly cycle, per branch of the tree, for those
who follow a subtree's HSE work (access.overview_paths), sortable and as a file.

Completion is a sum of parts over every unit of the branch (hms/cycle/progress.py); a step the
HSE department marked as not applying to a kind of unit counts for none of them.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from hms.cycle import evidence, export, services
from hms.cycle.progress import Progress, units_progress
from units import access
from units.models import Unit

PAGE_SIZE = 50

# The "who is behind" table's columns: ?sort=<key> or ?sort=-<key>; the default first.
SORTS = {
    "behind": lambda unit: unit.progress.behind,
    "unit": lambda unit: unit.name.lower(),
    "type": lambda unit: str(unit.get_unit_type_display()).lower(),
    "done": lambda unit: unit.progress.percent,
}
DEFAULT_SORT = "-behind"


@dataclass
class Sorting:
    key: str
    descending: bool

    @classmethod
    def from_request(cls, request) -> "Sorting":
        asked = request.GET.get("sort", "") or DEFAULT_SORT
        key = asked.removeprefix("-")
        if key not in SORTS:
            asked, key = DEFAULT_SORT, DEFAULT_SORT.removeprefix("-")
        return cls(key=key, descending=asked.startswith("-"))

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.key

    def apply(self, units: list) -> None:
        """Sorted in place by the column, then by the tree's order: a stable, total order."""
        units.sort(key=lambda unit: unit.path)
        units.sort(key=SORTS[self.key], reverse=self.descending)

    def columns(self) -> dict[str, dict]:
        """Per column: the sort parameter its header links to, and its aria-sort."""
        found = {}
        for key in SORTS:
            active = key == self.key
            descending_first = key in ("behind", "done")
            flip = not self.descending if active else descending_first
            found[key] = {
                "param": ("-" if flip else "") + key,
                "aria": ("descending" if self.descending else "ascending") if active else "none",
            }
        return found


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    if not services.year_allowed(year):
        raise Http404
    return year


def _unit(request, paths: list[str] | None) -> Unit:
    """The unit asked for, within the user's subtrees; the first of them when none is asked."""
    code = request.GET.get("unit", "").strip()
    if code:
        unit = Unit.objects.filter(code__iexact=code).first()
    elif paths is None:
        unit = Unit.objects.filter(depth=1).order_by("path").first()
    else:
        unit = Unit.objects.filter(path=paths[0]).first()
    if unit is None:
        raise Http404
    if paths is not None and not any(unit.path.startswith(path) for path in paths):
        raise Http404
    return unit


def _scope(request):
    paths = access.overview_paths(request.user)
    if paths == []:
        raise Http404
    return paths, _unit(request, paths), _year(request)


def subtree_progress(unit: Unit, year: int) -> tuple[list[Unit], dict[int, Progress]]:
    # A queryset, so that the evidence queries select the subtree by subquery, not by its ids.
    subtree = evidence.fetched(
        Unit.objects.active().filter(path__startswith=unit.path).order_by("path")
    )
    progress = units_progress(subtree, year)
    subtree = list(subtree)
    for member in subtree:
        member.progress = progress[member.pk]
    return subtree, progress


@login_required
@require_safe
def overview(request):
    """Per branch of the tree, the completion summed over its units, and the units with steps
    past due. A constant number of queries, whatever the size of the tree."""
    paths, unit, year = _scope(request)
    sorting = Sorting.from_request(request)
    subtree, progress = subtree_progress(unit, year)
    branch_length = (unit.depth + 1) * Unit.steplen
    branches: dict[str, Progress] = defaultdict(partial(Progress, opened=True))
    total = Progress(opened=True)
    for member in subtree:
        total.add(member.progress)
        if member.depth > unit.depth:
            branches[member.path[:branch_length]].add(member.progress)
    children = [member for member in subtree if member.depth == unit.depth + 1]
    for child in children:
        child.rollup = branches.get(child.path, Progress())
    children.sort(key=lambda child: (-child.rollup.behind, child.name.lower()))
    behind = [member for member in subtree if member.progress.behind]
    sorting.apply(behind)
    page = Paginator(behind, PAGE_SIZE).get_page(request.GET.get("page"))
    cycle_url = evidence.unit_link("cycle:cycle", year)  # one reverse() for every row
    for member in (*children, *page.object_list):
        member.cycle_url = cycle_url(member)
    # The breadcrumb names only the units above that the user may open here; most often none
    # (the user's own top unit), and then no query.
    shown = [
        path
        for path in unit.ancestor_paths()
        if paths is None or any(path.startswith(own) for own in paths)
    ]
    ancestors = list(Unit.objects.filter(path__in=shown).order_by("path")) if shown else []
    return render(
        request,
        "cycle/overview.html",
        {
            "unit": unit,
            "year": year,
            "own": progress.get(unit.pk),
            "total": total,
            "children": children,
            "page": page,
            "ancestors": ancestors,
            "sorting": sorting,
            "columns": sorting.columns(),
            "may_mark_steps": access.is_hms_department(request.user),
        },
    )


@login_required
@require_safe
def overview_export(request, fmt: str):
    """Every active unit of the subtree with its completion, as CSV or Excel, in the table's
    order: the same scope and the same figures as the page."""
    paths, unit, year = _scope(request)
    subtree, _progress = subtree_progress(unit, year)
    Sorting.from_request(request).apply(subtree)
    return export.response(subtree, unit, year, fmt)
