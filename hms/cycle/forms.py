from django import forms
from django.utils.translation import gettext_lazy as _

from actionplans.forms import CostField
from actionplans.models import Priority
from hms.cycle.models import Goal, StepStatus
from units.forms import PersonField
from units.limits import LONG_TEXT, SHORT_TEXT, BoundedDateField
from units.versions import VersionField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class StepForm(forms.Form):
    """One step's form. The cycle page holds one per step, so it renders without crispy
    (cycle/_step_form.html, the same Bootstrap markup): the widgets carry their classes here
    and a field with an error gets `is-invalid` once the form is cleaned."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=StepStatus.choices,
        widget=forms.Select(attrs={"class": "select form-select"}),
    )
    due_date = BoundedDateField(
        label=_("Due date"), widget=DateInput(attrs={"class": "dateinput form-control"})
    )
    responsible = PersonField(label=_("Responsible"), required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "textarea form-control"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, step=None, **kwargs):
        if step is not None:
            kwargs.setdefault("prefix", f"step-{step.pk}")
            kwargs.setdefault(
                "initial",
                {
                    "status": step.status,
                    "due_date": step.due_date,
                    "responsible": step.responsible,
                    "comment": step.comment,
                    "version": step.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["responsible"].widget.attrs["class"] = "personpickerwidget form-control"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=300)
    description = forms.CharField(
        label=_("How we will know it is reached"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    parent = forms.ModelChoiceField(
        label=_("Supports the parent unit's goal"),
        queryset=Goal.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parent_goals=None, shown_parents=None, **kwargs):
        """`shown_parents`, the parent goals already read for the page, are offered as they
        are, so the form costs no query of its own; a posted choice is still checked against
        `parent_goals`."""
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        if parent_goals is not None:
            field.queryset = parent_goals
        if shown_parents is not None:
            field.choices = [("", field.empty_label)] + [
                (goal.pk, field.label_from_instance(goal)) for goal in shown_parents
            ]
            has_parents = bool(shown_parents)
        else:
            has_parents = field.queryset.exists()
        if not has_parents:
            field.widget = forms.HiddenInput()


class GoalEvaluationForm(forms.Form):
    evaluation = forms.ChoiceField(
        label=_("Was the goal reached?"),
        choices=Goal.Evaluation.choices,
        widget=forms.RadioSelect,
    )
    evaluation_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class GoalMeasureForm(forms.Form):
    title = forms.CharField(label=_("Measure"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = PersonField(label=_("Responsible"))
    deadline = BoundedDateField(label=_("Deadline"), widget=DateInput())
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="medium")
    estimated_cost = CostField()


class MemberForm(forms.Form):
    person = PersonField(label=_("Person"))
    part = forms.CharField(
        label=_("Part in the work"),
        max_length=200,
        required=False,
        help_text=_("For example: safety representative, employee of the lab, HSE coordinator."),
    )
    is_driver = forms.BooleanField(
        label=_("Has the responsibility and authority to drive the work"), required=False
    )
    version = VersionField()  # the working group's, as the page showed it


class YearPickerForm(forms.Form):
    unit = forms.CharField(label=_("Unit code"), max_length=32)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class StartFromLastYearForm(forms.Form):
    """Which of last year's goals the new year starts from; the working group and the steps'
    plan come along whole (a member is removed, a step changed, in a click)."""

    goals = forms.ModelMultipleChoiceField(
        label=_("Last year's goals to take along"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A goal that was reached is left out unless you tick it."),
    )

    @staticmethod
    def goal_label(goal: Goal) -> str:
        if not goal.evaluation:
            return goal.title
        return f"{goal.title} ({goal.get_evaluation_display().lower()})"

    def __init__(self, *args, goals=None, shown_goals=(), **kwargs):
        """`goals` checks the choice; `shown_goals`, already read for the page, are offered,
        so the form costs no query of its own."""
        super().__init__(*args, **kwargs)
        field = self.fields["goals"]
        if goals is not None:
            field.queryset = goals
        field.choices = [(goal.pk, self.goal_label(goal)) for goal in shown_goals]
        if not self.is_bound:
            self.initial.setdefault(
                "goals",
                [goal.pk for goal in shown_goals if goal.evaluation != Goal.Evaluation.REACHED],
            )
