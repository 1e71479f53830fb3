"""Deviations: the web list's filters, the case, reporting one, and the handling steps of the
case page, each through the same form and service the page uses (deviations.forms,
deviations.services). What the user may not see is a 404; a step they may not take is a 403;
each step needs If-Match with the version read (428 without, 412 when stale)."""

import uuid

import pghistory
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers.deviations import (
    AcceptSerializer,
    CloseSerializer,
    DeadlineSerializer,
    DelegateSerializer,
    DeviationListSerializer,
    DeviationReportSerializer,
    DeviationSerializer,
    MeasureEffectSerializer,
    RejectSerializer,
    TransferSerializer,
)
from api.validation import cleaned, form_data
from api.versions import VersionedMixin
from deviations import forms, services
from deviations.filters import DeviationFilter
from deviations.models import Deviation
from deviations.views.report import REPORT_FIELDS
from units import access


def _step(request_serializer, summary: str):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={
            200: DeviationSerializer,
            204: OpenApiResponse(description="Done; the case is no longer one you may see."),
        },
    )


ANONYMOUS_ELSEWHERE = gettext_lazy(
    "A report through the API always names its reporter: a token names its user in every "
    "log line. Report anonymously on the report form (/deviations/new/)."
)


def _simple(form_class):
    return lambda data, deviation: form_class(data)


@extend_schema_view(
    list=extend_schema(summary="Deviations you may see, newest first, with the list's filters"),
    retrieve=extend_schema(summary="One case"),
    create=extend_schema(
        summary="Report a deviation (named: the anonymous way is the report form)",
        request=DeviationReportSerializer,
        responses={201: DeviationSerializer, 200: DeviationSerializer},
    ),
)
class DeviationViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = DeviationFilter
    ordering = ("-created_at", "-pk")
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"

    def get_queryset(self):
        queryset = Deviation.objects.visible_to(self.request.user).select_related(
            "unit", "category"
        )
        if self.action != "list":
            queryset = queryset.prefetch_related("measures")
        return queryset.order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return DeviationListSerializer if self.action == "list" else DeviationSerializer

    def _answer(self, deviation, code=status.HTTP_200_OK):
        """The case as it is now, with its new ETag; 204 when the step took it out of sight
        (a transfer to a unit the user does not cover)."""
        current = self.get_queryset().filter(pk=deviation.pk).first()
        if current is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        response = Response(
            DeviationSerializer(current, context=self.get_serializer_context()).data, status=code
        )
        if code == status.HTTP_201_CREATED:
            response["Location"] = self.reverse_detail(current)
        return self.with_etag(response, current)

    def reverse_detail(self, deviation) -> str:
        return reverse("deviation-detail", args=[deviation.number])

    def create(self, request, *args, **kwargs):
        data = form_data(request.data)
        if data.get("anonymous"):
            raise ValidationError({"anonymous": [ANONYMOUS_ELSEWHERE]})
        data.setdefault("submission_token", str(uuid.uuid4()))
        form = forms.DeviationReportForm(data, visitor=False)
        del form.fields["anonymous"], form.fields["attachments"]
        form.fields["category"].to_field_name = "code"
        values = cleaned(form)
        with pghistory.context(user=request.user.pk, username=request.user.get_username()):
            deviation, _code, created = services.deviation_report(
                reporter=request.user,
                anonymous=False,
                unit=values["unit"],
                submission_token=values["submission_token"],
                **{name: values[name] for name in REPORT_FIELDS},
            )
        return self._answer(deviation, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _act(self, request, form_class, perform, allowed=services.can_handle, body=None):
        """One handling step: the case through the user's scope (404), the right to take the
        step (403), If-Match (428/412), the page's form (400), then the page's service."""
        deviation = self.get_object()
        if not allowed(request.user, deviation):
            raise PermissionDenied
        version = self.if_match_version(request, deviation)
        data = form_data(request.data if body is None else body)
        data["version"] = str(version)
        form = form_class(data, deviation) if form_class else None
        values = cleaned(form) if form else {"version": version}
        perform(deviation, values, form)
        return self._answer(deviation)

    @_step(AcceptSerializer, "Take the case for treatment (you become its handler)")
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_accept(
                actor=request.user,
                deviation=deviation,
                deadline=values["deadline"],
                version=values["version"],
            )

        return self._act(request, _simple(forms.AcceptForm), perform)

    @_step(RejectSerializer, "Reject the case, with the reason")
    @action(detail=True, methods=["post"])
    def reject(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_reject(
                actor=request.user,
                deviation=deviation,
                reason=values["reason"],
                version=values["version"],
            )

        return self._act(request, _simple(forms.RejectForm), perform)

    @_step(TransferSerializer, "Transfer the case to another unit")
    @action(detail=True, methods=["post"])
    def transfer(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_transfer(
                actor=request.user,
                deviation=deviation,
                to_unit=values["to_unit"],
                note=values["note"],
                version=values["version"],
            )

        return self._act(request, _simple(forms.TransferForm), perform)

    @_step(DelegateSerializer, "Give the case another handler")
    @action(detail=True, methods=["post"])
    def delegate(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_delegate(
                actor=request.user,
                deviation=deviation,
                handler=values["handler"],
                version=values["version"],
            )

        def may_delegate(user, deviation):
            return access.can_manage_records(user, deviation.unit)

        return self._act(request, _simple(forms.DelegateForm), perform, allowed=may_delegate)

    @_step(DeadlineSerializer, "Set the case's deadline")
    @action(detail=True, methods=["post"])
    def deadline(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_set_deadline(
                actor=request.user,
                deviation=deviation,
                deadline=values["deadline"],
                version=values["version"],
            )

        return self._act(request, _simple(forms.DeadlineForm), perform)

    @_step(CloseSerializer, "Close the case: cause, lessons learned, each measure's effect")
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        body = request.data if isinstance(request.data, dict) else {}
        effects = MeasureEffectSerializer(data=body.get("measure_effects") or [], many=True)
        effects.is_valid(raise_exception=True)
        body = {key: value for key, value in body.items() if key != "measure_effects"}
        for row in effects.validated_data:
            body[f"effect_{row['measure']}"] = row["effectiveness"]
            body[f"comment_{row['measure']}"] = row.get("comment", "")

        def close_form(data, deviation):
            measures = list(deviation.measures.order_by("deadline", "pk"))
            return forms.CloseForm(data, measures=measures)

        def perform(deviation, values, form):
            services.deviation_close(
                actor=request.user,
                deviation=deviation,
                cause=values["cause"],
                lessons_learned=values["lessons_learned"],
                measure_effects=form.measure_effects(),
                version=values["version"],
            )

        return self._act(request, close_form, perform, body=body)

    @_step(None, "Record that the labour inspection authority and the police were notified")
    @action(detail=True, methods=["post"], url_path="authorities-notified")
    def authorities_notified(self, request, number=None):
        def perform(deviation, values, form):
            services.deviation_record_authorities_notified(actor=request.user, deviation=deviation)

        return self._act(request, None, perform)
