"""Reporting a deviation, the anonymous reporter's way back (the receipt code), and the
printable QR poster that brings people to the form.

Anyone may report, without an account: the poster's link is for students, visitors and
contractors too. A visitor's report is always anonymous; it is held back by a honeypot field
and a per-address limit whose counter lives in the cache under a keyed hash of the address.

Anonymity (DESIGN.md, non-negotiables): the report and receipt views are marked
`history_without_user`, so the audit middleware does not put the logged-in user into the
history context and the session is not touched; a named report enters that context itself.
Nothing about a report is put in the session, the messages, the logs or an e-mail: the
anonymous reporter's receipt code is rendered once, in the response to the POST. Their
address and user agent are left out of the logs (hms/access_log.py).
"""

import datetime
import io
import time
import uuid
from urllib.parse import urlencode

import pghistory
import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from deviations import notifications, services
from deviations.forms import DATETIME_LOCAL, DeviationReportForm, ReceiptAnswerForm, ReceiptCodeForm
from deviations.models import Deviation
from hms.client import address_key, count_in_cache
from hms.middleware import history_without_user
from units.downloads import file_response
from units.forms import add_service_errors
from units.models import Role, RoleAssignment, Unit

# Receipt codes are 80 random bits, so guessing one is hopeless; the throttle keeps it so.
RECEIPT_MAX_FAILURES = 10
RECEIPT_WINDOW_SECONDS = 15 * 60

# The form fields passed to services.deviation_report as they are.
REPORT_FIELDS = (
    "title",
    "description",
    "location",
    "occurred_at",
    "deviation_type",
    "category",
    "severity",
    "actual_consequence",
    "potential_consequence",
    "immediate_action",
    "injury_kind",
    "absence_days",
    "health_details",
)


# A field people never see (hidden, skipped by the keyboard and by screen readers): a program
# filling in every field it finds fills this one too. Named like a field forms often have.
HONEYPOT_FIELD = "website"


