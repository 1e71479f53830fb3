from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as confirm_and_delete
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from units import services
from units.models import RoleAssignment, Unit, User


@admin.register(User)
class HmsUserAdmin(UserAdmin):
    pass


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    """Units are deactivated, not deleted, once anything refers to them. Django's own delete
    would take the sub-units along without listing them (the tree is a path, not a foreign
    key) and fail on their protected records."""

    form = movenodeform_factory(Unit)
    list_display = ["code", "name_nb", "name_en", "unit_type", "is_active"]
    list_filter = ["unit_type", "is_active"]
    search_fields = ["code", "name_nb", "name_en"]
    # "delete_selected" names the method below, which takes the place of the site's action.
    actions = ["delete_selected", "deactivate_selected"]

    def delete_view(self, request, object_id, extra_context=None):
        unit = self.get_object(request, unquote(object_id))
        if unit is not None and self.has_delete_permission(request, unit):
            references = services.unit_references(unit)
            if references:
                return self._delete_refused(request, [(unit, references)])
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description=confirm_and_delete.short_description)
    def delete_selected(self, request, queryset):
        """Django's confirmation and delete, for units nothing refers to; otherwise nothing
        is deleted and the page offers to deactivate the refused units."""
        refused = [
            (unit, references)
            for unit in queryset
            if (references := services.unit_references(unit))
        ]
        if refused:
            return self._delete_refused(request, refused)
        return confirm_and_delete(self, request, queryset)

    @admin.action(
        permissions=["change"],
        description=gettext_lazy("Deactivate selected units and their sub-units"),
    )
    def deactivate_selected(self, request, queryset):
        count = 0
        for unit in queryset:
            count += services.unit_deactivate(unit=unit)
            self.log_change(request, unit, _("Deactivated with its sub-units."))
        self.message_user(
            request,
            services.deactivated_message(count),
            messages.SUCCESS,
        )

    def _delete_refused(self, request, refused: list[tuple[Unit, list[tuple[str, int]]]]):
        for unit, references in refused:
            self.message_user(
                request,
                _("“%(unit)s” cannot be deleted; these refer to it: %(references)s.")
                % {"unit": unit, "references": services.describe_references(references)},
                messages.ERROR,
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Deactivate instead of deleting"),
            "opts": self.opts,
            "units": [unit for unit, _references in refused],
            "can_deactivate": self.has_change_permission(request),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/units/unit/delete_refused.html", context)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "unit__code", "unit__name_nb"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
