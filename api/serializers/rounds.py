"""Inspection rounds as the list and the round page show them: the heading with its counts,
and on retrieve the participants, the checklist answers, the measure checks and the findings
with their follow-up."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.refs import MeasureRefSerializer
from api.serializers.risk import ParticipantSerializer
from deviations.models import Status as DeviationStatus
from risk.models import (
    Answer,
    FindingOutcome,
    InspectionRound,
    RoundStatus,
)


class InspectionRoundSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    status = serializers.ChoiceField(choices=RoundStatus.choices, read_only=True)
    findings_count = serializers.IntegerField(read_only=True)
    not_ok_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "unit",
            "unit_code",
            "planned_for",
            "status",
            "completed_at",
            "findings_count",
            "not_ok_count",
            "version",
        ]
        read_only_fields = fields


class ChecklistAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    # The checklist's stable key (e.g. "fire"); the HSE department adds checklists in the app.
    checklist = serializers.SlugField(read_only=True)
    question = serializers.CharField(source="question_text", read_only=True)
    # Empty until answered.
    answer = serializers.ChoiceField(choices=["", *Answer.values], read_only=True)
    comment = serializers.CharField(read_only=True)


class MeasureCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    measure = MeasureRefSerializer(read_only=True)
    implemented = serializers.BooleanField(read_only=True, allow_null=True)
    working = serializers.BooleanField(read_only=True, allow_null=True)
    comment = serializers.CharField(read_only=True)


class FindingDeviationSerializer(serializers.Serializer):
    """The deviation a finding was reported as. Its number is shown to everyone who reads the
    round, as on the page; its status only to those who may see the deviation itself."""

    number = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=DeviationStatus.choices, allow_null=True))
    def get_status(self, deviation):
        return deviation.status if deviation.pk in self.context["visible_deviations"] else None


class FindingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    outcome = serializers.ChoiceField(choices=FindingOutcome.choices, read_only=True)
    deviation = FindingDeviationSerializer(read_only=True, allow_null=True)
    measure = MeasureRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class InspectionRoundDetailSerializer(InspectionRoundSerializer):
    checklists = serializers.SerializerMethodField()
    participants = ParticipantSerializer(many=True, read_only=True)
    answers = ChecklistAnswerSerializer(many=True, read_only=True)
    measure_checks = MeasureCheckSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(InspectionRoundSerializer.Meta):
        fields = [
            *InspectionRoundSerializer.Meta.fields,
            "pre_meeting_notes",
            "post_meeting_notes",
            "checklists",
            "participants",
            "answers",
            "measure_checks",
            "findings",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_checklists(self, round_) -> list[str]:
        """The keys of the round's checklists, in the order the HSE department keeps them."""
        return [checklist.slug for checklist in round_.checklists.all()]
