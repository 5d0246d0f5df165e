/* Form pages with errors or a refused post (form_page.html loads this only then): move the
   keyboard and screen-reader focus to the error summary (or the notice), so the visitor
   hears what went wrong instead of starting at the top of the page. A link in the summary
   focuses its field and scrolls its label into view. No inline script: the CSP allows none. */
(function () {
    "use strict";

    function focusSummary() {
        var summary = document.querySelector("[data-focus-on-load]");
        if (!summary) {
            return;
        }
        // Not when the visitor already moved on; but over the cookie banner's autofocus
        // (templates/cookie_consent/banner.html): what went wrong with the form comes first,
        // and the banner stays where it is, before the header.
        var active = document.activeElement;
        var atStart = !active || active === document.body || active.id === "main" ||
            (active.closest && active.closest("[data-cookie-banner]"));
        if (atStart) {
            summary.focus();
        }
    }

    function onSummaryClick(event) {
        var link = event.target.closest("a[data-field]");
        if (!link) {
            return;
        }
        var input = document.getElementById(link.getAttribute("data-field"));
        if (!input) {
            return;
        }
        event.preventDefault();
        var label = document.querySelector('label[for="' + input.id + '"]');
        (label || input).scrollIntoView();
        input.focus({ preventScroll: true });
    }

    document.addEventListener("click", onSummaryClick);
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", focusSummary);
    } else {
        focusSummary();
    }
})();
