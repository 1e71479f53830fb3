"""The main navigation follows the four phases of the HMS model (seed: igangsette, kartlegge,
planlegge og prioritere tiltak, følge opp). Each app adds its pages to its phase here."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from units import access
from units.models import Role, Unit


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    # Shown only to those for whom the page exists (others would get a 404 there).
    shown: Callable | None = None


def _oversees_units(user) -> bool:
    return access.is_hms_department(user) or bool(access.role_paths(user).get(Role.LINE_MANAGER))


def _opens_management_review(user) -> bool:
    """The HSE department, and the rector and chief safety rep of the institution (their role
    held on a root unit). Named participants without such a role open it from /review/: the
    menu stays free of a query on every page."""
    held = access.role_paths(user)
    at_root = any(
        len(path) == Unit.steplen
        for role in (Role.LINE_MANAGER, Role.CHIEF_SAFETY_REP)
        for path in held.get(role, ())
    )
    return at_root or access.is_hms_department(user)


PHASES = [
    (
        "initiate",
        _("Initiate"),
        [
            Entry(_("Yearly HMS cycle"), "cycle:home"),
            Entry(_("Cycle overview"), "cycle:overview", shown=access.sees_cycle_overview),
            Entry(_("Organisation and roles"), "units:tree"),
            Entry(_("People"), "people:list", shown=access.can_view_people),
            Entry(_("My roles"), "home"),
        ],
    ),
    (
        "map",
        _("Map"),
        [
            Entry(_("Requirements"), "registers:catalogue"),
            Entry(_("Risk assessments"), "risk:list"),
            # The red list is of the units whose records the user reads; others get a 404.
            Entry(_("Red risks"), "risk:red_risks", shown=access.reads_records_somewhere),
            Entry(_("Work environment survey"), "surveys:index"),
            Entry(_("Training"), "training:units", shown=access.manages_records_somewhere),
            Entry(_("My training"), "training:mine"),
            Entry(_("Documentation"), "registers:document_list"),
        ],
    ),
    (
        "plan",
        _("Plan measures"),
        [
            Entry(_("Action plan"), "actionplans:index"),
            Entry(_("Routines"), "registers:routine_list"),
            Entry(
                _("Coordination agreements"),
                "registers:agreement_list",
                shown=access.reads_records_somewhere,
            ),
        ],
    ),
    (
        "follow_up",
        _("Follow up"),
        [
            Entry(_("Report a deviation"), "deviations:report"),
            Entry(_("Deviations"), "deviations:list"),
            Entry(_("Deviation trends"), "deviations:trends"),
            Entry(_("Inspection rounds"), "risk:rounds"),
            Entry(_("Round overview"), "risk:round_overview", shown=_oversees_units),
            Entry(_("Indicators"), "indicators:index", shown=access.reads_records_somewhere),
            Entry(_("Reports"), "reports:list", shown=access.reads_records_somewhere),
            Entry(_("Management review"), "review:list", shown=_opens_management_review),
        ],
    ),
]


@cache
def _reversed(url_name: str, prefix: str, urlconf) -> str:
    return reverse(url_name, urlconf=urlconf)


def _url(url_name: str) -> str:
    """The menu's addresses are the same on every page: reversed once per script prefix, not
    some twenty-five times a request."""
    return _reversed(url_name, get_script_prefix(), get_urlconf())


def navigation(request) -> dict:
    if not request.user.is_authenticated:
        return {}
    phases = []
    home = _url("home")
    for key, label, entries in PHASES:
        items = [
            (entry.label, url, request.path == url)
            for entry in entries
            if entry.shown is None or entry.shown(request.user)
            for url in [_url(entry.url_name)]
        ]
        # The start page is the brand's link, current there; no phase owns it.
        active = any(current and url != home for _label, url, current in items)
        phases.append({"key": key, "label": label, "items": items, "active": active})
    return {"nav_phases": phases}
