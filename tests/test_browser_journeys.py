import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import browser_page, chromium, log_in  # noqa: F401 (fixtures)
from tests.factories import load_reference_data
from tests.waits import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    load_reference_data()
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    settings.LANGUAGE_CODE = "nb"  # the project's default; the test suite otherwise reads English


def test_line_manager_opens_the_unit_page_and_switches_language(browser_page, demo):  # noqa: F811
    page = browser_page
    log_in(page, "leder")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    # From the home page, the line manager's own department.
    page.get_by_role("link", name=re.compile("Institutt for kjemi")).first.click()
    expect(page.locator("h1")).to_contain_text("Institutt for kjemi")
    roles = page.locator("#roles")
    expect(roles).to_contain_text("Lars Hansen")  # leder, the line manager
    expect(roles).to_contain_text("Sofie Johansen")  # verneombud, the safety rep
    expect(roles).to_contain_text("Hilde Berg")  # hms, inherited from NTNU
    expect(roles).to_contain_text("Linjeleder")

    page.locator("#language-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Department of Chemistry")
    expect(roles).to_contain_text("Line manager")
    expect(roles).to_contain_text("Responsibility, tasks and authority")

    page.locator("#language-switch button[value=nb]").click()
    expect(page.locator("h1")).to_contain_text("Institutt for kjemi")


def test_anyone_browses_and_searches_the_tree(browser_page, demo):  # noqa: F811
    page = browser_page
    log_in(page, "ansatt")
    page.goto("/units/")
    expect(page.locator(".unit-tree")).to_contain_text("NTNU")
    # Open a faculty: its departments load into the tree without a page reload.
    faculty = page.locator(
        "xpath=//li[span[@class='tree-label'][contains(., 'Fakultet for naturvitenskap')]]"
    )
    faculty.locator("summary").first.click()
    expect(faculty).to_contain_text("Institutt for kjemi")
    page.fill("input[name=q]", "kjemi")
    expect(page.locator("#tree-body")).to_contain_text("Institutt for kjemisk prosessteknologi")


def test_the_deviation_list_suggests_the_users_units_once_focused(browser_page, demo):  # noqa: F811
    page = browser_page
    log_in(page, "leder")
    page.goto("/deviations/")
    suggestions = page.locator("#unit-codes option")
    expect(suggestions).to_have_count(0)
    page.focus("#id_unit")
    expect(page.locator("#unit-codes option[value=IKJ]")).to_have_count(1)
    # The filters still answer as before, with the suggestions in place.
    page.fill("#id_unit", "IKJ")
    page.locator("#id_unit").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"unit=IKJ"))
    expect(page.locator("#unit-codes option[value=IKJ]")).to_have_count(1)


def log_out(page) -> None:
    page.context.clear_cookies()


