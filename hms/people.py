"""The people pages: the register searched by name, e-mail or unit, and each person's units,
roles and open work. In `hms` because the open work comes from the domain apps, which `units`
may not import. A constant number of queries whatever the number of people or records."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import Measure
from deviations.models import Deviation
from hms.cycle.models import CycleStep
from hms.cycle.todo import OPEN_STEP_STATUSES
from units import access, listing
from units.models import Employment, Role, RoleAssignment, User

PAGE_SIZE = 50
SORT_COLUMNS = {
    "name": listing.column(_("Name"), "last_name", "first_name", "username"),
    "email": listing.column(_("E-mail"), "email"),
}


def _people_only(request) -> None:
    if not access.can_view_people(request.user):
        raise Http404


@login_required
def people_list(request):
    _people_only(request)
    query = request.GET.get("q", "").strip()[:200]
    show_inactive = bool(request.GET.get("inactive"))
    people = User.objects.all()
    if not show_inactive:
        people = people.filter(is_active=True)
    if query:
        people = people.search(query)
    current = RoleAssignment.objects.current().select_related("unit").order_by("unit__path", "role")
    sort = listing.sort_key(SORT_COLUMNS, request.GET.get("sort"))
    people = listing.sort_queryset(
        people.order_by("last_name", "first_name", "username"), SORT_COLUMNS, sort
    ).prefetch_related(Prefetch("role_assignments", queryset=current, to_attr="current_roles"))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    role_labels = listing.choice_labels(Role.choices)
    for person in page.object_list:
        for role in person.current_roles:
            role.label = role_labels.get(role.role, role.role)
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "hms/people_list.html",
        {
            "page": page,
            "query": query,
            "show_inactive": show_inactive,
            "sort": sort,
            "columns": listing.sort_links(filters, SORT_COLUMNS, sort),
            "page_query": filters.urlencode(),
        },
    )


@login_required
def person_detail(request, pk: int):
    _people_only(request)
    person = get_object_or_404(User, pk=pk)
    today = timezone.localdate()
    roles = list(
        RoleAssignment.objects.filter(user=person)
        .select_related("unit")
        .order_by("-valid_from", "unit__path")
    )
    viewer = request.user
    context = {
        "person": person,
        "today": today,
        "employments": list(
            Employment.objects.filter(person=person).select_related("unit").order_by("-start")
        ),
        "current_roles": [role for role in roles if role.is_current(today)],
        "past_roles": [role for role in roles if not role.is_current(today)],
        "deviations": list(
            Deviation.objects.visible_to(viewer)
            .open()
            .filter(handler=person)
            .select_related("unit")
            .order_by("deadline", "created_at")
        ),
        "measures": list(
            Measure.objects.visible_to(viewer)
            .open()
            .filter(responsible=person)
            .select_related("unit")
            .order_by("deadline", "pk")
        ),
        "steps": list(
            CycleStep.objects.visible_to(viewer)
            .filter(responsible=person, status__in=OPEN_STEP_STATUSES)
            .select_related("cycle__unit")
            .order_by("due_date", "pk")
        ),
    }
    return render(request, "hms/person_detail.html", context)


urlpatterns = [
    path("", people_list, name="list"),
    path("<int:pk>/", person_detail, name="detail"),
]
