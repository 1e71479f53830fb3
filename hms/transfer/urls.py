from django.urls import path

from hms.transfer import views

app_name = "transfer"

urlpatterns = [
    path("unit/<str:code>/", views.unit_exports, name="unit_exports"),
    path("unit/<str:code>/order/", views.export_order, name="order"),
    path("<int:pk>/status/", views.export_status, name="status"),
    path("<int:pk>/zip/", views.export_download, name="download"),
]
