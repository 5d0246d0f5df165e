from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from cookie_consent.views import cookie_settings
from forms_app.staff.wagtail_views import GuardedDeleteSubmissionsView
from home import seo
from home.brand import brand_css
from home.favicon import favicon_ico, favicon_png, favicon_svg
from home.localize import (
    GuardedSubmitPageTranslationView,
    GuardedTranslationsReportView,
    GuardedUpdateTranslationsView,
)

urlpatterns = [
    # Staff submissions area (forms_app/staff/urls.py), ahead of Wagtail's admin URLs so its
    # photo view answers 404, not a login redirect, to strangers.
    path("admin/henvendelser/", include("forms_app.staff.urls")),
    # Wagtail's per-form delete, replaced by our subclass (delete permission, legal holds).
    path(
        "admin/forms/submissions/<int:page_id>/delete/",
        require_admin_access(GuardedDeleteSubmissionsView.as_view()),
        name="guarded_delete_submissions",
    ),
    # wagtail-localize's "Translate this page" and "Sync translated pages", replaced by
    # subclasses that also ask for page permissions (home/localize.py): the global permission
    # they check alone would reach the other company's pages. Reversing wagtail-localize's
    # URL names gives these same paths, so its buttons lead here.
    path(
        "admin/localize/submit/page/<int:page_id>/",
        require_admin_access(GuardedSubmitPageTranslationView.as_view()),
        name="guarded_submit_page_translation",
    ),
    path(
        "admin/localize/update/<int:translation_source_id>/",
        require_admin_access(GuardedUpdateTranslationsView.as_view()),
        name="guarded_update_translations",
    ),
    # Its translations report, limited to the pages of the user's own site.
    path(
        "admin/localize/reports/translations/",
        require_admin_access(GuardedTranslationsReportView.as_view()),
        name="guarded_translations_report",
    ),
    path(
        "admin/localize/reports/translations/results/",
        require_admin_access(GuardedTranslationsReportView.as_view(results_only=True)),
        name="guarded_translations_report_results",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The brand colour as a stylesheet named by the colour (public pages allow no inline style).
    path("brand/<str:colour>.css", brand_css, name="brand_css"),
    # Each site's icon: its initials on its colour, named by both (home/favicon.py), and
    # /favicon.ico redirecting to the host's icon (its favicon image's rendition, if set).
    path("brand/icon/<str:colour>/<path:name>.svg", favicon_svg, name="favicon_svg"),
    path("brand/icon/<str:colour>/<int:size>/<path:name>.png", favicon_png, name="favicon_png"),
    path("favicon.ico", favicon_ico, name="favicon_ico"),
    # Per site (the host names it): robots.txt, and the sitemap of its pages in both languages
    # with hreflang alternates (home/seo.py).
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap, name="sitemap"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The cookie settings page and consent endpoint: /cookies/ (Danish), /en/cookies/ (English),
# ahead of Wagtail's catch-all below.
urlpatterns += i18n_patterns(
    path("cookies/", cookie_settings, name="cookie_settings"), prefix_default_language=False
)

# Wagtail serves every page; this must stay last. Danish pages have no prefix, English ones
# live under /en/ (LocaleMiddleware picks the language from the path, Danish otherwise).
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
