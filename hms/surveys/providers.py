"""Evidence for the yearly cycle: a unit has identified its challenges with the work
environment survey when it has a survey result for the year."""

from hms.cycle.evidence import links_for, register, unit_link
from hms.surveys.models import SurveyResult


@register("identify_challenges")
def surveyed_units(units, year):
    found = (
        SurveyResult.objects.filter(unit__in=units, year=year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return links_for(units, found, unit_link("surveys:unit", suffix=f"?year={year}"))
