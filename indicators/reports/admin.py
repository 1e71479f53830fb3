from django.contrib import admin

from indicators.reports.models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["kind", "year", "tertial", "unit", "status", "percent", "finished_at"]
    list_filter = ["kind", "status", "year"]
    readonly_fields = ["figures", "pdf", "status", "stage", "percent", "error"]
