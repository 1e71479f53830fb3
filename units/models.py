import datetime

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from units.limits import LONG_TEXT, SHORT_TEXT, validate_date_in_range


def audited(**kwargs):
    """Audit every insert, update and delete of the model with Postgres triggers, so bulk
    updates and raw SQL are recorded too. Trackers hold per-model state: new ones each time."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs
    )


def person_haystack():
    """Name, e-mail and user name in one upper-cased text: the expression the people search
    matches and its trigram index (migration units 0004, written out by hand because Django
    puts an expression's operator class inside its parentheses) covers, so a search of 50,000 people
    reads the index instead of every row."""
    return Upper(
        Concat(
            "first_name",
            Value(" "),
            "last_name",
            Value(" "),
            "email",
            Value(" "),
            "username",
            output_field=models.TextField(),
        )
    )


UNIT_MATCH_LIMIT = 500  # a word matching more units than this is too vague to search by


class UserQuerySet(models.QuerySet):
    def search(self, text: str, first: int | None = None) -> "UserQuerySet":
        """People whose name, e-mail or username contains the text, or who hold a current role
        on a unit whose code or name matches it. Each word must match somewhere, so "kari
        ikj" finds Kari in the Department of Chemistry.

        With `first`, a one-word search takes at most that many people matched by name: a
        picker that shows a handful need not read every "Hansen" of a university."""
        today = timezone.localdate()
        result = self
        words = text.split()[:5]
        for word in words:
            by_person = (
                self.annotate(haystack=person_haystack())
                .filter(haystack__contains=word.upper())
                .order_by()
                .values("pk")
            )
            # The units are looked up first (a few hundred rows at most): given their ids,
            # PostgreSQL reads the roles through the unit index instead of guessing how many
            # units a word matches and scanning every role.
            unit_ids = list(
                Unit.objects.filter(
                    Q(code__iexact=word) | Q(name_nb__icontains=word) | Q(name_en__icontains=word)
                ).values_list("pk", flat=True)[:UNIT_MATCH_LIMIT]
            )
            in_unit = (
                RoleAssignment.objects.current(today)
                .filter(unit_id__in=unit_ids)
                .order_by()
                .values("user_id")
            )
            if first and len(words) == 1:
                # Only the name branch: a limit on the unit branch turns PostgreSQL's plan from
                # "matching units, then their roles" into a scan of every role.
                by_person = by_person[:first]
            # One subquery of the two (a union) lets PostgreSQL join on the primary key
            # instead of testing every person against both.
            result = result.filter(pk__in=by_person.union(in_unit))
        return result


class PersonManager(UserManager.from_queryset(UserQuerySet)):
    pass


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who logs in. Roles on units say what they may see and do.

    The identifiers link the account to the institution: the HR system's employee number and
    the Feide id (eduPersonPrincipalName) come with the people import; the OpenID Connect
    subject (`sub`) is stored at the first sign-in through the provider. Each is unique where
    it is set."""

    employee_number = models.CharField(
        _("employee number"), max_length=32, unique=True, null=True, blank=True
    )
    feide_id = models.CharField(
        _("Feide id"),
        max_length=254,
        unique=True,
        null=True,
        blank=True,
        help_text=_("eduPersonPrincipalName, e.g. ola.nordmann@ntnu.no."),
    )
    oidc_subject = models.CharField(
        _("sign-in subject"), max_length=255, unique=True, null=True, blank=True
    )
    # The language of the e-mails the person gets; blank is the installation's (LANGUAGE_CODE).
    language = models.CharField(
        _("language of e-mails"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    objects = PersonManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UnitType(models.TextChoices):
    INSTITUTION = "institution", _("Institution")
    FACULTY = "faculty", _("Faculty")
    DEPARTMENT = "department", _("Department")
    SECTION = "section", _("Section")
    LABORATORY = "laboratory", _("Laboratory")
    RESEARCH_GROUP = "research_group", _("Research group")
    OTHER = "other", _("Other")


code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, dot, dash or underscore, starting with a letter or digit."),
)


class UnitQuerySet(MP_NodeQuerySet):
    def active(self) -> "UnitQuerySet":
        return self.filter(is_active=True)

    def search(self, text: str) -> "UnitQuerySet":
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(code__iexact=text)
            | Q(name_nb__icontains=text)
            | Q(name_en__icontains=text)
            | Q(code__istartswith=text)
        )

    def subtree_of(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and every unit below it: one indexed prefix match on the path."""
        return self.filter(path__startswith=unit.path)


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model).order_by("path")


@audited()
class Unit(MP_Node):
    """An organisational unit. The tree is a materialised path (`path`), so a subtree is a
    prefix match on one indexed column: cheap to join against from every domain query.
    (Django gives the unique `path` a `varchar_pattern_ops` index, which serves LIKE 'x%'.)"""

    steplen = 4
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit_type = models.CharField(
        _("unit type"), max_length=20, choices=UnitType.choices, default=UnitType.OTHER
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped by every edit through the app; an edit based on an older version is refused
    # instead of silently overwriting someone else's change.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        permissions = [("manage_tree", _("Can manage the unit tree and role assignments"))]
        constraints = [
            # "IKJ" and "ikj" would be the same code to a person reading a report.
            models.UniqueConstraint(Upper("code"), name="unit_code_unique_ignoring_case"),
        ]
        indexes = [
            models.Index(fields=["is_active", "depth"], name="unit_active_depth_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("units:detail", args=[self.code])

    @property
    def name(self) -> str:
        if (get_language() or "nb").startswith("en") and self.name_en:
            return self.name_en
        return self.name_nb

    def ancestor_paths(self) -> list[str]:
        """Paths of the ancestors, root first, derived from this unit's own path."""
        return [self.path[:i] for i in range(self.steplen, len(self.path), self.steplen)]

    def ancestors_and_self(self) -> UnitQuerySet:
        return Unit.objects.filter(path__in=[*self.ancestor_paths(), self.path])

    def parent_path(self) -> str | None:
        return self.path[: -self.steplen] or None


class Role(models.TextChoices):
    LINE_MANAGER = "line_manager", _("Line manager")
    SAFETY_REP = "safety_rep", _("Safety representative")
    CHIEF_SAFETY_REP = "chief_safety_rep", _("Chief safety representative")
    HMS_COORDINATOR = "hms_coordinator", _("HSE coordinator")
    RADIATION_COORDINATOR = "radiation_coordinator", _("Radiation protection coordinator")
    CHEMICAL_CONTACT = "chemical_contact", _("Chemical register contact")
    HMS_DEPARTMENT = "hms_department", _("HSE department")
    EMPLOYEE = "employee", _("Employee")


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> "RoleAssignmentQuerySet":
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def for_user(self, user) -> "RoleAssignmentQuerySet":
        return self.filter(user=user)


@audited()
class RoleAssignment(models.Model):
    """A person holds a role for a unit and, through it, for the unit's whole subtree."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(
        _("valid from"), default=timezone.localdate, validators=[validate_date_in_range]
    )
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, validators=[validate_date_in_range]
    )
    delegated = models.TextField(
        _("tasks and authority delegated"),
        blank=True,
        max_length=SHORT_TEXT,
        help_text=_(
            "What the line manager has delegated to this person beyond the role's own tasks, "
            "e.g. handling the unit's deviations or keeping its chemical register."
        ),
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["unit__path", "role", "user__last_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="roleassignment_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                condition=Q(valid_to__isnull=True),
                name="roleassignment_one_open_per_role",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "valid_to"], name="roleassignment_user_idx"),
            models.Index(fields=["unit", "role"], name="roleassignment_unit_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit.code}"

    def get_absolute_url(self) -> str:
        return self.unit.get_absolute_url()

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)

    @property
    def takes_delegation(self) -> bool:
        """The line manager's responsibility is not delegated, and safety representatives
        act by law on behalf of the employees, not on the line manager's behalf."""
        return self.role not in NOT_DELEGATED_TO


# Roles that hold their authority of their own (arbeidsmiljøloven §§ 2-1, 6-2): no delegation.
NOT_DELEGATED_TO = {Role.LINE_MANAGER, Role.SAFETY_REP, Role.CHIEF_SAFETY_REP}


@audited()
class RoleDescription(models.Model):
    """What a role means at the institution: its responsibility, tasks and authority, kept by
    the HSE department and shown on every unit's roles page (the seed's "oversikt over hvordan
    ansvar, oppgaver og myndighet innenfor HMS er fordelt")."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, unique=True)
    responsibility = models.TextField(_("responsibility"), blank=True, max_length=LONG_TEXT)
    tasks = models.TextField(_("tasks"), blank=True, max_length=LONG_TEXT)
    authority = models.TextField(_("authority"), blank=True, max_length=LONG_TEXT)
    # Bumped on every save: two people of the HSE department changing a text at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("role description")
        verbose_name_plural = _("role descriptions")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()

    def get_absolute_url(self) -> str:
        return reverse("units:role_description_edit", args=[self.role])


@audited()
class Employment(models.Model):
    """A person's employment in a unit for a period, as the HR register has it.

    A row of its own rather than fields on User: a person may hold several positions (two
    units at 50 % each) and leave and come back, and each period must stay on record. The
    people import keeps one employee role (`RoleAssignment`) per employment with the same
    dates, so access keeps working through roles alone."""

    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="employments", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="employments", verbose_name=_("unit")
    )
    position_share = models.DecimalField(_("position share (%)"), max_digits=5, decimal_places=2)
    start = models.DateField(_("start of employment"), validators=[validate_date_in_range])
    end = models.DateField(
        _("end of employment"), null=True, blank=True, validators=[validate_date_in_range]
    )

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(position_share__gt=0) & Q(position_share__lte=100),
                name="employment_share_percentage",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="employment_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["person", "unit", "start"], name="employment_one_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.unit.code} ({self.position_share:g} %)"

    def get_absolute_url(self) -> str:
        return reverse("people:detail", args=[self.person_id])

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end >= on)


class OutboxMessage(models.Model):
    """One e-mail to one address, written in the same transaction as the change that causes
    it and marked sent by the worker that sends it. A broker that loses the task, a worker
    killed half-way or a database outage delays the e-mail; it is neither lost (the beat sweep
    queues unsent rows again) nor sent twice (the unique key, and a row is sent under a lock)."""

    # What happened, e.g. "deviations.new_deviation", and to what: with the recipient the key
    # the same event never gets a second row.
    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "recipient"], name="outbox_once_per_event_and_recipient"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            ),
            models.Index(fields=["kind", "key"], name="outbox_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.recipient}"
