from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deviations import services
from deviations.models import Deviation, DeviationType, InjuryKind, Severity


class DeviationListSerializer(serializers.ModelSerializer):
    """What a row of the web list shows, and no more: no reporter, no health details."""

    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    handler = serializers.IntegerField(source="handler_id", read_only=True, allow_null=True)

    class Meta:
        model = Deviation
        fields = [
            "id",
            "number",
            "title",
            "status",
            "deviation_type",
            "severity",
            "category",
            "unit",
            "unit_code",
            "handler",
            "occurred_at",
            "deadline",
            "created_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields


class DeviationSerializer(DeviationListSerializer):
    """The case as its page shows it: the reporter unless the report is anonymous, and the
    health details only to those the page shows them to (deviations.services)."""

    reporter = serializers.SerializerMethodField()
    health_details = serializers.SerializerMethodField()
    measures = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta(DeviationListSerializer.Meta):
        fields = [
            *DeviationListSerializer.Meta.fields,
            "description",
            "location",
            "actual_consequence",
            "potential_consequence",
            "immediate_action",
            "injury_kind",
            "absence_days",
            "is_anonymous",
            "reporter",
            "health_details",
            "rejection_reason",
            "cause",
            "lessons_learned",
            "authorities_notified_at",
            "measures",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_reporter(self, deviation) -> int | None:
        # An anonymous report has no reporter stored; this says so whatever the row holds.
        return None if deviation.is_anonymous else deviation.reporter_id

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_health_details(self, deviation) -> str | None:
        """None: restricted for this user (the page shows "Restricted")."""
        user = self.context["request"].user
        own = deviation.reporter_id is not None and deviation.reporter_id == user.pk
        if own or services.can_view_health_details(user, deviation):
            return deviation.health_details
        return None


class DeviationReportSerializer(serializers.Serializer):
    """The report form's fields (deviations.forms.DeviationReportForm checks them). A report
    through the API is never anonymous: a token names its user in every log line, so the
    anonymous way is the report form, which keeps no trace of who sent it."""

    unit = serializers.CharField(max_length=200, help_text="The unit's code.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    deviation_type = serializers.ChoiceField(choices=DeviationType.choices)
    category = serializers.CharField(max_length=40, help_text="The category's code.")
    severity = serializers.ChoiceField(choices=Severity.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    actual_consequence = serializers.CharField(required=False, allow_blank=True)
    potential_consequence = serializers.CharField(required=False, allow_blank=True)
    immediate_action = serializers.CharField(required=False, allow_blank=True)
    injury_kind = serializers.ChoiceField(
        choices=InjuryKind.choices, required=False, allow_blank=True
    )
    absence_days = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True
    )
    health_details = serializers.CharField(required=False, allow_blank=True)
    submission_token = serializers.UUIDField(
        required=False,
        help_text="A key of your choosing: the same report sent twice with the same key is "
        "one deviation (the second answer is the first report).",
    )


class AcceptSerializer(serializers.Serializer):
    deadline = serializers.DateField(required=False, allow_null=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


class TransferSerializer(serializers.Serializer):
    to_unit = serializers.CharField(max_length=32, help_text="The unit's code.")
    note = serializers.CharField(required=False, allow_blank=True)


class DelegateSerializer(serializers.Serializer):
    handler = serializers.CharField(max_length=254, help_text="User name or e-mail address.")


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField()


class MeasureEffectSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    effectiveness = serializers.CharField()
    comment = serializers.CharField(required=False, allow_blank=True)


class CloseSerializer(serializers.Serializer):
    cause = serializers.CharField()
    lessons_learned = serializers.CharField(required=False, allow_blank=True)
    measure_effects = MeasureEffectSerializer(
        many=True,
        required=False,
        help_text="For each measure of the case that is not cancelled: did it work?",
    )
