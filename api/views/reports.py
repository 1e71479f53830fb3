"""Reports: the list of those the user may read, and the download of a finished one's PDF.

Both start from `Report.objects.visible_to(user)`, and the download goes through the same
check and the same file helper as the reports page's: a report the user may not read, or one
not finished, is a 404.
"""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import renderers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters_pages import UNIT_PARAMETER, filter_form
from api.keyset import KeysetPagination
from api.serializers.reports import ReportSerializer
from api.views.units import ID
from indicators.reports.models import Report, ReportKind, ReportStatus
from indicators.reports.views import report_file
from units.forms import UnitCodeField


class ReportFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ReportStatus.choices, required=False)
    unit = UnitCodeField(label=_("Unit"), required=False)


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for the PDF by its type; the file itself leaves as it is stored."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


@extend_schema_view(
    list=extend_schema(
        summary="Reports",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ReportKind.values),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=ReportStatus.values),
            UNIT_PARAMETER,
        ],
    ),
    retrieve=extend_schema(summary="A report"),
)
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID
    serializer_class = ReportSerializer
    pagination_class = KeysetPagination
    ordering = ("-ordered_at", "-pk")

    def get_queryset(self):
        reports = Report.objects.visible_to(self.request.user).select_related("unit", "ordered_by")
        if self.action != "list":
            return reports
        data = filter_form(ReportFilterForm, self.request)
        for field in ("kind", "status"):
            if data[field]:
                reports = reports.filter(**{field: data[field]})
        if data["year"] is not None:
            reports = reports.filter(year=data["year"])
        if data["unit"] is not None:
            reports = reports.filter(unit__path__startswith=data["unit"].path)
        return reports

    @extend_schema(
        summary="The report's PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
        },
    )
    @action(
        detail=True,
        url_path="pdf",
        url_name="download",
        renderer_classes=[renderers.JSONRenderer, PDFRenderer],
    )
    def download(self, request, pk=None):
        try:
            return report_file(request.user, pk)
        except (ValueError, TypeError):
            raise Http404 from None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and isinstance(response.accepted_renderer, PDFRenderer):
            # An error asked for as a PDF is still told in JSON.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = response.accepted_renderer.media_type
        return response
