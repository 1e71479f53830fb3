"""How a record names the unit and the people it refers to: the unit by id, code and name,
a person by id and name, as the pages show them."""

from rest_framework import serializers


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class MeasureRefSerializer(serializers.Serializer):
    """A measure of the action plan that a record points to, as the record's page shows it."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    deadline = serializers.DateField(read_only=True)
    responsible = PersonRefSerializer(read_only=True)
