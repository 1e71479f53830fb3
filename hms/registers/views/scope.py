"""Who reaches which register page: fetches that answer 404 for what a user may not see, and
403 for what they may see but not change."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from units import access
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
