"""Shared fixtures: the reference data is loaded once per test session, every test runs in
a transaction that is rolled back, so each sees the dataset as shipped."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_reference", stdout=StringIO())


@pytest.fixture
def coder(client):
    """Anyone looking codes up: no account needed."""
    return client
