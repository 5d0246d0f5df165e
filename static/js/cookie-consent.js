/* Cookie banner, progressive enhancement (templates/cookie_consent/banner.html).
 *
 * Without this file the banner's form is a plain POST to /cookies/ (or /en/cookies/) that
 * redirects back. With it, a choice in the banner is sent with fetch and the banner goes away
 * in place; anything unexpected falls back to the plain form submit. No inline script: the
 * public CSP allows none.
 */
(function () {
    "use strict";

    function init() {
        var banner = document.querySelector("[data-cookie-banner]");
        if (!banner) {
            return;
        }
        var form = banner.querySelector("form[data-cookie-form]");
        var status = document.querySelector("[data-cookie-status]");
        // The banner has autofocus; make sure it has focus (and is announced) with JS too,
        // unless the visitor already moved on (the skip link, say).
        if (document.activeElement === document.body || document.activeElement === null) {
            banner.focus();
        }
        if (!form || !window.fetch || !window.FormData) {
            return;
        }
        form.addEventListener("submit", function (event) {
            var submitter = event.submitter;
            var data;
            try {
                data = submitter ? new FormData(form, submitter) : new FormData(form);
            } catch (error) {
                return; // an old browser: the plain submit goes ahead
            }
            if (!data.get("action")) {
                return;
            }
            event.preventDefault();
            // getAttribute: the buttons named "action" shadow form.action.
            fetch(form.getAttribute("action"), {
                method: "POST",
                body: new URLSearchParams(data),
                credentials: "same-origin",
                headers: { Accept: "application/json" },
            })
                .then(function (response) {
                    return response.ok ? response.json() : null;
                })
                .then(function (answer) {
                    if (!answer || !answer.ok) {
                        throw new Error("not saved");
                    }
                    var main = document.getElementById("main");
                    banner.parentNode.removeChild(banner);
                    if (status) {
                        status.textContent = status.getAttribute("data-saved-text") || "";
                    }
                    if (main) {
                        main.focus();
                    }
                })
                .catch(function () {
                    // Let the server answer the plain way (it explains any refusal).
                    if (submitter) {
                        var hidden = document.createElement("input");
                        hidden.type = "hidden";
                        hidden.name = "action";
                        hidden.value = submitter.value;
                        form.appendChild(hidden);
                    }
                    form.submit();
                });
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
