"""REST API v1: the OpenAPI schema, its offline docs, and one router for every resource."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.errors import not_found
from api.views import deviations, indicators, measures, reports, risk, rounds, units

router = DefaultRouter(trailing_slash=True)
# Each resource registers its viewset here.
router.register("units", units.UnitViewSet, basename="unit")
router.register("people", units.PersonViewSet, basename="person")
router.register("role-assignments", units.RoleAssignmentViewSet, basename="role-assignment")
router.register("deviations", deviations.DeviationViewSet, basename="deviation")
router.register("measures", measures.MeasureViewSet, basename="measure")
router.register("risk-assessments", risk.RiskAssessmentViewSet, basename="risk-assessment")
router.register("inspection-rounds", rounds.InspectionRoundViewSet, basename="inspection-round")
router.register("indicators", indicators.IndicatorViewSet, basename="indicator")
router.register("indicator-values", indicators.IndicatorValueViewSet, basename="indicator-value")
router.register("reports", reports.ReportViewSet, basename="report")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(router.urls)),
    # Anything else under /api/ is a JSON 404, not the site's HTML page.
    re_path(r"", not_found),
]
