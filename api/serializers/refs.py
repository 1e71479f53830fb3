"""A measure of the action plan as the record pointing to it (a hazard, a round's check or
finding) shows it; the person responsible by id (api/v1/people), as the rest of the API."""

from rest_framework import serializers


class MeasureRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    deadline = serializers.DateField(read_only=True)
    responsible = serializers.IntegerField(source="responsible_id", read_only=True)
