"""`manage.py fill_deviations`: fill the demo organisation with realistic deviations.

For local use, demos and benchmarks: run `seed_demo` first. Deviations are spread over the
last --years years (more in recent years and in term time, few at weekends and in July) and
over every active unit, weighted towards laboratories and chemistry. Types, categories,
severities and statuses follow a plausible mix: older cases are mostly closed, a few got stuck
open past their deadline (overdue), recent ones are still being handled. Handlers are the
nearest line manager or HSE coordinator above the unit (the HSE department where there is
none); some cases have measures in the unit's action plan, and every case has its case log.

Reporters are employees: the command adds two per unit below the faculties (usernames
`fill.<code>.<n>`, no usable password, an employee role on the unit) the first time it runs,
and reuses them afterwards. About one report in eight is anonymous: no reporter at all.

Everything is bulk-inserted, one transaction per batch of 2,000 deviations (see `insert`).
Numbers continue each year's counter (deviations.YearCounter), which each batch advances in
its own transaction, so running it twice, or reporting through the app meanwhile, adds more
cases without breaking the numbering. pghistory's triggers write an audit row for each inserted
deviation, measure and link, under the context command="fill_deviations".
"""

import bisect
import datetime
import itertools
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus, Priority
from deviations.models import (
    OPEN_STATUSES,
    Category,
    Deviation,
    DeviationMeasure,
    DeviationStep,
    DeviationType,
    EventKind,
    InjuryKind,
    Severity,
    Status,
    YearCounter,
)
from units import demo_data
from units.models import Role, RoleAssignment, Unit, UnitType

BATCH = 2000
EMPLOYEES_PER_UNIT = 2

# Relative number of reports per unit, by unit type; chemistry and laboratories report more.
TYPE_WEIGHT = {
    UnitType.INSTITUTION: 0.3,
    UnitType.FACULTY: 0.6,
    UnitType.DEPARTMENT: 2.0,
    UnitType.SECTION: 2.5,
    UnitType.LABORATORY: 6.0,
    UnitType.RESEARCH_GROUP: 3.0,
    UnitType.OTHER: 1.0,
}
LAB_WORDS = ("kjemi", "chemi", "laborator", "lab", "bioteknolog", "materialteknologi", "fysikk")

DEVIATION_TYPES = [
    (DeviationType.HAZARD, 45),
    (DeviationType.NEAR_MISS, 25),
    (DeviationType.ACCIDENT, 20),
    (DeviationType.IMPROVEMENT, 10),
]
CATEGORY_WEIGHTS = {
    "building": 22,
    "chemical_biological": 14,
    "personal_injury": 12,
    "fire": 10,
    "ergonomics": 8,
    "psychosocial": 8,
    "other": 8,
    "travel_fieldwork": 5,
    "external_environment": 4,
    "radiation": 2,
}
# In laboratory-heavy units these categories weigh this much more.
LAB_CATEGORY_BOOST = {"chemical_biological": 3.5, "fire": 1.5, "radiation": 3.0}
SEVERITIES = {
    DeviationType.ACCIDENT: [
        (Severity.MINOR, 55),
        (Severity.SERIOUS, 35),
        (Severity.VERY_SERIOUS, 10),
    ],
    DeviationType.NEAR_MISS: [
        (Severity.MINOR, 60),
        (Severity.SERIOUS, 33),
        (Severity.VERY_SERIOUS, 7),
    ],
    DeviationType.HAZARD: [
        (Severity.MINOR, 75),
        (Severity.SERIOUS, 22),
        (Severity.VERY_SERIOUS, 3),
    ],
    DeviationType.IMPROVEMENT: [(Severity.MINOR, 95), (Severity.SERIOUS, 5)],
}
# Fewer reports in the summer holiday and at Christmas, more in term time.
MONTH_WEIGHT = [0.9, 1.1, 1.15, 1.0, 1.05, 0.8, 0.35, 0.75, 1.2, 1.2, 1.15, 0.75]