def test_deviation_from_report_to_closure(browser_page, demo):  # noqa: F811
    """ansatt reports, verneombud finds it and comments, leder takes it, adds a measure and
    closes it; leder2, in another faculty, gets a 404."""
    from deviations.models import Deviation, Status

    page = browser_page
    log_in(page, "ansatt")
    page.goto("/deviations/new/")
    expect(page.locator("#id_unit")).to_have_value("IKJ-ORG")  # the employee's own section
    page.fill("#id_title", "Lekkasje i avtrekksskap 3")
    page.fill("#id_description", "Det luktet løsemiddel ved skap 3 etter forsøket.")
    page.locator("input[name=deviation_type][value=near_miss]").dispatch_event("click")
    page.select_option("#id_category", label="Kjemikalier og biologisk materiale")
    page.locator("input[name=severity][value=serious]").dispatch_event("click")
    page.click("#report-form button[type=submit]")
    expect(page.locator("#report-received")).to_be_visible()
    deviation = Deviation.objects.get(title="Lekkasje i avtrekksskap 3")
    assert deviation.reporter.username == "ansatt"
    url = deviation.get_absolute_url()

    log_out(page)
    log_in(page, "verneombud")
    page.goto("/deviations/")
    page.get_by_role("link", name=deviation.number).first.click()
    expect(page.locator("main")).to_contain_text(deviation.number)
    expect(page.locator("h1")).to_contain_text("Lekkasje i avtrekksskap 3")
    page.fill("#comment-form textarea", "Jeg har sjekket skapet: filteret må byttes.")
    page.click("#comment-form button[type=submit]")
    expect(page.locator("#comments")).to_contain_text("filteret må byttes")

    log_out(page)
    log_in(page, "leder")
    page.goto(url)
    page.click("#accept-form button[type=submit]")
    page.wait_for_url(f"**{url}*")
    page.locator("#add-measure summary").click()
    measure_form = page.locator("#add-measure form")
    measure_form.locator("input[name=title]").fill("Bytt filter i avtrekksskap 3")
    # The picker: type part of the name, choose with the keyboard.
    picker = measure_form.locator("input[name=responsible_text]")
    picker.press_sequentially("Hans")
    expect(measure_form.locator("[role=option]", has_text="Lars Hansen")).to_be_visible()
    picker.press("ArrowDown")
    picker.press("Enter")
    expect(measure_form.locator("input[name=responsible]")).to_have_value("leder")
    expect(picker).to_have_value("Lars Hansen")
    measure_form.locator("input[name=deadline]").fill("2070-01-31")
    measure_form.locator("button[type=submit]").click()
    expect(page.locator("#measures")).to_contain_text("Bytt filter i avtrekksskap 3")
    deviation.refresh_from_db()
    assert deviation.status == Status.MEASURES
    measure = deviation.measures.get()

    page.locator("#close summary").click()
    close_form = page.locator("#close form")
    close_form.locator("textarea[name=cause]").fill("Tett filter i avtrekket.")
    close_form.locator("textarea[name=lessons_learned]").fill("Filtre byttes hvert halvår.")
    close_form.locator(f"select[name=effect_{measure.pk}]").select_option("effective")
    close_form.locator("button[type=submit]").click()
    page.wait_for_url(f"**{url}*")
    deviation.refresh_from_db()
    assert deviation.status == Status.CLOSED
    assert deviation.steps.filter(kind="closed", actor__username="leder").exists()

    log_out(page)
    log_in(page, "leder2")
    response = page.goto(url)
    assert response.status == 404


@pytest.fixture
def risk_measure(demo):
    """An approved risk assessment of IKJ with one hazard and its measure in the action plan."""
    import datetime

    from django.contrib.auth import get_user_model

    from risk import services
    from units.models import Unit

    leder = get_user_model().objects.get(username="leder")
    unit = Unit.objects.get(code="IKJ")
    assessment = services.assessment_create(
        actor=leder, unit=unit, title="Arbeid i kjemilab", activity="Syntese"
    )
    row = services.row_save(
        actor=leder,
        assessment=assessment,
        hazard="Søl av etsende væske",
        probability=3,
        consequence_people=4,
        consequence_environment=2,
        consequence_material=2,
        consequence_reputation=1,
    )
    return services.row_propose_measure(
        actor=leder,
        row=row,
        title="Øyedusj ved hver benk",
        responsible=leder,
        deadline=datetime.date(2070, 6, 30),
    )


def test_line_manager_runs_an_inspection_round(browser_page, risk_measure):  # noqa: F811
    """leder runs a round with verneombud taking part, marks a risk measure as not working and
    turns it into a new measure in one step."""
    from actionplans.models import Measure, MeasureSource
    from risk.models import InspectionRound

    page = browser_page
    log_in(page, "leder")
    page.goto("/risk/rounds/new/?unit=IKJ")
    expect(page.locator("#plan-form")).to_contain_text("Sofie Johansen")  # verneombud
    page.click("#plan-form button[type=submit]")
    round_ = InspectionRound.objects.get(unit__code="IKJ")
    assert {p.user.username for p in round_.participants.all()} >= {"leder", "verneombud"}
    page.wait_for_url(f"**{round_.get_absolute_url()}*")

    check = round_.measure_checks.get(measure=risk_measure)
    row = page.locator(f"#check-{check.pk}")
    expect(row).to_contain_text("Øyedusj ved hver benk")
    row.locator("input[name^=implemented][value=yes]").dispatch_event("click")
    row.locator("input[name^=working][value=no]").dispatch_event("click")
    # Save waits for the autosave the clicks started, then sends the form: wait for that.
    with page.expect_navigation(timeout=WAIT_MS):
        page.locator("#checks-form button[type=submit]").first.click()
    check.refresh_from_db()
    assert (check.implemented, check.working) == (True, False)

    follow_up = page.locator(f"#check-follow-up-{check.pk}")
    follow_up.locator("summary").click()
    follow_up.locator("input[name$=title]").fill("Flytt øyedusjen nærmere benk 2")
    follow_up.locator("input[name$=deadline]").fill("2070-02-28")
    follow_up.locator("button[type=submit]").click()
    page.wait_for_load_state()
    new_measure = Measure.objects.get(title="Flytt øyedusjen nærmere benk 2")
    assert new_measure.source == MeasureSource.INSPECTION_ROUND
    assert new_measure.unit.code == "IKJ"
    expect(page.locator(f"#check-{check.pk}")).to_contain_text("Flytt øyedusjen nærmere benk 2")


