"""The unit pages run the same number of queries whatever the size of the tree.

Each page is requested on a small tree (28 units) and on a larger one (535 units) where every
list it shows is longer: more faculties, more search matches, more sub-units, more role
holders on the ancestors, more ended roles. An N+1 query anywhere makes the counts differ.
The trees are bulk-inserted with their materialised paths computed here (as treebeard stores
them), so building the larger one takes a fraction of a second.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from units.models import Role, RoleAssignment, Unit, UnitType

# Children per unit at each depth below the root.
SMALL = (3, 2, 1, 1, 1)  # 1 + 3 + 6 + 6 + 6 + 6 = 28 units
LARGE = (6, 4, 3, 2, 2)  # 1 + 6 + 24 + 72 + 144 + 288 = 535 units
# A ceiling as well as the equality: a page must stay a handful of queries.
MAX_QUERIES = 10

LEVELS = [
    ("Universitetet", UnitType.INSTITUTION),
    ("Fakultet", UnitType.FACULTY),
    ("Institutt", UnitType.DEPARTMENT),
    ("Seksjon", UnitType.SECTION),
    ("Gruppe", UnitType.RESEARCH_GROUP),
    ("Laboratorium", UnitType.LABORATORY),
]


@dataclass
class Tree:
    units: list[Unit]
    faculty: Unit
    deep: Unit  # depth 5, with sub-units, roles on every ancestor and ended roles
    holders: list  # current role holders on the deep unit and its ancestors
    former: list  # holders of ended roles on the deep unit

    def at_depth(self, depth: int) -> list[Unit]:
        return [unit for unit in self.units if unit.depth == depth]

    def children(self, parent: Unit) -> list[Unit]:
        return [
            unit
            for unit in self.units
            if unit.depth == parent.depth + 1 and unit.path.startswith(parent.path)
        ]


def build_tree(fanout: tuple[int, ...], *, plain_user) -> Tree:
    """One root and `fanout[i]` children under every unit at depth i + 1, bulk-inserted;
    `len(fanout)` roles per ancestor of the deep unit, as many ended roles on it."""
    root = Unit(path=Unit._get_path("", 1, 1), depth=1, numchild=0, code="T0")
    units, level = [root], [root]
    for depth, count in enumerate(fanout, start=2):
        below = []
        for parent in level:
            parent.numchild = count
            for step in range(1, count + 1):
                below.append(
                    Unit(path=Unit._get_path(parent.path, depth, step), depth=depth, numchild=0)
                )
        units += below
        level = below
    for number, unit in enumerate(units):
        word, unit_type = LEVELS[unit.depth - 1]
        unit.code, unit.unit_type = f"T{number}", unit_type
        unit.name_nb = unit.name_en = f"{word} {number}" if unit.depth > 1 else word
    Unit.objects.bulk_create(units)

    faculty = units[1]
    deep = next(u for u in units if u.depth == 5 and u.path.startswith(faculty.path))
    on_path = [u for u in units if deep.path.startswith(u.path)]
    per_unit = max(fanout)
    User = get_user_model()
    password = make_password(None)
    people = User.objects.bulk_create(
        User(username=f"p{n}", first_name="Person", last_name=f"Nr{n:03}", password=password)
        for n in range(per_unit * (len(on_path) + 1))
    )
    holders, former = people[: per_unit * len(on_path)], people[per_unit * len(on_path) :]
    roles = [Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_COORDINATOR, Role.CHEMICAL_CONTACT]
    today = timezone.localdate()
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=person, unit=on_path[n % len(on_path)], role=roles[n % 4])
            for n, person in enumerate(holders)
        ]
        + [
            RoleAssignment(
                user=person,
                unit=deep,
                role=Role.SAFETY_REP,
                valid_from=today - datetime.timedelta(days=800),
                valid_to=today - datetime.timedelta(days=400),
            )
            for person in former
        ]
        + [RoleAssignment(user=plain_user, unit=deep, role=Role.EMPLOYEE)]
    )
    return Tree(units=units, faculty=faculty, deep=deep, holders=holders, former=former)


@dataclass(frozen=True)
class Page:
    url: Callable[[Tree], str]
    check: Callable[[str, Tree, bool], None]
    headers: tuple = ()


def check_tree(html: str, tree: Tree, admin: bool) -> None:
    for unit in tree.at_depth(2):
        assert f"{unit.name_nb}</a>" in html
    assert f"{tree.at_depth(3)[0].name_nb}</a>" not in html  # deeper levels load on demand
    assert (reverse("units:import") in html) is admin


def check_search(html: str, tree: Tree, admin: bool) -> None:
    groups = tree.at_depth(5)
    assert html.count('class="list-group-item"') == min(len(groups), 100)
    assert html.count('class="trail"') == min(len(groups), 100)  # the way down to each match


def check_detail(html: str, tree: Tree, admin: bool) -> None:
    assert f"{tree.deep.name_nb} <span" in html
    for child in tree.children(tree.deep):
        assert f"{child.name_nb}</a>" in html
    for person in tree.holders:
        assert str(person) in html
    for person in tree.former:
        assert (str(person) in html) is admin  # the ended roles list is for administrators
    assert (reverse("units:edit", args=[tree.deep.code]) in html) is admin


def check_children(html: str, tree: Tree, admin: bool) -> None:
    children = tree.children(tree.faculty)
    assert html.count("<li>") + html.count("<li ") == len(children)
    for child in children:
        assert f"{child.name_nb}</a>" in html


PAGES = {
    "tree": Page(lambda tree: reverse("units:tree"), check_tree),
    "search": Page(lambda tree: reverse("units:tree") + "?q=Gruppe", check_search),
    "unit": Page(lambda tree: tree.deep.get_absolute_url(), check_detail),
    "children": Page(
        lambda tree: reverse("units:children", args=[tree.faculty.code]),
        check_children,
        (("HX-Request", "true"),),
    ),
}


def test_bulk_built_trees_are_valid_treebeard_trees(db):
    build_tree(LARGE, plain_user=UserFactory(username="plain"))
    assert Unit.objects.count() == 535
    assert not any(Unit.objects.find_problems())


@pytest.mark.parametrize("who", ["plain", "administrator"])
@pytest.mark.parametrize("page_name", PAGES)
def test_unit_page_queries_do_not_grow_with_the_tree(
    client, administrator, django_assert_max_num_queries, page_name, who
):
    page = PAGES[page_name]
    plain = UserFactory(username="plain")
    user = administrator if who == "administrator" else plain
    captured = []
    for fanout in (SMALL, LARGE):
        with transaction.atomic():  # a savepoint: the small tree is gone before the large one
            tree = build_tree(fanout, plain_user=plain)
            client.force_login(user)
            url, headers = page.url(tree), dict(page.headers)
            client.get(url, headers=headers)  # warm-up: per-process caches (content types)
            with django_assert_max_num_queries(MAX_QUERIES) as queries:
                response = client.get(url, headers=headers)
            assert response.status_code == 200
            page.check(response.content.decode(), tree, who == "administrator")
            captured.append([query["sql"] for query in queries.captured_queries])
            transaction.set_rollback(True)
    small, large = captured
    assert len(small) == len(large), "\n\n".join(
        [f"{len(small)} queries on the small tree:", *small, f"{len(large)} on the large:", *large]
    )