TEXTS = {
    "building": [
        ("Vannlekkasje fra taket", "Det drypper vann fra himlingen ved vinduet etter regnværet."),
        ("Løs rekkverk i trappeoppgangen", "Rekkverket i trapp B gir etter når man støtter seg."),
        ("Defekt nødlys i korridoren", "To nødlysarmaturer lyser ikke ved prøving."),
        ("Ødelagt dørlukker", "Branndøra smeller igjen og kan klemme fingre."),
        ("Glatt gulv ved inngangen", "Vått gulv uten matte; flere har nesten skled."),
        ("Manglende vedlikehold av avtrekk", "Avtrekkskapet varsler lav luftmengde."),
    ],
    "chemical_biological": [
        ("Søl av saltsyre i avtrekkskap", "Ca. 50 ml konsentrert HCl ble sølt under overføring."),
        ("Feilmerket kjemikalieflaske", "Flaske uten faremerking funnet på benken."),
        ("Utløpt kjemikalie i kartoteket", "Flere flasker med peroksiddannende løsemidler."),
        ("Knust kolbe med løsemiddel", "Kolbe med aceton veltet og knuste ved vasken."),
        ("Biologisk avfall i vanlig søppel", "Pipettespisser fra cellelab funnet i restavfall."),
        ("Gassflaske ikke sikret", "Gassflaske med nitrogen sto uten kjetting."),
    ],
    "personal_injury": [
        ("Kuttskade på glass", "Kuttet seg på en knust begerglass under oppvask."),
        ("Fall i trapp", "Snublet i trappen og falt tre trinn ned."),
        ("Klemskade i dør", "Fingeren kom i klem i en tung dør."),
        ("Brannskade fra varmeplate", "Berørte varmeplate som ikke var merket som varm."),
        ("Sprut i øyet", "Fikk sprut av buffer i øyet; skylte straks i øyedusj."),
    ],
    "fire": [
        ("Utløst brannalarm ved matlaging", "Brannalarmen gikk av røyk fra mikrobølgeovnen."),
        ("Branntilløp i avtrekkskap", "Liten brann i løsemiddel slukket med apparat."),
        ("Blokkert rømningsvei", "Paller og esker står i rømningsveien i kjelleren."),
        ("Evakueringsøvelse: folk ble sittende", "Flere ble sittende på lesesalen under øvelsen."),
        ("Brannslukker mangler kontroll", "Slukkeren på gangen har ikke vært kontrollert."),
    ],
    "ergonomics": [
        ("Dårlig arbeidsstilling ved mikroskop", "Ikke justerbar stol ved mikroskopet."),
        ("Tunge løft av gassflasker", "Flasker løftes for hånd mangler tralle."),
        ("Belysning på kontor er for svak", "Flere klager på hodepine og sliten syn."),
    ],
    "psychosocial": [
        ("Høyt arbeidspress i gruppen", "Flere melder om lange dager over lang tid."),
        ("Uklar rollefordeling i prosjekt", "Konflikter om hvem som har ansvar for hva."),
        ("Ubehagelig kommentar i møte", "Nedsettende kommentar om en kollega i et møte."),
    ],
    "external_environment": [
        ("Oljesøl på parkeringsplassen", "Olje lekket fra en servicebil."),
        ("Feil sortering av avfall", "Elektronikk kastet i papirkontainer."),
        ("Utslipp til avløp", "Løsemiddelrester helt i vasken."),
    ],
    "travel_fieldwork": [
        ("Manglende sikkerhetsutstyr på tokt", "Redningsvester manglet på båten."),
        ("Feltarbeid uten meldt rute", "Gruppen dro til fjells uten å melde fra om rute."),
        ("Bilulykke på tjenestereise", "Leiebil skled av veien i glatt føre; ingen skadet."),
    ],
    "radiation": [
        ("Strålekilde ikke låst inn", "Kilden sto framme etter arbeidstid."),
        ("Dosimeter ikke brukt", "Arbeid ved røntgenanlegget uten dosimeter."),
        ("Laser uten skjerming", "Laserstrålen var ikke skjermet under justering."),
    ],
    "other": [
        ("Uvedkommende i laboratoriet", "Ukjent person uten adgangskort inne i laben."),
        ("Manglende opplæring", "Ny stipendiat brukte utstyr uten opplæring."),
        ("Tyveri av utstyr", "Bærbar PC stjålet fra kontoret."),
    ],
}
IMPROVEMENTS = [
    ("Forslag: skilt ved øyedusj", "Bedre skilting vil gjøre øyedusjen lettere å finne."),
    ("Forslag: felles rutine for avfall", "En felles rutine for kjemikalieavfall i etasjen."),
    ("Forslag: mer lys på sykkelparkeringen", "Det er mørkt og glatt om vinteren."),
]
HEALTH_DETAILS = [
    "Kutt i venstre hånd, sydd med tre sting på legevakten.",
    "Forstuet ankel, sykmeldt noen dager.",
    "Lett brannskade på fingertupp, behandlet med kjøling.",
    "Rødt og irritert øye, undersøkt av bedriftshelsetjenesten.",
    "Hodepine og svimmelhet etter eksponering.",
]
CAUSES = [
    "Manglende rutine for kontroll.",
    "Utstyret var ikke vedlikeholdt.",
    "Mangelfull opplæring av nye ansatte.",
    "Tidspress og dårlig planlegging.",
    "Uklar ansvarsfordeling.",
    "Teknisk feil.",
]
LESSONS = [
    "Rutinen er gjennomgått på allmøtet.",
    "Tatt opp i HMS-runden.",
    "Sjekklisten er oppdatert.",
    "",
]
REJECTIONS = [
    "Dette er ikke et HMS-avvik; meldt til driftsavdelingen.",
    "Duplikat av en tidligere melding.",
    "For lite informasjon til å følge opp.",
]
MEASURES = [
    "Oppdatere rutinen",
    "Gjennomføre opplæring",
    "Bestille nytt utstyr",
    "Merke og skilte bedre",
    "Reparere skaden",
    "Ta opp i HMS-runden",
    "Kontrollere alle tilsvarende enheter",
]
BUILDINGS = [
    "Realfagbygget",
    "Kjemiblokk 1",
    "Kjemiblokk 4",
    "Elektrobygget",
    "Gamle fysikk",
    "Sentralbygg 2",
    "Dragvoll, bygg 7",
    "Gunnerus gate 1",
    "Øya helsehus",
    "Valgrinda",
    "Gjøvik, Mustad",
    "Ålesund, Fagerlia",
]
FIRST_NAMES = [
    "Ole", "Kari", "Ingrid", "Per", "Anne", "Lars", "Marit", "Erik", "Silje", "Jon",
    "Hanne", "Magnus", "Ida", "Thomas", "Nora", "Henrik", "Sara", "Kristian", "Emma", "Sindre",
]  # fmt: skip
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
]  # fmt: skip


def weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


@dataclass
class Plan:
    """One deviation to insert, with what follows from it."""

    created_at: datetime.datetime
    occurred_at: datetime.datetime
    year: int = 0
    sequence: int = 0
    deviation: Deviation | None = None
    steps: list = field(default_factory=list)
    measures: list = field(default_factory=list)


class Command(BaseCommand):
    help = "Fill the demo organisation with realistic deviations (run seed_demo first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (writes demo data)"
        )

    def handle(self, *args, count: int, years: int, seed: int, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "fill_deviations writes thousands of made-up deviations and demo users; it runs "
                "only with DEBUG on, or with --force. Never run it on a production database."
            )
        if count < 1 or years < 1:
            raise CommandError("Need --count >= 1 and --years >= 1.")
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        started = time.perf_counter()
        with pghistory.context(command="fill_deviations"):
            with transaction.atomic():
                self.load_demo()
            inserted = self.insert(self.plan(count, years))
        inserting = time.perf_counter() - started
        # VACUUM as autovacuum would soon: fresh statistics for the planner, and the trigram
        # indexes' pending lists merged (until then the planner prices them too high and
        # reads the whole table for a text search instead). Inside a transaction (a test)
        # only ANALYZE is possible.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Deviation, DeviationStep, Measure, DeviationMeasure):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} deviations over {years} years inserted in {inserting:.1f} s "
                f"({inserted['steps']} case-log steps, {inserted['measures']} measures, "
                f"{inserted['users']} new reporter users); tables vacuumed and analysed in "
                f"{time.perf_counter() - started - inserting:.1f} s."
            )
        )

    # -- the organisation --------------------------------------------------------------------

    def load_demo(self) -> None:
        User = get_user_model()
        self.users = {
            user.username: user
            for user in User.objects.filter(username__in=[row[0] for row in demo_data.USERS])
        }
        if demo_data.ROOT_CODE not in set(
            Unit.objects.filter(code=demo_data.ROOT_CODE).values_list("code", flat=True)
        ) or set(self.users) != {row[0] for row in demo_data.USERS}:
            raise CommandError("The demo organisation is missing: run `manage.py seed_demo` first.")
        self.units = list(Unit.objects.active().order_by("path"))
        self.categories = {category.code: category for category in Category.objects.all()}
        if not self.categories:
            raise CommandError("No deviation categories: run `manage.py migrate` first.")
        self.new_users = self.ensure_reporters()

        # Who handles a unit's cases: the nearest line manager or HSE coordinator above it.
        managers: dict[str, list[int]] = defaultdict(list)
        employees: dict[str, list[int]] = defaultdict(list)
        for user_id, role, path in (
            RoleAssignment.objects.current()
            .filter(role__in=[Role.LINE_MANAGER, Role.HMS_COORDINATOR, Role.EMPLOYEE])
            .values_list("user_id", "role", "unit__path")
        ):
            (employees if role == Role.EMPLOYEE else managers)[path].append(user_id)
        hms = self.users["hms"].pk
        self.handlers: dict[int, list[int]] = {}
        self.reporters: dict[int, list[int]] = {}
        for unit in self.units:
            chain = [unit.path, *reversed(unit.ancestor_paths())]
            # The rector is the root's line manager but does not handle single cases.
            found = next((managers[path] for path in chain[:-1] if managers.get(path)), [])
            self.handlers[unit.pk] = found or [hms]
            pool = [
                uid for path, ids in employees.items() if path.startswith(unit.path) for uid in ids
            ]
            pool += next((employees[path] for path in chain if employees.get(path)), [])
            self.reporters[unit.pk] = pool or [self.users["ansatt"].pk]
        # The demo employee and safety rep report in their own department now and then.
        ikj_org = next((u for u in self.units if u.code == "IKJ-ORG"), None)
        if ikj_org is not None:
            self.reporters[ikj_org.pk] += [self.users["ansatt"].pk] * 6
        ikj = next((u for u in self.units if u.code == "IKJ"), None)
        if ikj is not None:
            self.reporters[ikj.pk] += [self.users["verneombud"].pk]

        self.unit_weights = []
        self.lab_units = set()
        for unit in self.units:
            weight = TYPE_WEIGHT.get(unit.unit_type, 1.0)
            text = f"{unit.name_nb} {unit.name_en} {unit.code}".lower()
            if any(word in text for word in LAB_WORDS) or unit.code.startswith(("IKJ", "IKP")):
                weight *= 2.5
                self.lab_units.add(unit.pk)
            self.unit_weights.append(weight)
        self.unit_cum = list(itertools.accumulate(self.unit_weights))

        codes = [code for code in CATEGORY_WEIGHTS if code in self.categories]
        codes += [code for code in self.categories if code not in CATEGORY_WEIGHTS]
        plain = [CATEGORY_WEIGHTS.get(code, 3) for code in codes]
        lab = [w * LAB_CATEGORY_BOOST.get(code, 1) for code, w in zip(codes, plain, strict=True)]
        self.category_codes = codes
        self.category_cum = {
            False: list(itertools.accumulate(plain)),
            True: list(itertools.accumulate(lab)),
        }

    def ensure_reporters(self) -> int:
        """Two employees per unit below the faculties, made once and reused by later runs."""
        User = get_user_model()
        wanted = {
            f"fill.{unit.code.lower()}.{n}": unit
            for unit in self.units
            if unit.depth >= 3
            for n in range(1, EMPLOYEES_PER_UNIT + 1)
        }
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        missing = [name for name in wanted if name not in existing]
        if not missing:
            return 0
        password = make_password(None)  # nobody logs in as them
        rng = random.Random(len(wanted))
        users = User.objects.bulk_create(
            [
                User(
                    username=name,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"{name}@ntnu.example",
                    password=password,
                )
                for name in missing
            ],
            batch_size=BATCH,
        )
        start = self.today - datetime.timedelta(days=365 * 12)
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=user, unit=wanted[user.username], role=Role.EMPLOYEE, valid_from=start
                )
                for user in users
            ],
            batch_size=BATCH,
        )
        return len(users)

    # -- planning ----------------------------------------------------------------------------

    def plan(self, count: int, years: int) -> list[Plan]:
        rng = self.rng
        first_day = self.today - datetime.timedelta(days=365 * years)
        days = [
            first_day + datetime.timedelta(days=n) for n in range((self.today - first_day).days)
        ]
        day_weights = []
        for day in days:
            growth = 1 + 0.6 * (day - first_day).days / max(1, (self.today - first_day).days)
            weekend = 0.2 if day.weekday() >= 5 else 1.0
            day_weights.append(growth * weekend * MONTH_WEIGHT[day.month - 1])
        tz = timezone.get_current_timezone()
        plans = []
        for day in rng.choices(days, cum_weights=list(itertools.accumulate(day_weights)), k=count):
            minute = int(rng.triangular(6 * 60, 20 * 60, 11 * 60))
            occurred = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60))
            occurred = timezone.make_aware(occurred, tz)
            delay = datetime.timedelta(minutes=int(rng.expovariate(1 / 600)) + 5)
            created = min(occurred + delay, self.now)
            plans.append(Plan(created_at=created, occurred_at=occurred))
        plans.sort(key=lambda plan: plan.created_at)
        return plans

    def number(self, batch: list[Plan]) -> None:
        """Continue each year's running number after what is already given out, inside the
        batch's transaction: the counter rows stay locked until it commits, so a deviation
        reported through the app meanwhile takes the next free number."""
        years = {timezone.localtime(plan.created_at).year for plan in batch}
        for year in years:
            YearCounter.objects.get_or_create(year=year)
        counters = {
            counter.year: counter
            for counter in YearCounter.objects.select_for_update().filter(year__in=years)
        }
        for year in years - set(self.used):
            # A counter behind the numbers in use (rows loaded by other means) is caught up.
            self.used[year] = (
                Deviation.objects.filter(year=year).aggregate(last=Max("sequence"))["last"] or 0
            )
            counters[year].last = max(counters[year].last, self.used[year])
        for plan in batch:
            counter = counters[timezone.localtime(plan.created_at).year]
            counter.last += 1
            plan.year, plan.sequence = counter.year, counter.last
        YearCounter.objects.bulk_update(counters.values(), ["last"])

    def build(self, plan: Plan) -> None:
        rng = self.rng
        unit_index = bisect.bisect_left(self.unit_cum, rng.random() * self.unit_cum[-1])
        unit = self.units[min(unit_index, len(self.units) - 1)]
        is_lab = unit.pk in self.lab_units
        deviation_type = weighted(rng, DEVIATION_TYPES)
        category_cum = self.category_cum[is_lab]
        code = self.category_codes[
            min(
                bisect.bisect_left(category_cum, rng.random() * category_cum[-1]),
                len(self.category_codes) - 1,
            )
        ]
        if deviation_type == DeviationType.ACCIDENT and rng.random() < 0.45:
            code = "personal_injury" if "personal_injury" in self.categories else code
        category = self.categories[code]
        severity = weighted(rng, SEVERITIES[deviation_type])
        if deviation_type == DeviationType.IMPROVEMENT:
            title, description = rng.choice(IMPROVEMENTS)
        else:
            title, description = rng.choice(TEXTS.get(code) or TEXTS["other"])
        room = f"{rng.choice('ABCDE')}{rng.randint(1, 4)}-{rng.randint(101, 189)}"
        location = f"{rng.choice(BUILDINGS)}, rom {room}" if rng.random() < 0.85 else ""

        injury_kind, absence_days, health = InjuryKind.NONE, None, ""
        if deviation_type == DeviationType.ACCIDENT and category.is_personal_injury:
            injury_kind = weighted(
                rng,
                [
                    (InjuryKind.FIRST_AID, 50),
                    (InjuryKind.NO_ABSENCE, 30),
                    (InjuryKind.ABSENCE, 20),
                ],
            )
            if injury_kind == InjuryKind.ABSENCE:
                absence_days = max(1, int(rng.expovariate(1 / 6)))
            if rng.random() < 0.6:
                health = rng.choice(HEALTH_DETAILS)

        anonymous = rng.random() < 0.12
        reporter_id = None if anonymous else rng.choice(self.reporters[unit.pk])
        handler_id = rng.choice(self.handlers[unit.pk])
        created = plan.created_at
        age = (self.now - created).days
        status = self.status_for(age, rng)
        accepted_at = created + datetime.timedelta(hours=rng.randint(2, 24 * 6))
        deadline = None
        if status != Status.REPORTED or rng.random() < 0.2:
            deadline = timezone.localtime(created).date() + datetime.timedelta(
                days=rng.choice([14, 21, 30, 30, 45, 60, 90])
            )
        if deadline and status in OPEN_STATUSES and deadline < self.today and rng.random() < 0.7:
            # Most handlers move a deadline they cannot keep; the rest are overdue.
            deadline = self.today + datetime.timedelta(days=rng.randint(-10, 60))
        closed_at = None
        if status in (Status.CLOSED, Status.REJECTED):
            closed_at = min(created + datetime.timedelta(days=rng.randint(3, 110)), self.now)
            accepted_at = min(accepted_at, closed_at)
        accepted_at = min(accepted_at, self.now)

        deviation = Deviation(
            number=f"AV-{plan.year}-{plan.sequence:04d}",
            year=plan.year,
            sequence=plan.sequence,
            unit_id=unit.pk,
            reporter_id=reporter_id,
            is_anonymous=anonymous,
            receipt_code_hash=f"{rng.getrandbits(256):064x}" if anonymous else "",
            submission_token=uuid.uuid4(),
            title=title,
            description=description,
            location=location,
            occurred_at=plan.occurred_at,
            deviation_type=deviation_type,
            category_id=category.pk,
            severity=severity,
            actual_consequence="",
            potential_consequence="",
            immediate_action="",
            injury_kind=injury_kind,
            absence_days=absence_days,
            health_details=health,
            status=status,
            handler_id=None if status == Status.REPORTED else handler_id,
            deadline=deadline,
            rejection_reason=rng.choice(REJECTIONS) if status == Status.REJECTED else "",
            cause=rng.choice(CAUSES) if status == Status.CLOSED else "",
            lessons_learned=rng.choice(LESSONS) if status == Status.CLOSED else "",
            created_at=created,
            closed_at=closed_at,
        )
        if deviation.is_serious_injury and status != Status.REPORTED:
            deviation.authorities_notified_at = accepted_at
        plan.deviation = deviation

        steps = [
            DeviationStep(
                kind=EventKind.REPORTED, actor_id=reporter_id, at=created, to_status=Status.REPORTED
            )
        ]
        if status == Status.REJECTED and rng.random() < 0.5:
            steps.append(
                self.step(EventKind.REJECTED, handler_id, closed_at, Status.REPORTED, status)
            )
            steps[-1].note = deviation.rejection_reason
        elif status != Status.REPORTED:
            steps.append(
                self.step(
                    EventKind.ACCEPTED,
                    handler_id,
                    accepted_at,
                    Status.REPORTED,
                    Status.UNDER_TREATMENT,
                )
            )
        with_measures = status == Status.MEASURES or (
            status == Status.CLOSED and rng.random() < 0.35
        )
        if with_measures:
            measured_at = min(accepted_at + datetime.timedelta(days=rng.randint(1, 10)), self.now)
            if closed_at:
                measured_at = min(measured_at, closed_at)
            steps.append(
                self.step(
                    EventKind.STATUS,
                    handler_id,
                    measured_at,
                    Status.UNDER_TREATMENT,
                    Status.MEASURES,
                )
            )
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
                plan.measures.append(
                    self.measure(unit, handler_id, measured_at, deadline, closed_at)
                )
        if status == Status.REJECTED and steps[-1].kind != EventKind.REJECTED:
            steps.append(
                self.step(EventKind.REJECTED, handler_id, closed_at, Status.UNDER_TREATMENT, status)
            )
            steps[-1].note = deviation.rejection_reason
        if status == Status.CLOSED:
            previous = Status.MEASURES if with_measures else Status.UNDER_TREATMENT
            steps.append(self.step(EventKind.CLOSED, handler_id, closed_at, previous, status))
        plan.steps = steps

    @staticmethod
    def status_for(age_days: int, rng: random.Random) -> str:
        if age_days > 365:
            # Old cases are closed, but some got stuck open: NTNU has had over 100 overdue.
            pairs = [(Status.CLOSED, 93.8), (Status.REJECTED, 6), (Status.UNDER_TREATMENT, 0.1)]
            pairs += [(Status.MEASURES, 0.08), (Status.REPORTED, 0.02)]
        elif age_days > 90:
            pairs = [(Status.CLOSED, 86), (Status.REJECTED, 6), (Status.UNDER_TREATMENT, 3)]
            pairs += [(Status.MEASURES, 4.5), (Status.REPORTED, 0.5)]
        elif age_days > 14:
            pairs = [(Status.CLOSED, 35), (Status.REJECTED, 5), (Status.UNDER_TREATMENT, 25)]
            pairs += [(Status.MEASURES, 20), (Status.REPORTED, 15)]
        else:
            pairs = [(Status.CLOSED, 5), (Status.REJECTED, 2), (Status.UNDER_TREATMENT, 30)]
            pairs += [(Status.MEASURES, 8), (Status.REPORTED, 55)]
        return weighted(rng, pairs)

    @staticmethod
    def step(kind, actor_id, at, from_status, to_status) -> DeviationStep:
        return DeviationStep(
            kind=kind, actor_id=actor_id, at=at, from_status=from_status, to_status=to_status
        )

    def measure(self, unit, handler_id, created_at, deadline, closed_at) -> Measure:
        rng = self.rng
        due = deadline or timezone.localtime(created_at).date() + datetime.timedelta(days=45)
        if closed_at:
            status = MeasureStatus.DONE if rng.random() < 0.9 else MeasureStatus.CANCELLED
        else:
            status = weighted(
                rng,
                [
                    (MeasureStatus.PLANNED, 45),
                    (MeasureStatus.IN_PROGRESS, 40),
                    (MeasureStatus.DONE, 15),
                ],
            )
        done = status == MeasureStatus.DONE
        return Measure(
            unit_id=unit.pk,
            title=rng.choice(MEASURES),
            responsible_id=handler_id,
            deadline=due,
            status=status,
            priority=weighted(
                rng, [(Priority.HIGH, 20), (Priority.MEDIUM, 60), (Priority.LOW, 20)]
            ),
            source=MeasureSource.DEVIATION,
            effectiveness=(
                weighted(
                    rng,
                    [
                        (Effectiveness.EFFECTIVE, 70),
                        (Effectiveness.PARTLY, 22),
                        (Effectiveness.NOT_EFFECTIVE, 8),
                    ],
                )
                if done and closed_at
                else ""
            ),
            created_by_id=handler_id,
            created_at=created_at,
            completed_at=(closed_at or min(created_at + datetime.timedelta(days=20), self.now))
            if done
            else None,
        )

    # -- writing -----------------------------------------------------------------------------

    def insert(self, plans: list[Plan]) -> dict[str, int]:
        """One transaction per batch. pghistory's row triggers get slower with every row
        already written in the same transaction (measured: 2,000 audited rows take 0.1 s in a
        fresh transaction and over 1 s after 16,000), so one transaction for 100,000 rows
        would take ten minutes instead of two."""
        totals = {"steps": 0, "measures": 0, "users": self.new_users}
        self.used: dict[int, int] = {}
        for start in range(0, len(plans), BATCH):
            batch = plans[start : start + BATCH]
            with transaction.atomic():
                self.insert_batch(batch, totals)
            done = start + len(batch)
            if done % (BATCH * 10) == 0 or done == len(plans):
                self.stdout.write(f"  {done} / {len(plans)}")
        return totals

    def insert_batch(self, batch: list[Plan], totals: dict[str, int]) -> None:
        self.number(batch)
        for plan in batch:
            self.build(plan)
        Deviation.objects.bulk_create([plan.deviation for plan in batch], batch_size=BATCH)
        steps, measures, links = [], [], []
        for plan in batch:
            for step in plan.steps:
                step.deviation_id = plan.deviation.pk
                steps.append(step)
            measures += plan.measures
        DeviationStep.objects.bulk_create(steps, batch_size=BATCH)
        Measure.objects.bulk_create(measures, batch_size=BATCH)
        for plan in batch:
            links += [
                DeviationMeasure(deviation_id=plan.deviation.pk, measure_id=measure.pk)
                for measure in plan.measures
            ]
            plan.steps = plan.measures = plan.deviation = None  # free memory as we go
        DeviationMeasure.objects.bulk_create(links, batch_size=BATCH)
        totals["steps"] += len(steps)
        totals["measures"] += len(measures)
