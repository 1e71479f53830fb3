from django.urls import path

from hms.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("result/<int:pk>/edit/", views.result_edit, name="result_edit"),
    path("result/<int:pk>/delete/", views.result_delete, name="result_delete"),
    path("result/<int:pk>/measure/", views.result_measure, name="result_measure"),
    path("<str:code>/", views.unit_page, name="unit"),
    path("<str:code>/results.<str:fmt>", views.results_export, name="results_export"),
    path("<str:code>/results/new/", views.result_add, name="result_add"),
    path("<str:code>/appraisals/", views.appraisals, name="appraisals"),
]
