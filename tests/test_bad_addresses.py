"""Addresses a user can type or damage answer with a page, never a 500 (issue 13's slips)."""

import pytest


@pytest.mark.parametrize("who", ["hms_department", "administrator"])
def test_round_planning_without_a_unit_role_offers_the_unit_choice(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/risk/rounds/new/")
    assert response.status_code == 200
    assert 'name="unit"' in response.content.decode()


def test_round_planning_for_an_unknown_unit_says_so(client, hms_department):
    client.force_login(hms_department)
    response = client.get("/risk/rounds/new/?unit=NOPE")
    assert response.status_code == 200
    assert response.context["unit_form"].errors


def test_a_nul_character_in_the_tree_search_finds_as_if_it_were_not_there(
    client, line_manager, org
):
    client.force_login(line_manager)
    response = client.get("/units/?q=D%00EP")
    assert response.status_code == 200
    assert org.department in response.context["matches"]


def test_a_routine_template_that_is_not_a_number_shows_the_template_choice(
    client, line_manager, org
):
    client.force_login(line_manager)
    response = client.get(f"/registers/{org.department.code}/routines/new/?template=abc")
    assert response.status_code == 200
