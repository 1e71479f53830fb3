"""Who reaches which register page: fetches that answer 404 for what a user may not see, and
403 for what they may see but not change."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from units import access, listing, versions
from units.models import Unit

PAGE_SIZE = 50


def can_read_shared(user, unit: Unit) -> bool:
    """Routines and documents: everyone in the unit's subtree, and those whose roles cover it."""
    return access.can_view_records(user, unit) or access.belongs_within(user, unit)


def shared_unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not can_read_shared(request.user, unit):
        raise Http404
    return unit


def records_unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not access.can_view_records(request.user, unit):
        raise Http404
    return unit


def hms_department_only(request) -> None:
    # Others are not told the page exists.
    if not access.is_hms_department(request.user):
        raise Http404


def forbidden(request, message: str):
    return render(request, "registers/forbidden.html", {"message": message}, status=403)


def saved_values(form, current) -> list[tuple[str, object]]:
    """After a stale save of a catalogue form: the form takes the current version (saving
    again is a deliberate overwrite) and the page lists the values saved meanwhile."""
    versions.take_current_version(form, current.version)
    shown = []
    for name in form._meta.fields:
        value = getattr(current, name)
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif display := getattr(current, f"get_{name}_display", None):
            value = display()
        shown.append((form.fields[name].label, value))
    return shown


def list_context(request, filterset, rows, columns: dict) -> dict:
    """What every register list shows besides its rows: the filters (and their errors), a
    page of the rows, the sortable headings and the query the links keep."""
    query = listing.filter_query(request)
    sort = listing.sort_key(columns, request.GET.get("sort"))
    return {
        "filter": filterset,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "columns": listing.sort_links(query, columns, sort),
        "sort": sort,
        "filter_query": query,
        "query": query.urlencode(),
        "filtered": any(key != "sort" for key in query),
    }
