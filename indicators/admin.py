from django.contrib import admin

from indicators.models import DegreeDays, EmissionFactor, EnergyProfile, Indicator, IndicatorValue


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The catalogue, kept by the HSE department. A computed indicator's code names its
    formula in indicators/figures.py, so it cannot be changed here."""

    list_display = [
        "code",
        "name_nb",
        "category",
        "unit_of_measure",
        "period",
        "source",
        "supplier",
        "roll_up",
        "order",
        "is_active",
    ]
    list_filter = ["category", "source", "supplier", "period", "is_active"]
    search_fields = ["code", "name_nb", "name_en"]
    list_editable = ["order", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_stored:
            return ["code", "source", "feeds"]
        return []


@admin.register(EmissionFactor)
class EmissionFactorAdmin(admin.ModelAdmin):
    list_display = ["carrier", "year", "method", "grams_per_kwh", "reference"]
    list_filter = ["carrier", "method"]


@admin.register(DegreeDays)
class DegreeDaysAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "actual", "normal", "normal_period"]
    list_filter = ["municipality"]


@admin.register(EnergyProfile)
class EnergyProfileAdmin(admin.ModelAdmin):
    list_display = ["unit", "municipality", "temperature_share"]
    search_fields = ["unit__code", "unit__name_nb"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    """For looking up a figure; values are entered on the unit's pages, with a version check."""

    list_display = ["indicator", "unit", "year", "tertial", "value", "source", "entered_by"]
    list_filter = ["indicator__category", "year", "tertial", "source"]
    search_fields = ["unit__code", "indicator__code"]
    list_select_related = ["indicator", "unit", "entered_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
