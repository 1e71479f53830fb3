"""The indicator catalogue, the values entered for it, and the reference figures the computed
indicators need (emission factors, degree days, each unit's temperature-dependent share).

The catalogue is data, maintained by the HSE department in the admin; the default rows come
from a data migration (the seed's list under "Indikatorer"). Computed indicators are worked
out by `indicators.figures` from records and entered values; their catalogue rows carry the
definition shown to readers.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units.limits import LONG_TEXT
from units.models import Unit, audited


def _in_english() -> bool:
    return (get_language() or "nb").startswith("en")


class Category(models.TextChoices):
    HEALTH = "health", _("Health and safety")
    ENERGY = "energy", _("Energy")
    WASTE = "waste", _("Waste")
    PROCUREMENT = "procurement", _("Procurement")
    TRAVEL = "travel", _("Travel")


class PeriodKind(models.TextChoices):
    TERTIAL = "tertial", _("Tertial")
    YEAR = "year", _("Year")


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed from records")
    ENTERED = "entered", _("Entered in the browser")
    IMPORTED = "imported", _("Imported from a file")


class Supplier(models.TextChoices):
    HMS_DEPARTMENT = "hms_department", _("HSE department")
    HR = "hr", _("HR (personnel)")
    ESTATES = "estates", _("Estates and operations")
    PROCUREMENT = "procurement", _("Procurement section")
    TRAVEL_AGENCY = "travel_agency", _("Travel agency")
    UNIT = "unit", _("The unit")


class RollUp(models.TextChoices):
    SUM = "sum", _("Sum of the units")
    RATIO = "ratio", _("Ratio recomputed from the summed parts")
    NONE = "none", _("Not added up (the unit's own value)")


class OverTime(models.TextChoices):
    """How several periods make one figure: flows (kWh, days, counts) add up; stocks (FTEs,
    floor area) are averaged, or a year with three tertials would triple the staff."""

    SUM = "sum", _("Sum of the periods")
    AVERAGE = "average", _("Average of the periods")


class Measure(models.TextChoices):
    """Units of measure, so that "days" and "FTE" are translated like the rest."""

    COUNT = "count", _("count")
    PERCENT = "percent", "%"
    PER_MILLION_HOURS = "per_million_hours", _("per million hours")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    FTE = "fte", _("FTE")
    KWH = "kwh", "kWh"
    KWH_PER_M2 = "kwh_per_m2", "kWh/m²"
    SQUARE_METRES = "m2", "m²"
    TONNES = "tonnes", _("tonnes")
    KM = "km", "km"


class Feeds(models.TextChoices):
    """What an entered indicator feeds into, so a fraction or carrier added in the admin is
    counted by the computed totals without a code change."""

    NOTHING = "", _("Nothing")
    ENERGY_CARRIER = "energy_carrier", _("Energy carrier (total energy, CO2)")
    WASTE_SORTED = "waste_sorted", _("Sorted waste fraction")
    WASTE_UNSORTED = "waste_unsorted", _("Unsorted (residual) waste")


class IndicatorQuerySet(models.QuerySet):
    def active(self) -> "IndicatorQuerySet":
        return self.filter(is_active=True)

    def stored(self) -> "IndicatorQuerySet":
        """Indicators whose values are entered or imported (not computed)."""
        return self.exclude(source=Source.COMPUTED)


@audited()
class Indicator(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (bokmål)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit_of_measure = models.CharField(
        _("unit of measure"), max_length=20, choices=Measure.choices, default=Measure.COUNT
    )
    period = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    source = models.CharField(_("obtained"), max_length=10, choices=Source.choices)
    supplier = models.CharField(_("supplied by"), max_length=20, choices=Supplier.choices)
    roll_up = models.CharField(_("rolls up as"), max_length=10, choices=RollUp.choices)
    over_time = models.CharField(
        _("over several periods"), max_length=10, choices=OverTime.choices, default=OverTime.SUM
    )
    feeds = models.CharField(
        _("feeds into"), max_length=20, choices=Feeds.choices, blank=True, default=""
    )
    definition_nb = models.TextField(_("definition (bokmål)"), blank=True, max_length=LONG_TEXT)
    definition_en = models.TextField(_("definition (English)"), blank=True, max_length=LONG_TEXT)
    decimals = models.PositiveSmallIntegerField(
        _("decimals shown"), default=0, validators=[MaxValueValidator(4)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="computed") | Q(feeds=""),
                name="indicator_computed_feeds_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return self.name_en if _in_english() and self.name_en else self.name_nb

    @property
    def definition(self) -> str:
        return self.definition_en if _in_english() and self.definition_en else self.definition_nb

    @property
    def is_stored(self) -> bool:
        return self.source != Source.COMPUTED


class IndicatorValueQuerySet(models.QuerySet):
    def visible_to(self, user) -> "IndicatorValueQuerySet":
        from units import access

        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(access.records_q(user, "unit"))

    def in_subtree(self, unit: Unit) -> "IndicatorValueQuerySet":
        return self.filter(unit__path__startswith=unit.path)


@audited()
class IndicatorValue(models.Model):
    """One figure for one unit and one period: a tertial (1–3) or the whole year (0).

    A value entered for a unit stands for its whole subtree: where a department and one of its
    sections both have one, the department's figure is used and the section's is not added to
    it (see `indicators.figures`)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="indicator_values", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    tertial = models.PositiveSmallIntegerField(
        _("tertial"), default=0, help_text=_("1–3, or 0 for the whole year.")
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    source = models.CharField(
        _("obtained"),
        max_length=10,
        choices=[(Source.ENTERED, Source.ENTERED.label), (Source.IMPORTED, Source.IMPORTED.label)],
        default=Source.ENTERED,
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)
    # Bumped by every change; a form based on an older version is refused (409).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator__order", "year", "tertial"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "tertial"],
                name="indicatorvalue_one_per_period",
            ),
            models.CheckConstraint(
                condition=Q(tertial__gte=0) & Q(tertial__lte=3), name="indicatorvalue_tertial"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="indicatorvalue_year"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicatorvalue_not_negative"),
        ]
        indexes = [
            models.Index(fields=["year", "tertial"], name="indicatorvalue_period_idx"),
            models.Index(fields=["unit", "year"], name="indicatorvalue_unit_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit.code} {period_label(self.year, self.tertial)}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:unit", args=[self.unit.code])


class Method(models.TextChoices):
    LOCATION = "location", _("Location-based")
    MARKET = "market", _("Market-based")


@audited()
class EmissionFactor(models.Model):
    """Grams of CO2 per kWh for an energy carrier in a year. A year without its own factor
    uses the latest earlier one (published factors lag a year or two)."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    carrier = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="emission_factors",
        limit_choices_to={"feeds": Feeds.ENERGY_CARRIER},
        verbose_name=_("energy carrier"),
    )
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.LOCATION
    )
    grams_per_kwh = models.DecimalField(
        _("g CO2 per kWh"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reference = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        ordering = ["carrier__order", "method", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "carrier", "method"], name="emissionfactor_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(grams_per_kwh__gte=0), name="emissionfactor_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.year} {self.method}: {self.grams_per_kwh} g/kWh"


DEFAULT_MUNICIPALITY = "Trondheim"


@audited()
class DegreeDays(models.Model):
    """Heating degree days (base 17 °C) of a municipality in a year, and the normal year's,
    with the normal period it was taken from."""

    municipality = models.CharField(_("municipality"), max_length=80)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    actual = models.DecimalField(
        _("degree days, actual"), max_digits=7, decimal_places=1, validators=[MinValueValidator(1)]
    )
    normal = models.DecimalField(
        _("degree days, normal"), max_digits=7, decimal_places=1, validators=[MinValueValidator(1)]
    )
    normal_period = models.CharField(_("normal period"), max_length=20, default="1991–2020")

    class Meta:
        verbose_name = _("degree days")
        verbose_name_plural = _("degree days")
        ordering = ["municipality", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="degreedays_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(actual__gt=0) & Q(normal__gt=0), name="degreedays_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.actual} / {self.normal}"


@audited()
class EnergyProfile(models.Model):
    """Where a unit's buildings are (for degree days) and how much of its energy depends on
    the weather. Units without one use their nearest ancestor's, else the defaults."""

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="energy_profile", verbose_name=_("unit")
    )
    municipality = models.CharField(_("municipality"), max_length=80, default=DEFAULT_MUNICIPALITY)
    temperature_share = models.DecimalField(
        _("temperature-dependent share"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The share of the energy use that depends on the outdoor temperature."),
    )

    class Meta:
        verbose_name = _("energy profile")
        verbose_name_plural = _("energy profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature_share__gte=0) & Q(temperature_share__lte=1),
                name="energyprofile_share_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code}: {self.municipality}, {self.temperature_share}"


# Periods ------------------------------------------------------------------------------------

TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}


def period_bounds(year: int, tertial: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a tertial (1–3: Jan–Apr, May–Aug, Sep–Dec) or year (0)."""
    if not tertial:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first, last = TERTIAL_MONTHS[tertial]
    end = (
        datetime.date(year, 12, 31)
        if last == 12
        else datetime.date(year, last + 1, 1) - datetime.timedelta(days=1)
    )
    return datetime.date(year, first, 1), end


def period_label(year: int, tertial: int) -> str:
    return f"{year} T{tertial}" if tertial else str(year)


def tertial_of(day: datetime.date) -> int:
    return (day.month - 1) // 4 + 1
