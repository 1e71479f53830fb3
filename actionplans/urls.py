from django.urls import path

from actionplans import bulk_views, views

app_name = "actionplans"

urlpatterns = [
    path("", views.index, name="index"),
    path("measure/<int:pk>/", views.measure_detail, name="measure"),
    path("measure/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("measure/<int:pk>/progress/", views.measure_progress, name="measure_progress"),
    path("measure/<int:pk>/close/", views.measure_close, name="measure_close"),
    path("measure/<int:pk>/cancel/", views.measure_cancel, name="measure_cancel"),
    path("measure/<int:pk>/follow-up/", views.measure_follow_up, name="measure_follow_up"),
    *views.attachment_views.urls("measure/<int:pk>/"),
    path("<str:code>/", views.plan, name="plan"),
    path("<str:code>/new/", views.measure_add, name="add"),
    path("<str:code>/bulk/", bulk_views.plan_bulk, name="bulk"),
    path("<str:code>/summary/", views.unit_summary, name="unit_summary"),
    path("<str:code>/export.<str:fmt>", views.plan_export, name="export"),
]
