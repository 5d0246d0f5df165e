"""Dumping and restoring the database: pg_dump / pg_restore on PostgreSQL, SQLite's online
backup API on SQLite (a consistent copy even while others write, WAL included).

pg_dump and pg_restore must be of the server's major version or newer (Debian's
``postgresql-client-15`` for PostgreSQL 15); pg_dump refuses a newer server by itself and we
pass its message on.
"""

import os
import sqlite3
import subprocess

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection

SUPPORTED = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class DatabaseError(Exception):
    pass


def vendor():
    if connection.vendor not in SUPPORTED:
        raise DatabaseError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def dump(path):
    """Write the whole database to ``path`` (custom-format dump or a SQLite file)."""
    if connection.in_atomic_block:  # it would miss (or, on SQLite, wait for) its own writes
        raise DatabaseError("A backup cannot run inside a transaction.")
    if vendor() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", path])
    else:
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            with target:
                connection.connection.backup(target)
        finally:
            target.close()


def restore(path):
    """Replace the database's contents with the dump at ``path``."""
    if connection.in_atomic_block:
        raise DatabaseError("A restore cannot run inside a transaction.")
    if vendor() == "postgresql":
        drop_all_tables()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                connection.settings_dict["NAME"],
                path,
            ]
        )
        connection.close()  # no cached state from before the restore
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)  # replaces every page, schema included
        finally:
            source.close()
    ContentType.objects.clear_cache()


def drop_all_tables():
    """A PostgreSQL schema as a fresh database has it (pg_restore then recreates it all):
    no tables (their triggers go with them) and none of the functions our migrations made
    (forms_app 0015's trigger function), only those of extensions."""
    tables = connection.introspection.table_names(include_views=False)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if tables:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(map(quote, tables))} CASCADE")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc AS p"
            " JOIN pg_namespace AS n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND NOT EXISTS ("
            "SELECT FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        for (function,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {function} CASCADE")


def contents():
    """``{what: count}`` of the data the deployment holds (empty: safe to restore into).

    A never-migrated database holds nothing; a migrated one holds its migrations' own rows
    (content types, permissions, Wagtail's root and welcome pages, a default site), which
    do not count.
    """
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    from forms_app.models import FormSubmission, SubmissionPhoto

    tables = set(connection.introspection.table_names())
    found = {}
    models = {
        "users": get_user_model(),
        "submissions": FormSubmission,
        "photos": SubmissionPhoto,
        "images": get_image_model(),
        "documents": get_document_model(),
    }
    for label, model in models.items():
        if model._meta.db_table in tables and (count := model.objects.count()):
            found[label] = count
    if Page._meta.db_table in tables and (count := Page.objects.count()) > 2:
        found["pages"] = count
    return found


def _run(command):
    settings_dict = connection.settings_dict
    env = {**os.environ}
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ]:
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS", {})
    for key, variable in [
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ]:
        if options.get(key):
            env[variable] = str(options[key])
    try:
        # Our own fixed argument list (pg_dump / pg_restore), no shell.
        result = subprocess.run(  # noqa: S603
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise DatabaseError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client-15)."
        ) from None
    if result.returncode:
        raise DatabaseError(f"{command[0]} failed: {result.stderr.strip()}")
