"""Many reporters at once, each on its own database connection: what the numbering test and
`manage.py bench_reporters` run. Each reporter submits through deviations.services, so it
takes the year's number exactly as a web request does."""

import threading
import time
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from deviations import services


@dataclass
class Outcome:
    milliseconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


def report_concurrently(*, unit, category, reporters: int = 20, each: int = 1) -> Outcome:
    """`reporters` threads start together and each submits `each` anonymous reports to `unit`.
    Returns every submission's time, every error and every number given out."""
    outcome = Outcome()
    lock = threading.Lock()
    start = threading.Barrier(reporters)

    def reporter(index: int) -> None:
        try:
            start.wait()
            for round_ in range(each):
                began = time.perf_counter()
                try:
                    deviation, _code, _created = services.deviation_report(
                        reporter=None,
                        anonymous=True,
                        unit=unit,
                        submission_token=uuid.uuid4(),
                        title=f"Concurrent report {index}.{round_}",
                        description="Submitted together with other reporters.",
                        occurred_at=timezone.now(),
                        deviation_type="hazard",
                        category=category,
                        severity="minor",
                    )
                except Exception as error:  # noqa: BLE001 - every failure is counted, not hidden
                    with lock:
                        outcome.errors.append(repr(error))
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    outcome.milliseconds.append(elapsed)
                    outcome.numbers.append(deviation.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=reporter, args=(i,)) for i in range(reporters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
