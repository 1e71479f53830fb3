"""Evidence that a step of a unit's yearly HMS cycle has been done.

Each app that keeps the records a step asks for registers a provider here, in its
AppConfig.ready(), so the cycle can tick a step by itself without importing every app (apps
depend downwards; the cycle only knows step keys):

    from hms.cycle.evidence import register

    @register("local_routines")
    def approved_routines(units, year):
        return {unit_id: url, ...}   # one entry per unit that has the evidence

A provider receives units and a year and answers, in a constant number of queries, which of
those units have the evidence, with a link to it. The units are a list, or a queryset already
fetched (the cycle overview's whole subtree): a provider filters with `unit__in=units`, which
for a queryset is a subquery the database answers instead of a list of thousands of ids, and
iterates `units` for their links (a fetched queryset iterates its cache). A provider makes its
links with `unit_link`, so that thousands of units cost one reverse().
"""

from collections.abc import Callable, Iterable
from urllib.parse import quote

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS

# The step keys of the seed's four phases (initiate, map, plan, follow up), in order.
STEP_KEYS = (
    # Initiate
    "take_initiative",
    "inform_involve",
    "clarify_roles",
    "set_goals",
    "organise",
    # Map
    "requirements",
    "identify_challenges",
    "training_needs",
    "documentation",
    # Plan
    "local_routines",
    "coordination_agreement",
    "action_plan",
    # Follow up
    "inspection_round",
    "deviation_handling",
    "indicators",
)

Provider = Callable[[list, int], dict[int, str]]

_providers: dict[str, list[Provider]] = {}


def register(step_key: str) -> Callable[[Provider], Provider]:
    if step_key not in STEP_KEYS:
        raise ValueError(f"Unknown cycle step {step_key!r}")

    def decorator(provider: Provider) -> Provider:
        if provider not in _providers.setdefault(step_key, []):
            _providers[step_key].append(provider)
        return provider

    return decorator


# Stand for the unit's code and a record's id in a reversed URL: matched by `<str:code>` and
# `<int:pk>`, and found nowhere else in a URL.
_CODE, _PK = "cycle-evidence-unit-code", 2147483647


def _reversed_around(url_name: str, marker, args, suffix: str) -> tuple[str, str]:
    """The URL named `url_name`, reversed once with `marker` first, split around it."""
    before, found, after = (reverse(url_name, args=[marker, *args]) + suffix).partition(str(marker))
    assert found, url_name
    return before, after


def unit_link(url_name: str, *args, suffix: str = "") -> Callable[[object], str]:
    """unit → the URL named `url_name` for the unit's code (then `args`), plus `suffix`.
    Reversed once for every unit: reverse() costs tens of microseconds, and the overview
    links thousands of units. The code is quoted as reverse() quotes it; the code validator
    keeps "/" out of codes, so the converter would have matched it."""
    before, after = _reversed_around(url_name, _CODE, args, suffix)
    safe = RFC3986_SUBDELIMS + "/~:@"
    return lambda unit: before + quote(unit.code, safe=safe) + after


def links_for(units: Iterable, unit_ids: Iterable[int], link: Callable) -> dict[int, str]:
    """{unit id: link(unit)} for the units among `units` whose id is in `unit_ids`: what a
    provider answers."""
    found = set(unit_ids)
    return {unit.pk: link(unit) for unit in units if unit.pk in found}


def record_link(url_name: str) -> Callable[[int], str]:
    """pk → the URL named `url_name` for the record with that id, reversed once."""
    before, after = _reversed_around(url_name, _PK, (), "")
    return lambda pk: f"{before}{int(pk)}{after}"


def fetched(units: Iterable):
    """A queryset of units fetched (its cache read from then on, its query still usable as a
    subquery), or any other iterable as a list."""
    if isinstance(units, QuerySet):
        len(units)
        return units
    return list(units)


def collect(units: Iterable, year: int) -> dict[str, dict[int, str]]:
    """For each step key with providers: {unit id: evidence URL} of the units that have it.
    The first provider to find evidence for a unit gives its link."""
    units = fetched(units)
    found: dict[str, dict[int, str]] = {}
    for step_key, providers in _providers.items():
        links: dict[int, str] = {}
        for provider in providers:
            for unit_id, url in provider(units, year).items():
                links.setdefault(unit_id, url)
        found[step_key] = links
    return found
