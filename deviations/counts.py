"""What the statistics count, defined once: the trends page, the indicators, the tertial and
annual reports and the management review all count through these, so a figure is the same
number wherever it is shown, and each shows the definition beside it.

- A deviation counts by the date it happened, in its unit and every unit below it. A rejected
  report does not count: the handler found it not to be a deviation (or not an HSE matter).
- A personal injury is a counted deviation whose category is marked as personal injury, or
  for which the handler recorded a kind of injury (first aid included).
- An injury with absence is one recorded as "with absence" or "death" (H1 and F count them).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deviations.models import InjuryKind, Status

COUNTED_STATUSES_EXCLUDED = (Status.REJECTED,)
INJURY_WITH_ABSENCE = (InjuryKind.ABSENCE, InjuryKind.DEATH)
INJURY_WITHOUT_ABSENCE = (InjuryKind.NO_ABSENCE,)

DEVIATIONS_DEFINITION = _(
    "Number of deviations: every HSE deviation registered in the system, counted by the date "
    "it happened (not the date it was reported), in the unit and every unit below it. Rejected "
    "reports are not counted: the handler found them not to be deviations. Anonymous reports "
    "are counted like any other."
)
PERSONAL_INJURIES_DEFINITION = _(
    "Reported personal injuries: the counted deviations whose category is personal injury, or "
    "for which the handler recorded a kind of injury (first aid only included). With absence: "
    "those recorded as an injury with absence or a death."
)


def counted_q(prefix: str = "") -> Q:
    """The deviations a statistic counts (prefix: the lookup path to the deviation)."""
    return ~Q(**{f"{prefix}status__in": COUNTED_STATUSES_EXCLUDED})


def personal_injury_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}category__is_personal_injury": True}) | ~Q(**{f"{prefix}injury_kind": ""})


def with_absence_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}injury_kind__in": INJURY_WITH_ABSENCE})


def is_personal_injury(category_is_personal_injury: bool, injury_kind: str) -> bool:
    """The same rule as personal_injury_q, for rows already grouped by category and kind."""
    return bool(category_is_personal_injury or injury_kind)


def is_with_absence(injury_kind: str) -> bool:
    return injury_kind in INJURY_WITH_ABSENCE
