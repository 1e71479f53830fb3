"""Indicator definitions (the catalogue), the values entered for units and periods, and the
bodies of the bulk upsert of values."""

from rest_framework import serializers

from indicators.models import (
    Category,
    Indicator,
    IndicatorValue,
    Measure,
    OverTime,
    PeriodKind,
    RollUp,
    Source,
    Supplier,
)


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    definition = serializers.CharField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    unit_of_measure = serializers.ChoiceField(choices=Measure.choices, read_only=True)
    period = serializers.ChoiceField(choices=PeriodKind.choices, read_only=True)
    source = serializers.ChoiceField(choices=Source.choices, read_only=True)
    supplier = serializers.ChoiceField(choices=Supplier.choices, read_only=True)
    roll_up = serializers.ChoiceField(choices=RollUp.choices, read_only=True)
    over_time = serializers.ChoiceField(choices=OverTime.choices, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "name_nb",
            "name_en",
            "category",
            "unit_of_measure",
            "period",
            "source",
            "supplier",
            "roll_up",
            "over_time",
            "definition",
            "decimals",
            "is_active",
        ]
        read_only_fields = fields


class TertialField(serializers.IntegerField):
    """A value's tertial: 1–3, or null for a value of the whole year (stored as 0)."""

    def to_representation(self, value):
        return value or None


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    tertial = TertialField(read_only=True, allow_null=True, min_value=1, max_value=3)
    value = serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True)
    source = serializers.ChoiceField(
        choices=[Source.ENTERED.value, Source.IMPORTED.value], read_only=True
    )
    entered_by = serializers.IntegerField(source="entered_by_id", read_only=True, allow_null=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "unit",
            "unit_code",
            "year",
            "tertial",
            "value",
            "source",
            "entered_by",
            "entered_at",
            "version",
        ]
        read_only_fields = fields


class BulkValueSerializer(serializers.Serializer):
    """One value of a bulk upsert. Only the schema uses this: the rows are checked as the CSV
    import checks a file's lines, and every problem is answered with its row's index."""

    indicator = serializers.CharField(help_text="The indicator's code, e.g. sick_leave_days.")
    unit = serializers.CharField(help_text="The unit's code.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    tertial = serializers.IntegerField(
        min_value=0,
        max_value=3,
        allow_null=True,
        required=False,
        help_text="1–3 for a tertial indicator; null (or 0) for a yearly one.",
    )
    value = serializers.DecimalField(
        max_digits=18, decimal_places=4, min_value=0, coerce_to_string=False
    )
    version = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        required=False,
        help_text="The version of the stored value this one replaces (as read from the "
        "values list); required to change a stored value, 0 or left out for a new one.",
    )


class BulkCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    values = IndicatorValueSerializer(many=True, help_text="The stored values, in the order sent.")
