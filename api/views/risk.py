"""Risk assessments, read: the list with the risk list's filters and order, and one assessment
with its participants, activities and hazards.

Everything starts from `RiskAssessment.objects.visible_to(user)`: an assessment the user may
not see is a 404, as on the pages.
"""

from django.db.models import Case, Prefetch, When
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from actionplans.models import Measure
from api.filters_pages import UNIT_PARAMETER, filter_form
from api.keyset import KeysetPagination
from api.serializers.risk import RiskAssessmentDetailSerializer, RiskAssessmentSerializer
from api.versions import VersionedMixin
from api.views.units import ID
from risk.forms import AssessmentFilterForm
from risk.models import Participant, ParticipantRole, RiskAssessment, RiskRow
from risk.views.assessments import LIST_ORDERING, filter_assessments, with_row_counts


@extend_schema_view(
    list=extend_schema(
        summary="Risk assessments",
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[value for value, _label in AssessmentFilterForm.STATUS_CHOICES if value],
                description="draft, approved (and not due for review), or due (for review).",
            ),
        ],
    ),
    retrieve=extend_schema(summary="A risk assessment with its hazards"),
)
class RiskAssessmentViewSet(VersionedMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    pagination_class = KeysetPagination
    ordering = LIST_ORDERING

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RiskAssessmentDetailSerializer
        return RiskAssessmentSerializer

    def get_queryset(self):
        assessments = RiskAssessment.objects.visible_to(self.request.user)
        if self.action == "list":
            data = filter_form(AssessmentFilterForm, self.request)
            return with_row_counts(filter_assessments(assessments, data))
        # As the page lists them: the line manager, the safety rep, the others; by name.
        role_order = Case(
            *(When(role=role, then=index) for index, role in enumerate(ParticipantRole.values))
        )
        participants = (
            Participant.objects.select_related("user")
            .alias(role_order=role_order)
            .order_by("role_order", "user__last_name", "user__first_name", "pk")
        )
        rows = RiskRow.objects.prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related("responsible").order_by("deadline", "pk"),
            )
        )
        return (
            with_row_counts(assessments)
            .select_related("approved_by")
            .prefetch_related(
                Prefetch("participants", queryset=participants),
                "activities",
                Prefetch("rows", queryset=rows),
            )
        )
