"""Evidence for the yearly cycle's "indicators" step (hms.cycle.evidence): a unit whose
figures were entered for the year, for itself or a unit below it."""

from hms.cycle.evidence import register, unit_link
from indicators.models import IndicatorValue
from units.models import Unit


@register("indicators")
def units_with_values(units, year: int) -> dict[int, str]:
    if not units:
        return {}
    # One query: the distinct units with values that year. A unit has values in its subtree
    # when its path is a prefix of one of theirs: every prefix of theirs, in a set.
    paths = set(
        IndicatorValue.objects.filter(year=year)
        .order_by()
        .values_list("unit__path", flat=True)
        .distinct()
    )
    steplen = Unit.steplen
    prefixes = {path[:end] for path in paths for end in range(steplen, len(path) + 1, steplen)}
    link = unit_link("indicators:unit", suffix="?view=year")
    return {unit.pk: link(unit) for unit in units if unit.path in prefixes}
