"""The employee's phone: reporting is the first thing on the start page and one tap away in the
top bar; the report form opens what applies and loses nothing; the deviation list fits a phone
and a laptop with its deadlines; a status has one colour everywhere; the inspection round page
saves answers as they are given and warns before leaving with input not saved.

The browser tests run at phone size (390×844). With HMS_SCREENSHOTS=<dir> they leave their
screenshots there to look at.
"""

import datetime
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from deviations.models import STATUS_BADGES, Deviation, Status
from risk.forms import AnswersForm
from risk.models import Answer, Finding
from tests.browser import browser_page, chromium  # noqa: F401 (fixture)
from tests.factories import load_reference_data, make_deviation
from tests.test_deviation_report import REPORT_URL, form_data
from tests.test_inspection_rounds import FIRE_QUESTION_EN, plan, url

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PASSWORD = "hms-test-password"  # tests.factories.UserFactory
HOME = reverse("home")
TODAY = timezone.localdate()


def shot(page, name: str) -> None:
    folder = os.environ.get("HMS_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user", state="attached")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- The start page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_reporting_is_the_start_pages_first_action(client, employee):
    client.force_login(employee)
    page = client.get(HOME).content.decode()
    main = page[page.index("<main") :]
    first_link = main.index("<a ")
    assert main.index('id="home-report"') < main.index('id="my-todo"')
    assert main[first_link:].startswith(
        f'<a class="btn btn-primary btn-lg px-4" id="home-report" href="{REPORT_URL}"'
    )


