from django.core.management import call_command
from django.db import connection
from django.db.models import Max

from deviations.models import Deviation, YearCounter
from units.models import Unit, User


def test_build_sector_numbers_and_tops_up(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("build_sector", units=40, people=120, deviations=300)
    assert Unit.objects.filter(code__startswith="SX").count() == 40
    assert Unit.find_problems() == ([], [], [], [], [])
    assert User.objects.filter(username__regex=r"^sx\.[0-9]+$").count() == 120
    assert Deviation.objects.count() == 300
    call_command("build_sector", units=40, people=120, deviations=450)
    assert Unit.objects.filter(code__startswith="SX").count() == 40
    assert Deviation.objects.count() == 450
    assert Deviation.objects.values("number").distinct().count() == 450
    for counter in YearCounter.objects.all():
        last = Deviation.objects.filter(year=counter.year).aggregate(m=Max("sequence"))["m"]
        assert counter.last == (last or 0)
    # The loaded tables have planner statistics (reltuples is -1 before the first ANALYZE).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'deviations_deviation'")
        assert cursor.fetchone() == (450,)
