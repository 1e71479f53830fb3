"""Evidence for the yearly cycle's "indicators" step (hms.cycle.evidence): a unit whose
figures were entered for the year, for itself or a unit below it."""

from django.urls import reverse

from hms.cycle.evidence import register
from indicators.models import IndicatorValue


@register("indicators")
def units_with_values(units, year: int) -> dict[int, str]:
    units = list(units)
    if not units:
        return {}
    # One query: the distinct units with values that year; the subtree test is a prefix match.
    paths = set(
        IndicatorValue.objects.filter(year=year)
        .order_by()
        .values_list("unit__path", flat=True)
        .distinct()
    )
    found = {}
    for unit in units:
        if any(path.startswith(unit.path) for path in paths):
            found[unit.pk] = reverse("indicators:unit", args=[unit.code]) + "?view=year"
    return found
