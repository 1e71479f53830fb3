from django.contrib import admin

from hms.cycle.models import StepTemplate


@admin.register(StepTemplate)
class StepTemplateAdmin(admin.ModelAdmin):
    """The HSE department's template for every unit's yearly cycle. A unit's year copies the
    steps when it is first opened, so a change here reaches the years opened after it."""

    list_display = ["title_nb", "title_en", "phase", "key", "due_day", "due_month", "is_active"]
    list_editable = ["due_day", "due_month", "is_active"]
    list_filter = ["phase", "is_active"]
    ordering = ["order", "pk"]
    fields = [
        "phase",
        "order",
        "key",
        ("title_nb", "title_en"),
        ("guidance_nb", "guidance_en"),
        ("due_day", "due_month"),
        "is_active",
    ]
