"""REST API v1: the OpenAPI schema, its offline docs, and one router for every resource."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.views import indicators, reports, risk, rounds

router = DefaultRouter(trailing_slash=True)
# Each resource registers its viewset here, e.g.
# router.register("units", units.UnitViewSet, basename="unit")
router.register("risk-assessments", risk.RiskAssessmentViewSet, basename="risk-assessment")
router.register("inspection-rounds", rounds.InspectionRoundViewSet, basename="inspection-round")
router.register("indicators", indicators.IndicatorViewSet, basename="indicator")
router.register("indicator-values", indicators.IndicatorValueViewSet, basename="indicator-value")
router.register("reports", reports.ReportViewSet, basename="report")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/", include(router.urls)),
]