@pytest.mark.django_db
def test_employee_sees_the_status_of_their_own_reports(client, org, employee, safety_rep):
    mine = make_deviation(org.section, employee, title="Løs kabel")
    Deviation.objects.filter(pk=mine.pk).update(status=Status.UNDER_TREATMENT)
    make_deviation(org.section, safety_rep, title="Someone else's")
    make_deviation(org.section, employee, title="Sent anonymously", anonymous=True)
    client.force_login(employee)
    page = client.get(HOME).content.decode()
    section = page[page.index('id="my-reports"') :]
    section = section[: section.index("</section>")]
    assert "Løs kabel" in section and mine.get_absolute_url() in section
    assert f'badge {STATUS_BADGES[Status.UNDER_TREATMENT]}">Under treatment' in section
    assert "Someone else's" not in section and "Sent anonymously" not in section
    # The case opens for its reporter.
    assert client.get(mine.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_user_who_reported_nothing_gets_no_reports_card(client, employee):
    client.force_login(employee)
    assert 'id="my-reports"' not in client.get(HOME).content.decode()


@pytest.mark.django_db
def test_the_reports_card_shows_five_and_links_to_the_rest(client, org, employee):
    for number in range(7):
        make_deviation(org.section, employee, title=f"Report {number}")
    client.force_login(employee)
    page = client.get(HOME).content.decode()
    section = page[page.index('id="my-reports"') : page.index('id="my-roles"')]
    assert section.count('class="badge ') == 5
    assert "Report 6" in section and "Report 1" not in section  # newest first
    assert f"{reverse('deviations:list')}?mine=reported" in section


@pytest.mark.django_db
def test_the_start_page_asks_the_same_queries_for_few_and_many_reports(client, org, employee):
    client.force_login(employee)
    make_deviation(org.section, employee)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    few = count()
    for _ in range(12):
        make_deviation(org.section, employee)
    assert count() == few


@pytest.mark.django_db
def test_the_top_bar_offers_reporting_on_every_page(client, employee):
    client.force_login(employee)
    for path in (HOME, reverse("deviations:list"), reverse("units:tree"), reverse("risk:rounds")):
        page = client.get(path).content.decode()
        bar = page[page.index("<nav") : page.index('id="main-nav"')]
        assert f'id="nav-report" href="{REPORT_URL}"' in bar, path  # outside the collapsed menu


def test_anonymous_visitor_gets_no_report_button_in_the_bar(client, db):
    assert 'id="nav-report"' not in client.get(REPORT_URL).content.decode()


# --- One colour per status -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [s for s in Status if s != Status.REJECTED])
def test_a_status_has_the_same_colour_on_the_list_and_the_case(client, org, line_manager, status):
    deviation = make_deviation(org.department, line_manager)
    Deviation.objects.filter(pk=deviation.pk).update(status=status)
    client.force_login(line_manager)
    badge = f"badge {STATUS_BADGES[status]}"
    assert badge in client.get(reverse("deviations:list")).content.decode()
    case = client.get(deviation.get_absolute_url()).content.decode()
    assert f'badge fs-6 {STATUS_BADGES[status]}" id="case-status"' in case


# --- The report form -------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_javascript_every_field_of_the_form_is_shown(client, employee):
    client.force_login(employee)
    page = client.get(REPORT_URL).content.decode()
    start = page.index('id="report-form"')
    form = page[start : page.index("</form>", start)]
    assert " hidden" not in form.replace("hidden_fields", "")  # nothing hidden by the server
    for name in ("health_details", "absence_days", "immediate_action"):
        assert f'name="{name}"' in form
    assert 'data-shown-when="injury_kind"' in form
    assert 'data-shown-for="first_aid no_absence absence death"' in form


@pytest.mark.django_db
def test_an_error_keeps_the_injury_and_health_details(client, employee):
    client.force_login(employee)
    data = form_data(
        unit="NO-SUCH-UNIT",
        injury_kind="absence",
        absence_days="3",
        health_details="Kuttskade i venstre hånd",
        actual_consequence="Sydd på legevakten",
    )
    response = client.post(REPORT_URL, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"unit"}
    page = response.content.decode()
    assert "Kuttskade i venstre hånd</textarea>" in page
    assert 'name="absence_days" value="3"' in page
    assert "Sydd på legevakten</textarea>" in page
    assert '<option value="absence" selected>' in page
    assert not Deviation.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_report_opens_what_applies_and_keeps_everything(browser_page, employee):  # noqa: F811
    load_reference_data()
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "employee")
    expect(page.locator("#nav-report")).to_be_visible()  # without opening the menu
    expect(page.locator("#main-nav")).to_be_hidden()
    expect(page.locator("#home-report")).to_be_visible()
    shot(page, "phone-home")
    page.click("#nav-report")
    expect(page.locator("#id_title")).to_be_visible()
    for hidden in ("#div_id_health_details", "#div_id_absence_days", "#div_id_actual_consequence"):
        expect(page.locator(hidden)).to_be_hidden()
    shot(page, "phone-report-start")
    assert fits(page)

    page.fill("#id_title", "Kutt i hånden")
    page.fill("#id_description", "Skar meg på et knust begerglass.")
    page.get_by_label("Accident (injury or damage)").check()
    expect(page.locator("#div_id_actual_consequence")).to_be_visible()
    page.select_option("#id_category", label="Building, technical, material")
    page.get_by_label("Minor").check()
    page.select_option("#id_injury_kind", "first_aid")
    expect(page.locator("#div_id_health_details")).to_be_visible()
    expect(page.locator("#div_id_absence_days")).to_be_hidden()
    page.select_option("#id_injury_kind", "absence")
    expect(page.locator("#div_id_absence_days")).to_be_visible()
    page.fill("#id_absence_days", "2")
    page.fill("#id_health_details", "Sydd med tre sting")
    page.fill("#id_actual_consequence", "Legevakt")
    page.fill("#id_unit", "NO-SUCH-UNIT")  # the server refuses it: the form comes back
    shot(page, "phone-report-filled")
    page.click("#report-form button[type=submit]")

    expect(page.locator("#report-errors")).to_be_visible()
    expect(page.locator("#id_health_details")).to_have_value("Sydd med tre sting")
    expect(page.locator("#id_absence_days")).to_have_value("2")
    expect(page.locator("#id_actual_consequence")).to_have_value("Legevakt")
    expect(page.locator("#div_id_health_details")).to_be_visible()
    expect(page.locator("#div_id_absence_days")).to_be_visible()
    shot(page, "phone-report-error")
    page.fill("#id_unit", "SEC")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/deviations/**")
    deviation = Deviation.objects.get()
    assert (deviation.absence_days, deviation.health_details) == (2, "Sydd med tre sting")
    assert deviation.actual_consequence == "Legevakt"


# --- The deviation list ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_list_fits_a_phone_and_a_laptop_with_deadline_and_overdue(
    browser_page,  # noqa: F811
    org,
    line_manager,
):
    load_reference_data()
    late = make_deviation(
        org.section,
        line_manager,
        title="Nødutgang blokkert av paller i korridoren ved lab 3 og lab 4",
    )
    Deviation.objects.filter(pk=late.pk).update(
        status=Status.UNDER_TREATMENT, deadline=TODAY - datetime.timedelta(days=3)
    )
    late.refresh_from_db()
    page = browser_page
    log_in(page, "line_manager")
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        page.set_viewport_size(size)
        page.goto(reverse("deviations:list"))
        row = page.locator("tbody tr").first
        expect(row.get_by_text("OVERDUE").locator("visible=true")).to_have_count(1)
        deadline = late.deadline.strftime("%d.%m.%Y")
        expect(row.get_by_text(deadline).locator("visible=true").first).to_be_visible()
        box = page.locator(".table-responsive").bounding_box()
        table = page.locator(".deviation-table").bounding_box()
        assert table["width"] <= box["width"] + 1, name  # no sideways scrolling in the box
        assert fits(page), name
        shot(page, f"{name}-list")


# --- The inspection round --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_autosave_answers_json_and_the_next_fingerprints(client, org, line_manager, safety_rep):
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    answers = list(round_.answers.all())
    form = AnswersForm(rows=answers)
    first = answers[0]
    data = {f"shown_{a.pk}": form.digest(a) for a in answers}
    data |= {f"answer_{first.pk}": Answer.NOT_OK, f"comment_{first.pk}": "Mangler"}
    client.force_login(line_manager)
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.status_code == 200
    body = response.json()
    first.refresh_from_db()
    assert (first.answer, first.comment) == (Answer.NOT_OK, "Mangler")
    assert body["saved"] is True
    assert body["shown"][str(first.pk)] == AnswersForm(rows=[first]).digest(first)
    # The next save compares with what this one wrote: a second change is no conflict.
    data[f"shown_{first.pk}"] = body["shown"][str(first.pk)]
    data[f"answer_{first.pk}"] = Answer.OK
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.json()["saved"] is True
    first.refresh_from_db()
    assert first.answer == Answer.OK


@pytest.mark.django_db
def test_an_autosave_never_overwrites_an_answer_saved_meanwhile(
    client, org, line_manager, safety_rep
):
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    answer = round_.answers.first()
    shown = AnswersForm(rows=[answer]).digest(answer)
    from risk import services

    # Someone else (here the same line manager in another tab) answers it meanwhile.
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="Theirs")
    client.force_login(line_manager)
    data = {f"shown_{answer.pk}": shown, f"answer_{answer.pk}": Answer.OK}
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.status_code == 409
    assert response.json() == {"saved": False, "conflicts": [answer.pk]}
    answer.refresh_from_db()
    assert answer.comment == "Theirs"
    # No message is left waiting for the next page: the script says it at once.
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "while you were filling in" not in page


@pytest.mark.django_db
def test_bad_autosave_input_is_refused_as_json(client, org, line_manager, safety_rep):
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    answer = round_.answers.first()
    client.force_login(line_manager)
    data = {f"answer_{answer.pk}": "maybe"}
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.status_code == 400
    assert response.json()["saved"] is False


@pytest.mark.django_db
def test_outsider_cannot_autosave_a_round(client, org, line_manager, safety_rep, outsider):
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    answer = round_.answers.first()
    client.force_login(outsider)
    data = {f"answer_{answer.pk}": Answer.OK}
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.status_code == 404
    client.logout()
    response = client.post(url("round_answers", round_), data, headers={"X-Autosave": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    answer.refresh_from_db()
    assert answer.answer == ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_adding_a_finding_keeps_the_answers_given_on_the_round(
    browser_page,  # noqa: F811
    org,
    line_manager,
    safety_rep,
):
    load_reference_data()
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    fire = round_.answers.get(question_en=FIRE_QUESTION_EN)
    other = round_.answers.exclude(pk=fire.pk).first()
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "line_manager")
    page.goto(round_.get_absolute_url())
    item = page.locator(f"#answer-{fire.pk}")
    item.locator("input[value=not_ok]").dispatch_event("click")
    item.locator("input[name^=comment], textarea[name^=comment]").fill("Ikke hengt opp i gangen")
    page.locator(f"#answer-{other.pk} input[value=ok]").dispatch_event("click")
    shot(page, "phone-round-answered")
    # Straight on to a finding, without pressing "Save the answers".
    page.fill("#finding-form [name=text]", "Branninstruks mangler i gangen")
    page.click("#finding-form button[type=submit]")
    page.wait_for_url("**#finding-*")
    assert Finding.objects.filter(round=round_, text="Branninstruks mangler i gangen").exists()
    fire.refresh_from_db()
    other.refresh_from_db()
    assert (fire.answer, fire.comment) == (Answer.NOT_OK, "Ikke hengt opp i gangen")
    assert other.answer == Answer.OK
    expect(page.locator(f"#answer-{fire.pk} input[value=not_ok]")).to_be_checked()
    expect(
        page.locator(f"#answer-{fire.pk}").locator("input[name^=comment], textarea[name^=comment]")
    ).to_have_value("Ikke hengt opp i gangen")
    shot(page, "phone-round-after-finding")
    assert fits(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leaving_the_round_with_unsaved_input_asks_first(
    browser_page,  # noqa: F811
    org,
    line_manager,
    safety_rep,
):
    load_reference_data()
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, "line_manager")
    page.goto(round_.get_absolute_url())
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.fill("#finding-form [name=text]", "Typed, not sent")
    page.locator("#finding-form [name=text]").click()  # a user gesture, which beforeunload needs
    with page.expect_event("dialog"):  # the page's default timeout (tests/waits.py)
        page.evaluate("window.location.href = '/'")
    assert asked == ["beforeunload"]
    expect(page.locator("#finding-form [name=text]")).to_have_value("Typed, not sent")
