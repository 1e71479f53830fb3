"""Texts makemessages cannot see stay English in every language: it knows only gettext's own
names (and `_`), so a text marked through another alias (`gettext_lazy as _lazy`) was never
put in the catalogue and showed "Injuries with absence" on a bokmål page."""

import ast
from pathlib import Path

from django.contrib import admin
from django.utils import translation
from django.utils.functional import Promise

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "node_modules", ".data", "migrations", ".git"}
PROJECT_APPS = ("units", "deviations", "risk", "actionplans", "indicators", "hms", "api")


def _sources():
    for path in ROOT.rglob("*.py"):
        if not SKIPPED.intersection(path.relative_to(ROOT).parts):
            yield path


def test_no_gettext_alias_that_makemessages_does_not_know():
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for name in node.names:
                    if name.asname and name.asname != "_":
                        found.append(f"{path.relative_to(ROOT)}: {name.name} as {name.asname}")
    assert found == []


def test_the_indicator_page_explains_its_parts_in_bokmal(db):
    from indicators.views import PART_LABELS

    with translation.override("en"):
        english = {key: str(label) for key, label in PART_LABELS.items()}
    with translation.override("nb"):
        bokmal = {key: str(label) for key, label in PART_LABELS.items()}
    same_in_both = {"kwh"}  # the unit's symbol
    assert [key for key in english if english[key] == bokmal[key] and key not in same_in_both] == []
    with translation.override("nb"):
        assert str(PART_LABELS["injuries_with_absence"]) == "Skader med fravær"
        assert str(PART_LABELS["to"]) == "Til"


def test_every_model_the_admin_shows_has_a_translated_name(db):
    shown = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        shown.update(inline.model for inline in model_admin.inlines)
    ours = [model for model in shown if model.__module__.split(".")[0] in PROJECT_APPS]
    untranslated = []
    for model in ours:
        options = model._meta.original_attrs
        for key in ("verbose_name", "verbose_name_plural"):
            if not isinstance(options.get(key), Promise):
                untranslated.append(f"{model.__name__}.{key}")
    assert untranslated == []
    from risk.models import HazardTemplateRow

    with translation.override("nb"):
        assert str(HazardTemplateRow._meta.verbose_name_plural) == "rader i maler for farer"
