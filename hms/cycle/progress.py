"""How far units have come in their yearly cycle: each step's effective state (a step whose
evidence exists counts as done, whatever was set by hand), completion per unit, and the
roll-up over a subtree as a sum of parts (done steps over applicable steps of every unit in
it), never an average of percentages.

A unit that has not opened its cycle for the year is measured against the current template:
its steps are not started, unless the app holds their evidence.

A step whose template the HSE department marked as not applying to the unit's kind (a
laboratory, a research group) does not count at all: not in the completion, never behind.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from hms.cycle import evidence
from hms.cycle.models import PHASE_ORDER, CycleStep, Phase, StepStatus, StepTemplate

# Plain strings for the comparisons below, made once per step of every unit in the tree.
DONE, NOT_RELEVANT = StepStatus.DONE.value, StepStatus.NOT_RELEVANT.value


@dataclass
class StepState:
    step: object  # a CycleStep, or a StepTemplate standing in for an unopened cycle
    due_date: datetime.date
    status: str
    evidence_url: str = ""
    # The step's template does not apply to this kind of unit.
    exempt: bool = False

    @property
    def is_evidenced(self) -> bool:
        return bool(self.evidence_url)

    @property
    def is_done(self) -> bool:
        return bool(self.evidence_url) or self.status == DONE

    @property
    def is_applicable(self) -> bool:
        return not self.exempt and (bool(self.evidence_url) or self.status != NOT_RELEVANT)

    def is_behind(self, today: datetime.date) -> bool:
        return self.is_applicable and not self.is_done and self.due_date < today

    @property
    def effective_status(self) -> str:
        return StepStatus.DONE if self.is_evidenced else self.status


@dataclass
class Progress:
    """Counts for one unit or summed over a subtree."""

    done: int = 0
    applicable: int = 0
    behind: int = 0
    units: int = 0
    units_behind: int = 0
    opened: bool = False
    steps: list = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.applicable) if self.applicable else 0

    def add(self, other: "Progress") -> None:
        self.done += other.done
        self.applicable += other.applicable
        self.behind += other.behind
        self.units += other.units
        self.units_behind += other.units_behind


def exemptions(templates=None) -> dict[int, frozenset[str]]:
    """{template id: the unit types it does not apply to}, for the templates that have any:
    among `templates` when given (every template, inactive ones too: a held cycle's step may
    come from one), else in one query."""
    if templates is None:
        rows = StepTemplate.objects.exclude(not_for_unit_types=[]).values_list(
            "pk", "not_for_unit_types"
        )
    else:
        rows = [(t.pk, t.not_for_unit_types) for t in templates if t.not_for_unit_types]
    return {pk: frozenset(types) for pk, types in rows}


def step_states(
    steps, unit, found: dict[str, dict[int, str]], exempt=None, year: int | None = None
) -> list[StepState]:
    """The steps' states for the unit; `exempt` is `exemptions()`, fetched once for many units.
    Templates standing in for an unopened cycle fall due on their day in `year`."""
    exempt = exemptions() if exempt is None else exempt
    # Read once: this runs for every step of every unit in the tree.
    unit_id, unit_type = unit.pk, unit.unit_type
    exempt_here = {pk for pk, types in exempt.items() if unit_type in types}
    states = []
    for step in steps:
        if isinstance(step, StepTemplate):
            due = step.due_date(year) if year else None
            status, template_id = StepStatus.NOT_STARTED, step.id
        else:
            due, status, template_id = step.due_date, step.status, step.template_id
        links = found.get(step.key)
        url = links.get(unit_id, "") if links else ""
        states.append(StepState(step, due, status, url, template_id in exempt_here))
    return states


def measure(states, today: datetime.date, opened: bool = True) -> Progress:
    """One unit's counts from its steps' states."""
    done = applicable = behind = 0
    for state in states:
        if not state.is_applicable:
            continue
        applicable += 1
        if state.is_done:
            done += 1
        elif state.is_behind(today):
            behind += 1
    return Progress(
        done=done,
        applicable=applicable,
        behind=behind,
        units=1,
        units_behind=1 if behind else 0,
        opened=opened,
        steps=states,
    )


def units_progress(units, year: int, today=None, found=None) -> dict[int, Progress]:
    """{unit id: Progress} for the given units and year, in a constant number of queries
    (templates, stored steps, and the evidence providers'). `found` is the evidence, when
    the caller has collected it for these units and more."""
    today = today or timezone.localdate()
    units = evidence.fetched(units)
    every_template = list(StepTemplate.objects.all())
    templates = [template for template in every_template if template.is_active]
    exempt = exemptions(every_template)
    stored: dict[int, list] = {}
    rows = (
        CycleStep.objects.filter(cycle__unit__in=units, cycle__year=year)
        .annotate(unit_id=F("cycle__unit_id"))
        .only("key", "status", "due_date", "order", "template_id")
    )
    for step in rows:
        stored.setdefault(step.unit_id, []).append(step)
    if found is None:
        found = evidence.collect(units, year)
    result = {}
    for unit in units:
        steps = stored.get(unit.pk)
        opened = steps is not None
        states = step_states(steps if opened else templates, unit, found, exempt, year)
        result[unit.pk] = measure(states, today, opened)
    return result


def grouped_by_phase(states: list[StepState]) -> list[tuple[str, str, list[StepState]]]:
    phases: dict[str, list] = {}
    for state in states:
        phases.setdefault(state.step.phase, []).append(state)
    return [
        (phase, Phase(phase).label, phases[phase])
        for phase in sorted(phases, key=lambda key: PHASE_ORDER.get(key, 99))
    ]
