"""The unit tree, the people who hold roles and their role assignments: readable by every
logged-in user, as the tree and each unit's roles page are (units/access.py, can_view_unit)."""

from django.db.models import IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Length, Substr
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from api.filters import PersonFilter, RoleAssignmentFilter, UnitFilter
from api.serializers.units import PersonSerializer, RoleAssignmentSerializer, UnitSerializer
from units.models import RoleAssignment, Unit, User

# Ids in the URL are what PostgreSQL's integer holds; anything longer is a 404 before a query.
ID = r"[0-9]{1,9}"


@extend_schema_view(
    list=extend_schema(summary="The unit tree, in tree order"),
    retrieve=extend_schema(summary="One unit"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering = "path"
    lookup_value_regex = ID

    def get_queryset(self):
        step = Unit.steplen
        parent = Unit.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - step)
        ).values("pk")[:1]
        return Unit.objects.annotate(
            parent_id=Subquery(parent, output_field=IntegerField())
        ).order_by("path")


def current_roles():
    return RoleAssignment.objects.current().select_related("unit").order_by("unit__path", "pk")


@extend_schema_view(
    list=extend_schema(summary="People who hold a current role, as the roles pages show them"),
    retrieve=extend_schema(summary="One person"),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """Only active people who hold a current role somewhere, and of them only what the unit
    roles pages show every logged-in user. The people register's details (employee numbers,
    employments, open work) stay on its own pages, for those who may open them."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering = "pk"
    lookup_value_regex = ID

    def get_queryset(self):
        holders = RoleAssignment.objects.current().values("user_id")
        return (
            User.objects.filter(is_active=True, pk__in=holders)
            .only("pk", "username", "first_name", "last_name", "email")
            .prefetch_related(
                Prefetch("role_assignments", current_roles(), to_attr="current_roles")
            )
        )


@extend_schema_view(
    list=extend_schema(summary="Current role assignments"),
    retrieve=extend_schema(summary="One current role assignment"),
)
class RoleAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The current roles, as each unit's roles page lists them. Ended assignments are shown
    on the pages to administrators only, and are not here."""

    serializer_class = RoleAssignmentSerializer
    filterset_class = RoleAssignmentFilter
    ordering = "pk"
    lookup_value_regex = ID

    def get_queryset(self):
        return current_roles().filter(user__is_active=True).order_by("pk")
