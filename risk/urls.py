from django.urls import path

from risk.views import assessments, rounds

app_name = "risk"

urlpatterns = [
    path("", assessments.assessment_list, name="list"),
    path("new/", assessments.assessment_create, name="create"),
    path("red/", assessments.red_risks, name="red_risks"),
    path("matrix/", assessments.unit_matrix, name="unit_matrix"),
    path("matrix/settings/", assessments.matrix_settings, name="matrix_settings"),
    path("<int:pk>/", assessments.assessment_detail, name="assessment"),
    path("<int:pk>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("<int:pk>/activities/", assessments.activities, name="activities"),
    path("<int:pk>/rows/new/", assessments.row_create, name="row_create"),
    path("<int:pk>/rows/<int:row_pk>/", assessments.row_edit, name="row_edit"),
    path("<int:pk>/rows/<int:row_pk>/delete/", assessments.row_delete, name="row_delete"),
    path("<int:pk>/rows/<int:row_pk>/measure/", assessments.row_measure, name="row_measure"),
    path("<int:pk>/participants/", assessments.participants, name="participants"),
    path("<int:pk>/approve/", assessments.approve, name="approve"),
    path("<int:pk>/review/", assessments.start_review, name="start_review"),
    path("<int:pk>/assessment.pdf", assessments.assessment_pdf, name="assessment_pdf"),
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/new/", rounds.round_plan, name="round_plan"),
    path("rounds/overview/", rounds.overview, name="round_overview"),
    path("rounds/unit/<str:code>/status/", rounds.unit_status, name="unit_round_status"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round"),
    path("rounds/<int:pk>/answers/", rounds.save_answers, name="round_answers"),
    path("rounds/<int:pk>/checks/", rounds.save_checks, name="round_checks"),
    path("rounds/<int:pk>/findings/", rounds.add_finding, name="round_finding"),
    path(
        "rounds/<int:pk>/findings/<int:finding_pk>/measure/",
        rounds.finding_measure,
        name="finding_measure",
    ),
    path(
        "rounds/<int:pk>/findings/<int:finding_pk>/deviation/",
        rounds.finding_deviation,
        name="finding_deviation",
    ),
    path("rounds/<int:pk>/complete/", rounds.complete, name="round_complete"),
    path("rounds/<int:pk>/report/", rounds.report, name="round_report"),
    path("rounds/<int:pk>/report.pdf", rounds.report_pdf, name="round_report_pdf"),
]
