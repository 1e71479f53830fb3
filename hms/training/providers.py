"""Evidence for the yearly cycle's map step "training needs" (kartlegge opplæringsbehov).

A unit has it when the people holding roles on it hold every course their roles require,
valid at the end of the year (or today, for the running year), and at least one such
requirement applies there. This is read from the records themselves rather than from a
"training overview reviewed" tick: a tick says someone looked; the matrix says the need is met,
and it ticks and unticks itself as courses are taken and expire.
"""

import datetime

from django.utils import timezone

from hms.cycle.evidence import links_for, register, unit_link
from hms.training.matrix import units_without_gaps


@register("training_needs")
def role_holders_trained(units, year: int) -> dict[int, str]:
    on = min(timezone.localdate(), datetime.date(year, 12, 31))
    done = units_without_gaps(units, on)
    return links_for(units, done, unit_link("training:matrix"))
