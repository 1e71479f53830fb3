from django.contrib import admin

from deviations.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nb", "name_en", "is_personal_injury", "is_active", "order"]
    list_editable = ["is_active", "order"]