def _own_unit(user) -> Unit | None:
    """The unit of the user's current employee role, else of their first current role."""
    if not user.is_authenticated:
        return None
    assignment = (
        RoleAssignment.objects.current()
        .filter(user=user, unit__is_active=True)
        .select_related("unit")
        .annotate(
            employee=Case(
                When(role=Role.EMPLOYEE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("employee", "valid_from", "pk")
        .first()
    )
    return assignment.unit if assignment else None


DATALIST_LIMIT = 1000


def _unit_options(near: Unit | None) -> list[tuple[str, str]]:
    """(code, name) of the active units, by name, for the unit field's datalist. Codes and
    names only: a visitor sees no more than the posters show.

    In a large tree (over DATALIST_LIMIT units) the list would weigh megabytes on a phone: it
    then suggests the top two levels and the faculty of `near` (the reporter's own unit, or
    for a visitor the unit of their link). Any other unit can still be typed by its code or
    reached through its QR link.
    """
    english = (get_language() or "nb").startswith("en")
    units = Unit.objects.active()
    if units.count() > DATALIST_LIMIT:
        nearby = Q(depth__lte=2)
        if near is not None:
            nearby |= Q(path__startswith=near.path[: 2 * Unit.steplen])
        units = units.filter(nearby)[:DATALIST_LIMIT]
    rows = units.values_list("code", "name_nb", "name_en")
    options = [
        (code, name_en if english and name_en else name_nb) for code, name_nb, name_en in rows
    ]
    return sorted(options, key=lambda option: (option[1].lower(), option[0]))


def _prepared_files(uploads: list, anonymous: bool) -> list:
    # An uploaded file's name can carry a name ("IMG_kari_nordmann.jpg"): an anonymous report
    # keeps only a neutral one.
    if anonymous:
        for number, upload in enumerate(uploads, start=1):
            upload.name = f"attachment-{number}{upload.detected_extension}"
    return uploads


def _render_form(
    request, form, *, unit_notice: str = "", near: Unit | None = None, status: int = 200, **extra
):
    visitor = not request.user.is_authenticated
    context = {
        "form": form,
        "unit_options": _unit_options(near if visitor else _own_unit(request.user)),
        "unit_notice": unit_notice,
        "visitor": visitor,
        "honeypot_field": HONEYPOT_FIELD,
        # The browser cannot re-fill a file input; a refused file says so in its own error.
        "files_dropped": bool(request.FILES) and "attachments" not in form.errors,
        **extra,
    }
    return render(request, "deviations/deviation_form.html", context, status=status)


def _linked_unit(code: str) -> Unit | None:
    # PostgreSQL refuses a NUL in a query: such a link names no unit.
    if not code or "\x00" in code:
        return None
    return Unit.objects.active().filter(code__iexact=code).first()


def _visitor_limit_reached(request) -> datetime.datetime | None:
    """Counts a visitor's send; over ANONYMOUS_REPORT_LIMIT in the current window, the time
    the window ends. Fixed windows: one counter per window, which expires with it."""
    window = settings.ANONYMOUS_REPORT_WINDOW
    now = int(time.time())
    number = now // window
    ends = (number + 1) * window
    key = f"{address_key('anonymous-report', request)}:{number}"
    count = count_in_cache(key, ends - now + 1)
    if count <= settings.ANONYMOUS_REPORT_LIMIT:
        return None
    return datetime.datetime.fromtimestamp(ends, tz=datetime.UTC)


def _limited(request, until: datetime.datetime):
    """The form again, as it was typed (files apart), with when to send it. It is not bound:
    checking it would cost what the limit is there to spare (the photos' re-encoding)."""
    unit = _linked_unit(request.POST.get("unit", "").strip())
    form = DeviationReportForm(visitor=True, unit_name=unit.name if unit else "")
    form.initial = {
        name: request.POST.get(name, "") for name in form.fields if name != "attachments"
    }
    try:
        uuid.UUID(form.initial["submission_token"])
    except ValueError:
        form.initial["submission_token"] = uuid.uuid4()
    minutes = max(1, round(settings.ANONYMOUS_REPORT_WINDOW / 60))
    response = _render_form(
        request,
        form,
        near=unit,
        status=429,
        limited_until=timezone.localtime(until),
        limit=settings.ANONYMOUS_REPORT_LIMIT,
        window_minutes=minutes,
    )
    response["Retry-After"] = str(max(1, int((until - timezone.now()).total_seconds())))
    return response


@history_without_user
@never_cache
@require_http_methods(["GET", "POST"])
def report(request):
    """Open to everyone. A visitor who is not logged in reports anonymously; a logged-in
    user chooses."""
    visitor = not request.user.is_authenticated
    if request.method == "GET":
        unit, notice = _own_unit(request.user), ""
        if code := request.GET.get("unit", "").strip():
            linked = _linked_unit(code)
            if linked is None:
                notice = _("The link named a unit (%(code)s) that is not known or not active.") % {
                    "code": code
                }
            else:
                unit = linked
        form = DeviationReportForm(
            initial={
                # A new token for each form shown: the same form sent twice is one report.
                "submission_token": uuid.uuid4(),
                "unit": unit.code if unit else "",
                "occurred_at": timezone.localtime().strftime(DATETIME_LOCAL),
            },
            unit_name=unit.name if unit else "",
            visitor=visitor,
        )
        return _render_form(request, form, unit_notice=notice, near=unit)

    if visitor:
        if request.POST.get(HONEYPOT_FIELD, "").strip():
            return render(request, "deviations/deviation_refused.html", status=400)
        if (until := _visitor_limit_reached(request)) is not None:
            return _limited(request, until)
    form = DeviationReportForm(request.POST, request.FILES, visitor=visitor)
    if not form.is_valid():
        if "submission_token" in form.errors:
            # Not a form this site showed (or a damaged one): the next send gets a fresh token.
            form.data = form.data.copy()
            form.data["submission_token"] = str(uuid.uuid4())
        return _render_form(request, form, near=form.cleaned_data.get("unit"))
    data = form.cleaned_data
    anonymous = visitor or data["anonymous"]
    arguments = {
        "reporter": None if anonymous else request.user,
        "anonymous": anonymous,
        "unit": data["unit"],
        "submission_token": data["submission_token"],
        "files": _prepared_files(data["attachments"], anonymous),
        **{name: data[name] for name in REPORT_FIELDS},
    }
    try:
        if anonymous:
            deviation, receipt_code, created = services.deviation_report(**arguments)
        else:
            with pghistory.context(
                user=request.user.pk, username=request.user.get_username(), url=request.path
            ):
                deviation, receipt_code, created = services.deviation_report(**arguments)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_form(request, form, near=data["unit"])
    context = {
        "deviation": deviation,
        "receipt_code": receipt_code,
        "already": not created,
        "own": deviation.reporter_id is not None and deviation.reporter_id == request.user.pk,
        "receipt_link": settings.SITE_URL.rstrip("/") + reverse("deviations:receipt"),
    }
    return render(request, "deviations/deviation_received.html", context)


# --- The receipt code --------------------------------------------------------------------------


def _failure_key(request) -> str:
    # The address is kept only as a keyed hash, and only after a wrong code.
    return address_key("deviation-receipt-failures", request)


def _throttled(request) -> bool:
    return (cache.get(_failure_key(request)) or 0) >= RECEIPT_MAX_FAILURES


def _count_failure(request) -> None:
    key = _failure_key(request)
    failures = count_in_cache(key, RECEIPT_WINDOW_SECONDS)
    if failures >= RECEIPT_MAX_FAILURES:
        # Locked for a full window from the last try, not from the first failure.
        cache.set(key, failures, RECEIPT_WINDOW_SECONDS)


def _answer_is_repeat(deviation: Deviation, text: str) -> bool:
    """A reload of the page after answering sends the answer again; keep one."""
    last = deviation.comments.order_by("-created_at", "-pk").first()
    return bool(last and last.from_reporter and last.text == text.strip())


@history_without_user
@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request):
    """The anonymous reporter's page: the code is POSTed (never in a URL, so never in a log),
    and every answer re-sends it from a hidden field. Open without logging in."""
    if request.method == "GET":
        return render(request, "deviations/receipt.html", {"form": ReceiptCodeForm()})
    if _throttled(request):
        context = {"form": ReceiptCodeForm(), "throttled": True}
        return render(request, "deviations/receipt.html", context, status=429)
    form = ReceiptCodeForm(request.POST)
    if not form.is_valid():
        return render(request, "deviations/receipt.html", {"form": form})
    code = form.cleaned_data["code"]
    deviation = (
        Deviation.objects.filter(
            is_anonymous=True, receipt_code_hash=services.receipt_code_hash(code)
        )
        .select_related("unit")
        .first()
    )
    if deviation is None:
        _count_failure(request)
        form.add_error(
            "code",
            _(
                "No case matches this code. Check that you typed it as it was shown "
                "(dashes, spaces and small letters do not matter)."
            ),
        )
        return render(request, "deviations/receipt.html", {"form": form})

    answer_form, answered = ReceiptAnswerForm(), False
    if "answer" in request.POST:
        answer_form = ReceiptAnswerForm(request.POST)
        if answer_form.is_valid():
            text = answer_form.cleaned_data["text"]
            try:
                if not _answer_is_repeat(deviation, text):
                    services.comment_add_from_anonymous_reporter(deviation=deviation, text=text)
            except ValidationError as error:
                add_service_errors(answer_form, error)
            else:
                answer_form, answered = ReceiptAnswerForm(), True
    context = {
        "form": form,
        "code": code,
        "deviation": deviation,
        "steps": list(deviation.steps.select_related("to_unit")),
        "comments": list(deviation.comments.select_related("author")),
        "answer_form": answer_form,
        "answered": answered,
        "done": notifications.what_was_done(deviation) if deviation.status == "closed" else None,
    }
    return render(request, "deviations/receipt.html", context)


# --- The QR poster ---------------------------------------------------------------------------


def _report_link(unit: Unit) -> str:
    path = reverse("deviations:report") + "?" + urlencode({"unit": unit.code})
    return settings.SITE_URL.rstrip("/") + path


def _qr_svg(unit: Unit, *, standalone: bool) -> str:
    """The QR code of the unit's report link. Inline in the page it scales to its box (a
    viewBox, no size); as a file it has a size and an XML declaration."""
    code = segno.make(_report_link(unit), error="m")
    buffer = io.BytesIO()
    options = {"border": 4, "scale": 10} if standalone else {"border": 2, "omitsize": True}
    code.save(
        buffer,
        kind="svg",
        xmldecl=standalone,
        title=_("Report an HSE deviation: %(unit)s") % {"unit": unit.name},
        svgclass="qr-code",
        lineclass=None,
        **options,
    )
    return buffer.getvalue().decode()


def _active_unit(code: str) -> Unit:
    return get_object_or_404(Unit.objects.active(), code__iexact=code)


@login_required
@require_safe
def unit_qr(request, code: str):
    unit = _active_unit(code)
    context = {"unit": unit, "link": _report_link(unit), "svg": _qr_svg(unit, standalone=False)}
    return render(request, "deviations/unit_qr.html", context)


@login_required
@require_safe
def unit_qr_svg(request, code: str):
    unit = _active_unit(code)
    return file_response(_qr_svg(unit, standalone=True), f"qr-{unit.code}.svg")
