"""Fixtures of the reference tests: a payer note, as the back office tests make it."""

from tests.notes.conftest import note  # noqa: F401 - a fixture
