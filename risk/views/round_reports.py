"""The report of an inspection round, as a page and a PDF, and the flags for units without
a completed round in the last 12 months: a partial for the unit page, and the overview of the
tree for the HSE department and line managers.

A round the user may not see is a 404 (every fetch goes through `visible_to`).
"""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Substr
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from hms.pdf import pdf_response, render_pdf
from risk import filters, services
from risk.models import Answer, InspectionRound
from risk.views.rounds import PAGE_SIZE, _participants, _round, by_checklist
from units import access, listing
from units.models import Role, Unit

# The report ------------------------------------------------------------------------------------


def _report_context(request, round_: InspectionRound) -> dict:
    participants = _participants(round_)
    answers = list(round_.answers.all())
    answer_groups = by_checklist(answers, lambda answer: answer.checklist)
    checks = list(
        round_.measure_checks.select_related("measure__responsible").order_by(
            "measure__deadline", "pk"
        )
    )
    findings = list(round_.findings.select_related("deviation__handler", "measure__responsible"))
    counts = Counter(answer.answer for answer in answers)
    return {
        "round": round_,
        "unit": round_.unit,
        "ancestors": list(
            Unit.objects.filter(path__in=round_.unit.ancestor_paths()).order_by("path")
        ),
        "participants": participants,
        "took_part": [p for p in participants if p.took_part],
        "answer_groups": answer_groups,
        "answers_total": len(answers),
        "not_ok_count": counts.get(Answer.NOT_OK, 0),
        "ok_count": counts.get(Answer.OK, 0),
        "not_relevant_count": counts.get(Answer.NOT_RELEVANT, 0),
        "unanswered": counts.get("", 0),
        "checks": checks,
        "findings": findings,
        "generated_at": timezone.now(),
        "today": timezone.localdate(),
    }


@login_required
@require_safe
def report(request, pk: int):
    round_ = _round(request, pk)
    return render(request, "risk/round_report.html", _report_context(request, round_))


@login_required
@require_safe
def report_pdf(request, pk: int):
    round_ = _round(request, pk)
    pdf = render_pdf("risk/pdf/round_report.html", _report_context(request, round_))
    filename = f"inspection-round-{round_.unit.code}-{round_.planned_for.isoformat()}.pdf"
    return pdf_response(pdf, filename)


# Flags: units without a completed round in the last 12 months ----------------------------------


@login_required
@require_safe
def unit_status(request, code: str):
    """A small partial for the unit page. Whether a unit has had its yearly round is not a
    record's content, so every logged-in user sees it; the round itself stays scoped."""
    unit = get_object_or_404(Unit, code=code)
    if not unit.is_active:
        return HttpResponse("")
    last = (
        InspectionRound.objects.completed()
        .filter(unit=unit)
        .order_by("-completed_at")
        .values_list("completed_at", flat=True)
        .first()
    )
    flagged = services.units_without_recent_round(Unit.objects.filter(pk=unit.pk)).exists()
    return render(
        request,
        "risk/_round_unit_status.html",
        {
            "unit": unit,
            "last_completed": last,
            "flagged": flagged,
            # Loaded into the round list itself, it need not link to it.
            "can_view": access.can_view_records(request.user, unit)
            and not (request.htmx.current_url_abs_path or "").startswith(reverse("risk:rounds")),
            "can_plan": services.can_run_round(request.user, unit),
        },
    )


def _overview_scope(user) -> tuple[bool, list[str]]:
    """(whole tree?, the paths of the units the user leads). Others get a 404."""
    if access.is_hms_department(user):
        return True, []
    paths = sorted(access.role_paths(user).get(Role.LINE_MANAGER, ()))
    outer = [path for path in paths if not any(path != o and path.startswith(o) for o in paths)]
    if not outer:
        raise Http404
    return False, outer


def _last_completed_subquery():
    return Subquery(
        InspectionRound.objects.completed()
        .filter(unit=OuterRef("pk"))
        .order_by()
        .values("unit")
        .annotate(last=Max("completed_at"))
        .values("last")[:1]
    )


def _branch_counts(unit: Unit) -> tuple[dict, dict]:
    """For each child of `unit`: how many active units its subtree has, and how many of them
    lack a completed round in 12 months. Two grouped queries, whatever the size of the tree:
    a unit's branch is the prefix of its path at the children's depth."""
    subtree = Unit.objects.active().filter(path__startswith=unit.path, depth__gt=unit.depth)
    branch = Substr("path", 1, (unit.depth + 1) * Unit.steplen)

    def grouped(queryset) -> dict:
        rows = queryset.order_by().annotate(branch=branch).values("branch").annotate(n=Count("pk"))
        return {row["branch"]: row["n"] for row in rows}

    return grouped(subtree), grouped(services.units_without_recent_round(subtree))


def _overview_children(unit: Unit) -> list[Unit]:
    totals, flagged = _branch_counts(unit)
    children = list(Unit.objects.active().filter(depth=unit.depth + 1, path__startswith=unit.path))
    for child in children:
        child.total = totals.get(child.path, 0)
        child.flagged = flagged.get(child.path, 0)
        child.share = round(100 * child.flagged / child.total) if child.total else 0
    children.sort(key=lambda child: child.name.lower())
    return children


@login_required
@require_safe
def overview(request):
    """The HSE department's overview of the tree (a line manager's of their own subtree): per
    branch, how many units lack a completed round in the last 12 months, and which."""
    user = request.user
    whole_tree, led_paths = _overview_scope(user)
    code = request.GET.get("unit", "").strip()
    if code:
        unit = get_object_or_404(Unit, code__iexact=code)
    elif whole_tree:
        unit = Unit.objects.filter(depth=1).order_by("path").first()
        if unit is None:
            raise Http404
    else:
        unit = Unit.objects.get(path=led_paths[0])
    if not whole_tree and not any(unit.path.startswith(path) for path in led_paths):
        raise Http404
    children = _overview_children(unit)
    if request.htmx and request.GET.get("rows"):
        return render(
            request, "risk/_round_overview_rows.html", {"children": children, "nested": True}
        )
    flagged_units = services.units_without_recent_round(
        Unit.objects.active().filter(path__startswith=unit.path)
    ).annotate(last_completed=_last_completed_subquery())
    sort = listing.sort_key(filters.FLAGGED_COLUMNS, request.GET.get("sort"))
    flagged_units = filters.sort(
        flagged_units, filters.FLAGGED_COLUMNS, filters.FLAGGED_ORDERING, sort
    )
    page = Paginator(flagged_units, PAGE_SIZE).get_page(request.GET.get("page"))
    query = listing.filter_query(request)
    query.pop("rows", None)
    for flagged_unit in page:
        flagged_unit.can_plan = services.can_run_round(user, flagged_unit)
    total = sum(child.total for child in children) + (1 if unit.is_active else 0)
    ancestors = [
        ancestor
        for ancestor in Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path")
        if whole_tree or any(ancestor.path.startswith(path) for path in led_paths)
    ]
    return render(
        request,
        "risk/round_overview.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": children,
            "page": page,
            "flagged_total": page.paginator.count,
            "total": total,
            "share": round(100 * page.paginator.count / total) if total else 0,
            "overview_url": reverse("risk:round_overview"),
            "query": query.urlencode(),
            "filter_query": query,
            "sort": sort,
            "columns": listing.sort_links(query, filters.FLAGGED_COLUMNS, sort),
        },
    )
