from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from units import access, people_import, roles_import, services, tree_csv, versions
from units.downloads import file_response
from units.forms import (
    DelegationForm,
    RegisterImportApplyForm,
    RegisterImportForm,
    RoleAssignForm,
    RoleDescriptionForm,
    RoleEndForm,
    UnitCreateForm,
    UnitEditForm,
    UnitImportApplyForm,
    UnitImportForm,
    UnitMoveForm,
    add_service_errors,
)
from units.models import Role, RoleAssignment, RoleDescription, Unit

SEARCH_LIMIT = 100
PICKER_LIMIT = 10
PICKER_CANDIDATES = 200
PICKER_MIN_LENGTH = 2
ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


def _by_name(queryset):
    """Order units by their name in the active language."""
    if (get_language() or "nb").startswith("en"):
        return queryset.annotate(
            display_name=Coalesce(NullIf("name_en", Value("")), "name_nb")
        ).order_by("display_name", "code")
    return queryset.order_by("name_nb", "code")


def _visible_units(request):
    units = Unit.objects.all()
    if not request.GET.get("inactive"):
        units = units.active()
    return units


def _manager_only(request) -> None:
    if not access.can_manage_units(request.user):
        raise Http404


@login_required
def tree(request):
    # No unit's name holds a NUL, and PostgreSQL refuses one in any query (a 500 otherwise).
    query = request.GET.get("q", "").replace("\x00", "").strip()
    units = _visible_units(request)
    context = {"query": query, "show_inactive": bool(request.GET.get("inactive"))}
    if query:
        matches = list(_by_name(units.search(query))[: SEARCH_LIMIT + 1])
        context["truncated"] = len(matches) > SEARCH_LIMIT
        matches = matches[:SEARCH_LIMIT]
        ancestor_paths = {path for unit in matches for path in unit.ancestor_paths()}
        names = {u.path: u for u in Unit.objects.filter(path__in=ancestor_paths)}
        for unit in matches:
            unit.trail = [names[path] for path in unit.ancestor_paths() if path in names]
        context["matches"] = matches
    else:
        # The top two levels in one query; deeper levels load when a branch is opened.
        top = list(units.filter(depth__lte=2).order_by("path"))
        by_parent: dict[str | None, list[Unit]] = {}
        for unit in top:
            by_parent.setdefault(unit.parent_path(), []).append(unit)
        for children in by_parent.values():
            children.sort(key=lambda unit: unit.name.lower())
        roots = by_parent.get(None, [])
        for root in roots:
            root.loaded_children = by_parent.get(root.path, [])
        context["roots"] = roots
    template = "units/_search_results.html" if request.htmx and query else "units/unit_tree.html"
    return render(request, template, context)


@login_required
def children(request, code: str):
    unit = get_object_or_404(Unit, code=code)
    units = _by_name(
        _visible_units(request).filter(depth=unit.depth + 1, path__startswith=unit.path)
    )
    return render(
        request,
        "units/_children.html",
        {"children": units, "show_inactive": bool(request.GET.get("inactive"))},
    )


@login_required
def detail(request, code: str):
    unit = get_object_or_404(Unit, code=code)
    ancestors = list(Unit.objects.filter(path__in=unit.ancestor_paths()).order_by("path"))
    sub_units = _by_name(Unit.objects.filter(depth=unit.depth + 1, path__startswith=unit.path))
    assignments = RoleAssignment.objects.current().filter(
        unit__path__in=[*unit.ancestor_paths(), unit.path]
    )
    assignments = sorted(
        assignments.select_related("user", "unit"),
        key=lambda a: (ROLE_ORDER[a.role], -a.unit.depth, a.user.last_name, a.user.first_name),
    )
    can_manage = access.can_manage_units(request.user)
    held = {a.role for a in assignments}
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "sub_units": sub_units,
        "own_roles": [a for a in assignments if a.unit_id == unit.pk],
        "inherited_roles": [a for a in assignments if a.unit_id != unit.pk],
        "can_manage": can_manage,
        "can_export": access.can_export_unit(request.user, unit),
        "can_record_delegation": services.can_record_delegation(request.user, unit),
        # Each role held here or above, with what it means at the institution.
        "descriptions": sorted(
            RoleDescription.objects.filter(role__in=held), key=lambda d: ROLE_ORDER[d.role]
        ),
        "can_edit_descriptions": access.is_hms_department(request.user),
    }
    if can_manage:
        context["role_form"] = RoleAssignForm()
        context["ended_roles"] = (
            RoleAssignment.objects.filter(unit=unit)
            .exclude(pk__in=[a.pk for a in assignments])
            .select_related("user")
            .order_by("-valid_to", "-valid_from")[:50]
        )
        context["history_url_args"] = (ContentType.objects.get_for_model(Unit).pk, unit.pk)
    return render(request, "units/unit_detail.html", context)


