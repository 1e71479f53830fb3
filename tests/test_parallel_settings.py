"""The parallel suite (pytest-xdist) keeps its processes apart: each its own Redis database."""

import pytest

from hms.test_settings import redis_url_for_worker


def test_each_process_gets_the_next_redis_database_after_the_one_given():
    assert redis_url_for_worker("redis://127.0.0.1:6379/0", 0) == "redis://127.0.0.1:6379/0"
    assert redis_url_for_worker("redis://127.0.0.1:6379/0", 3) == "redis://127.0.0.1:6379/3"
    assert redis_url_for_worker("redis://:secret@cache:6379", 1) == "redis://:secret@cache:6379/1"


def test_a_list_of_databases_names_each_process_its_own():
    assert (
        redis_url_for_worker("redis://127.0.0.1:6379/2", 0, "2,9,10") == "redis://127.0.0.1:6379/2"
    )
    assert (
        redis_url_for_worker("redis://127.0.0.1:6379/2", 2, "2,9,10") == "redis://127.0.0.1:6379/10"
    )
    with pytest.raises(RuntimeError, match="too few"):
        redis_url_for_worker("redis://127.0.0.1:6379/2", 3, "2,9,10")
