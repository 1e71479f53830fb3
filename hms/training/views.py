"""Training pages: my training, registering a course, the role × course matrix of a unit,
its partial on the unit page, and the course catalogue the HSE department keeps.

Records are fetched through `visible_to`, so a record the user may not see is a 404; a unit's
matrix exists only for those who manage the unit's training (line manager, HSE coordinator,
HSE department), everyone else gets a 404 there too. The catalogue pages are the HSE
department's only: others are not told they exist (a 404).
"""

import csv
import io
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hms.training import matrix, services
from hms.training.forms import CourseForm, TrainingRecordForm
from hms.training.models import Course, RoleRequirement, TrainingRecord
from units import access, listing, versions
from units.downloads import file_response
from units.forms import add_service_errors
from units.models import Role, RoleAssignment, Unit
from units.spreadsheet import neutralise


def _managed_unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not services.can_manage_training(request.user, unit):
        raise Http404
    return unit


def _top_managed_units(user) -> list[Unit]:
    """The units where the user holds a manager role, the topmost only (a subtree inside
    another adds nothing). Superusers start from the roots."""
    if access.sees_everything(user):
        return list(Unit.objects.filter(depth=1))
    held = access.role_paths(user)
    paths = sorted({path for role in access.MANAGER_ROLES for path in held.get(role, ())})
    top = [
        path
        for path in paths
        if not any(path.startswith(other) for other in paths if other != path)
    ]
    return list(Unit.objects.filter(path__in=top))


@login_required
@require_safe
def mine(request):
    """My records, the courses my roles require and their state, and the units whose
    training I follow up."""
    user = request.user
    today = timezone.localdate()
    assignments = list(
        RoleAssignment.objects.current()
        .filter(user=user)
        .exclude(role=Role.HMS_DEPARTMENT)
        .select_related("user", "unit")
    )
    _columns, rows = matrix.build_rows(assignments, today)
    required = (
        [cell for cell in rows[0].cells if cell.status != matrix.Status.NOT_REQUIRED]
        if rows
        else []
    )
    records = list(
        TrainingRecord.objects.filter(person=user).select_related("course", "registered_by")
    )
    return render(
        request,
        "training/mine.html",
        {
            "required": required,
            "records": records,
            "units": _top_managed_units(user),
            "today": today,
            "can_keep_courses": access.is_hms_department(user),
        },
    )


