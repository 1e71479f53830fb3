"""The computed indicators: each takes a unit's subtree over a range (figures._Context) and
answers (value, parts). Keyed by the catalogue code; an indicator marked computed whose code
has no function here gets no value."""

from decimal import Decimal

from indicators import formulas
from indicators.figures import AGREED, _Context, _dec, _text
from indicators.models import Feeds, PeriodKind, period_label


def _h1(context: "_Context"):
    injuries = context.window_counts["with_absence"]
    return context.rate(
        "injuries_with_absence",
        injuries,
        lambda n, hours: formulas.h1(injuries_with_absence=n, hours=hours),
    )


def _h2(context: "_Context"):
    with_absence = context.window_counts["with_absence"]
    without = context.window_counts["without_absence"]
    value, parts = context.rate(
        "injuries",
        with_absence + without,
        lambda _n, hours: formulas.h2(
            injuries_with_absence=with_absence, injuries_without_absence=without, hours=hours
        ),
    )
    return value, {
        "injuries_with_absence": with_absence,
        "injuries_without_absence": without,
        **parts,
    }


def _f(context: "_Context"):
    days = context.window_counts["days"]
    return context.rate(
        "absence_days", days, lambda n, hours: formulas.f_value(absence_days=n, hours=hours)
    )


def _sick_leave(context: "_Context"):
    days, used = context.total("sick_leave_days", PeriodKind.TERTIAL)
    agreed = Decimal(0)
    for label_year, tertial in context.periods(PeriodKind.TERTIAL):
        if period_label(label_year, tertial) in used:
            agreed += context.subtree.total(AGREED, label_year, tertial) or Decimal(0)
    parts = {"sick_leave_days": days, "agreed_days": agreed or None, "periods": ", ".join(used)}
    if days is None or not agreed:
        return None, parts
    return _dec(formulas.Ratio(days, agreed, 100).value), parts


def _energy_total(context: "_Context"):
    total, parts = None, {}
    for carrier in context.fed_by(Feeds.ENERGY_CARRIER):
        kwh, _used = context.total(carrier.code, PeriodKind.YEAR)
        if kwh is not None:
            parts[carrier.code] = kwh
            total = (total or Decimal(0)) + kwh
    return total, parts


def _energy_corrected(context: "_Context"):
    """Corrected unit by unit (each has its municipality and share), then added up."""
    kwh_total, corrected_total, missing, used = Decimal(0), Decimal(0), set(), set()
    found = False
    for carrier in context.fed_by(Feeds.ENERGY_CARRIER):
        for year, tertial in context.periods(PeriodKind.YEAR):
            for path, kwh in context.subtree.contributions(carrier.code, year, tertial):
                found = True
                municipality, share = context.reference.profile(path)
                days = context.reference.degree_days.get((municipality.lower(), year))
                if days is None:
                    missing.add(f"{municipality} {year}")
                    continue
                actual, normal, normal_period = days
                used.add((municipality, year, actual, normal, normal_period, share))
                kwh_total += kwh
                corrected_total += Decimal(
                    str(
                        formulas.corrected_energy(
                            kwh=float(kwh),
                            degree_days_actual=float(actual),
                            degree_days_normal=float(normal),
                            temperature_share=float(share),
                        )
                    )
                )
    if not found:
        return None, {}
    parts = {"kwh": kwh_total}
    if len(used) == 1:
        municipality, year, actual, normal, normal_period, share = next(iter(used))
        parts.update(
            municipality=municipality,
            degree_days_actual=actual,
            degree_days_normal=normal,
            normal_period=normal_period,
            temperature_share=share,
        )
    if missing:
        parts["missing_degree_days"] = ", ".join(sorted(missing))
        return None, parts
    return _dec(corrected_total), parts


def _specific_energy(context: "_Context"):
    corrected, _parts = _energy_corrected(context)
    area = context.value_of("floor_area_m2")
    parts = {"corrected_kwh": corrected, "floor_area_m2": area}
    if corrected is None or not area:
        return None, parts
    return _dec(
        formulas.specific_energy(corrected_kwh=float(corrected), heated_area_m2=float(area))
    ), parts


def _co2(context: "_Context"):
    tonnes, parts, found, missing = Decimal(0), {}, False, []
    for carrier in context.fed_by(Feeds.ENERGY_CARRIER):
        for year, tertial in context.periods(PeriodKind.YEAR):
            kwh = context.subtree.total(carrier.code, year, tertial)
            if kwh is None:
                continue
            found = True
            factor = context.reference.factor(carrier.pk, year)
            if factor is None:
                missing.append(f"{carrier.code} {year}")
                continue
            grams, factor_year = factor
            parts[f"{carrier.code}_{year}_kwh"] = kwh
            parts[f"{carrier.code}_{year}_g_per_kwh"] = f"{_text(grams)} ({factor_year})"
            tonnes += Decimal(str(formulas.co2_tonnes(kwh=float(kwh), grams_per_kwh=float(grams))))
    if not found:
        return None, {}
    if missing:
        parts["missing_emission_factors"] = ", ".join(missing)
        return None, parts
    return _dec(tonnes), parts


def _waste(context: "_Context") -> tuple[Decimal | None, Decimal | None]:
    sorted_total = unsorted_total = None
    for feeds in (Feeds.WASTE_SORTED, Feeds.WASTE_UNSORTED):
        for fraction in context.fed_by(feeds):
            tonnes, _used = context.total(fraction.code, PeriodKind.YEAR)
            if tonnes is None:
                continue
            if feeds == Feeds.WASTE_SORTED:
                sorted_total = (sorted_total or Decimal(0)) + tonnes
            else:
                unsorted_total = (unsorted_total or Decimal(0)) + tonnes
    return sorted_total, unsorted_total


def _waste_total(context: "_Context"):
    sorted_tonnes, unsorted = _waste(context)
    if sorted_tonnes is None and unsorted is None:
        return None, {}
    total = (sorted_tonnes or Decimal(0)) + (unsorted or Decimal(0))
    return total, {"sorted_tonnes": sorted_tonnes, "unsorted_tonnes": unsorted}


def _waste_sorting(context: "_Context"):
    total, parts = _waste_total(context)
    if not total:
        return None, parts
    sorted_tonnes = parts["sorted_tonnes"] or Decimal(0)
    value = formulas.waste_sorting_percent(sorted_kg=float(sorted_tonnes), total_kg=float(total))
    return _dec(value), {"sorted_tonnes": sorted_tonnes, "total_tonnes": total}


COMPUTED = {
    "deviations": lambda c: c.count("deviations"),
    "personal_injuries": lambda c: c.count("personal"),
    "injuries_with_absence": lambda c: c.count("with_absence"),
    "injuries_without_absence": lambda c: c.count("without_absence"),
    "injury_absence_days": lambda c: c.count("days"),
    "h1": _h1,
    "h2": _h2,
    "f_value": _f,
    "sick_leave_pct": _sick_leave,
    "energy_total_kwh": _energy_total,
    "energy_corrected_kwh": _energy_corrected,
    "specific_energy": _specific_energy,
    "co2_energy_tonnes": _co2,
    "waste_total_t": _waste_total,
    "waste_sorting_pct": _waste_sorting,
    "tenders_env_pct": lambda c: c.ratio("tenders_env_count", "tenders_count", PeriodKind.YEAR),
    "invoices_digital_pct": lambda c: c.ratio(
        "invoices_digital_count", "invoices_count", PeriodKind.YEAR
    ),
}