@login_required
def unit_create(request):
    _manager_only(request)
    initial = {}
    if parent_code := request.GET.get("parent"):
        initial["parent"] = parent_code
    form = UnitCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                parent=data["parent"],
                code=data["code"],
                name_nb=data["name_nb"],
                name_en=data["name_en"],
                unit_type=data["unit_type"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The unit %(unit)s was created.") % {"unit": unit.name})
            return redirect(unit)
    return render(request, "units/unit_form.html", {"form": form, "title": _("New unit")})


@login_required
def unit_edit(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    initial = {
        "code": unit.code,
        "name_nb": unit.name_nb,
        "name_en": unit.name_en,
        "unit_type": unit.unit_type,
        "version": unit.version,
    }
    form = UnitEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_update(
                unit=unit,
                version=data["version"],
                code=data["code"],
                name_nb=data["name_nb"],
                name_en=data["name_en"],
                unit_type=data["unit_type"],
            )
        except services.ConcurrentEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this unit while you were editing. Your text is kept "
                    "below; the values saved meanwhile are shown above. Save again to "
                    "overwrite them."
                ),
            )
            current = Unit.objects.get(pk=unit.pk)
            form.data = form.data.copy()
            form.data["version"] = current.version
            return render(
                request,
                "units/unit_form.html",
                {"form": form, "title": _("Edit unit"), "unit": unit, "current": current},
                status=409,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The unit was saved."))
            return redirect(unit)
    return render(
        request, "units/unit_form.html", {"form": form, "title": _("Edit unit"), "unit": unit}
    )


@login_required
def unit_move(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    form = UnitMoveForm(request.POST or None, initial={"version": unit.version})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_move(
                unit=unit,
                new_parent=form.cleaned_data["new_parent"],
                version=form.cleaned_data["version"],
            )
        except services.ConcurrentEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this unit while you were moving it. Where it is now "
                    "is shown above; your choice is kept below. Save again to move it there."
                ),
            )
            current = Unit.objects.get(pk=unit.pk)
            versions.take_current_version(form, current.version)
            context = {
                "form": form,
                "title": _("Move unit"),
                "unit": unit,
                "current": current,
                "current_parent": Unit.objects.filter(path=current.parent_path()).first(),
            }
            return render(request, "units/unit_form.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The unit was moved with all its sub-units."))
            return redirect(unit)
    return render(
        request, "units/unit_form.html", {"form": form, "title": _("Move unit"), "unit": unit}
    )


