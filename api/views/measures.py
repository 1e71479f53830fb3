"""Measures of the action plans: the plan's filters, one measure, and the changes the plan
page makes (progress, close with the effect, cancel) through its forms and services
(actionplans.forms, actionplans.services), each with If-Match."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from actionplans import forms, services
from actionplans.models import Measure
from api.filters import MeasureFilter
from api.serializers.measures import (
    MeasureCancelSerializer,
    MeasureCloseSerializer,
    MeasureSerializer,
    ProgressSerializer,
)
from api.validation import cleaned, form_data
from api.versions import VersionedMixin


def _changes(request_serializer, summary: str):
    return extend_schema(
        summary=summary, request=request_serializer, responses={200: MeasureSerializer}
    )


@extend_schema_view(
    list=extend_schema(summary="Measures you may see, by deadline, with the plan's filters"),
    retrieve=extend_schema(summary="One measure"),
    partial_update=_changes(
        ProgressSerializer, "The responsible person's update: planned or in progress, and how far"
    ),
)
class MeasureViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    ordering = ("deadline", "pk")
    lookup_value_regex = r"[0-9]{1,9}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .select_related("unit")
            .order_by("deadline", "pk")
        )

    def _change(self, request, form_class, perform, defaults=None):
        measure = self.get_object()
        version = self.if_match_version(request, measure)
        data = {**(defaults or {}), **form_data(request.data), "version": str(version)}
        perform(measure, cleaned(form_class(data)))
        current = self.get_queryset().filter(pk=measure.pk).first() or measure
        response = Response(self.get_serializer(current).data)
        return self.with_etag(response, current)

    def partial_update(self, request, pk=None):
        def perform(measure, values):
            services.measure_set_progress(
                actor=request.user,
                measure=measure,
                version=values["version"],
                status=values["status"],
                progress=values["progress"],
            )

        # What the request leaves out stays as it is.
        measure = self.get_object()
        defaults = {"status": measure.status, "progress": measure.progress}
        return self._change(request, forms.ProgressForm, perform, defaults)

    @_changes(MeasureCloseSerializer, "Mark the measure done, with whether it worked")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        def perform(measure, values):
            services.measure_close(
                actor=request.user,
                measure=measure,
                version=values["version"],
                effectiveness=values["effectiveness"],
                effectiveness_comment=values["effectiveness_comment"],
            )

        return self._change(request, forms.CloseForm, perform)

    @_changes(MeasureCancelSerializer, "Cancel the measure, with the reason")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        def perform(measure, values):
            services.measure_cancel(
                actor=request.user,
                measure=measure,
                version=values["version"],
                reason=values["cancel_reason"],
            )

        return self._change(request, forms.CancelForm, perform)
