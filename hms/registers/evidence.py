"""Evidence for the yearly cycle's map and plan steps, one query per step for any number of
units (hms/cycle/evidence.py)."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from hms.cycle.evidence import links_for, register, unit_link
from hms.registers.models import CoordinationAgreement, Document, Routine, UnitRequirement


def _reference_date(year: int) -> datetime.date:
    """A past year is judged at its end, the current year today."""
    return min(timezone.localdate(), datetime.date(year, 12, 31))


def _links(units, unit_ids, url_name: str, anchor: str = "") -> dict[int, str]:
    return links_for(units, unit_ids, unit_link(url_name, suffix=anchor))


@register("requirements")
def reviewed_requirements(units, year: int) -> dict[int, str]:
    """The unit reviewed its register in the year: at least one requirement marked as
    applying."""
    unit_ids = (
        UnitRequirement.objects.filter(unit__in=units, applies=True, reviewed_on__year=year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return _links(units, unit_ids, "registers:requirements")


@register("documentation")
def documents_kept_up(units, year: int) -> dict[int, str]:
    """The unit has documents, and none is past its review date."""
    on = _reference_date(year)
    rows = (
        Document.objects.filter(unit__in=units)
        .order_by()
        .values("unit_id")
        .annotate(total=Count("pk"), passed=Count("pk", filter=Q(review_due__lt=on)))
        .filter(total__gt=0, passed=0)
        .values_list("unit_id", flat=True)
    )
    return _links(units, rows, "registers:unit", "#documents")


@register("local_routines")
def routines_in_force(units, year: int) -> dict[int, str]:
    unit_ids = (
        Routine.objects.in_force(_reference_date(year))
        .filter(unit__in=units)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return _links(units, unit_ids, "registers:unit", "#routines")


@register("coordination_agreement")
def agreements_valid(units, year: int) -> dict[int, str]:
    unit_ids = (
        CoordinationAgreement.objects.valid_in_year(year)
        .filter(unit__in=units)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return _links(units, unit_ids, "registers:unit", "#agreements")
