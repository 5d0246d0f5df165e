"""One "web worker" for tests/home/test_page_cache.py, in a process of its own.

Reads commands on stdin, one per line, and answers each with one JSON line:

* ``GET <host> <path>``: the page through Django's whole middleware stack (status, whether
  the page cache answered, the <title>, and the footer's company name);
* ``PUBLISH <url path> <title>``: publish a new revision of the page with that title;
* ``UNPUBLISH <url path>``; ``COMPANY <site root slug> <name>``: change the company name.

The database (``DATABASE_URL``) and the cache (Redis at ``REDIS_URL``, ``CACHE_KEY_PREFIX``)
are shared with the other worker the test starts.
"""

import json
import os
import re
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.home.page_cache_settings")


def main():
    import django
    from django.conf import settings

    django.setup()
    assert "Redis" in settings.CACHES["default"]["BACKEND"], settings.CACHES
    from django.test import Client
    from wagtail.models import Page, Site

    from home.models import CompanySettings

    client = Client()
    for line in sys.stdin:
        command, *args = line.split()
        if command == "GET":
            host, path = args
            response = client.get(path, HTTP_HOST=host)
            body = response.content.decode()
            title = re.search(r"<title>(.*?)</title>", body, re.S)
            footer = re.search(r'site-footer__contact">\s*<strong>(.*?)</strong>', body)
            answer = {
                "status": response.status_code,
                "cache": response.headers.get("X-Page-Cache"),
                "title": title.group(1).strip() if title else None,
                "company": footer.group(1) if footer else None,
                "menu": re.findall(r'<nav class="site-nav".*?</nav>', body, re.S),
            }
        elif command == "PUBLISH":
            page = Page.objects.get(url_path=args[0]).specific
            page.title = " ".join(args[1:])
            page.save_revision().publish()
            answer = {"ok": True}
        elif command == "UNPUBLISH":
            Page.objects.get(url_path=args[0]).specific.unpublish()
            answer = {"ok": True}
        elif command == "COMPANY":
            site = Site.objects.get(root_page__slug=args[0])
            company = CompanySettings.for_site(site)
            company.company_name = " ".join(args[1:])
            company.save()
            answer = {"ok": True}
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
