"""The main navigation follows the four phases of the HMS model (seed: igangsette, kartlegge,
planlegge og prioritere tiltak, følge opp). Each app adds its pages to its phase here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str


PHASES = [
    (
        "initiate",
        _("Initiate"),
        [Entry(_("Organisation and roles"), "units:tree"), Entry(_("My roles"), "home")],
    ),
    ("map", _("Map"), []),
    ("plan", _("Plan measures"), []),
    ("follow_up", _("Follow up"), []),
]


def navigation(request) -> dict:
    if not request.user.is_authenticated:
        return {}
    phases = []
    for key, label, entries in PHASES:
        items = [(entry.label, reverse(entry.url_name)) for entry in entries]
        active = any(request.path == url for _label, url in items)
        phases.append({"key": key, "label": label, "items": items, "active": active})
    return {"nav_phases": phases}
