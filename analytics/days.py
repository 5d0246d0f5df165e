"""The statistics day: the Danish calendar date (``TIME_ZONE``, Europe/Copenhagen)."""

import datetime

from django.utils import timezone

DAY_FORMAT = "%Y%m%d"


def today():
    """Today's date in Denmark (one function, so tests can move the clock)."""
    return timezone.localdate()


def day_key(day):
    return day.strftime(DAY_FORMAT)


def parse_day(key):
    return datetime.datetime.strptime(key, DAY_FORMAT).date()


def end_of_day(day):
    """The aware moment ``day`` ends in Denmark (the next day's local midnight)."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)
