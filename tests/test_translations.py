"""The catalogues are complete: every string in the code is translated to bokmål, nynorsk and
English, and the compiled catalogues match their sources. Nynorsk can be chosen like the others,
with Django's own nynorsk strings and the Norwegian way of writing dates and numbers."""

import datetime
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from tests.waits import WAIT

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALES = ["nb", "nn", "en"]
SOURCE_DIRS = [
    "hms",
    "units",
    "deviations",
    "risk",
    "actionplans",
    "indicators",
    "api",
    "templates",
]


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(BASE_DIR / "locale" / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated(locale):
    po = catalogue(locale)
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_source(locale):
    po = catalogue(locale)
    mo = polib.mofile(str(BASE_DIR / "locale" / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {entry.msgid: (entry.msgstr, entry.msgstr_plural) for entry in mo}
    for entry in po.translated_entries():
        assert entry.msgid in compiled, f"run `make messages`: {entry.msgid!r} is not compiled"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_catalogues_contain_every_string_in_the_code(tmp_path):
    """Extract the strings afresh from a copy of the code and compare with the catalogue."""
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale" / "nb").mkdir(parents=True)
    env = {**os.environ, "DATABASE_URL": "postgres://unused@localhost/unused"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "nb", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=WAIT,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "nb" / "LC_MESSAGES" / "django.po"))
    extracted = {entry.msgid for entry in fresh}
    known = {entry.msgid for entry in catalogue("nb")}
    assert extracted - known == set(), "new strings: run `make messages` and translate them"


def test_the_language_switch_offers_bokmal_nynorsk_and_english(client, employee):
    client.force_login(employee)
    page = client.get(reverse("home")).content.decode()
    switch = re.search(r'<form[^>]*id="language-switch".*?</form>', page, re.S).group(0)
    assert re.findall(r'name="language" value="(\w+)"', switch) == ["nb", "nn", "en"]


def test_a_page_is_in_nynorsk_when_nynorsk_is_chosen(client, employee):
    client.force_login(employee)
    response = client.post(reverse("set_language"), {"language": "nn", "next": "/"})
    assert response.status_code == 302
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response["Content-Language"] == "nn" and '<html lang="nn"' in page
    assert "Å gjere" in page and "Å gjøre" not in page  # the start page's "To do"
    assert "Meld avvik" in page and "Logg ut" in page


def test_nynorsk_uses_djangos_own_strings_and_norwegian_dates_and_numbers():
    with translation.override("nn"):
        assert translation.gettext("This field is required.") == "Feltet er påkravd."
        assert formats.date_format(datetime.date(2026, 12, 1)) == "1. desember 2026"
        assert formats.date_format(datetime.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "01.12.2026"
        assert formats.number_format(Decimal("1234.5"), 1, force_grouping=True) == "1\xa0234,5"


def test_nynorsk_is_between_bokmal_and_english():
    assert [code for code, _name in settings.LANGUAGES] == ["nb", "nn", "en"]
