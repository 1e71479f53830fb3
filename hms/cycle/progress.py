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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter

from django.utils import timezone

from hms.cycle import evidence
from hms.cycle.models import PHASE_ORDER, CycleStep, Phase, StepStatus, StepTemplate

# Plain strings for the comparisons below, made once per step of every unit in the tree.
DONE, NOT_RELEVANT = StepStatus.DONE.value, StepStatus.NOT_RELEVANT.value


def step_figures(
    status: str, evidenced: bool, exempt: bool, due, today: datetime.date | None
) -> tuple[bool, bool, bool]:
    """(applies, done, behind) of one step: the rules a StepState and the counts both read.
    Found evidence makes a step done and applying, whatever was set by hand; `behind` needs
    `today`."""
    applies = not exempt and (evidenced or status != NOT_RELEVANT)
    done = evidenced or status == DONE
    return applies, done, applies and not done and today is not None and due < today


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
        return step_figures(self.status, self.is_evidenced, self.exempt, None, None)[1]

    @property
    def is_applicable(self) -> bool:
        return step_figures(self.status, self.is_evidenced, self.exempt, None, None)[0]

    def is_behind(self, today: datetime.date) -> bool:
        return step_figures(self.status, self.is_evidenced, self.exempt, self.due_date, today)[2]

    @property
    def effective_status(self) -> str:
        return StepStatus.DONE if self.is_evidenced else self.status


# Slots: the overview keeps one per unit of the tree, and the garbage collector's passes grow
# with the objects kept.
@dataclass(slots=True)
class Progress:
    """Counts for one unit or summed over a subtree."""

    done: int = 0
    applicable: int = 0
    behind: int = 0
    units: int = 0
    units_behind: int = 0
    opened: bool = False
    # Makes the unit's step states when `steps` is first read: the overview sums the counts of
    # thousands of units and reads the steps of none.
    make_steps: Callable[[], list] | None = field(default=None, repr=False, compare=False)
    made_steps: list | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def steps(self) -> list[StepState]:
        if self.made_steps is None:
            self.made_steps = self.make_steps() if self.make_steps else []
        return self.made_steps

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


def _facts(step, year: int | None) -> tuple:
    """(step, key, status, due date, template id): what the rules read of a stored step, or of
    a template standing in for an unopened cycle's step (due on its day in `year`)."""
    if isinstance(step, StepTemplate):
        due = step.due_date(year) if year else None
        return step, step.key, StepStatus.NOT_STARTED, due, step.pk
    return step, step.key, step.status, step.due_date, step.template_id


def _exempt_for(exempt: dict[int, frozenset[str]], unit_type: str) -> set[int]:
    """The ids of the templates that do not apply to this kind of unit."""
    return {pk for pk, types in exempt.items() if unit_type in types}


# The stored steps' fields the counts read, fetched as plain rows: a model instance per step
# costs more than the count itself. `Progress.steps` makes the instances from the rows, so they
# are in the model's field order, as from_db() reads a row.
STORED_FIELDS = tuple(
    field.attname
    for field in CycleStep._meta.concrete_fields
    if field.attname in {"id", "key", "status", "due_date", "order", "template_id"}
)
_stored_facts = itemgetter(
    *(STORED_FIELDS.index(name) for name in ("key", "status", "due_date", "template_id"))
)


def _stored_step(row: tuple) -> CycleStep:
    """The CycleStep of a row of STORED_FIELDS, its other fields loaded when read."""
    return CycleStep.from_db(CycleStep.objects.db, STORED_FIELDS, row)


def _states(facts, unit, found, exempt_here: set[int], make_step=None) -> list[StepState]:
    states = []
    for step, key, status, due, template_id in facts:
        links = found.get(key)
        url = links.get(unit.pk, "") if links else ""
        step = make_step(step) if make_step else step
        states.append(StepState(step, due, status, url, template_id in exempt_here))
    return states