def _branch_counts(page, code: str) -> tuple[int, int]:
    """(done, applicable) of a branch on the cycle overview, read from "(7/195)"."""
    text = page.locator(f"#branch-{code} .branch-percent").inner_text()
    done, applicable = re.search(r"\((\d+)/(\d+)\)", text).groups()
    return int(done), int(applicable)


def test_line_manager_sets_a_goal_and_the_cycle_ticks_itself(browser_page, demo):  # noqa: F811
    """leder opens this year's cycle, sets a goal linked to the faculty's, adds a measure to
    it; the "set goals" step (and the action plan step) tick themselves, and `hms` sees the
    faculty's roll-up rise."""
    import datetime

    from actionplans.models import Measure, MeasureSource
    from hms.cycle.models import Goal

    year = datetime.date.today().year
    page = browser_page
    # The overview sums the whole demo tree; give a loaded machine time.
    page.set_default_timeout(WAIT_MS)
    log_in(page, "hms")
    page.goto("/cycle/overview/")
    before = _branch_counts(page, "NV")

    log_out(page)
    log_in(page, "leder")
    page.locator("#my-cycles a", has_text="Institutt for kjemi").click()
    page.wait_for_url(f"**/cycle/IKJ/{year}/")
    set_goals = page.locator(".cycle-step[data-key=set_goals]")
    expect(set_goals.locator(".evidence")).to_have_count(0)
    expect(page.locator("#no-goals")).to_be_visible()

    form = page.locator("#goal-form")
    form.locator("input[name=title]").fill("Alle labber har oppdatert risikovurdering")
    form.locator("textarea[name=description]").fill("Sjekkes på HMS-runden i oktober.")
    form.locator("select[name=parent]").select_option(
        label="Ingen alvorlige personskader i laboratoriene"
    )
    form.locator("button[type=submit]").click()
    goal = Goal.objects.get(title="Alle labber har oppdatert risikovurdering")
    assert goal.parent.unit.code == "NV"
    expect(page.locator(f"#goal-{goal.pk}")).to_contain_text("Ingen alvorlige personskader")
    expect(set_goals.locator(".evidence")).to_be_visible()

    page.locator(f"#goal-{goal.pk} a.goal-add-measure").click()
    page.fill("input[name=title]", "Gå gjennom risikovurderingene i alle labber")
    page.fill("input[name=responsible_text]", "leder")  # a typed user name works too
    page.fill("input[name=deadline]", f"{year}-12-31")
    page.click("#goal-page-form button[type=submit]")
    page.wait_for_url(f"**/cycle/IKJ/{year}/*")
    expect(page.locator(f"#goal-{goal.pk} .goal-measures")).to_contain_text(
        "Gå gjennom risikovurderingene"
    )
    measure = Measure.objects.get(title="Gå gjennom risikovurderingene i alle labber")
    assert measure.source == MeasureSource.GOAL and measure.goals.get() == goal
    expect(page.locator(".cycle-step[data-key=action_plan] .evidence")).to_be_visible()

    log_out(page)
    log_in(page, "hms")
    page.goto("/cycle/overview/")
    after = _branch_counts(page, "NV")
    # The goal ticks "set goals"; the measure ticks "action plan" unless the demo had one.
    assert after[0] > before[0] and after[1] == before[1]
