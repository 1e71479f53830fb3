from rest_framework import serializers

from actionplans.models import Effectiveness, Measure, MeasureStatus


class MeasureSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    responsible = serializers.IntegerField(source="responsible_id", read_only=True)
    # Empty until the measure is closed (schemathesis found the schema saying otherwise).
    effectiveness = serializers.ChoiceField(
        choices=Effectiveness.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Measure
        fields = [
            "id",
            "unit",
            "unit_code",
            "title",
            "description",
            "responsible",
            "deadline",
            "status",
            "priority",
            "estimated_cost",
            "source",
            "origin_label",
            "progress",
            "effectiveness",
            "effectiveness_comment",
            "cancel_reason",
            "created_at",
            "completed_at",
            "version",
        ]
        read_only_fields = fields


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS], required=False
    )
    progress = serializers.CharField(required=False, allow_blank=True)


class MeasureCloseSerializer(serializers.Serializer):
    effectiveness = serializers.ChoiceField(choices=Effectiveness.choices)
    effectiveness_comment = serializers.CharField(required=False, allow_blank=True)


class MeasureCancelSerializer(serializers.Serializer):
    cancel_reason = serializers.CharField()
