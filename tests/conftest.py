"""Shared fixtures: the reference data is loaded once per test session, every test runs in
a transaction that is rolled back, so each sees the dataset as shipped."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command


def pytest_configure(config):
    # Hashing a password the production way takes a good part of a second; tests that sign
    # people in would spend most of their time there.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", stdout=StringIO())


@pytest.fixture(autouse=True)
def cold_cache():
    """Every test starts with nothing kept in the cache, as after a release: what a page costs
    never depends on the tests that ran before it."""
    clear_caches()


def clear_caches() -> None:
    """Empty every cache: pages and fragments, and the objects kept for the content revision."""
    for each in caches.all():
        each.clear()


@pytest.fixture
def coder(client):
    """Anyone looking codes up: no account needed."""
    return client
