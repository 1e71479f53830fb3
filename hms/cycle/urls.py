from django.urls import path

from hms.cycle import applicability, overview, views

app_name = "cycle"

urlpatterns = [
    path("", views.cycle_home, name="home"),
    path("overview/", overview.overview, name="overview"),
    path("overview/export.<str:fmt>", overview.overview_export, name="overview_export"),
    path("steps/", applicability.applicability, name="applicability"),
    path("unit/<str:code>/status/", views.unit_status, name="unit_status"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/evaluate/", views.goal_evaluate, name="goal_evaluate"),
    path("goals/<int:pk>/measure/", views.goal_measure, name="goal_measure"),
    path("goals/<int:pk>/carry-over/", views.goal_carry_over, name="goal_carry_over"),
    path("group/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<str:code>/<int:year>/", views.cycle_detail, name="cycle"),
    path("<str:code>/<int:year>/steps/<int:pk>/", views.step_edit, name="step_edit"),
    path("<str:code>/<int:year>/goals/new/", views.goal_create, name="goal_create"),
    path("<str:code>/<int:year>/group/", views.member_save, name="member_save"),
    path(
        "<str:code>/<int:year>/start-from-last-year/",
        views.start_from_last_year,
        name="start_from_last_year",
    ),
]
