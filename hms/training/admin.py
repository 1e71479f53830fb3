from django.contrib import admin

from hms.training.models import Course, RoleRequirement


class RoleRequirementInline(admin.TabularInline):
    model = RoleRequirement
    extra = 1
    fields = ["role"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """The course catalogue and the roles requiring each course, kept by the HSE department.
    Changing a course's validity changes no record already registered (its expiry is fixed)."""

    list_display = ["code", "name_nb", "name_en", "duration_hours", "validity_months", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["code", "name_nb", "name_en"]
    inlines = [RoleRequirementInline]
