from django.contrib import admin

from risk.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    HazardTemplate,
    HazardTemplateRow,
    RiskMatrix,
)


@admin.register(RiskMatrix)
class RiskMatrixAdmin(admin.ModelAdmin):
    """Read-only: a version in use is never changed. New versions are made on the matrix
    settings page (/risk/matrix/settings/), which keeps the old ones for their assessments."""

    list_display = ["version", "is_current", "green_max", "red_min", "created_at", "created_by"]
    list_select_related = ["created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HazardTemplateRowInline(admin.TabularInline):
    model = HazardTemplateRow
    extra = 1
    fields = ["order", "hazard_nb", "hazard_en", "existing_measures_nb", "existing_measures_en"]


@admin.register(HazardTemplate)
class HazardTemplateAdmin(admin.ModelAdmin):
    """Common hazards to start an assessment from. Changing a template changes no assessment:
    its rows are copied when an assessment starts from it."""

    list_display = ["kind", "is_active"]
    list_editable = ["is_active"]
    inlines = [HazardTemplateRowInline]


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 1
    fields = ["order", "text_nb", "text_en"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """Inspection round checklists. A round copies its questions when it is planned."""

    list_display = ["kind", "is_active"]
    list_editable = ["is_active"]
    inlines = [ChecklistTemplateItemInline]
