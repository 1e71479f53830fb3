"""The big sector of the scale benchmark (`manage.py build_sector`, `make bench-scale`).

Under the demo organisation's root (seed_demo) it adds faculties, departments, sections and
laboratories or research groups (codes starting "SX"), people (usernames "sx.00001"...) with
employee roles, a line manager for every unit (the faculty's is the dean), safety reps and HSE
coordinators; then deviations spread over the sector's units and the last ten years with
their case log and measures, one approved risk assessment with hazard rows for each section
and laboratory, and entered indicator values for each department.

Everything is written with COPY (hms.bulk) in one transaction per part, without row
triggers: the rows have no audit events. Running it again reuses what exists: units are made
once, people and deviations are topped up to the numbers asked for. Case numbers continue
each year's counter (deviations.YearCounter), which stays locked until the load commits.

Three people to benchmark as: `sx.hse` (HSE department on the root), `sx.dean` (line manager
of the first faculty) and `sx.leader` (line manager of its first department)."""

import bisect
import datetime
import itertools
import random
import uuid
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actionplans.models import Measure, MeasureSource, MeasureStatus, Priority
from deviations.management.commands import fill_deviations as texts
from deviations.models import (
    OPEN_STATUSES,
    Category,
    Deviation,
    DeviationMeasure,
    DeviationStep,
    DeviationType,
    EventKind,
    InjuryKind,
    Status,
    YearCounter,
)
from hms.bulk import Copier, indexes_dropped, quiet_load, reserve_ids
from indicators.models import Indicator, IndicatorValue, Source
from risk.models import AssessmentStatus, RiskAssessment, RiskMatrix, RiskRow
from units.models import Role, RoleAssignment, Unit, UnitType

PREFIX = "SX"
PEOPLE_PREFIX = "sx."
BENCH_USERS = {"hse": "sx.hse", "dean": "sx.dean", "leader": "sx.leader"}
YEARS = 10
FACULTIES_PER_1000 = 2  # 20 faculties for 10,000 units
DEPARTMENTS, SECTIONS = 20, 8
DEVIATION_CHUNK = 50_000
SUBJECTS = [
    ("Kjemi", "Chemistry"),
    ("Fysikk", "Physics"),
    ("Biologi", "Biology"),
    ("Materialteknologi", "Materials Science"),
    ("Bioteknologi", "Biotechnology"),
    ("Geologi", "Geology"),
    ("Medisin", "Medicine"),
    ("Psykologi", "Psychology"),
    ("Historie", "History"),
    ("Matematikk", "Mathematics"),
    ("Datateknologi", "Computer Science"),
    ("Energi", "Energy"),
    ("Marin teknikk", "Marine Technology"),
    ("Arkitektur", "Architecture"),
]
TYPE_WEIGHT = texts.TYPE_WEIGHT


def base36(number: int, width: int) -> str:
    alphabet = Unit.alphabet
    digits = ""
    while number:
        number, rest = divmod(number, len(alphabet))
        digits = alphabet[rest] + digits
    return digits.rjust(width, alphabet[0])


