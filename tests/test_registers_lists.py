"""The register lists (documents, routines, agreements, the requirements catalogue and a unit's
register): text search and sorting through their filter sets, and CSV/XLSX of exactly the
filtered rows, with formulas guarded, for those who may read the page only."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hms.registers import filters, services
from hms.registers.models import Requirement
from tests.factories import make_agreement, make_document, make_routine, make_unit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def documents(org, line_manager):
    return {
        "fire": make_document(
            org.department,
            line_manager,
            title="Branninstruks K5",
            archive_ref="2024/1",
            review_due=TODAY + datetime.timedelta(days=10),
        ),
        "roles": make_document(
            org.department,
            line_manager,
            kind="responsibility",
            title="Oversikt over HMS-roller",
            archive_ref="2024/2",
            edition="3",
        ),
        "formula": make_document(
            org.department, line_manager, title="=HYPERLINK(1)", archive_ref="2024/3"
        ),
        "elsewhere": make_document(
            org.other_department, line_manager_of(org.other_department), title="Branninstruks"
        ),
    }


def line_manager_of(unit):
    from tests.conftest import user_with_role
    from units.models import Role

    return user_with_role(f"leader_{unit.code}", Role.LINE_MANAGER, unit)


# --- Search ---------------------------------------------------------------------------------


def test_document_search_matches_title_and_archive_number(client, line_manager, documents):
    client.force_login(line_manager)
    page = client.get(reverse("registers:document_list"), {"q": "brann k5"}).content.decode()
    assert "Branninstruks K5" in page
    assert "Oversikt over HMS-roller" not in page
    page = client.get(reverse("registers:document_list"), {"q": "2024/2"}).content.decode()
    assert "Oversikt over HMS-roller" in page and "Branninstruks K5" not in page


def test_routine_search_matches_the_procedure_and_responsibility(client, org, line_manager):
    make_routine(org.department, line_manager, title="Alenearbeid", procedure="Ring vakta")
    make_routine(
        org.department, line_manager, title="Avfall", responsibility="Laboratorieingeniøren"
    )
    client.force_login(line_manager)
    page = client.get(reverse("registers:routine_list"), {"q": "vakta"}).content.decode()
    assert "Alenearbeid" in page and "Avfall" not in page
    page = client.get(reverse("registers:routine_list"), {"q": "ingeniøren"}).content.decode()
    assert "Avfall" in page and "Alenearbeid" not in page


def test_agreement_search_matches_a_party_listed_once(client, org, line_manager):
    make_agreement(
        org.department,
        line_manager,
        title="Kjemiblokkene",
        parties=[
            {"name": "NTNU", "contact": "Kari", "is_main": True},
            {"name": "SINTEF Industri", "contact": "SINTEF-vakt", "is_main": False},
        ],
    )
    make_agreement(org.department, line_manager, title="Gløshaugen")
    client.force_login(line_manager)
    response = client.get(reverse("registers:agreement_list"), {"q": "sintef industri"})
    page = response.content.decode()
    assert "Kjemiblokkene" in page and "Gløshaugen" not in page
    assert len(response.context["page"].object_list) == 1


def test_catalogue_search_and_kind(client, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("registers:catalogue"), {"q": "strålevern"})
    names = [r.short_name for r in response.context["page"].object_list]
    assert names == ["Strålevernforskriften"]
    response = client.get(reverse("registers:catalogue"), {"kind": "internal"})
    assert {r.kind for r in response.context["page"].object_list} == {"internal"}


def test_register_search_matches_the_units_comment(client, org, line_manager):
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (True, "Gjelder alle tokt")}
    )
    client.force_login(line_manager)
    url = reverse("registers:requirements", args=[org.department.code])
    response = client.get(url, {"q": "tokt"})
    assert [row[0].short_name for row in response.context["form"].rows] == ["Arbeidsmiljøloven"]
    response = client.get(url, {"applies": "unreviewed"})
    assert law.pk not in [row[0].pk for row in response.context["form"].rows]
    assert response.context["form"].rows


def test_an_invalid_filter_lists_nothing_and_says_why(client, line_manager, documents):
    client.force_login(line_manager)
    response = client.get(reverse("registers:document_list"), {"kind": "nonsense"})
    assert response.status_code == 200
    assert 'id="filter-errors"' in response.content.decode()
    assert not response.context["page"].object_list
    export = client.get(reverse("registers:document_export", args=["csv"]), {"kind": "x"})
    assert csv_rows(export)[1:] == []


# --- Sorting --------------------------------------------------------------------------------

LISTS = {
    "document_list": filters.DOCUMENT_COLUMNS,
    "routine_list": filters.ROUTINE_COLUMNS,
    "agreement_list": filters.AGREEMENT_COLUMNS,
    "catalogue": filters.CATALOGUE_COLUMNS,
}


@pytest.fixture
def some_of_everything(org, line_manager, documents):
    make_routine(org.department, line_manager, title="B-rutine", approve_by=line_manager)
    make_routine(org.department, line_manager, title="A-rutine")
    make_agreement(org.department, line_manager, title="B-avtale")
    make_agreement(org.department, line_manager, title="A-avtale", valid_to=None)


@pytest.mark.parametrize(
    ("name", "key"), [(name, key) for name, columns in LISTS.items() for key in columns]
)
@pytest.mark.parametrize("direction", ["", "-"])
def test_every_list_sorts_by_each_of_its_columns(
    client, line_manager, some_of_everything, name, key, direction
):
    client.force_login(line_manager)
    response = client.get(reverse(f"registers:{name}"), {"sort": f"{direction}{key}"})
    assert response.status_code == 200
    heading = next(c for c in response.context["columns"] if c["key"] == key)
    assert heading["state"] == ("descending" if direction else "ascending")
    assert f'aria-sort="{heading["state"]}"' in response.content.decode()


@pytest.mark.parametrize("key", list(filters.REGISTER_COLUMNS))
@pytest.mark.parametrize("direction", ["", "-"])
def test_the_register_sorts_by_each_of_its_columns(client, org, line_manager, key, direction):
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    radiation = Requirement.objects.get(short_name="Strålevernforskriften")
    services.requirements_register_save(
        actor=line_manager,
        unit=org.department,
        entries={law.pk: (True, ""), radiation.pk: (False, "")},
    )
    client.force_login(line_manager)
    url = reverse("registers:requirements", args=[org.department.code])
    response = client.get(url, {"sort": f"{direction}{key}"})
    assert response.status_code == 200
    heading = next(c for c in response.context["columns"] if c["key"] == key)
    assert heading["state"] == ("descending" if direction else "ascending")
    rows = [row[0].pk for row in response.context["form"].rows]
    if key == "applies":
        # Applying, then not applying (or the other way round); not reviewed last either way.
        assert rows[:2] == ([law.pk, radiation.pk] if not direction else [radiation.pk, law.pk])
    assert len(rows) == Requirement.objects.for_register(org.department).count()


def test_title_sort_orders_the_documents_both_ways(client, line_manager, documents):
    client.force_login(line_manager)
    url = reverse("registers:document_list")
    titles = [d.title for d in client.get(url, {"sort": "title"}).context["page"].object_list]
    assert titles == sorted(titles)
    down = [d.title for d in client.get(url, {"sort": "-title"}).context["page"].object_list]
    assert down == titles[::-1]


@pytest.mark.parametrize("bad", ["nonsense", "--title", "title;drop", "-"])
def test_an_unknown_sort_is_ignored(client, line_manager, documents, bad):
    client.force_login(line_manager)
    url = reverse("registers:document_list")
    plain = [d.pk for d in client.get(url).context["page"].object_list]
    response = client.get(url, {"sort": bad})
    assert response.status_code == 200
    assert [d.pk for d in response.context["page"].object_list] == plain
    assert all(c["state"] == "none" for c in response.context["columns"])


def test_sort_links_keep_the_filters(client, line_manager, documents):
    client.force_login(line_manager)
    response = client.get(reverse("registers:document_list"), {"q": "brann", "page": "1"})
    heading = next(c for c in response.context["columns"] if c["key"] == "review")
    assert heading["query"] == "q=brann&sort=review"


# --- Exports --------------------------------------------------------------------------------


def test_document_csv_holds_exactly_the_filtered_rows(client, line_manager, documents):
    client.force_login(line_manager)
    url = reverse("registers:document_export", args=["csv"])
    rows = csv_rows(client.get(url, {"q": "branninstruks", "sort": "title"}))
    assert rows[0][:3] == ["Unit code", "Unit", "Document"]
    assert [row[2] for row in rows[1:]] == ["Branninstruks K5"]  # not the other unit's
    assert rows[1][7] == (TODAY + datetime.timedelta(days=10)).isoformat()


def test_exports_follow_the_pages_sort_and_every_page(client, line_manager, documents):
    client.force_login(line_manager)
    page = client.get(reverse("registers:document_list"), {"sort": "-title", "page": "2"})
    shown = [d.title for d in page.context["page"].paginator.object_list]
    url = reverse("registers:document_export", args=["xlsx"])
    rows = xlsx_rows(client.get(url, {"sort": "-title", "page": "2"}))
    assert [row[2] for row in rows[1:]] == [f"'{t}" if t.startswith("=") else t for t in shown]


def test_xlsx_guards_formulas_and_keeps_dates_as_dates(client, line_manager, documents):
    client.force_login(line_manager)
    rows = xlsx_rows(client.get(reverse("registers:document_export", args=["xlsx"])))
    titles = [row[2] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in titles and "=HYPERLINK(1)" not in titles
    fire = next(row for row in rows if row[2] == "Branninstruks K5")
    assert isinstance(fire[7], datetime.datetime)
    assert fire[7].date() == TODAY + datetime.timedelta(days=10)


def test_csv_guards_formulas(client, line_manager, documents):
    client.force_login(line_manager)
    rows = csv_rows(client.get(reverse("registers:document_export", args=["csv"])))
    assert "'=HYPERLINK(1)" in [row[2] for row in rows]


def test_routine_and_agreement_exports_hold_the_filtered_rows(client, org, line_manager):
    make_routine(org.department, line_manager, title="Alenearbeid", approve_by=line_manager)
    make_routine(org.department, line_manager, title="Avfall")
    make_agreement(org.department, line_manager, title="Gammel", valid_to=TODAY.replace(day=1))
    make_agreement(org.department, line_manager, title="Ny")
    client.force_login(line_manager)
    rows = csv_rows(
        client.get(reverse("registers:routine_export", args=["csv"]), {"status": "approved"})
    )
    assert [row[2] for row in rows[1:]] == ["Alenearbeid"]
    assert rows[1][3] == "Approved"
    agreements = reverse("registers:agreement_export", args=["xlsx"])
    current = xlsx_rows(client.get(agreements))
    ended = TODAY.replace(day=1) < TODAY
    assert [row[2] for row in current[1:]] == (["Ny"] if ended else ["Ny", "Gammel"])
    everything = xlsx_rows(client.get(agreements, {"ended": "1", "sort": "title"}))
    assert [row[2] for row in everything[1:]] == ["Gammel", "Ny"]
    assert everything[1][3] == "NTNU" and everything[1][4] == "SINTEF"
    assert isinstance(everything[1][6], datetime.datetime)


def test_catalogue_export_shows_others_only_the_active(client, line_manager, hms_department):
    Requirement.objects.filter(short_name="Forurensningsloven").update(is_active=False)
    url = reverse("registers:catalogue_export", args=["csv"])
    client.force_login(line_manager)
    names = [row[0] for row in csv_rows(client.get(url))[1:]]
    assert "Forurensningsloven" not in names and "Arbeidsmiljøloven" in names
    client.force_login(hms_department)
    names = [row[0] for row in csv_rows(client.get(url, {"q": "forurensning"}))[1:]]
    assert names == ["Forurensningsloven"]


def test_register_export_holds_the_units_entries(client, org, line_manager):
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (True, "+47 ring HMS")}
    )
    client.force_login(line_manager)
    url = reverse("registers:register_export", args=[org.department.code, "xlsx"])
    rows = xlsx_rows(client.get(url, {"applies": "yes"}))
    assert rows[0][:2] == ("Unit code", "Requirement")
    assert [row[1] for row in rows[1:]] == ["Arbeidsmiljøloven"]
    assert rows[1][6] == "yes"
    assert rows[1][7] == "'+47 ring HMS"
    assert rows[1][8].date() == TODAY
    everything = csv_rows(client.get(url.replace("xlsx", "csv")))
    assert len(everything) - 1 == Requirement.objects.for_register(org.department).count()


def test_an_unknown_format_is_404(client, org, line_manager):
    client.force_login(line_manager)
    assert client.get("/registers/documents/export.pdf").status_code == 404
    assert client.get(f"/registers/{org.department.code}/requirements/export.ods").status_code == (
        404
    )


def test_outsider_gets_404_for_the_register_and_its_export(client, org, outsider, employee):
    for user in (outsider, employee):
        client.force_login(user)
        for fmt in ("csv", "xlsx"):
            url = reverse("registers:register_export", args=[org.department.code, fmt])
            assert client.get(url).status_code == 404
        assert (
            client.get(reverse("registers:requirements", args=[org.department.code])).status_code
            == 404
        )


def test_outsider_exports_none_of_the_units_rows(client, org, outsider, documents):
    make_agreement(org.department, line_manager_of(org.department), title="Intern avtale")
    client.force_login(outsider)
    for name in ("document_export", "routine_export", "agreement_export"):
        rows = csv_rows(client.get(reverse(f"registers:{name}", args=["csv"]), {"unit": "DEP"}))
        assert rows[1:] == [], name
    titles = [row[2] for row in csv_rows(client.get("/registers/documents/export.csv"))[1:]]
    assert "Branninstruks K5" not in titles


def test_the_lists_link_their_downloads_with_the_filters(client, line_manager, documents):
    client.force_login(line_manager)
    page = client.get(reverse("registers:document_list"), {"q": "brann", "sort": "title"})
    html = page.content.decode()
    assert 'href="/registers/documents/export.xlsx?q=brann&amp;sort=title"' in html
    assert 'href="/registers/documents/export.csv?q=brann&amp;sort=title"' in html


# --- Queries --------------------------------------------------------------------------------


def _more(org, line_manager, count: int) -> None:
    for n in range(count):
        section = make_unit(org.department)
        make_document(org.department, line_manager, title=f"Brann {n}")
        make_document(section, line_manager, title=f"Brann seksjon {n}")
        make_routine(
            org.department, line_manager, title=f"Brannrutine {n}", approve_by=line_manager
        )
        make_agreement(org.department, line_manager, title=f"Brannavtale {n}")
        requirement = Requirement.objects.create(
            title="Brannkrav", short_name=f"Brann {Requirement.objects.count()}", kind="law"
        )
        services.requirements_register_save(
            actor=line_manager, unit=org.department, entries={requirement.pk: (True, "brann")}
        )


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        body(response)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


URLS = [
    ("registers:document_list", []),
    ("registers:routine_list", []),
    ("registers:agreement_list", []),
    ("registers:catalogue", []),
    ("registers:requirements", ["DEP"]),
    ("registers:document_export", ["csv"]),
    ("registers:routine_export", ["xlsx"]),
    ("registers:agreement_export", ["csv"]),
    ("registers:catalogue_export", ["xlsx"]),
    ("registers:register_export", ["DEP", "csv"]),
]


@pytest.mark.parametrize("sort", ["", "-unit", "title", "-parties", "-applies", "reviewed"])
def test_lists_and_exports_run_the_same_queries_at_two_sizes(client, org, line_manager, sort):
    _more(org, line_manager, 2)
    client.force_login(line_manager)
    params = {"q": "brann", "sort": sort}
    small = [_count(client, reverse(name, args=args), params) for name, args in URLS]
    _more(org, line_manager, 6)
    large = [_count(client, reverse(name, args=args), params) for name, args in URLS]
    assert small == large
    assert max(large) <= 16
