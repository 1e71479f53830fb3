"""Both catalogues are complete: every string in the code is translated to bokmål and English,
and the compiled catalogues match their sources."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALES = ["nb", "en"]
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
        timeout=120,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "nb" / "LC_MESSAGES" / "django.po"))
    extracted = {entry.msgid for entry in fresh}
    known = {entry.msgid for entry in catalogue("nb")}
    assert extracted - known == set(), "new strings: run `make messages` and translate them"
