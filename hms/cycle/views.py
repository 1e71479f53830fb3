"""Pages of the yearly HMS cycle: a unit's cycle for a year (steps, goals, working group),
goal pages, and the partial on the unit page (the overview of the tree is in overview.py).

Every fetch is scoped: a unit whose records the user may not see is a 404; one they may read
but not change is a 403 on a change.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from hms.cycle import evidence, forms, services
from hms.cycle.evidence_providers import action_plan_url
from hms.cycle.models import CycleStep, Goal, UnitCycle, WorkingGroupMember
from hms.cycle.progress import Progress, grouped_by_phase, measure, step_states, units_progress
from units import access, versions
from units.forms import add_service_errors
from units.models import Unit

EVIDENCE_LABELS = {
    "set_goals": gettext_lazy("the goals below"),
    "organise": gettext_lazy("the working group"),
    "clarify_roles": gettext_lazy("the unit's roles"),
    "identify_challenges": gettext_lazy("a risk assessment approved this year"),
    "inspection_round": gettext_lazy("an inspection round completed this year"),
    "deviation_handling": gettext_lazy("deviations handled, none overdue"),
    "action_plan": gettext_lazy("measures in the action plan"),
}


def _step_action(key: str, unit: Unit) -> tuple[str, str]:
    """Where the step is done in the app, one click from the checklist."""
    code = unit.code
    if key == "set_goals":
        return "#goals", _("Set a goal")
    if key == "organise":
        return "#working-group", _("Name the working group")
    if key == "clarify_roles":
        return unit.get_absolute_url() + "#roles", _("See the unit's roles")
    if key == "identify_challenges":
        return f"{reverse('risk:create')}?unit={code}", _("Start a risk assessment")
    if key == "inspection_round":
        return f"{reverse('risk:round_plan')}?unit={code}", _("Plan an inspection round")
    if key == "deviation_handling":
        return f"{reverse('deviations:list')}?unit={code}", _("The unit's deviations")
    if key == "action_plan":
        return action_plan_url(code), _("The action plan")
    return "", ""


def _unit_and_year(request, code: str, year: int) -> Unit:
    """The unit, when the user may see its cycle: its records' readers, and a person
    responsible for one of its steps that year. Everyone else gets a 404."""
    unit = get_object_or_404(Unit, code__iexact=code)
    if not services.year_allowed(year):
        raise Http404
    if access.can_view_records(request.user, unit):
        return unit
    responsible = CycleStep.objects.filter(
        cycle__unit=unit, cycle__year=year, responsible=request.user
    ).exists()
    if not responsible:
        raise Http404
    return unit


def _cycle_context(request, unit: Unit, year: int) -> dict:
    user = request.user
    cycle = services.cycle_open(unit=unit, year=year)
    steps = list(cycle.steps.select_related("responsible"))
    states = step_states(steps, unit, evidence.collect([unit], year))
    today = timezone.localdate()
    progress = measure(states, today)
    goals = list(
        Goal.objects.filter(unit=unit, year=year)
        .select_related("parent__unit", "carried_over_from")
        .prefetch_related("goal_measures__measure__responsible")
    )
    parent_goals = Goal.objects.filter(unit__path=unit.parent_path() or "", year=year)
    shown_parents = list(parent_goals)
    last_year_goals = list(
        Goal.objects.filter(unit=unit, year=year - 1).select_related("evaluated_by")
    )
    carried = {goal.carried_over_from_id for goal in goals}
    for goal in last_year_goals:
        goal.is_carried_over = goal.pk in carried
    can_change = services.can_change_cycle(user, unit)
    members = list(WorkingGroupMember.objects.filter(unit=unit, year=year).select_related("user"))
    previous_year = year - 1 if services.year_allowed(year - 1) else None
    return {
        "unit": unit,
        "year": year,
        "ancestors": list(Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path")),
        "phases": grouped_by_phase(states),
        "progress": progress,
        "today": today,
        "can_change": can_change,
        "goals": goals,
        "parent_goals": shown_parents,
        "last_year_goals": last_year_goals,
        "unevaluated_last_year": [g for g in last_year_goals if not g.evaluation],
        "members": members,
        "goal_form": (
            forms.GoalForm(parent_goals=parent_goals, shown_parents=shown_parents)
            if can_change
            else None
        ),
        "member_form": (
            forms.MemberForm(initial={"version": cycle.group_version}) if can_change else None
        ),
        "previous_year": previous_year,
        "next_year": year + 1 if services.year_allowed(year + 1) else None,
        "step_forms": {},
        "open_step": None,
        **_last_year_offer(
            unit,
            year,
            last_year_goals,
            offered=bool(can_change and previous_year and not goals and not members),
        ),
    }


def _last_year_offer(unit: Unit, year: int, last_year_goals: list, *, offered: bool) -> dict:
    """What "start from last year" would copy, for a year not started yet (no goal, no
    working group) whose previous year has something to copy. Two queries at most,
    whatever last year holds."""
    if not offered:
        return {"start_form": None}
    last_members = list(
        WorkingGroupMember.objects.filter(
            unit=unit, year=year - 1, user__is_active=True
        ).select_related("user")
    )
    step_plans = services.last_year_step_plans(unit, year)
    if not (last_members or last_year_goals or step_plans):
        return {"start_form": None}
    form = forms.StartFromLastYearForm(shown_goals=last_year_goals)
    return {"start_form": form, "last_members": last_members, "step_plans": step_plans}


def _render_cycle(request, unit, year, *, status=200, **overrides):
    context = _cycle_context(request, unit, year)
    step_form = overrides.pop("step_form", None)
    if step_form is not None:
        context["step_forms"] = {overrides.pop("step_pk"): step_form}
    context.update(overrides)
    today = context["today"]
    for _phase, _label, states in context["phases"]:
        for state in states:
            state.is_behind_now = state.is_behind(today)
            state.evidence_label = EVIDENCE_LABELS.get(state.step.key, gettext_lazy("the record"))
            if not state.is_done:
                state.action_url, state.action_label = _step_action(state.step.key, unit)
            state.form = context["step_forms"].get(state.step.pk) or forms.StepForm(step=state.step)
            state.can_edit = context["can_change"] or state.step.responsible_id == (request.user.pk)
    return render(request, "cycle/cycle_detail.html", context, status=status)


@login_required
@require_safe
def cycle_home(request):
    """The user's own unit's cycle this year, or a choice where they have several units."""
    year = timezone.localdate().year
    picker = forms.YearPickerForm(request.GET or None, initial={"year": year})
    if request.GET and picker.is_valid():
        unit = Unit.objects.filter(code__iexact=picker.cleaned_data["unit"].strip()).first()
        if unit is None:
            picker.add_error("unit", _("No unit has this code."))
        else:
            return redirect("cycle:cycle", unit.code, picker.cleaned_data["year"])
    held = access.role_paths(request.user)
    paths = sorted({path for role in access.RECORD_ROLES for path in held.get(role, ())})
    units = list(Unit.objects.filter(path__in=paths).active().order_by("path"))
    oversees = access.is_hms_department(request.user)
    # The HSE department's one role is on the institution: it wants the overview first.
    if len(units) == 1 and not request.GET and not oversees:
        return redirect("cycle:cycle", units[0].code, year)
    context = {"units": units, "year": year, "form": picker, "oversees": oversees}
    return render(request, "cycle/cycle_picker.html", context)


@login_required
@require_safe
def cycle_detail(request, code: str, year: int):
    unit = _unit_and_year(request, code, year)
    if unit.code != code:
        return redirect("cycle:cycle", unit.code, year)
    return _render_cycle(request, unit, year)


@login_required
@require_POST
def step_edit(request, code: str, year: int, pk: int):
    unit = _unit_and_year(request, code, year)
    step = get_object_or_404(
        CycleStep.objects.select_related("responsible"),
        pk=pk,
        cycle__unit=unit,
        cycle__year=year,
    )
    form = forms.StepForm(request.POST, step=step)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.step_update(
                actor=request.user,
                step=step,
                version=data["version"],
                status=data["status"],
                due_date=data["due_date"],
                responsible=data["responsible"],
                comment=data["comment"],
            )
        except PermissionDenied:
            messages.error(request, _("You can read this cycle, but you may not change it."))
            return _render_cycle(request, unit, year, status=403)
        except ValidationError as error:
            add_service_errors(form, error)
            current = CycleStep.objects.get(pk=step.pk)
            if current.version != data["version"]:
                # Saving again is a deliberate overwrite of what the page now shows.
                form.data = form.data.copy()
                form.data[form.add_prefix("version")] = current.version
                status = 409
        else:
            messages.success(request, _("The step was saved."))
            return redirect(reverse("cycle:cycle", args=[unit.code, year]) + f"#step-{pk}")
    return _render_cycle(
        request, unit, year, status=status, step_form=form, step_pk=step.pk, open_step=step.pk
    )


@login_required
@require_POST
def goal_create(request, code: str, year: int):
    unit = _unit_and_year(request, code, year)
    if not services.can_change_cycle(request.user, unit):
        messages.error(request, _("You can read this cycle, but you may not change it."))
        return _render_cycle(request, unit, year, status=403)
    parent_goals = Goal.objects.filter(unit__path=unit.parent_path() or "", year=year)
    form = forms.GoalForm(request.POST, parent_goals=parent_goals)
    if form.is_valid():
        data = form.cleaned_data
        try:
            goal = services.goal_create(
                actor=request.user,
                unit=unit,
                year=year,
                title=data["title"],
                description=data["description"],
                parent=data["parent"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The goal was set."))
            return redirect(goal)
    return _render_cycle(request, unit, year, status=400, goal_form=form)


def _goal(request, pk: int) -> Goal:
    return get_object_or_404(
        Goal.objects.visible_to(request.user).select_related("unit", "parent__unit"), pk=pk
    )


def _goal_page(request, goal, form, title, status=200, **extra):
    context = {"goal": goal, "form": form, "title": title, "unit": goal.unit, **extra}
    return render(request, "cycle/goal_form.html", context, status=status)


def _goal_write(request, goal, form, title, save, success):
    """The shared shape of the goal forms: 403 for readers, the service's errors on the
    form, and 409 with the input kept when someone else changed the goal meanwhile."""
    if not services.can_change_cycle(request.user, goal.unit):
        messages.error(request, _("You can read this goal, but you may not change it."))
        return _goal_page(request, goal, None, title, status=403)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
                version = form.cleaned_data.get("version")
                current = Goal.objects.get(pk=goal.pk)
                if version is not None and current.version != version:
                    form.data = form.data.copy()
                    form.data["version"] = current.version
                    status = 409
            else:
                messages.success(request, success)
                return redirect(saved)
    return _goal_page(request, goal, form, title, status=status)


@login_required
def goal_edit(request, pk: int):
    goal = _goal(request, pk)
    parent_goals = Goal.objects.filter(unit__path=goal.unit.parent_path() or "", year=goal.year)
    initial = {
        "title": goal.title,
        "description": goal.description,
        "parent": goal.parent_id,
        "version": goal.version,
    }
    form = forms.GoalForm(request.POST or None, initial=initial, parent_goals=parent_goals)

    def save(data):
        return services.goal_update(
            actor=request.user,
            goal=goal,
            version=data["version"] or 0,
            title=data["title"],
            description=data["description"],
            parent=data["parent"],
        )

    return _goal_write(request, goal, form, _("Edit the goal"), save, _("The goal was saved."))


@login_required
def goal_evaluate(request, pk: int):
    goal = _goal(request, pk)
    initial = {
        "evaluation": goal.evaluation,
        "evaluation_comment": goal.evaluation_comment,
        "version": goal.version,
    }
    form = forms.GoalEvaluationForm(request.POST or None, initial=initial)

    def save(data):
        saved = services.goal_evaluate(
            actor=request.user,
            goal=goal,
            version=data["version"],
            evaluation=data["evaluation"],
            comment=data["evaluation_comment"],
        )
        # Back to the year after, where the evaluation is asked for and new goals are set.
        if not services.year_allowed(saved.year + 1):
            return saved
        return reverse("cycle:cycle", args=[saved.unit.code, saved.year + 1]) + "#last-year"

    return _goal_write(
        request, goal, form, _("Evaluate the goal"), save, _("The evaluation was saved.")
    )


@login_required
def goal_measure(request, pk: int):
    goal = _goal(request, pk)
    form = forms.GoalMeasureForm(request.POST or None)

    def save(data):
        services.goal_add_measure(
            actor=request.user,
            goal=goal,
            title=data["title"],
            description=data["description"],
            responsible=data["responsible"],
            deadline=data["deadline"],
            priority=data["priority"],
            estimated_cost=data["estimated_cost"],
        )
        return goal

    return _goal_write(
        request,
        goal,
        form,
        _("Add a measure to reach the goal"),
        save,
        _("The measure was added to the unit's action plan."),
    )


@login_required
@require_POST
def goal_carry_over(request, pk: int):
    goal = _goal(request, pk)
    try:
        copy = services.goal_carry_over(actor=request.user, goal=goal, year=goal.year + 1)
    except PermissionDenied:
        messages.error(request, _("You can read this goal, but you may not change it."))
        return _goal_page(request, goal, None, _("Carry the goal over"), status=403)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(goal)
    messages.success(request, _("The goal was carried over to %(year)s.") % {"year": copy.year})
    return redirect(copy)


@login_required
@require_POST
def member_save(request, code: str, year: int):
    unit = _unit_and_year(request, code, year)
    if not services.can_change_cycle(request.user, unit):
        messages.error(request, _("You can read this cycle, but you may not change it."))
        return _render_cycle(request, unit, year, status=403)
    form = forms.MemberForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.member_save(
                actor=request.user,
                unit=unit,
                year=year,
                user=data["person"],
                part=data["part"],
                is_driver=data["is_driver"],
                version=data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if versions.is_stale(error):
                # The page shows the group as it is now; the form keeps what was typed and
                # carries the current version, so saving again is a deliberate change.
                current = UnitCycle.objects.get(unit=unit, year=year).group_version
                versions.take_current_version(form, current)
                return _render_cycle(request, unit, year, status=409, member_form=form)
        else:
            messages.success(request, _("The working group was saved."))
            return redirect(reverse("cycle:cycle", args=[unit.code, year]) + "#working-group")
    return _render_cycle(request, unit, year, status=400, member_form=form)


@login_required
@require_POST
def start_from_last_year(request, code: str, year: int):
    unit = _unit_and_year(request, code, year)
    if not services.can_change_cycle(request.user, unit):
        messages.error(request, _("You can read this cycle, but you may not change it."))
        return _render_cycle(request, unit, year, status=403)
    last_goals = Goal.objects.filter(unit=unit, year=year - 1)
    form = forms.StartFromLastYearForm(request.POST, goals=last_goals, shown_goals=last_goals)
    if not form.is_valid():
        return _render_cycle(request, unit, year, status=400, start_form=form)
    try:
        started = services.cycle_start_from_last_year(
            actor=request.user, unit=unit, year=year, goals=form.cleaned_data["goals"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cycle:cycle", unit.code, year)
    if started.copied_anything:
        message = _(
            "The year was started from %(year)s: %(members)s working group members, "
            "%(goals)s goals and the plan of %(steps)s steps were copied. Change them as "
            "this year needs."
        )
        values = {
            "year": year - 1,
            "members": started.members,
            "goals": started.goals,
            "steps": started.steps,
        }
        messages.success(request, message % values)
    else:
        messages.info(
            request,
            _("This year has a working group or goals already, so nothing was copied."),
        )
    return redirect("cycle:cycle", unit.code, year)


@login_required
@require_POST
def member_remove(request, pk: int):
    member = get_object_or_404(
        WorkingGroupMember.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    unit, year = member.unit, member.year
    try:
        services.member_remove(actor=request.user, member=member)
    except PermissionDenied:
        messages.error(request, _("You can read this cycle, but you may not change it."))
        return _render_cycle(request, unit, year, status=403)
    messages.success(request, _("The person was removed from the working group."))
    return redirect(reverse("cycle:cycle", args=[unit.code, year]) + "#working-group")


@login_required
@require_safe
def unit_status(request, code: str):
    """The partial on the unit page: this year's completion of the unit (and of its subtree
    when it has units below), for those who may read the unit's records."""
    unit = get_object_or_404(Unit, code__iexact=code)
    if not unit.is_active or not access.can_view_records(request.user, unit):
        raise Http404
    year = timezone.localdate().year
    # A queryset, so that the evidence queries select the subtree by subquery, not by its ids.
    subtree = evidence.fetched(Unit.objects.active().filter(path__startswith=unit.path))
    progress = units_progress(subtree, year)
    total = Progress(opened=True)
    for member in subtree:
        total.add(progress[member.pk])
    return render(
        request,
        "cycle/_unit_status.html",
        {"unit": unit, "year": year, "own": progress[unit.pk], "total": total},
    )
