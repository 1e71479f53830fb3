from django.contrib import admin

from hms.registers.models import Requirement, RoutineTemplate


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    """The catalogue units start their requirements register from (also on
    /registers/requirements/). A requirement in use is deactivated, not deleted."""

    list_display = ["short_name", "title", "kind", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["short_name", "title"]


@admin.register(RoutineTemplate)
class RoutineTemplateAdmin(admin.ModelAdmin):
    """Starting points for local routines; a routine copies the text when it is made."""

    list_display = ["title", "is_active"]
    list_editable = ["is_active"]
