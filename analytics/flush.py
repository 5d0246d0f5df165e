"""Write the counted totals into the ``Daily*`` tables (``manage.py flush_statistics``; the
worker runs it once a minute).

Redis: for today and every day still in Redis, each site's **absolute** totals of that day
are written (an upsert per row), so flushing twice gives the same numbers. A total is never
lowered: if Redis lost the day's keys (a restart without persistence), the higher number
already in the database stays. Days before today are *closed*: marked closed (the counting
script ignores them from then on), flushed a last time, and then every key of the day is
deleted, the visitor hashes, the visit keys and the day's salt with them.

Local memory (no Redis): every view is already in the database; this only forgets the salt
and hashes of days before today.
"""

import logging

from django.core.cache import caches
from django.db import transaction
from wagtail.models import Site

from . import days
from .models import DailyPageStat, DailyReferrerStat, DailySiteStat
from .stores import KEY_TTL, REFERRER_SEPARATOR, Keys, current_store, is_redis_cache

logger = logging.getLogger(__name__)


def flush(day=None):
    """Write the cache's totals of ``day`` (default: every day in the cache) to the database;
    days before today are closed. Returns ``{day: number of sites written}``."""
    today = days.today()
    store = current_store()
    cache = caches["default"]
    if not is_redis_cache(cache):
        store.close_before(today)
        return {}
    store.send_pending()  # this process's own queued views first
    client = store.client()
    if day is not None:
        pending = [day]
    else:
        index = Keys(cache, today).days
        pending = sorted(
            {days.parse_day(key.decode()) for key in client.smembers(index)} | {today}
        )
    written = {}
    for pending_day in pending:
        if pending_day < today:
            written[pending_day] = close_day(client, cache, pending_day)
        else:
            written[pending_day] = write_day(client, cache, pending_day)
    return written


def _decode(mapping):
    return {key.decode(): int(value) for key, value in mapping.items()}


def write_day(client, cache, day):
    """Upsert the day's totals of every site counted that day; the number of sites."""
    keys = Keys(cache, day)
    site_ids = sorted(int(site) for site in client.smembers(keys.sites))
    existing_sites = set(Site.objects.filter(pk__in=site_ids).values_list("pk", flat=True))
    count = 0
    for site_id in site_ids:
        if site_id not in existing_sites:
            continue  # a site deleted since
        pipe = client.pipeline(transaction=False)
        totals, views, entries, referrers, visitors, returning = keys.site_keys(site_id)
        pipe.hgetall(totals)
        pipe.hgetall(views)
        pipe.hgetall(entries)
        pipe.hgetall(referrers)
        pipe.scard(visitors)
        pipe.scard(returning)
        totals, views, entries, referrers, visitors, returning = pipe.execute()
        if not totals:
            continue  # nothing in Redis (expired or lost): keep what the database has
        save(
            site_id,
            day,
            _decode(totals),
            _decode(views),
            _decode(entries),
            _decode(referrers),
            visitors,
            returning,
        )
        count += 1
    return count


def save(site_id, day, totals, views, entries, referrers, visitors, returning):
    """Write one site's totals for one day, never lowering a number already stored."""
    with transaction.atomic():
        row = DailySiteStat.objects.select_for_update().filter(site_id=site_id, day=day).first()
        values = {
            "page_views": totals.get("page_views", 0),
            "visits": totals.get("visits", 0),
            "visitors": visitors,
            "returning_visitors": returning,
        }
        if row is not None:
            values = {name: max(value, getattr(row, name)) for name, value in values.items()}
        DailySiteStat.objects.update_or_create(site_id=site_id, day=day, defaults=values)

        stored = {
            path: (v, e)
            for path, v, e in DailyPageStat.objects.filter(site_id=site_id, day=day).values_list(
                "path", "views", "entries"
            )
        }
        pages = []
        for path in views.keys() | entries.keys():
            old_views, old_entries = stored.get(path, (0, 0))
            pages.append(
                DailyPageStat(
                    site_id=site_id,
                    day=day,
                    path=path,
                    views=max(views.get(path, 0), old_views),
                    entries=max(entries.get(path, 0), old_entries),
                )
            )
        DailyPageStat.objects.bulk_create(
            pages,
            update_conflicts=True,
            unique_fields=["site", "day", "path"],
            update_fields=["views", "entries"],
        )

        stored = {
            (kind, source): visits
            for kind, source, visits in DailyReferrerStat.objects.filter(
                site_id=site_id, day=day
            ).values_list("kind", "source", "visits")
        }
        sources = []
        for field, visits in referrers.items():
            kind, _sep, source = field.partition(REFERRER_SEPARATOR)
            if kind not in DailyReferrerStat.Kind.values or not source:
                continue
            sources.append(
                DailyReferrerStat(
                    site_id=site_id,
                    day=day,
                    kind=kind,
                    source=source,
                    visits=max(visits, stored.get((kind, source), 0)),
                )
            )
        DailyReferrerStat.objects.bulk_create(
            sources,
            update_conflicts=True,
            unique_fields=["site", "day", "kind", "source"],
            update_fields=["visits"],
        )


def close_day(client, cache, day):
    """Flush a past day a last time, then delete all its keys (hashes and salt included)."""
    keys = Keys(cache, day)
    # From now on the counting script refuses this day, so the last flush is final.
    client.set(keys.closed, b"1", ex=KEY_TTL)
    count = write_day(client, cache, day)
    site_ids = [int(site) for site in client.smembers(keys.sites)]
    doomed = [keys.salt, keys.sites]
    for site_id in site_ids:
        doomed += keys.site_keys(site_id)
    client.delete(*doomed)
    batch = []
    for key in client.scan_iter(match=keys.visit_pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch = []
    if batch:
        client.delete(*batch)
    client.srem(keys.days, keys.day)
    logger.info("Visit statistics of %s closed (%s site(s))", day.isoformat(), count)
    return count
