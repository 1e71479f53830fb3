"""Evidence that a step of a unit's yearly HMS cycle has been done.

Each app that keeps the records a step asks for registers a provider here, in its
AppConfig.ready(), so the cycle can tick a step by itself without importing every app (apps
depend downwards; the cycle only knows step keys):

    from hms.cycle.evidence import register

    @register("local_routines")
    def approved_routines(units, year):
        return {unit_id: url, ...}   # one entry per unit that has the evidence

A provider receives a list of units and a year and answers, in a constant number of queries,
which of those units have the evidence, with a link to it.
"""

from collections.abc import Callable, Iterable

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


def collect(units: Iterable, year: int) -> dict[str, dict[int, str]]:
    """For each step key with providers: {unit id: evidence URL} of the units that have it.
    The first provider to find evidence for a unit gives its link."""
    units = list(units)
    found: dict[str, dict[int, str]] = {}
    for step_key, providers in _providers.items():
        links: dict[int, str] = {}
        for provider in providers:
            for unit_id, url in provider(units, year).items():
                links.setdefault(unit_id, url)
        found[step_key] = links
    return found
