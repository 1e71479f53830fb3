from django.urls import path

from indicators.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("order/", views.report_order, name="order"),
    path("home/", views.home_partial, name="home_partial"),
    path("<int:pk>/status/", views.report_status, name="status"),
    path("<int:pk>/pdf/", views.report_download, name="download"),
]
