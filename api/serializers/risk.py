"""Risk assessments as the list and the assessment page show them: the heading with the
counts of the hazards, and on retrieve the participants, the mapped activities and the hazard
rows, each scored by the assessment's own matrix version."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.refs import MeasureRefSerializer
from risk.models import AssessmentStatus, ParticipantRole, RiskAssessment, RiskRow, Zone
from risk.views.matrix import cell


class RiskAssessmentSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    status = serializers.ChoiceField(choices=AssessmentStatus.choices, read_only=True)
    matrix_version = serializers.IntegerField(source="matrix.version", read_only=True)
    is_due_for_review = serializers.SerializerMethodField()
    row_count = serializers.IntegerField(read_only=True)
    red_count = serializers.IntegerField(read_only=True)
    unscored_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "unit",
            "unit_code",
            "title",
            "activity",
            "assessed_on",
            "status",
            "matrix_version",
            "approved_at",
            "review_date",
            "is_due_for_review",
            "previous",
            "row_count",
            "red_count",
            "unscored_count",
            "version",
        ]
        read_only_fields = fields

    def get_is_due_for_review(self, assessment) -> bool:
        return assessment.is_due_for_review(self.context.get("today"))


class ParticipantSerializer(serializers.Serializer):
    """Someone taking part (api/v1/people), named as the page names them."""

    person = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.CharField(source="user.__str__", read_only=True)
    role = serializers.ChoiceField(choices=ParticipantRole.choices, read_only=True)
    took_part = serializers.BooleanField(read_only=True)


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    harms_people = serializers.BooleanField(read_only=True)
    harms_material = serializers.BooleanField(read_only=True)
    harms_environment = serializers.BooleanField(read_only=True)


class ConsequencesSerializer(serializers.Serializer):
    """Consequence per dimension, 1–5 (A–E); empty until scored."""

    people = serializers.IntegerField(source="consequence_people", allow_null=True)
    environment = serializers.IntegerField(source="consequence_environment", allow_null=True)
    material = serializers.IntegerField(source="consequence_material", allow_null=True)
    reputation = serializers.IntegerField(source="consequence_reputation", allow_null=True)


class CellSerializer(serializers.Serializer):
    """A cell of the assessment's matrix: "C3" is consequence C, probability 3."""

    code = serializers.CharField()
    value = serializers.IntegerField()
    zone = serializers.ChoiceField(choices=Zone.choices)


class RiskRowSerializer(serializers.ModelSerializer):
    consequences = ConsequencesSerializer(source="*", read_only=True)
    worst = serializers.SerializerMethodField()
    residual = serializers.SerializerMethodField()
    measures = MeasureRefSerializer(many=True, read_only=True)

    class Meta:
        model = RiskRow
        fields = [
            "id",
            "activity",
            "hazard",
            "existing_measures",
            "probability",
            "consequences",
            "worst",
            "proposed_measures",
            "residual_probability",
            "residual_consequence",
            "residual",
            "measures",
        ]
        read_only_fields = fields

    def _cell(self, row, probability, consequence):
        found = cell(row.assessment.matrix, probability, consequence)
        return CellSerializer(found).data if found else None

    @extend_schema_field(CellSerializer(allow_null=True))
    def get_worst(self, row):
        """The worst dimension's cell before the proposed measures."""
        return self._cell(row, row.probability, row.worst_consequence)

    @extend_schema_field(CellSerializer(allow_null=True))
    def get_residual(self, row):
        """The cell after the proposed measures."""
        return self._cell(row, row.residual_probability, row.residual_consequence)


class RiskAssessmentDetailSerializer(RiskAssessmentSerializer):
    approved_by = serializers.IntegerField(source="approved_by_id", read_only=True, allow_null=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    activities = ActivitySerializer(many=True, read_only=True)
    rows = RiskRowSerializer(many=True, read_only=True)

    class Meta(RiskAssessmentSerializer.Meta):
        fields = [
            *RiskAssessmentSerializer.Meta.fields,
            "approved_by",
            "participants",
            "activities",
            "rows",
        ]
        read_only_fields = fields
