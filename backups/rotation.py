"""Rotation: keep the newest archive of each of the last N days that have one, and the first
archive of each of the last M months that have one; delete every other archive.

``BACKUP_KEEP_DAILY`` (N, default 7, at least 1) and ``BACKUP_KEEP_MONTHLY`` (M, default 12).
Days and months are Danish calendar days (``TIME_ZONE``). An archive can be both a daily and a
monthly one (the 1st of the month's, within the last N days), so at most N + M are kept. Only
names the backup command makes are looked at; anything else in the storage is left alone.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .archive import list_archives, stamp_of
from .storage import backup_storage

DEFAULT_DAILY = 7
DEFAULT_MONTHLY = 12


def keep_counts():
    daily = getattr(settings, "BACKUP_KEEP_DAILY", DEFAULT_DAILY)
    monthly = getattr(settings, "BACKUP_KEEP_MONTHLY", DEFAULT_MONTHLY)
    if daily < 1 or monthly < 0:
        raise ImproperlyConfigured(
            "BACKUP_KEEP_DAILY must be at least 1 and BACKUP_KEEP_MONTHLY at least 0."
        )
    return daily, monthly


def to_keep(names, *, daily, monthly):
    """The subset of archive ``names`` the rotation keeps."""
    newest_first = sorted(names, key=stamp_of, reverse=True)
    keep, days, months = set(), set(), {}
    for name in newest_first:
        local = timezone.localtime(stamp_of(name))
        day, month = local.date(), (local.year, local.month)
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(name)
        months[month] = name  # newest first: ends with the month's first archive
    for month in sorted(months, reverse=True)[:monthly]:
        keep.add(months[month])
    return keep


def rotate(storage=None, *, daily=None, monthly=None):
    """Delete the archives the rotation does not keep; returns ``(kept, deleted)`` names."""
    storage = storage or backup_storage()
    if daily is None or monthly is None:
        daily, monthly = keep_counts()
    names = list_archives(storage)
    keep = to_keep(names, daily=daily, monthly=monthly)
    deleted = [name for name in names if name not in keep]
    for name in deleted:
        storage.delete(name)
    return sorted(keep, key=stamp_of), deleted
