"""The hazard templates and the round checklists the HSE department keeps in the app: only it
reaches the pages (others get a 404), it adds, changes, retires and orders them in both
languages, a stale save is refused with the input kept, an assessment or a round made from a
template keeps its copy, and a retired template is not offered any more."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from risk import services
from risk.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    HazardTemplate,
    HazardTemplateRow,
    ParticipantRole,
)
from tests.conftest import user_with_role
from units.models import Role

KINDS = {"hazard": HazardTemplate, "checklist": ChecklistTemplate}
LINE_FIELDS = {
    "hazard": ("hazard_nb", "hazard_en", "existing_measures_nb", "existing_measures_en"),
    "checklist": ("text_nb", "text_en"),
}


def url(kind: str, action: str, template=None) -> str:
    name = f"risk:{kind}_template{'s' if action == 'list' else '_' + action}"
    return reverse(name, args=[template.pk] if template else [])


def every_url(kind: str) -> list[tuple[str, str]]:
    template = KINDS[kind].objects.first()
    return [
        ("get", url(kind, "list")),
        ("get", url(kind, "create")),
        ("get", url(kind, "edit", template)),
        ("post", url(kind, "create")),
        ("post", url(kind, "edit", template)),
        ("post", url(kind, "active", template)),
        ("post", url(kind, "move", template)),
    ]


def form_data(kind: str, lines: list[tuple], version=None, **names) -> dict:
    data = {
        "name_nb": names.get("name_nb", "Strålingsarbeid"),
        "name_nn": names.get("name_nn", ""),
        "name_en": names.get("name_en", "Radiation work"),
        "line-TOTAL_FORMS": str(len(lines)),
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "200",
    }
    if version is not None:
        data["version"] = str(version)
    for index, line in enumerate(lines):
        order, *texts = line
        data[f"line-{index}-order"] = "" if order is None else str(order)
        for name, text in zip(LINE_FIELDS[kind], texts, strict=False):
            data[f"line-{index}-{name}"] = text
    return data


def hazard_save(actor, template=None, version=None, **overrides) -> HazardTemplate:
    return services.template_save(
        actor=actor,
        model=HazardTemplate,
        template=template,
        version=version,
        name_nb=overrides.get("name_nb", "Dykking"),
        name_en=overrides.get("name_en", "Diving"),
        name_nn=overrides.get("name_nn", ""),
        lines=overrides.get(
            "lines",
            [
                {"hazard_nb": "Trykkfallsyke", "hazard_en": "Decompression sickness"},
                {"hazard_nb": "Drukning", "hazard_en": "Drowning"},
            ],
        ),
    )


# --- Who reaches the pages --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
@pytest.mark.parametrize("who", ["outsider", "line_manager", "safety_rep", "employee"])
def test_only_the_hse_department_reaches_the_template_pages(client, org, request, kind, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for method, address in every_url(kind):
        response = getattr(client, method)(address, {"direction": "up", "active": "0"})
        assert response.status_code == 404, (who, method, address)
    assert KINDS[kind].objects.filter(is_active=False).count() == 0


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
def test_anonymous_is_sent_to_sign_in(client, db, kind):
    response = client.get(url(kind, "list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_hse_department_saves_through_the_services(line_manager):
    template = HazardTemplate.objects.first()
    with pytest.raises(PermissionDenied):
        hazard_save(line_manager)
    with pytest.raises(PermissionDenied):
        services.template_set_active(actor=line_manager, template=template, is_active=False)
    with pytest.raises(PermissionDenied):
        services.template_move(actor=line_manager, template=template, up=False)


def test_the_risk_and_round_lists_link_the_hse_department_to_its_templates(
    client, hms_department, line_manager
):
    client.force_login(hms_department)
    assert url("hazard", "list") in client.get(reverse("risk:list")).content.decode()
    assert url("checklist", "list") in client.get(reverse("risk:rounds")).content.decode()
    client.force_login(line_manager)
    assert url("hazard", "list") not in client.get(reverse("risk:list")).content.decode()
    assert url("checklist", "list") not in client.get(reverse("risk:rounds")).content.decode()


def test_the_templates_are_not_in_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/risk/hazardtemplate/").status_code == 404
    assert client.get("/admin/risk/checklisttemplate/").status_code == 404


# --- The migration's names ---------------------------------------------------------------------


def test_the_old_kinds_have_their_names_in_both_languages(db):
    lab = HazardTemplate.objects.get(slug="laboratory")
    assert (lab.name_nb, lab.name_en) == ("Laboratorium", "Laboratory")
    assert HazardTemplate.objects.get(slug="workshop").name_nn == "Verkstad"
    fire = ChecklistTemplate.objects.get(slug="fire")
    assert (fire.name_nb, fire.name_en) == ("Brann", "Fire")
    assert [t.slug for t in ChecklistTemplate.objects.all()] == [
        "general",
        "fire",
        "laboratory",
        "chemicals",
        "office",
    ]


# --- Add, change, retire, order ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
def test_hse_department_adds_a_template_with_its_lines_in_order(client, hms_department, kind):
    client.force_login(hms_department)
    assert client.get(url(kind, "create")).status_code == 200
    lines = [(20, "Andre", "Second", "Tiltak 2"), (10, "Første", "First"), (None, "", "")]
    response = client.post(url(kind, "create"), form_data(kind, lines, name_nn="Strålearbeid"))
    assert response.status_code == 302
    template = KINDS[kind].objects.get(name_en="Radiation work")
    assert template.name_nn == "Strålearbeid" and template.is_active
    assert template.slug == "radiation-work"
    assert template.position == KINDS[kind].objects.count()  # last in the list
    lines = list(getattr(template, "rows" if kind == "hazard" else "items").all())
    first = LINE_FIELDS[kind][0]
    assert [getattr(line, first) for line in lines] == ["Første", "Andre"]
    assert [line.order for line in lines] == [1, 2]
    if kind == "hazard":
        assert lines[1].existing_measures_nb == "Tiltak 2"
    page = client.get(url(kind, "list")).content.decode()
    assert "Strålingsarbeid" in page and "Radiation work" in page


def test_a_line_without_its_bokmal_text_comes_back_with_the_input_kept(client, hms_department):
    client.force_login(hms_department)
    data = form_data("hazard", [(1, "", "Only English")])
    response = client.post(url("hazard", "create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only English" in page and "Strålingsarbeid" in page
    assert not HazardTemplate.objects.filter(name_en="Radiation work").exists()


def test_a_template_needs_a_line_and_a_name_of_its_own(client, hms_department):
    client.force_login(hms_department)
    response = client.post(url("checklist", "create"), form_data("checklist", [(1, "", "")]))
    assert response.status_code == 400
    assert "at least one question" in response.content.decode()
    response = client.post(
        url("checklist", "create"), form_data("checklist", [(1, "Er det ryddig?")], name_nb="brann")
    )
    assert response.status_code == 400
    assert "There is a checklist with this name already." in response.content.decode()


def test_hse_department_changes_names_and_lines(client, hms_department):
    template = HazardTemplate.objects.get(slug="office")
    client.force_login(hms_department)
    page = client.get(url("hazard", "edit", template)).content.decode()
    assert template.rows.first().hazard_nb in page
    lines = [(1, "Stillesittende arbeid", "Sedentary work", "Pauser", "Breaks")]
    data = form_data(
        "hazard", lines, version=template.version, name_nb="Kontorarbeid", name_en="Office work"
    )
    assert client.post(url("hazard", "edit", template), data).status_code == 302
    template.refresh_from_db()
    assert (template.name_nb, template.name_en, template.version) == (
        "Kontorarbeid",
        "Office work",
        2,
    )
    assert template.slug == "office"  # the key stays
    assert [(r.hazard_nb, r.existing_measures_en) for r in template.rows.all()] == [
        ("Stillesittende arbeid", "Breaks")
    ]


def test_a_second_save_on_the_old_version_is_refused_with_the_input_kept(
    client, hms_department, org
):
    colleague = user_with_role("hms2", Role.HMS_DEPARTMENT, org.root)
    template = ChecklistTemplate.objects.get(slug="fire")
    shown = template.version
    hazard_first = form_data("checklist", [(1, "Er rømningsveiene frie?")], version=shown)
    client.force_login(colleague)
    assert client.post(url("checklist", "edit", template), hazard_first).status_code == 302

    client.force_login(hms_department)
    mine = form_data("checklist", [(1, "Mitt spørsmål om brann?")], version=shown, name_nb="Ild")
    response = client.post(url("checklist", "edit", template), mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page
    assert "Mitt spørsmål om brann?" in page and 'value="Ild"' in page  # input kept
    assert "Er rømningsveiene frie?" in page  # what was saved meanwhile
    template.refresh_from_db()
    assert [i.text_nb for i in template.items.all()] == ["Er rømningsveiene frie?"]
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'name="version" value="{template.version}"' in page
    mine["version"] = str(template.version)
    assert client.post(url("checklist", "edit", template), mine).status_code == 302
    assert ChecklistTemplate.objects.get(pk=template.pk).name_nb == "Ild"


def test_the_service_refuses_a_stale_version(hms_department):
    template = hazard_save(hms_department)
    hazard_save(hms_department, template=template, version=1, name_nb="Dykking 2")
    with pytest.raises(ValidationError):
        hazard_save(hms_department, template=template, version=1, name_nb="Dykking 3")


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
def test_hse_department_retires_and_takes_a_template_into_use_again(client, hms_department, kind):
    template = KINDS[kind].objects.first()
    client.force_login(hms_department)
    response = client.post(url(kind, "active", template), {"active": "0"})
    assert response.status_code == 302
    assert not KINDS[kind].objects.get(pk=template.pk).is_active
    page = client.get(url(kind, "list")).content.decode()
    retired = page.split('id="templates-retired"')[1]
    assert template.name_nb in retired
    client.post(url(kind, "active", template), {"active": "1"})
    assert KINDS[kind].objects.get(pk=template.pk).is_active


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
def test_hse_department_moves_a_template_up_and_down(client, hms_department, kind):
    model = KINDS[kind]
    first, second, *_rest = model.objects.all()
    client.force_login(hms_department)
    assert client.post(url(kind, "move", second), {"direction": "up"}).status_code == 302
    assert list(model.objects.all()[:2]) == [second, first]
    client.post(url(kind, "move", second), {"direction": "down"})
    assert list(model.objects.all()[:2]) == [first, second]
    # The first cannot go higher; an unknown direction moves nothing.
    client.post(url(kind, "move", first), {"direction": "up"})
    client.post(url(kind, "move", first), {"direction": "sideways"})
    assert list(model.objects.all()[:2]) == [first, second]
    positions = list(model.objects.values_list("position", flat=True))
    assert positions == sorted(set(positions))


def test_a_move_passes_over_the_retired_templates(hms_department):
    first, second, third, *_rest = HazardTemplate.objects.all()
    services.template_set_active(actor=hms_department, template=second, is_active=False)
    services.template_move(actor=hms_department, template=third, up=True)
    active = list(HazardTemplate.objects.active())
    assert active[:2] == [third, first]


# --- What was made from a template stays -------------------------------------------------------


def test_an_assessment_keeps_its_rows_when_the_template_is_changed_or_retired(
    org, line_manager, hms_department
):
    template = HazardTemplate.objects.get(slug="laboratory")
    before = [row.hazard for row in template.rows.all()]
    assessment = services.assessment_create(
        actor=line_manager, unit=org.department, title="Lab", activity="D2", template=template
    )
    hazard_save(
        hms_department,
        template=template,
        version=template.version,
        lines=[{"hazard_nb": "Noe helt annet", "hazard_en": "Something else"}],
    )
    services.template_set_active(actor=hms_department, template=template, is_active=False)
    assert [row.hazard for row in assessment.rows.all()] == before
    assert not HazardTemplateRow.objects.filter(hazard_en__in=before).exists()


def test_a_round_keeps_its_questions_and_checklist_name_when_the_checklist_changes(
    client, org, line_manager, safety_rep, hms_department
):
    template = ChecklistTemplate.objects.get(slug="fire")
    questions = [item.text_en for item in template.items.all()]
    round_ = services.round_plan(
        actor=line_manager,
        unit=org.department,
        planned_for=timezone.localdate(),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=[template],
    )
    services.template_save(
        actor=hms_department,
        model=ChecklistTemplate,
        template=template,
        version=template.version,
        name_nb="Brannvern",
        name_en="Fire safety",
        lines=[{"text_nb": "Nytt spørsmål?", "text_en": "New question?"}],
    )
    services.template_set_active(actor=hms_department, template=template, is_active=False)
    assert [answer.question_en for answer in round_.answers.all()] == questions
    client.force_login(line_manager)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert questions[0] in page and "New question?" not in page
    assert "Fire safety" in page  # the answers are grouped under the checklist's name
    assert ChecklistTemplateItem.objects.filter(template=template).count() == 1


def test_a_retired_template_is_not_offered_for_new_assessments(client, org, line_manager):
    template = HazardTemplate.objects.get(slug="travel")
    template.is_active = False
    template.save()
    client.force_login(line_manager)
    offered = client.get(reverse("risk:create")).context["form"].fields["template"].queryset
    assert template not in offered and HazardTemplate.objects.get(slug="office") in offered
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=line_manager, unit=org.department, title="T", activity="A", template=template
        )


def test_a_retired_checklist_is_not_offered_for_new_rounds(client, org, line_manager, safety_rep):
    template = ChecklistTemplate.objects.get(slug="general")
    template.is_active = False
    template.save()
    client.force_login(line_manager)
    response = client.get(reverse("risk:round_plan"), {"unit": org.department.code})
    offered = response.context["form"].fields["checklists"].queryset
    assert template not in offered and ChecklistTemplate.objects.get(slug="fire") in offered
    with pytest.raises(ValidationError):
        services.round_plan(
            actor=line_manager,
            unit=org.department,
            planned_for=timezone.localdate(),
            participants=[
                (line_manager, ParticipantRole.LINE_MANAGER),
                (safety_rep, ParticipantRole.SAFETY_REP),
            ],
            checklists=[template],
        )


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["hazard", "checklist"])
def test_the_template_list_makes_as_many_queries_for_many_templates(client, hms_department, kind):
    client.force_login(hms_department)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(kind, "list")).status_code == 200
        return len(captured)

    few = count()
    model = KINDS[kind]
    for number in range(30):
        template = model.objects.create(
            slug=f"extra-{number}", name_nb=f"Ekstra {number}", name_en=f"Extra {number}"
        )
        line_model = HazardTemplateRow if kind == "hazard" else ChecklistTemplateItem
        field = LINE_FIELDS[kind][0]
        line_model.objects.create(template=template, **{field: "Linje"})
        if number % 3 == 0:
            template.is_active = False
            template.save()
    assert count() == few


def test_the_edit_page_makes_as_many_queries_for_a_long_template(client, hms_department):
    client.force_login(hms_department)
    template = hazard_save(hms_department)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("hazard", "edit", template)).status_code == 200
        return len(captured)

    few = count()
    HazardTemplateRow.objects.bulk_create(
        HazardTemplateRow(template=template, hazard_nb=f"Fare {n}", order=n) for n in range(60)
    )
    assert count() == few
