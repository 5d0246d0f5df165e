"""The real clamd fixtures (tests/clamd.py) for the tests of cms/."""

from tests.clamd import clamav, clamd_server  # noqa: F401 - fixtures