@login_required
@require_safe
def unit_list(request):
    """The units whose training the user follows up: a way in to their matrices."""
    units = _top_managed_units(request.user)
    if not units:
        raise Http404
    if len(units) == 1:
        return redirect("training:matrix", units[0].code)
    return render(
        request,
        "training/unit_list.html",
        {"units": units, "can_keep_courses": access.is_hms_department(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request):
    user = request.user
    can_choose = access.manages_records_somewhere(user)
    initial = {"person": request.GET.get("person") or user.username}
    if request.GET.get("course"):
        initial["course"] = request.GET["course"]
    form = TrainingRecordForm(
        request.POST or None, request.FILES or None, initial=initial, can_choose_person=can_choose
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data.get("person") or user
        upload = data["proof_file"]
        if upload is not None:
            upload.name = f"certificate{upload.detected_extension}"
        try:
            record = services.training_record_register(
                actor=user,
                person=person,
                course=data["course"],
                completed_on=data["completed_on"],
                duration_hours=data["duration_hours"],
                content=data["content"],
                proof_reference=data["proof_reference"],
                proof_file=upload,
                proof_content_type=upload.detected_type if upload else "",
            )
        except PermissionDenied:
            form.add_error(
                "person" if can_choose else None,
                _("You can register courses only for yourself and the people of your units."),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course is registered."))
            return redirect(record)
    return render(
        request, "training/record_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_safe
def record_detail(request, pk: int):
    record = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user).select_related(
            "person", "course", "registered_by"
        ),
        pk=pk,
    )
    return _render_record(request, record)


def _render_record(request, record: TrainingRecord, status_code: int = 200):
    status = matrix.status_of(
        (record.completed_on, record.expires_on),
        True,
        timezone.localdate(),
        matrix.warning_days(),
    )
    context = {
        "record": record,
        "status": status,
        "status_label": matrix.STATUS_LABELS[status],
        "can_delete": services.can_delete_record(request.user, record),
    }
    return render(request, "training/record_detail.html", context, status=status_code)


@login_required
@require_POST
def record_delete(request, pk: int):
    record = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user).select_related(
            "person", "course", "registered_by"
        ),
        pk=pk,
    )
    try:
        services.training_record_delete(actor=request.user, record=record)
    except PermissionDenied:
        messages.error(request, _("You may not delete this registration."))
        return _render_record(request, record, status_code=403)
    messages.success(request, _("The registration is deleted."))
    return redirect("training:mine" if record.person_id == request.user.pk else "training:units")


@login_required
@require_safe
def proof(request, pk: int, token):
    """The certificate, for those who may see the record only. Stored under a random name;
    served as what its content is, and downloaded unless it is a photo."""
    record = get_object_or_404(
        TrainingRecord.objects.visible_to(request.user), pk=pk, proof_token=token
    )
    if not record.proof_file:
        raise Http404
    try:
        handle = record.proof_file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return file_response(
        handle, record.proof_name or "certificate", content_type=record.proof_content_type
    )


def _below(request) -> bool:
    return request.GET.get("below") == "1"


def _query(request) -> str:
    return request.GET.get("q", "").strip()[:200]


def _listed_matrix(request, unit: Unit) -> dict:
    """The unit's matrix as the request filters and sorts it: the page and its exports share
    this, so a file holds exactly the rows the page shows."""
    context = matrix.unit_matrix(unit, below=_below(request))
    return matrix.listed(context, _query(request), request.GET.get("sort"))


@login_required
@require_safe
def unit_matrix(request, code: str):
    unit = _managed_unit(request, code)
    below = _below(request)
    context = _listed_matrix(request, unit)
    sort_columns = matrix.sort_columns(context["columns"])
    sort = listing.sort_key(sort_columns, request.GET.get("sort"))
    filters = request.GET.copy()
    headings = listing.sort_links(filters, sort_columns, sort)
    toggle = request.GET.copy()
    toggle.pop("below", None)
    context.update(
        {
            "unit": unit,
            "below": below,
            "query": _query(request),
            "sort": sort,
            "person_heading": headings[0],
            "course_headings": headings[1:],
            "export_query": filters.urlencode(),
            "toggle_query": toggle.urlencode(),
            "warn_days": matrix.warning_days(),
            "status_labels": matrix.STATUS_LABELS,
            "can_keep_courses": access.is_hms_department(request.user),
        }
    )
    return render(request, "training/unit_matrix.html", context)


@login_required
@require_safe
def unit_gaps(request, code: str):
    """The partial on the unit page. Only for those who manage the unit's training; for
    everyone else it is empty (the unit page itself is open to all)."""
    unit = get_object_or_404(Unit, code=code)
    if not unit.is_active or not services.can_manage_training(request.user, unit):
        return HttpResponse("")
    context = matrix.unit_matrix(unit, below=True)
    return render(request, "training/_unit_gaps.html", {"unit": unit, **context})


def _export_rows(context) -> list[list[str]]:
    header = [_("Person"), _("User name"), _("E-mail"), _("Roles")] + [
        course.name for course in context["columns"]
    ]
    rows = [header]
    for row in context["rows"]:
        cells = []
        for cell in row.cells:
            text = str(cell.label)
            if cell.expires_on and cell.status != matrix.Status.NOT_REQUIRED:
                text += f" ({cell.expires_on.isoformat()})"
            cells.append(text)
        roles = ", ".join(f"{label} {unit.code}" for label, unit in row.roles)
        rows.append([str(row.person), row.person.username, row.person.email, roles, *cells])
    return rows


@login_required
@require_safe
def unit_export(request, code: str, fmt: str):
    unit = _managed_unit(request, code)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    context = _listed_matrix(request, unit)
    rows = [[neutralise(str(value)) for value in row] for row in _export_rows(context)]
    filename = f"training-{unit.code}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        text = io.StringIO()
        text.write("\ufeff")  # so Excel reads the file as UTF-8
        csv.writer(text).writerows(rows)
        return file_response(text.getvalue(), filename, content_type="text/csv")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(unit.code[:31])
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return file_response(handle, filename)


# --- The course catalogue ----------------------------------------------------------------------


def _catalogue_keeper(request) -> None:
    # Others are not told the pages exist.
    if not access.is_hms_department(request.user):
        raise Http404


def _courses():
    return Course.objects.annotate(record_count=Count("records")).prefetch_related(
        Prefetch("requirements", queryset=RoleRequirement.objects.order_by("role"))
    )


@login_required
@require_safe
def course_list(request):
    _catalogue_keeper(request)
    courses = list(_courses().order_by("order", "code"))
    for course in courses:
        course.role_labels = [Role(item.role).label for item in course.requirements.all()]
    context = {
        "active": [course for course in courses if course.is_active],
        "retired": [course for course in courses if not course.is_active],
    }
    return render(request, "training/course_list.html", context)


def _course_initial(course: Course) -> dict:
    return {
        "name_nb": course.name_nb,
        "name_en": course.name_en,
        "description": course.description,
        "duration_hours": course.duration_hours,
        "validity_months": course.validity_months,
        "roles": [item.role for item in course.requirements.all()],
        "version": course.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int | None = None):
    _catalogue_keeper(request)
    course = get_object_or_404(_courses(), pk=pk) if pk else None
    form = CourseForm(
        request.POST or None,
        initial=_course_initial(course) if course else None,
        adding=course is None,
    )
    form.fields["version"].required = course is not None
    status = 200
    saved = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                course = services.course_save(
                    actor=request.user,
                    course=course,
                    version=data["version"] if course else None,
                    code=data.get("code", ""),
                    name_nb=data["name_nb"],
                    name_en=data["name_en"],
                    description=data["description"],
                    duration_hours=data["duration_hours"],
                    validity_months=data["validity_months"],
                    roles=data["roles"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
                if course is not None and versions.is_stale(error):
                    saved = _courses().get(pk=pk)
                    saved.role_labels = [Role(r.role).label for r in saved.requirements.all()]
                    versions.take_current_version(form, saved.version)
                    status = 409
            else:
                messages.success(request, _("“%(name)s” was saved.") % {"name": course.name})
                return redirect("training:courses")
    context = {
        "course": course,
        "form": form,
        "saved": saved,
        "title": _("Change the course") if course else _("New course"),
    }
    return render(request, "training/course_form.html", context, status=status)


@login_required
@require_POST
def course_active(request, pk: int):
    _catalogue_keeper(request)
    course = get_object_or_404(Course, pk=pk)
    is_active = request.POST.get("active") == "1"
    course = services.course_set_active(actor=request.user, course=course, is_active=is_active)
    if is_active:
        message = _("“%(name)s” is in use again: the roles chosen for it require it again.")
    else:
        message = _(
            "“%(name)s” was retired: no role requires it any more and it is not offered for "
            "new registrations. The records of it stay as they were."
        )
    messages.success(request, message % {"name": course.name})
    return redirect("training:courses")


@login_required
@require_POST
def course_move(request, pk: int):
    _catalogue_keeper(request)
    course = get_object_or_404(Course, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose to move it up or down."))
    else:
        services.course_move(actor=request.user, course=course, up=direction == "up")
    return redirect("training:courses")


@login_required
@require_POST
def course_delete(request, pk: int):
    _catalogue_keeper(request)
    course = get_object_or_404(Course, pk=pk)
    name = course.name
    try:
        services.course_delete(actor=request.user, course=course)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect("training:courses")