class Sector:
    def __init__(self, units: int, people: int, deviations: int, out=print, seed: int = 14):
        self.want_units, self.want_people, self.want_deviations = units, people, deviations
        self.out = out
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.root = Unit.objects.filter(depth=1).order_by("path").first()
        if self.root is None:
            raise ValueError("no organisation: run seed_demo first")
        self.password = make_password(None)

    # -- units ---------------------------------------------------------------------------

    def build_units(self) -> int:
        if Unit.objects.filter(code__startswith=PREFIX).exists():
            return 0
        want = self.want_units
        faculties = max(1, want * FACULTIES_PER_1000 // 1000)
        root = self.root
        last_child = (
            Unit.objects.filter(depth=2, path__startswith=root.path).aggregate(last=Max("path"))[
                "last"
            ]
            or ""
        )
        first_step = int(last_child[-4:], 36) + 1 if last_child else 1
        rows, children = [], defaultdict(int)

        def add(parent_path, step, depth, code, name_nb, name_en, unit_type):
            path = parent_path + base36(step, Unit.steplen)
            rows.append(
                {
                    "path": path,
                    "depth": depth,
                    "code": code,
                    "name_nb": name_nb,
                    "name_en": name_en,
                    "unit_type": unit_type,
                    "numchild": 0,
                }
            )
            children[parent_path] += 1
            return path

        level = []
        for f in range(faculties):
            nb, en = SUBJECTS[f % len(SUBJECTS)]
            code = f"{PREFIX}{f + 1:02d}"
            level.append(
                (
                    add(
                        root.path,
                        first_step + f,
                        2,
                        code,
                        f"Fakultet for {nb.lower()} {f + 1}",
                        f"Faculty of {en} {f + 1}",
                        UnitType.FACULTY,
                    ),
                    code,
                    nb,
                    en,
                )
            )
        plan = [
            (DEPARTMENTS, UnitType.DEPARTMENT, "Institutt for {nb} {n}", "Department of {en} {n}"),
            (SECTIONS, UnitType.SECTION, "Seksjon {n} for {nb}", "{en} section {n}"),
        ]
        for fan_out, unit_type, name_nb, name_en in plan:
            next_level = []
            for n in range(1, fan_out + 1):
                for path, code, nb, en in level:
                    if len(rows) >= want:
                        break
                    child = f"{code}-{n:02d}"
                    next_level.append(
                        (
                            add(
                                path,
                                n,
                                len(path) // 4 + 1,
                                child,
                                name_nb.format(nb=nb.lower(), n=n),
                                name_en.format(en=en, n=n),
                                unit_type,
                            ),
                            child,
                            nb,
                            en,
                        )
                    )
            level = next_level
        n = 0
        while len(rows) < want and level:
            n += 1
            for path, code, nb, en in level:
                if len(rows) >= want:
                    break
                lab = n % 2 == 1
                add(
                    path,
                    n,
                    len(path) // 4 + 1,
                    f"{code}-{'L' if lab else 'G'}{n}",
                    f"{nb}laboratorium {n}" if lab else f"Forskningsgruppe {n} i {nb.lower()}",
                    f"{en} laboratory {n}" if lab else f"{en} research group {n}",
                    UnitType.LABORATORY if lab else UnitType.RESEARCH_GROUP,
                )
        for row in rows:
            row["numchild"] = children.get(row["path"], 0)
        ids = reserve_ids(Unit, len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        with transaction.atomic(), quiet_load():
            Copier(Unit).write(rows)
            Unit.objects.filter(pk=root.pk).update(numchild=root.numchild + children[root.path])
        return len(rows)

    def sector_units(self) -> list[tuple[int, str, str]]:
        return list(
            Unit.objects.filter(code__startswith=PREFIX)
            .order_by("path")
            .values_list("pk", "unit_type", "code")
        )

    # -- people --------------------------------------------------------------------------

    def build_people(self) -> tuple[int, int]:
        User = get_user_model()
        units = self.sector_units()
        have = User.objects.filter(username__regex=r"^sx\.[0-9]+$").count()
        start = self.today - datetime.timedelta(days=365 * 12)
        rng = random.Random(have)
        users, roles = [], []
        new = range(have, self.want_people)
        ids = reserve_ids(User, len(new))
        leaves = [u for u in units if u[1] not in (UnitType.FACULTY,)]
        count = len(units)
        for i, pk in zip(new, ids, strict=True):
            first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
            name = f"{PEOPLE_PREFIX}{i + 1:05d}"
            users.append(
                {
                    "id": pk,
                    "username": name,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{name}@sektor.example",
                    "password": self.password,
                    "is_active": True,
                    "is_staff": False,
                    "is_superuser": False,
                    "date_joined": self.now,
                }
            )
            unit = leaves[i % len(leaves)]
            roles.append(self.role(pk, unit[0], Role.EMPLOYEE, start))
            # Person i leads unit i; the next ten thousand are safety reps, the next HSE
            # coordinators of faculties and departments.
            if i < count:
                roles.append(self.role(pk, units[i][0], Role.LINE_MANAGER, start))
            elif i < 2 * count and units[i - count][1] != UnitType.LABORATORY:
                roles.append(self.role(pk, units[i - count][0], Role.SAFETY_REP, start))
            elif i < 3 * count and units[i - 2 * count][1] in (
                UnitType.FACULTY,
                UnitType.DEPARTMENT,
            ):
                roles.append(self.role(pk, units[i - 2 * count][0], Role.HMS_COORDINATOR, start))
        for role, pk in zip(roles, reserve_ids(RoleAssignment, len(roles)), strict=True):
            role["id"] = pk
        with transaction.atomic(), quiet_load():
            Copier(User).write(users)
            Copier(RoleAssignment).write(roles)
        self.bench_users(units)
        return len(users), len(roles)

    def role(self, user_id, unit_id, role, start):
        return {"user_id": user_id, "unit_id": unit_id, "role": role, "valid_from": start}

    def bench_users(self, units) -> None:
        User = get_user_model()
        faculty = next(u for u in units if u[1] == UnitType.FACULTY)
        department = next(u for u in units if u[1] == UnitType.DEPARTMENT)
        wanted = {
            BENCH_USERS["hse"]: (self.root.pk, Role.HMS_DEPARTMENT),
            BENCH_USERS["dean"]: (faculty[0], Role.LINE_MANAGER),
            BENCH_USERS["leader"]: (department[0], Role.LINE_MANAGER),
        }
        for username, (unit_id, role) in wanted.items():
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"first_name": username, "password": self.password},
            )
            RoleAssignment.objects.get_or_create(
                user=user,
                unit_id=unit_id,
                role=role,
                valid_to=None,
                defaults={"valid_from": self.today - datetime.timedelta(days=365)},
            )

    # -- deviations ----------------------------------------------------------------------

    def build_deviations(self) -> dict[str, int]:
        have = Deviation.objects.count()
        count = self.want_deviations - have
        totals = {"deviations": 0, "steps": 0, "measures": 0}
        if count <= 0:
            return totals
        self.prepare()
        plans = self.plan(count)
        with transaction.atomic(), quiet_load():
            self.numbers(plans)
            big = count >= 200_000
            ctx = indexes_dropped(Deviation) if big else _nothing()
            with ctx:
                devs, steps, measures = Copier(Deviation), Copier(DeviationStep), Copier(Measure)
                links = Copier(DeviationMeasure)
                for start in range(0, count, DEVIATION_CHUNK):
                    chunk = plans[start : start + DEVIATION_CHUNK]
                    rows, step_rows, measure_rows, link_rows = self.rows(chunk)
                    devs.write(rows)
                    steps.write(step_rows)
                    measures.write(measure_rows)
                    links.write(link_rows)
                    self.out(f"  {start + len(chunk)} / {count}")
            totals = {"deviations": devs.rows, "steps": steps.rows, "measures": measures.rows}
        return totals

    def prepare(self) -> None:
        units = self.sector_units()
        self.units = [u[0] for u in units]
        self.lab = {u[0] for u in units if u[1] == UnitType.LABORATORY or "Kjemi" in u[2]}
        weights = [TYPE_WEIGHT.get(u[1], 1.0) for u in units]
        self.unit_cum = list(itertools.accumulate(weights))
        reporters, managers = defaultdict(list), {}
        for user_id, unit_id, role in RoleAssignment.objects.filter(
            unit_id__in=self.units, role__in=[Role.EMPLOYEE, Role.LINE_MANAGER]
        ).values_list("user_id", "unit_id", "role"):
            if role == Role.EMPLOYEE:
                reporters[unit_id].append(user_id)
            else:
                managers.setdefault(unit_id, user_id)
        self.reporters, self.managers = reporters, managers
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        codes = [c for c in texts.CATEGORY_WEIGHTS if c in self.categories] or list(self.categories)
        self.category_codes = codes
        self.category_cum = {
            lab: list(
                itertools.accumulate(
                    texts.CATEGORY_WEIGHTS.get(c, 1)
                    * (texts.LAB_CATEGORY_BOOST.get(c, 1) if lab else 1)
                    for c in codes
                )
            )
            for lab in (False, True)
        }

    def plan(self, count: int) -> list[list]:
        rng = self.rng
        first_day = self.today - datetime.timedelta(days=365 * YEARS)
        span = (self.today - first_day).days
        days = [first_day + datetime.timedelta(days=n) for n in range(span)]
        weights = [
            (1 + 0.6 * n / span)
            * (0.2 if d.weekday() >= 5 else 1)
            * texts.MONTH_WEIGHT[d.month - 1]
            for n, d in enumerate(days)
        ]
        tz = timezone.get_current_timezone()
        plans = []
        for day in rng.choices(days, cum_weights=list(itertools.accumulate(weights)), k=count):
            minute = int(rng.triangular(6 * 60, 20 * 60, 11 * 60))
            occurred = datetime.datetime(
                day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz
            )
            created = min(occurred + datetime.timedelta(minutes=rng.randint(5, 900)), self.now)
            plans.append([created, occurred, 0, 0])
        plans.sort(key=lambda plan: plan[0])
        return plans

    def numbers(self, plans) -> None:
        """Continue each year's counter, locked until the load commits."""
        tz = timezone.get_current_timezone()
        years = sorted({plan[0].astimezone(tz).year for plan in plans})
        for year in years:
            YearCounter.objects.get_or_create(year=year)
        counters = {
            c.year: c for c in YearCounter.objects.select_for_update().filter(year__in=years)
        }
        for year, counter in counters.items():
            used = Deviation.objects.filter(year=year).aggregate(last=Max("sequence"))["last"] or 0
            counter.last = max(counter.last, used)
        for plan in plans:
            counter = counters[plan[0].astimezone(tz).year]
            counter.last += 1
            plan[2], plan[3] = counter.year, counter.last
        YearCounter.objects.bulk_update(counters.values(), ["last"])

    def rows(self, chunk):
        rng = self.rng
        ids = iter(reserve_ids(Deviation, len(chunk)))
        rows, steps, measures, links = [], [], [], []
        for created, occurred, year, sequence in chunk:
            pk = next(ids)
            index = bisect.bisect_left(self.unit_cum, rng.random() * self.unit_cum[-1])
            unit = self.units[min(index, len(self.units) - 1)]
            lab = unit in self.lab
            kind = texts.weighted(rng, texts.DEVIATION_TYPES)
            cum = self.category_cum[lab]
            code = self.category_codes[
                min(bisect.bisect_left(cum, rng.random() * cum[-1]), len(cum) - 1)
            ]
            if kind == DeviationType.ACCIDENT and rng.random() < 0.45:
                code = "personal_injury" if "personal_injury" in self.categories else code
            category = self.categories[code]
            severity = texts.weighted(rng, texts.SEVERITIES[kind])
            if kind == DeviationType.IMPROVEMENT:
                title, description = rng.choice(texts.IMPROVEMENTS)
            else:
                title, description = rng.choice(texts.TEXTS.get(code) or texts.TEXTS["other"])
            injury, absence = InjuryKind.NONE, None
            if kind == DeviationType.ACCIDENT and category.is_personal_injury:
                injury = texts.weighted(
                    rng,
                    [
                        (InjuryKind.FIRST_AID, 50),
                        (InjuryKind.NO_ABSENCE, 30),
                        (InjuryKind.ABSENCE, 20),
                    ],
                )
                if injury == InjuryKind.ABSENCE:
                    absence = max(1, int(rng.expovariate(1 / 6)))
            anonymous = rng.random() < 0.12
            reporters = self.reporters.get(unit)
            reporter = None if anonymous or not reporters else rng.choice(reporters)
            handler = self.managers.get(unit)
            status = texts.Command.status_for((self.now - created).days, rng)
            deadline = None
            if status != Status.REPORTED:
                deadline = created.date() + datetime.timedelta(days=rng.choice([14, 30, 45, 90]))
                if status in OPEN_STATUSES and deadline < self.today and rng.random() < 0.7:
                    deadline = self.today + datetime.timedelta(days=rng.randint(-10, 60))
            closed = None
            if status in (Status.CLOSED, Status.REJECTED):
                closed = min(created + datetime.timedelta(days=rng.randint(3, 110)), self.now)
            rows.append(
                {
                    "id": pk,
                    "number": f"AV-{year}-{sequence:04d}",
                    "year": year,
                    "sequence": sequence,
                    "unit_id": unit,
                    "reporter_id": reporter,
                    "is_anonymous": anonymous,
                    "receipt_code_hash": f"{rng.getrandbits(256):064x}" if anonymous else "",
                    "submission_token": uuid.uuid4(),  # a seeded one repeats on a top-up
                    "title": title,
                    "description": description,
                    "location": f"{rng.choice(texts.BUILDINGS)}, rom {rng.randint(101, 489)}",
                    "occurred_at": occurred,
                    "deviation_type": kind,
                    "category_id": category.pk,
                    "severity": severity,
                    "injury_kind": injury,
                    "absence_days": absence,
                    "status": status,
                    "handler_id": None if status == Status.REPORTED else handler,
                    "deadline": deadline,
                    "rejection_reason": rng.choice(texts.REJECTIONS)
                    if status == Status.REJECTED
                    else "",
                    "created_at": created,
                    "closed_at": closed,
                    "version": 1,
                }
            )
            steps.append(
                {
                    "deviation_id": pk,
                    "kind": EventKind.REPORTED,
                    "actor_id": reporter,
                    "at": created,
                    "to_status": Status.REPORTED,
                }
            )
            if closed:
                final = EventKind.CLOSED if status == Status.CLOSED else EventKind.REJECTED
                steps.append(
                    {
                        "deviation_id": pk,
                        "kind": final,
                        "actor_id": handler,
                        "at": closed,
                        "from_status": Status.UNDER_TREATMENT,
                        "to_status": status,
                    }
                )
            if status == Status.MEASURES or (status == Status.CLOSED and rng.random() < 0.35):
                done = status == Status.CLOSED
                measures.append(
                    {
                        "unit_id": unit,
                        "title": rng.choice(texts.MEASURES),
                        "responsible_id": handler,
                        "deadline": deadline or created.date() + datetime.timedelta(days=45),
                        "status": MeasureStatus.DONE if done else MeasureStatus.IN_PROGRESS,
                        "priority": Priority.MEDIUM,
                        "source": MeasureSource.DEVIATION,
                        "created_by_id": handler,
                        "created_at": created,
                        "completed_at": closed if done else None,
                        "deviation": pk,
                    }
                )
        for step, sid in zip(steps, reserve_ids(DeviationStep, len(steps)), strict=True):
            step["id"] = sid
        for measure, mid in zip(measures, reserve_ids(Measure, len(measures)), strict=True):
            measure["id"] = mid
            links.append({"deviation_id": measure.pop("deviation"), "measure_id": mid})
        for link, lid in zip(links, reserve_ids(DeviationMeasure, len(links)), strict=True):
            link["id"] = lid
        return rows, steps, measures, links

    # -- risk assessments and indicator values ---------------------------------------------

    def build_risk(self) -> tuple[int, int]:
        units = [u for u in self.sector_units() if u[1] in (UnitType.SECTION, UnitType.LABORATORY)]
        if RiskAssessment.objects.filter(unit__code__startswith=PREFIX).exists():
            return 0, 0
        matrix = RiskMatrix.objects.filter(is_current=True).first()
        if matrix is None:
            return 0, 0
        managers = dict(
            RoleAssignment.objects.filter(
                unit_id__in=[u[0] for u in units], role=Role.LINE_MANAGER
            ).values_list("unit_id", "user_id")
        )
        rng = random.Random(3)
        hazards = [t for pairs in texts.TEXTS.values() for t, _ in pairs]
        assessments, rows = [], []
        ids = reserve_ids(RiskAssessment, len(units))
        for (unit_id, _kind, code), pk in zip(units, ids, strict=True):
            manager = managers[unit_id]
            assessed = self.today - datetime.timedelta(days=rng.randint(10, 900))
            assessments.append(
                {
                    "id": pk,
                    "unit_id": unit_id,
                    "title": f"Risikovurdering {code}",
                    "activity": "Laboratoriearbeid og kontorarbeid",
                    "assessed_on": assessed,
                    "matrix_id": matrix.pk,
                    "status": AssessmentStatus.APPROVED,
                    "approved_by_id": manager,
                    "approved_at": self.now,
                    "review_date": assessed + datetime.timedelta(days=730),
                    "created_by_id": manager,
                    "created_at": self.now,
                    "version": 1,
                }
            )
            for order in range(5):
                p, c = rng.randint(1, 5), rng.randint(1, 5)
                rows.append(
                    {
                        "assessment_id": pk,
                        "hazard": rng.choice(hazards),
                        "probability": p,
                        "consequence_people": c,
                        "consequence_environment": rng.randint(1, 3),
                        "consequence_material": rng.randint(1, 4),
                        "consequence_reputation": rng.randint(1, 3),
                        "residual_probability": max(1, p - 1),
                        "residual_consequence": c,
                        "order": order,
                        "version": 1,
                    }
                )
        for row, pk in zip(rows, reserve_ids(RiskRow, len(rows)), strict=True):
            row["id"] = pk
        with transaction.atomic(), quiet_load():
            Copier(RiskAssessment).write(assessments)
            Copier(RiskRow).write(rows)
        return len(assessments), len(rows)

    def build_indicator_values(self) -> int:
        departments = [u[0] for u in self.sector_units() if u[1] == UnitType.DEPARTMENT]
        if IndicatorValue.objects.filter(unit_id__in=departments).exists():
            return 0
        indicators = list(
            Indicator.objects.filter(is_active=True)
            .exclude(source=Source.COMPUTED)
            .values_list("pk", flat=True)
        )
        rng = random.Random(5)
        values = []
        for unit_id in departments:
            for year in range(self.today.year - 3, self.today.year):
                for tertial in (1, 2, 3):
                    for indicator in indicators:
                        values.append(
                            {
                                "indicator_id": indicator,
                                "unit_id": unit_id,
                                "year": year,
                                "tertial": tertial,
                                "value": Decimal(rng.randint(0, 400)) / 4,
                                "source": Source.ENTERED,
                                "entered_at": self.now,
                                "version": 1,
                            }
                        )
        for value, pk in zip(values, reserve_ids(IndicatorValue, len(values)), strict=True):
            value["id"] = pk
        with transaction.atomic(), quiet_load():
            Copier(IndicatorValue).write(values)
        return len(values)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
