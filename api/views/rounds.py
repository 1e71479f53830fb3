"""Inspection rounds, read: the list with the round list's filters and order, and one round
with its participants, checklist answers, measure checks and findings.

Everything starts from `InspectionRound.objects.visible_to(user)`: a round the user may not
see is a 404, as on the pages. A finding's deviation shows its status only to those who may
see the deviation, as on the round page.
"""

from django import forms
from django.db.models import Case, OuterRef, Prefetch, Subquery, When
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from api.filters_pages import UNIT_PARAMETER, filter_form
from api.keyset import KeysetPagination
from api.serializers.rounds import InspectionRoundDetailSerializer, InspectionRoundSerializer
from api.versions import VersionedMixin
from api.views.units import ID
from risk.models import (
    ChecklistAnswer,
    ChecklistTemplate,
    Finding,
    InspectionRound,
    MeasureCheck,
    ParticipantRole,
    RoundParticipant,
    RoundStatus,
)
from risk.views.rounds import LIST_ORDERING, filter_rounds, visible_deviation_ids, with_counts
from units.forms import UnitCodeField


class RoundFilterForm(forms.Form):
    """The round list's filters: its unit field and its status choice."""

    unit = UnitCodeField(label=_("Unit"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", ""), *RoundStatus.choices], required=False
    )


def _in_order(field: str, values) -> Case:
    return Case(*(When(**{field: value}, then=index) for index, value in enumerate(values)))


@extend_schema_view(
    list=extend_schema(
        summary="Inspection rounds",
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("status", OpenApiTypes.STR, enum=RoundStatus.values),
        ],
    ),
    retrieve=extend_schema(summary="An inspection round with its answers and findings"),
)
class InspectionRoundViewSet(VersionedMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    pagination_class = KeysetPagination
    ordering = LIST_ORDERING

    def get_serializer_class(self):
        if self.action == "retrieve":
            return InspectionRoundDetailSerializer
        return InspectionRoundSerializer

    def get_queryset(self):
        rounds = InspectionRound.objects.visible_to(self.request.user).select_related("unit")
        if self.action == "list":
            data = filter_form(RoundFilterForm, self.request)
            return with_counts(filter_rounds(rounds, data["unit"], data["status"]))
        # In the page's order: the line manager, the safety rep, the others, by name; the
        # checklists in their order; the measures by deadline.
        participants = (
            RoundParticipant.objects.select_related("user")
            .alias(role_order=_in_order("role", ParticipantRole.values))
            .order_by("role_order", "user__last_name", "user__first_name", "pk")
        )
        answers = ChecklistAnswer.objects.alias(
            checklist_order=Subquery(
                ChecklistTemplate.objects.filter(slug=OuterRef("checklist")).values("position")
            )
        ).order_by("checklist_order", "checklist", "order", "pk")
        checks = MeasureCheck.objects.select_related("measure__responsible").order_by(
            "measure__deadline", "pk"
        )
        findings = Finding.objects.select_related("deviation", "measure__responsible")
        return with_counts(rounds).prefetch_related(
            "checklists",
            Prefetch("participants", queryset=participants),
            Prefetch("answers", queryset=answers),
            Prefetch("measure_checks", queryset=checks),
            Prefetch("findings", queryset=findings),
        )

    def retrieve(self, request, *args, **kwargs):
        round_ = self.get_object()
        context = {
            **self.get_serializer_context(),
            "visible_deviations": visible_deviation_ids(request.user, round_.findings.all()),
        }
        response = Response(InspectionRoundDetailSerializer(round_, context=context).data)
        return self.with_etag(response, round_)