@login_required
@require_POST
def unit_deactivate(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    count = services.unit_deactivate(unit=unit)
    messages.success(request, services.deactivated_message(count))
    return redirect(unit)


@login_required
@require_POST
def unit_reactivate(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    try:
        services.unit_reactivate(unit=unit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The unit is active again."))
    return redirect(unit)


@login_required
@require_POST
def unit_delete(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    parent_path = unit.parent_path()
    try:
        services.unit_delete(unit=unit)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(unit)
    messages.success(request, _("The unit was deleted."))
    parent = Unit.objects.filter(path=parent_path).first() if parent_path else None
    return redirect(parent or "units:tree")


@login_required
def role_assign(request, code: str):
    _manager_only(request)
    unit = get_object_or_404(Unit, code=code)
    form = RoleAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_assign(
                unit=unit,
                user=data["person"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                delegated=data["delegated"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role was assigned."))
            return redirect(unit)
    return render(
        request,
        "units/unit_form.html",
        {"form": form, "title": _("Assign a role"), "unit": unit},
    )


@login_required
def role_delegation(request, pk: int):
    """The line manager records what was delegated to a role holder of the unit."""
    assignment = get_object_or_404(RoleAssignment.objects.select_related("unit", "user"), pk=pk)
    if not services.can_record_delegation(request.user, assignment.unit):
        raise Http404
    if not assignment.takes_delegation:
        messages.error(
            request, _("This role holds its authority of its own; nothing is delegated to it.")
        )
        return redirect(reverse("units:detail", args=[assignment.unit.code]) + "#roles")
    form = DelegationForm(
        request.POST or None,
        initial={"delegated": assignment.delegated, "shown": assignment.delegated},
    )
    status = 200
    current = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.delegation_save(
                    actor=request.user,
                    assignment=assignment,
                    delegated=form.cleaned_data["delegated"],
                    shown=form.cleaned_data["shown"],
                )
            except PermissionDenied as denied:
                raise Http404 from denied
            except ValidationError as error:
                add_service_errors(form, error)
                if versions.is_stale(error):
                    # Saving again is a deliberate overwrite of what is shown beside it.
                    assignment.refresh_from_db()
                    current = assignment.delegated
                    form.data = form.data.copy()
                    form.data["shown"] = current
                    status = 409
            else:
                messages.success(request, _("What was delegated is recorded."))
                return redirect(reverse("units:detail", args=[assignment.unit.code]) + "#roles")
    context = {
        "form": form,
        "title": _("Delegated to %(assignment)s") % {"assignment": assignment},
        "unit": assignment.unit,
        "saved_delegation": current,
    }
    return render(request, "units/unit_form.html", context, status=status)


@login_required
def role_descriptions(request):
    """Every role's responsibility, tasks and authority, as the HSE department keeps them."""
    context = {
        "descriptions": sorted(RoleDescription.objects.all(), key=lambda d: ROLE_ORDER[d.role]),
        "can_edit": access.is_hms_department(request.user),
    }
    return render(request, "units/role_descriptions.html", context)


@login_required
def role_description_edit(request, role: str):
    if not access.is_hms_department(request.user):
        raise Http404
    description = get_object_or_404(RoleDescription, role=role)
    form = RoleDescriptionForm(
        request.POST or None, instance=description, initial={"version": description.version}
    )
    form.fields["version"].required = True
    status = 200
    current = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.role_description_save(
                    actor=request.user, description=description, version=version, **data
                )
            except ValidationError as error:
                add_service_errors(form, error)
                if versions.is_stale(error):
                    current = RoleDescription.objects.get(pk=description.pk)
                    versions.take_current_version(form, current.version)
                    status = 409
            else:
                messages.success(request, _("The role description was saved."))
                return redirect("units:role_descriptions")
    context = {
        "form": form,
        "title": description.get_role_display(),
        "saved_description": current,
    }
    return render(request, "units/unit_form.html", context, status=status)


@login_required
def role_end(request, pk: int):
    _manager_only(request)
    assignment = get_object_or_404(RoleAssignment.objects.select_related("unit", "user"), pk=pk)
    form = RoleEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_end(assignment=assignment, valid_to=form.cleaned_data["valid_to"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role was ended."))
            return redirect(assignment.unit)
    return render(
        request,
        "units/unit_form.html",
        {
            "form": form,
            "title": _("End role: %(assignment)s") % {"assignment": assignment},
            "unit": assignment.unit,
        },
    )


@login_required
def unit_import(request):
    """Upload a CSV file, preview what it would change, then apply it all or nothing.

    The preview page carries the file back in a hidden field with its SHA-256, so nothing is
    kept on the server between the two steps.
    """
    _manager_only(request)
    form = UnitImportForm()
    context = {"form": form}
    if request.method == "POST" and "apply" in request.POST:
        apply_form = UnitImportApplyForm(request.POST)
        if not apply_form.is_valid():
            context["apply_errors"] = apply_form.non_field_errors() or [
                _("The previewed file did not come back intact. Upload it again.")
            ]
        else:
            data = apply_form.cleaned_data
            context["filename"] = data["filename"]
            try:
                plan = tree_csv.unit_tree_import(
                    content=data["content"],
                    filename=data["filename"],
                    expected_digest=data["plan_digest"],
                )
            except tree_csv.ImportRejected as rejected:
                context["plan"] = rejected.plan
            except tree_csv.ImportChanged as changed:
                context["plan"] = changed.plan
                context["plan_changed"] = True
                context["apply_form"] = UnitImportApplyForm.for_file(
                    content=data["content"], filename=data["filename"], plan=changed.plan
                )
            else:
                messages.success(
                    request,
                    _(
                        "Imported %(filename)s: %(new)s new, %(updated)s updated, "
                        "%(moved)s moved, %(unchanged)s unchanged."
                    )
                    % {"filename": data["filename"], **plan.counts()},
                )
                return redirect("units:tree")
    elif request.method == "POST":
        form = UnitImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            content = form.content()
            plan = tree_csv.plan_import(content)
            context["plan"] = plan
            context["filename"] = form.filename()
            if plan.ok:
                context["apply_form"] = UnitImportApplyForm.for_file(
                    content=content, filename=form.filename(), plan=plan
                )
    return render(request, "units/unit_import.html", context)


@login_required
def unit_export(request):
    _manager_only(request)
    return file_response(
        tree_csv.export_lines(), tree_csv.export_filename(), content_type="text/csv"
    )


# The people register and role assignment imports: the unit import's pattern, for two files.
REGISTER_IMPORTS = {
    "people": {
        "plan": lambda content, filename, partial: people_import.plan_people(
            content, filename, partial=partial
        ),
        "apply": lambda **kwargs: people_import.people_import(**kwargs),
        "columns": people_import.COLUMNS,
        "title": gettext_lazy("Import people"),
        "url": "units:import_people",
    },
    "roles": {
        "plan": lambda content, filename, partial: roles_import.plan_roles(content, filename),
        "apply": lambda *, partial, **kwargs: roles_import.roles_import(**kwargs),
        "columns": roles_import.COLUMNS,
        "title": gettext_lazy("Import role assignments"),
        "url": "units:import_roles",
    },
}


COUNT_LABELS = {
    "new": gettext_lazy("new"),
    "changed": gettext_lazy("changed"),
    "leaving": gettext_lazy("leaving"),
    "unchanged": gettext_lazy("unchanged"),
}


def _register_import(request, kind: str):
    """Upload → preview → apply, all or nothing; the file travels back in the page."""
    _manager_only(request)
    spec = REGISTER_IMPORTS[kind]
    form = RegisterImportForm()
    context = {"form": form, "kind": kind, "spec": spec}
    if request.method == "POST" and "apply" in request.POST:
        apply_form = RegisterImportApplyForm(request.POST)
        if not apply_form.is_valid():
            context["apply_errors"] = apply_form.non_field_errors() or [
                _("The previewed file did not come back intact. Upload it again.")
            ]
        else:
            data = apply_form.cleaned_data
            context["filename"] = data["filename"]
            try:
                plan = spec["apply"](
                    content=data["content"],
                    filename=data["filename"],
                    partial=data["partial"],
                    expected_digest=data["plan_digest"],
                )
            except people_import.ImportRejected as rejected:
                context["plan"] = rejected.plan
            except people_import.ImportChanged as changed:
                context["plan"] = changed.plan
                context["plan_changed"] = True
                context["apply_form"] = _apply_form(
                    data["content"], data["filename"], changed.plan, data["partial"]
                )
            else:
                counts = ", ".join(
                    f"{count} {COUNT_LABELS[name]}" for name, count in plan.counts().items()
                )
                messages.success(
                    request,
                    _("Imported %(filename)s: %(counts)s.")
                    % {"filename": data["filename"], "counts": counts},
                )
                return redirect(spec["url"])
    elif request.method == "POST":
        form = RegisterImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            content, partial = form.content(), form.cleaned_data["partial"]
            plan = spec["plan"](content, form.filename(), partial)
            context.update(plan=plan, filename=form.filename())
            if plan.ok:
                context["apply_form"] = _apply_form(content, form.filename(), plan, partial)
    return render(request, "units/register_import.html", context)


def _apply_form(content: bytes, filename: str, plan, partial: bool) -> RegisterImportApplyForm:
    form = RegisterImportApplyForm.for_file(content=content, filename=filename, plan=plan)
    form.initial["partial"] = partial
    return form


@login_required
def people_import_page(request):
    return _register_import(request, "people")


@login_required
def roles_import_page(request):
    return _register_import(request, "roles")


@login_required
def person_pick(request):
    """The person picker's matches: active people only, and of each only what the unit roles
    pages already show every logged-in user (name, e-mail and the units of current roles; no
    e-mail for a person who holds no role anywhere)."""
    query = next(
        (
            value
            for key, value in request.GET.items()
            if (key == "q" or key.endswith("_text")) and value.strip()
        ),
        "",
    )
    query = query.replace("\x00", "").strip()[:100]
    people = []
    if len(query) >= PICKER_MIN_LENGTH:
        User = get_user_model()
        # Sorting every match of a common name (thousands at a university) costs more than
        # the search: take a bounded set of candidates first and sort only those. With more
        # candidates than that, the list asks for more letters.
        candidates = list(
            User.objects.filter(is_active=True)
            .search(query, first=PICKER_CANDIDATES)
            .order_by()
            .values_list("pk", flat=True)[:PICKER_CANDIDATES]
        )
        people = list(
            User.objects.filter(pk__in=candidates)
            .only("username", "first_name", "last_name", "email")
            .order_by("last_name", "first_name", "username")[: PICKER_LIMIT + 1]
        )
        units_of = {}
        for assignment in (
            RoleAssignment.objects.current()
            .filter(user__in=people)
            .select_related("unit")
            .order_by("unit__path")
        ):
            label = f"{assignment.unit.code} {assignment.unit.name}"
            labels = units_of.setdefault(assignment.user_id, [])
            if label not in labels:
                labels.append(label)
        for person in people:
            person.picker_units = units_of.get(person.pk, [])
    list_id = request.GET.get("list", "picker")[:60]
    # A fragment asked for at every few keystrokes: rendered without the page's context
    # processors (the menu's role queries), which it does not show.
    context = {
        "people": people[:PICKER_LIMIT],
        "query": query,
        "list_id": list_id,
        "more": len(people) > PICKER_LIMIT,
    }
    return HttpResponse(render_to_string("units/_person_options.html", context))
