from django.urls import path

from risk.views import (
    assessment_rows,
    assessments,
    matrix,
    round_reports,
    round_steps,
    rounds,
    templates,
)

app_name = "risk"


def _template_urls(prefix: str, kind: str, name: str) -> list:
    """The HSE department's pages for one kind of template (risk/views/templates.py)."""
    kwargs = {"kind": kind}
    return [
        path(f"{prefix}/", templates.template_list, kwargs, name=f"{name}s"),
        path(f"{prefix}/new/", templates.template_edit, kwargs, name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/", templates.template_edit, kwargs, name=f"{name}_edit"),
        path(
            f"{prefix}/<int:pk>/active/", templates.template_active, kwargs, name=f"{name}_active"
        ),
        path(f"{prefix}/<int:pk>/move/", templates.template_move, kwargs, name=f"{name}_move"),
    ]


urlpatterns = [
    path("", assessments.assessment_list, name="list"),
    path("new/", assessments.assessment_create, name="create"),
    path("export.<str:fmt>", assessments.assessment_export, name="export"),
    path("red/", matrix.red_risks, name="red_risks"),
    path("red/export.<str:fmt>", matrix.red_risks_export, name="red_risks_export"),
    path("matrix/", matrix.unit_matrix, name="unit_matrix"),
    path("matrix/settings/", matrix.matrix_settings, name="matrix_settings"),
    path("matrix/zones.css", matrix.zone_stylesheet, name="zone_stylesheet"),
    path("<int:pk>/", assessments.assessment_detail, name="assessment"),
    path("<int:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("<int:pk>/activities/", assessment_rows.activities, name="activities"),
    path("<int:pk>/rows/new/", assessment_rows.row_create, name="row_create"),
    path("<int:pk>/rows/<int:row_pk>/", assessment_rows.row_edit, name="row_edit"),
    path("<int:pk>/rows/<int:row_pk>/delete/", assessment_rows.row_delete, name="row_delete"),
    path("<int:pk>/rows/<int:row_pk>/measure/", assessment_rows.row_measure, name="row_measure"),
    path("<int:pk>/participants/", assessment_rows.participants, name="participants"),
    path("<int:pk>/approve/", assessments.approve, name="approve"),
    path("<int:pk>/review/", assessments.start_review, name="start_review"),
    path("<int:pk>/assessment.pdf", assessments.assessment_pdf, name="assessment_pdf"),
    *assessments.attachment_views.urls("<int:pk>/"),
    *_template_urls("templates", "hazard", "hazard_template"),
    *_template_urls("rounds/checklists", "checklist", "checklist_template"),
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/new/", rounds.round_plan, name="round_plan"),
    path("rounds/overview/", round_reports.overview, name="round_overview"),
    path("rounds/unit/<str:code>/status/", round_reports.unit_status, name="unit_round_status"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round"),
    path("rounds/<int:pk>/answers/", round_steps.save_answers, name="round_answers"),
    path("rounds/<int:pk>/checks/", round_steps.save_checks, name="round_checks"),
    path("rounds/<int:pk>/findings/", round_steps.add_finding, name="round_finding"),
    path(
        "rounds/<int:pk>/findings/<int:finding_pk>/measure/",
        round_steps.finding_measure,
        name="finding_measure",
    ),
    path(
        "rounds/<int:pk>/findings/<int:finding_pk>/deviation/",
        round_steps.finding_deviation,
        name="finding_deviation",
    ),
    *rounds.finding_attachment_views.urls("rounds/<int:pk>/findings/<int:finding_pk>/"),
    path("rounds/<int:pk>/complete/", rounds.complete, name="round_complete"),
    path("rounds/<int:pk>/report/", round_reports.report, name="round_report"),
    path("rounds/<int:pk>/report.pdf", round_reports.report_pdf, name="round_report_pdf"),
]
