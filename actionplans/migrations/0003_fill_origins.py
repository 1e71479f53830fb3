"""Fill where the existing measures came from, for the links in the action plan. The apps that
made them keep the links (deviation ↔ measure, hazard ↔ measure, finding → measure); this reads
them once. New measures get their origin from the service that creates them."""

from django.db import migrations
from django.urls import reverse


def fill_origins(apps, schema_editor):
    Measure = apps.get_model("actionplans", "Measure")
    origins: dict[int, tuple[str, str]] = {}
    try:
        Deviation = apps.get_model("deviations", "Deviation")
        RowMeasure = apps.get_model("risk", "RowMeasure")
        Finding = apps.get_model("risk", "Finding")
    except LookupError:  # an installation without those apps has nothing to fill
        return
    for deviation in Deviation.objects.filter(measures__isnull=False).distinct().iterator():
        label = f"{deviation.number}: {deviation.title}"[:300]
        url = reverse("deviations:detail", args=[deviation.number])
        for measure_id in deviation.measures.values_list("pk", flat=True):
            origins.setdefault(measure_id, (label, url))
    for link in RowMeasure.objects.select_related("row__assessment").iterator():
        assessment = link.row.assessment
        url = reverse("risk:assessment", args=[assessment.pk])
        origins.setdefault(link.measure_id, (assessment.title[:300], url))
    for finding in Finding.objects.filter(measure__isnull=False).select_related("round__unit"):
        round_ = finding.round
        label = f"{round_.unit.code} {round_.planned_for.isoformat()}"
        origins.setdefault(finding.measure_id, (label, reverse("risk:round", args=[round_.pk])))
    for measure_id, (label, url) in origins.items():
        Measure.objects.filter(pk=measure_id, origin_url="").update(
            origin_label=label, origin_url=url
        )


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0002_measure_plan_fields"),
        ("deviations", "0004_receipt_index_and_no_health_details_in_history"),
        ("risk", "0003_round_questions_in_both_languages"),
    ]

    operations = [migrations.RunPython(fill_origins, migrations.RunPython.noop)]
