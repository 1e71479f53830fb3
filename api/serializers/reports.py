"""Reports as the reports page lists them: what, for which unit and period, how far it is
produced, and where to download it once it is ready."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from indicators.reports.models import Report, ReportKind, ReportStatus, Stage


class ReportSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    period_label = serializers.CharField(read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    status = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    is_stalled = serializers.BooleanField(read_only=True)
    ordered_by = serializers.IntegerField(source="ordered_by_id", read_only=True, allow_null=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "title",
            "year",
            "tertial",
            "period_label",
            "unit",
            "unit_code",
            "language",
            "status",
            "stage",
            "percent",
            "is_stalled",
            "ordered_by",
            "ordered_at",
            "finished_at",
            "download",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download(self, report) -> str | None:
        """The PDF's address, once the report is ready."""
        if report.status != ReportStatus.DONE:
            return None
        return reverse("report-download", args=[report.pk], request=self.context.get("request"))
