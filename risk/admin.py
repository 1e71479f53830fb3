from django.contrib import admin

from risk.models import RiskMatrix

# The hazard templates and the round checklists are kept in the app by the HSE department
# (/risk/templates/, /risk/rounds/checklists/), in both languages, not here.


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
