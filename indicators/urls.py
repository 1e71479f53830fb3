from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.values_import, name="import"),
    path("import/example.csv", views.import_example, name="import_example"),
    path("<str:code>/", views.unit_page, name="unit"),
    path("<str:code>/enter/", views.enter, name="enter"),
    path("<str:code>/summary/", views.unit_summary, name="unit_summary"),
]
