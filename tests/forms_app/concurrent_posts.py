"""Many visitors sending the quote form at the same moment to one SQLite file.

Run in a fresh process by ``test_request_hardening.test_concurrent_posts_on_sqlite_all_arrive``
(the suite's own database may be PostgreSQL or SQLite in memory; this needs a file, as a
newcomer's ``make run`` has):

    python -m tests.forms_app.concurrent_posts DB_PATH --workers 6 --posts 12

It migrates ``DB_PATH``, runs ``setup_sites``, then forks the workers: each loads the form,
waits for the others at a barrier and posts ``--posts`` quotes with a photo as fast as it can,
each from its own address (so the rate limit lets them through). The last line of output is
JSON: the status codes the visitors got and how many submissions and photos were stored.
"""

import argparse
import io
import json
import multiprocessing
import os
import sys
from collections import Counter


def photo():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 90, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def visitor(number, posts, barrier, results):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tests.visitor import reference_in

    client = Client(raise_request_exception=False)
    statuses = []
    page = client.get("/tilbud/", HTTP_HOST="mihvvs.localhost")
    reference = reference_in(page.content.decode())
    jpeg = photo()
    barrier.wait(60)
    for n in range(posts):
        data = {
            "mih_bevis": reference,
            "navn": f"Kunde {number}-{n}",
            "adresse": "Søndergade 12",
            "postnummer": "4000",
            "telefon": "12 34 56 78",
            "e_mail": f"kunde{number}.{n}@example.dk",
            "beskrivelse_af_opgaven": "Utæt blandingsbatteri.",
            "samtykke": "on",
            "billeder_af_installationen": SimpleUploadedFile("vandhane.jpg", jpeg, "image/jpeg"),
        }
        response = client.post(
            "/tilbud/", data, HTTP_HOST="mihvvs.localhost", REMOTE_ADDR=f"10.1.{number}.{n}"
        )
        statuses.append(response.status_code)
    results.put(statuses)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--posts", type=int, default=12)
    parser.add_argument(
        "--old-defaults",
        action="store_true",
        help="Django's SQLite defaults as main had them: deferred, rollback journal, 5 s",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{os.path.abspath(args.db)}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")

    import django
    from django.conf import settings

    django.setup()
    if args.old_defaults:
        settings.DATABASES["default"]["OPTIONS"] = {}

    from django.core.management import call_command
    from django.db import connections

    from forms_app.models import FormSubmission, SubmissionPhoto

    call_command("migrate", verbosity=0)
    call_command("setup_sites", verbosity=0)
    connections.close_all()  # each forked visitor opens its own connection

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(args.workers), context.Queue()
    workers = [
        context.Process(target=visitor, args=(number, args.posts, barrier, results))
        for number in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    statuses = Counter()
    for _ in workers:
        statuses.update(results.get(timeout=300))
    for worker in workers:
        worker.join(60)
    print(
        json.dumps(
            {
                "statuses": {str(code): count for code, count in sorted(statuses.items())},
                "submissions": FormSubmission.objects.count(),
                "photos": SubmissionPhoto.objects.count(),
                "sent": args.workers * args.posts,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
