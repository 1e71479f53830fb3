from django.urls import path

from hms.training import views

app_name = "training"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("units/", views.unit_list, name="units"),
    path("records/new/", views.record_new, name="record_new"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("records/<int:pk>/proof/<uuid:token>/", views.proof, name="proof"),
    # The course catalogue, kept by the HSE department (before the unit codes).
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_edit, name="course_create"),
    path("courses/<int:pk>/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/active/", views.course_active, name="course_active"),
    path("courses/<int:pk>/move/", views.course_move, name="course_move"),
    path("courses/<int:pk>/delete/", views.course_delete, name="course_delete"),
    path("<str:code>/", views.unit_matrix, name="matrix"),
    path("<str:code>/gaps/", views.unit_gaps, name="unit_gaps"),
    path("<str:code>/export.<str:fmt>", views.unit_export, name="export"),
]
