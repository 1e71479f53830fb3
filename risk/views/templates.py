"""The hazard templates and the round checklists, kept by the HSE department in the app: the
ordered list (in use and retired), a new one, a change of its names and lines, retiring and
moving. The same pages serve both kinds (`kind` comes from the URL pattern). Others are not
told the pages exist: a 404."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from risk import forms, services
from risk.models import ChecklistTemplate, HazardTemplate, KeptTemplate
from units import access, versions
from units.forms import add_service_errors


@dataclass(frozen=True)
class TemplateKind:
    model: type[KeptTemplate]
    relation: str
    line_form: type[forms.TemplateLineForm]
    url: str  # the URL names' prefix
    title: Promise
    new_title: Promise
    edit_title: Promise
    lines_title: Promise
    intro: Promise
    lines_help: Promise

    @property
    def list_url(self) -> str:
        return f"{self.url}s"

    @property
    def create_url(self) -> str:
        return f"{self.url}_create"

    @property
    def edit_url(self) -> str:
        return f"{self.url}_edit"

    @property
    def active_url(self) -> str:
        return f"{self.url}_active"

    @property
    def move_url(self) -> str:
        return f"{self.url}_move"


KINDS = {
    "hazard": TemplateKind(
        model=HazardTemplate,
        relation="rows",
        line_form=forms.HazardLineForm,
        url="risk:hazard_template",
        title=gettext_lazy("Hazard templates"),
        new_title=gettext_lazy("New hazard template"),
        edit_title=gettext_lazy("Change the hazard template"),
        lines_title=gettext_lazy("Hazards"),
        intro=gettext_lazy(
            "A risk assessment can start from a template: its hazards become rows to be "
            "scored. The assessment copies them when it is made, so changing or retiring a "
            "template changes no assessment. A retired template is not offered any more."
        ),
        lines_help=gettext_lazy(
            "Write each hazard in bokmål, and in English for the English pages. Clear a line "
            "or tick Remove to leave it out; the order numbers place the lines."
        ),
    ),
    "checklist": TemplateKind(
        model=ChecklistTemplate,
        relation="items",
        line_form=forms.QuestionLineForm,
        url="risk:checklist_template",
        title=gettext_lazy("Checklists for inspection rounds"),
        new_title=gettext_lazy("New checklist"),
        edit_title=gettext_lazy("Change the checklist"),
        lines_title=gettext_lazy("Questions"),
        intro=gettext_lazy(
            "The walk-through of an inspection round uses these checklists. A round copies "
            "the questions when it is planned, so changing or retiring a checklist changes no "
            "round. A retired checklist is not offered any more."
        ),
        lines_help=gettext_lazy(
            "Write each question in bokmål, and in English for the English pages. Clear a "
            "line or tick Remove to leave it out; the order numbers place the lines."
        ),
    ),
}


def _kind(request, kind: str) -> TemplateKind:
    # Others are not told the pages exist.
    if not access.is_hms_department(request.user):
        raise Http404
    return KINDS[kind]


@login_required
@require_safe
def template_list(request, kind: str):
    spec = _kind(request, kind)
    templates = list(
        spec.model.objects.annotate(line_count=Count(spec.relation)).order_by("position", "pk")
    )
    context = {
        "spec": spec,
        "active": [t for t in templates if t.is_active],
        "retired": [t for t in templates if not t.is_active],
    }
    return render(request, "risk/template_list.html", context)


def _lines_initial(template: KeptTemplate, spec: TemplateKind) -> list[dict]:
    names = [name for name, _css in spec.line_form.columns[1:]]
    return [
        {"order": number * 10, **{name: getattr(line, name) for name in names}}
        for number, line in enumerate(getattr(template, spec.relation).all(), start=1)
    ]


@login_required
def template_edit(request, kind: str, pk: int | None = None):
    spec = _kind(request, kind)
    template = get_object_or_404(spec.model, pk=pk) if pk else None
    initial = {}
    if template is not None:
        initial = {
            "name_nb": template.name_nb,
            "name_nn": template.name_nn,
            "name_en": template.name_en,
            "version": template.version,
        }
    form = forms.TemplateForm(request.POST or None, initial=initial)
    form.fields["version"].required = template is not None
    formset = forms.template_line_formset(
        spec.line_form,
        request.POST or None,
        initial=_lines_initial(template, spec) if template else None,
    )
    status = 200
    saved = None
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                template = services.template_save(
                    actor=request.user,
                    model=spec.model,
                    template=template,
                    version=data["version"] if template else None,
                    name_nb=data["name_nb"],
                    name_nn=data["name_nn"],
                    name_en=data["name_en"],
                    lines=formset.lines(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                if template is not None and versions.is_stale(error):
                    saved = spec.model.objects.prefetch_related(spec.relation).get(pk=pk)
                    saved.lines = getattr(saved, spec.relation).all()
                    versions.take_current_version(form, saved.version)
                    status = 409
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": template.name})
                return redirect(spec.list_url)
    context = {
        "spec": spec,
        "template": template,
        "form": form,
        "formset": formset,
        "saved": saved,
        "title": spec.edit_title if template else spec.new_title,
    }
    return render(request, "risk/template_form.html", context, status=status)


@login_required
@require_POST
def template_active(request, kind: str, pk: int):
    spec = _kind(request, kind)
    template = get_object_or_404(spec.model, pk=pk)
    is_active = request.POST.get("active") == "1"
    template = services.template_set_active(
        actor=request.user, template=template, is_active=is_active
    )
    if is_active:
        message = _("“%(name)s” is in use again.")
    else:
        message = _(
            "“%(name)s” was retired: it is no longer offered, and what was made from it "
            "stays as it was."
        )
    messages.success(request, message % {"name": template.name})
    return redirect(spec.list_url)


@login_required
@require_POST
def template_move(request, kind: str, pk: int):
    spec = _kind(request, kind)
    template = get_object_or_404(spec.model, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose to move it up or down."))
    else:
        services.template_move(actor=request.user, template=template, up=direction == "up")
    return redirect(spec.list_url)