def step_states(
    steps, unit, found: dict[str, dict[int, str]], exempt=None, year: int | None = None
) -> list[StepState]:
    """The steps' states for the unit; `exempt` is `exemptions()`, fetched once for many units.
    Templates standing in for an unopened cycle fall due on their day in `year`."""
    exempt = exemptions() if exempt is None else exempt
    facts = [_facts(step, year) for step in steps]
    return _states(facts, unit, found, _exempt_for(exempt, unit.unit_type))


def _progress(done: int, applicable: int, behind: int, opened: bool, make_steps) -> Progress:
    return Progress(
        done=done,
        applicable=applicable,
        behind=behind,
        units=1,
        units_behind=1 if behind else 0,
        opened=opened,
        make_steps=make_steps,
    )


def _tally(figures) -> tuple[int, int, int]:
    """(done, applicable, behind) summed over steps' `step_figures`."""
    done = applicable = behind = 0
    for applies, is_done, is_behind in figures:
        applicable += applies
        done += applies and is_done
        behind += is_behind
    return done, applicable, behind


def measure(states, today: datetime.date, opened: bool = True) -> Progress:
    """One unit's counts from its steps' states."""
    figures = (
        step_figures(state.status, state.is_evidenced, state.exempt, state.due_date, today)
        for state in states
    )
    return _progress(*_tally(figures), opened, partial(list, states))


def _measured(facts, unit, found, exempt_here: set[int], today, opened: bool) -> Progress:
    """`measure` of the steps' facts, without making their states (made if `steps` is read):
    this runs for every step of every unit in the tree."""
    unit_id = unit.pk
    figures = (
        step_figures(
            status,
            bool(found.get(key) and found[key].get(unit_id)),
            template_id in exempt_here,
            due,
            today,
        )
        for _step, key, status, due, template_id in facts
    )
    make_step = _stored_step if opened else None
    # A partial keeps fewer objects per unit than a closure.
    return _progress(
        *_tally(figures), opened, partial(_states, facts, unit, found, exempt_here, make_step)
    )


def units_progress(units, year: int, today=None, found=None) -> dict[int, Progress]:
    """{unit id: Progress} for the given units and year, in a constant number of queries
    (templates, stored steps, and the evidence providers'). `found` is the evidence, when
    the caller has collected it for these units and more."""
    today = today or timezone.localdate()
    units = evidence.fetched(units)
    every_template = list(StepTemplate.objects.all())
    exempt = exemptions(every_template)
    # The templates stand in for every unopened cycle's steps: their facts are the same.
    unopened = [_facts(template, year) for template in every_template if template.is_active]
    stored: dict[int, list] = {}
    rows = (
        CycleStep.objects.filter(cycle__unit__in=units, cycle__year=year)
        .order_by("order", "pk")
        .values_list("cycle__unit_id", *STORED_FIELDS)
    )
    for unit_id, *row in rows:
        stored.setdefault(unit_id, []).append((tuple(row), *_stored_facts(row)))
    if found is None:
        found = evidence.collect(units, year)
    exempt_by_type: dict[str, set[int]] = {}
    result = {}
    for unit in units:
        facts = stored.get(unit.pk)
        if unit.unit_type not in exempt_by_type:
            exempt_by_type[unit.unit_type] = _exempt_for(exempt, unit.unit_type)
        exempt_here = exempt_by_type[unit.unit_type]
        result[unit.pk] = _measured(
            facts or unopened, unit, found, exempt_here, today, opened=facts is not None
        )
    return result


def grouped_by_phase(states: list[StepState]) -> list[tuple[str, str, list[StepState]]]:
    phases: dict[str, list] = {}
    for state in states:
        phases.setdefault(state.step.phase, []).append(state)
    return [
        (phase, Phase(phase).label, phases[phase])
        for phase in sorted(phases, key=lambda key: PHASE_ORDER.get(key, 99))
    ]
