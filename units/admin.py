from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from units.models import RoleAssignment, Unit, User


@admin.register(User)
class HmsUserAdmin(UserAdmin):
    pass


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["code", "name_nb", "name_en", "unit_type", "is_active"]
    list_filter = ["unit_type", "is_active"]
    search_fields = ["code", "name_nb", "name_en"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "unit__code", "unit__name_nb"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
