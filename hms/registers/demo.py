"""Demo rows for the registers (seed_demo calls `seed()`); the catalogue and the routine
templates come from the data migration, as production needs them too."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from hms.registers import services
from hms.registers.models import (
    CoordinationAgreement,
    Document,
    DocumentKind,
    Requirement,
    RoutineTemplate,
)
from units.models import Unit

HMS_DEPARTMENT_GROUP = "HMS-avdelingen"  # the group seed_demo gives the admin to
CATALOGUE_MODELS = ["requirement", "routinetemplate"]


def seed() -> None:
    _catalogue_in_the_admin()
    User = get_user_model()
    leader = User.objects.filter(username="leder").first()
    hms = User.objects.filter(username="hms").first()
    unit = Unit.objects.filter(code="IKJ").first()
    root = Unit.objects.filter(depth=1).first()
    if not (leader and hms and unit and root) or Document.objects.filter(unit=unit).exists():
        return
    today = timezone.localdate()
    services.requirements_register_save(
        actor=leader,
        unit=unit,
        entries={
            r.pk: (r.short_name != "Strålevernforskriften", "")
            for r in Requirement.objects.filter(is_active=True)
        },
    )
    overview = services.document_save(
        actor=leader,
        unit=unit,
        kind=DocumentKind.RESPONSIBILITY,
        title="Oversikt over HMS-ansvar og roller",
        edition="2",
        review_due=today + datetime.timedelta(days=20),
        archive_ref="2024/8812",
    )
    overview = services.document_approve(actor=leader, document=overview, version=overview.version)
    # The third edition replaced the second: the second stays in the document's history.
    overview = services.document_save(
        actor=leader,
        document=overview,
        unit=unit,
        version=overview.version,
        edition="3",
        archive_ref="2025/10231",
    )
    services.document_approve(actor=leader, document=overview, version=overview.version)
    services.document_save(
        actor=leader,
        unit=unit,
        kind=DocumentKind.FIRE,
        title="Branninstruks for bygg K5",
        edition="2024-1",
        review_due=today - datetime.timedelta(days=10),
        archive_ref="2024/4410",
    )
    template = RoutineTemplate.objects.filter(is_active=True).first()
    if template:
        routine = services.routine_create(
            actor=leader,
            unit=unit,
            template=template,
            title=template.title,
            purpose=template.purpose,
            scope=template.scope,
            responsibility=template.responsibility,
            procedure=template.procedure,
            references=template.references,
            review_due=today + datetime.timedelta(days=365),
        )
        services.routine_approve(actor=leader, routine=routine, version=routine.version)
    central = services.routine_create(
        actor=hms,
        unit=root,
        title="Varsling av alvorlige hendelser",
        purpose="Sikre at alvorlige hendelser varsles straks.",
        scope="Hele institusjonen.",
        responsibility="Linjeleder varsler.",
        procedure=(
            "1. Sørg for førstehjelp.\n2. Ring 113/110/112.\n"
            "3. Varsle linjeleder og HMS-avdelingen."
        ),
        references="Arbeidsmiljøloven § 5-2",
        review_due=today + datetime.timedelta(days=200),
    )
    rector = User.objects.filter(username="rektor").first()
    if rector:
        services.routine_approve(actor=rector, routine=central, version=central.version)
    if not CoordinationAgreement.objects.filter(unit=unit).exists():
        agreement = services.agreement_save(
            actor=leader,
            unit=unit,
            title="Samordningsavtale for Kjemiblokkene",
            premises="Kjemiblokk 4 og 5, laboratoriene i 2. etasje",
            activities=(
                "NTNU: undervisning og forskning. SINTEF: oppdragsforskning i felles labber."
            ),
            valid_from=today.replace(month=1, day=1),
            valid_to=today + datetime.timedelta(days=45),
            archive_ref="2023/998",
            parties=[
                {"name": "NTNU", "contact": "Instituttleder", "is_main": True},
                {"name": "SINTEF", "contact": "Forskningssjef", "is_main": False},
            ],
        )
        services.cooperation_item_add(
            actor=leader,
            agreement=agreement,
            date=today.replace(month=3, day=15),
            what="Felles HMS-runde i labbene",
            who="HMS-koordinatorene",
        )


def _catalogue_in_the_admin() -> None:
    group, _created = Group.objects.get_or_create(name=HMS_DEPARTMENT_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="registers", content_type__model__in=CATALOGUE_MODELS
        )
    )
