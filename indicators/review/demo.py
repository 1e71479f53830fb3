"""Demo rows for `seed_demo`: last year's management review, final, with a few decisions, so
this year's review (created from the list page) shows how last year's decisions went."""

import datetime

import pghistory
from django.db import transaction
from django.utils import timezone

from indicators.review import services
from indicators.review.models import AgendaItem, ManagementReview
from units.models import Role, RoleAssignment, Unit, User


@transaction.atomic
@pghistory.context(command="seed_demo")
def seed() -> None:
    root = Unit.objects.filter(depth=1).order_by("path").first()
    rector = (
        RoleAssignment.objects.current()
        .filter(unit=root, role=Role.LINE_MANAGER)
        .select_related("user")
        .first()
    )
    hms = User.objects.filter(username="hms").first()
    if root is None or rector is None or hms is None:
        return
    year = timezone.localdate().year - 1
    if ManagementReview.objects.filter(root=root, year=year).exists():
        return
    review = services.review_create(actor=hms, root=root, year=year)
    services.participant_add(actor=hms, review=review, function="hms_department", user=hms)
    services.participant_add(
        actor=hms, review=review, function="occupational_health", name="Kari Nordmann (BHT)"
    )
    services.participant_add(
        actor=hms, review=review, function="chief_union_rep", name="Ola Hansen"
    )
    items = {item.key: item for item in AgendaItem.objects.filter(review=review)}
    services.item_notes_save(
        actor=hms,
        item=items["deviations"],
        version=items["deviations"].version,
        notes="Flere meldte avvik enn året før; tolkes som bedre meldekultur.",
    )
    services.decision_add(
        actor=hms,
        item=items["internal_audits"],
        text="Alle institutter gjennomfører HMS-runde innen 1. oktober.",
        responsible=hms,
        deadline=datetime.date(year + 1, 10, 1),
    )
    decision = services.decision_add(
        actor=hms,
        item=items["fire_protection"],
        text="Brannvernopplæring for alle nyansatte.",
        responsible=rector.user,
        deadline=datetime.date(year + 1, 6, 30),
    )
    services.decision_to_measure(actor=hms, decision=decision, priority="high")
    review = ManagementReview.objects.get(pk=review.pk)
    review = services.review_update(
        actor=hms,
        review=review,
        version=review.version,
        meeting_date=datetime.date(year, 12, 10),
        archive_case_number=f"{year}/4711",
    )
    services.review_finalise(actor=hms, review=review, version=review.version)
    # A demo of a review held last December: dated as if it had been.
    held = timezone.make_aware(datetime.datetime(year, 12, 10, 15))
    ManagementReview.objects.filter(pk=review.pk).update(
        facts_taken_at=held - datetime.timedelta(days=7), finalised_at=held
    )
