from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from units.models import RoleAssignment, Unit, User


class UnitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # The parent's id, looked up in the same query (api/views/units.py annotates it).
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    type = serializers.CharField(source="unit_type", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "name_nb",
            "name_en",
            "parent",
            "path",
            "depth",
            "type",
            "active",
        ]
        read_only_fields = fields


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """What the unit roles pages show of a person to every logged-in user: the name, the
    e-mail address and the units where they hold a current role."""

    name = serializers.CharField(source="__str__", read_only=True)
    units = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "email", "units"]
        read_only_fields = fields

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_units(self, person) -> list[dict]:
        seen, units = set(), []
        for assignment in person.current_roles:
            if assignment.unit_id not in seen:
                seen.add(assignment.unit_id)
                units.append({"id": assignment.unit_id, "code": assignment.unit.code})
        return units


class RoleAssignmentSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="user_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "person", "unit", "unit_code", "role", "valid_from", "valid_to"]
        read_only_fields = fields
