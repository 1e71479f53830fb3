"""A double submit never reaches the database as a failing INSERT: PostgreSQL would log the
whole statement, health details included."""

import threading
import uuid

import pytest
from django.db import IntegrityError, connections
from django.utils import timezone

from deviations import services
from deviations.models import Deviation
from tests.factories import load_reference_data, make_unit
from tests.waits import WAIT


@pytest.mark.django_db(transaction=True)
def test_two_racing_submits_make_one_deviation_and_no_failing_insert():
    load_reference_data()  # a transactional test starts from an empty database
    from deviations.models import Category, DeviationType, Severity

    unit = make_unit(code="RACE", name_nb="Kappløp")
    category = Category.objects.get(code="building")
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    results, failures = [], []

    def send():
        try:
            barrier.wait(timeout=WAIT)
            results.append(
                services.deviation_report(
                    reporter=None,
                    anonymous=True,
                    unit=unit,
                    submission_token=token,
                    title="Dobbeltklikk",
                    description="Sendt to ganger.",
                    occurred_at=timezone.now(),
                    deviation_type=DeviationType.HAZARD,
                    severity=Severity.MINOR,
                    category=category,
                    health_details="Kuttskade i hånden",
                )
            )
        except IntegrityError as error:  # the path that made PostgreSQL log the INSERT
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not failures
    assert len(results) == 2
    assert sorted(created for _deviation, _code, created in results) == [False, True]
    assert Deviation.objects.filter(submission_token=token).count() == 1
