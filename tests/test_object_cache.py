"""The cache of objects kept for the content revision (facetsite/cache.py, codes.caching.kept):
Django's local-memory cache, holding the objects themselves instead of pickles."""

import time

import pytest
from django.core.cache import caches

from codes.caching import kept
from codes.models import Dataset


@pytest.fixture
def objects():
    return caches["objects"]


def test_a_read_gives_the_object_stored_not_a_copy(objects):
    value = {"codes": ["64490", "64493"]}
    objects.set("k", value)
    assert objects.get("k") is value
    assert objects.get("missing", "none") == "none"


def test_it_expires_and_adds_as_django_caches_do(objects, monkeypatch):
    objects.set("k", 1, timeout=60)
    assert objects.add("k", 2) is False
    assert objects.incr("k", 4) == 5
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert objects.get("k") is None
    assert objects.add("k", 2) is True
    with pytest.raises(ValueError, match="not found"):
        objects.incr("nothing")


def test_it_holds_a_bounded_number_of_entries(objects):
    for number in range(objects._max_entries + 50):
        objects.set(f"k{number}", number)
    assert len(objects._cache) <= objects._max_entries
    assert objects.get(f"k{objects._max_entries + 49}") == objects._max_entries + 49


@pytest.mark.django_db
def test_kept_reads_once_per_revision(django_assert_num_queries):
    with django_assert_num_queries(1):
        first = kept("r1", "dataset", lambda: Dataset.objects.order_by("-pk").first())
    with django_assert_num_queries(0):
        assert kept("r1", "dataset", lambda: Dataset.objects.order_by("-pk").first()) is first
    with django_assert_num_queries(1):  # another revision: read afresh
        kept("r2", "dataset", lambda: Dataset.objects.order_by("-pk").first())
    assert first is not None and first.version  # the dataset as loaded, not a placeholder
