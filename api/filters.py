"""Filters of the API's own lists (units, people, roles). Deviations and measures use their
pages' filtersets (deviations.filters, actionplans.filters)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from actionplans.filters import PlanFilter
from deviations.filters import UnitCodeField
from units.models import Role, RoleAssignment, Unit, UnitType, User


@extend_schema_field(OpenApiTypes.STR)
class SubtreeFilter(django_filters.Filter):
    """The unit given by its code and every unit below it."""

    field_class = UnitCodeField

    def __init__(self, *args, path_field: str = "unit__path", **kwargs):
        self.path_field = path_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    code = django_filters.CharFilter(field_name="code", lookup_expr="iexact", max_length=32)
    under = SubtreeFilter(label=_("Unit (with sub-units)"), path_field="path")
    type = django_filters.ChoiceFilter(field_name="unit_type", choices=UnitType.choices)
    active = django_filters.BooleanFilter(field_name="is_active")
    depth = django_filters.NumberFilter(field_name="depth", min_value=1, max_value=100)

    class Meta:
        model = Unit
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.search(value)


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=100)
    unit = SubtreeFilter(
        label=_("Unit (with sub-units)"), method="filter_unit", path_field="unit__path"
    )

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.search(value) if value else queryset

    def filter_unit(self, queryset, name, value):
        holders = RoleAssignment.objects.current().filter(unit__path__startswith=value.path)
        return queryset.filter(pk__in=holders.values("user_id"))


class RoleAssignmentFilter(django_filters.FilterSet):
    unit = SubtreeFilter(label=_("Unit (with sub-units)"))
    person = django_filters.NumberFilter(field_name="user_id", min_value=1, max_value=2**31 - 1)
    role = django_filters.ChoiceFilter(choices=Role.choices)


class MeasureFilter(PlanFilter):
    """The action plan's filters, over every plan the user may see: `unit` takes the place
    of the page's unit and its sub-units switch."""

    unit = SubtreeFilter(label=_("Unit (with sub-units)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, people=User.objects.all(), **kwargs)


MeasureFilter.base_filters.pop("subunits")
