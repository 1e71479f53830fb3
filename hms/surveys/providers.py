"""Evidence for the yearly cycle: a unit has identified its challenges with the work
environment survey when it has a survey result for the year."""

from django.urls import reverse

from hms.cycle.evidence import register
from hms.surveys.models import SurveyResult


@register("identify_challenges")
def surveyed_units(units, year):
    by_id = {unit.pk: unit for unit in units}
    found = (
        SurveyResult.objects.filter(unit_id__in=list(by_id), year=year)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return {
        unit_id: reverse("surveys:unit", args=[by_id[unit_id].code]) + f"?year={year}"
        for unit_id in found
    }
