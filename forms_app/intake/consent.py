"""Proof of consent (GDPR art. 7(1)): which policy a form links to, and what is stored as proof.

Every submission records what the visitor agreed to, in the words and language they saw,
with the privacy policy revision that was live at that moment (:func:`proof_fields`). Staff
can later show that exact revision (``FormSubmission.policy_publication``).

"What they saw" is what the form page showed when it was loaded, not what is live when it is
sent: an editor may publish a new form or policy revision in between. Each rendered form
carries a signed reference of the form and policy revisions it shows
(:func:`sign_reference`); a submission is stored only when the reference it sends back
(:func:`read_reference`) is still what is live (``PublicForm.consent_changed``), and its proof
names those revisions.

The policy is looked up once per request (``FormPage.get_form_parameters``) and handed to
everything here that needs it. For an anonymous visitor both the policy and its link come from
the page cache's per-process memo (``home.page_cache.memo``): as fresh as the cache, since any
publish, unpublish or company-settings change starts a new generation and drops the memo. A
visitor with a session (an editor) always gets them fresh from the database.
"""

from django.core import signing

from home import page_cache
from home.models import CompanySettings, PrivacyPolicyPage

# Separates these signatures from every other use of SECRET_KEY (Django's signing salt).
REFERENCE_SALT = "forms_app.intake.consent.reference"
# "Look the policy up": distinct from None, which means the site has no policy.
LOOK_UP = object()


def policy_for(page):
    """The live privacy policy of the page's site, in the page's language when translated.

    Memoised per page for the current generation (shared by the requests of one process: read
    it, never change it).
    """
    if page.pk is None:
        return _look_up_policy(page)
    return page_cache.memo(None, ("consent-policy", page.pk), lambda: _look_up_policy(page))


def _look_up_policy(page):
    site = page.get_site()
    policy_id = CompanySettings.for_site(site).privacy_policy_page_id if site else None
    if policy_id is None:
        return None
    policies = PrivacyPolicyPage.objects.live().filter(
        translation_key__in=PrivacyPolicyPage.objects.filter(pk=policy_id).values(
            "translation_key"
        )
    )
    return (
        policies.filter(locale_id=page.locale_id).first() or policies.filter(pk=policy_id).first()
    )


def policy_link(policy, request=None):
    """``(title, url)`` of the privacy policy linked from the consent text, if any."""
    if policy is None:
        return None
    if request is None:
        return policy.title, policy.get_url()
    # Relative on the policy's own site, absolute elsewhere: the host picks which.
    key = ("consent-policy-link", policy.pk, request.get_host().lower(), request.scheme)
    return page_cache.memo(request, key, lambda: (policy.title, policy.get_url(request=request)))


def consent_text_shown(page, policy):
    """The consent label exactly as the form shows it, with the policy it links to."""
    text = page.consent_text.strip()
    if policy is not None:
        text = f"{text} [{policy.title}: {policy.full_url}]"
    return text


def shown_revisions(page, policy):
    """``{"form": …, "policy": …}``: the live revisions of ``page`` and of its ``policy``, the
    ones a form rendered now shows (``None`` where there is no revision or no policy)."""
    return {
        "form": page.live_revision_id,
        "policy": policy.live_revision_id if policy else None,
    }


def sign_reference(shown):
    """The signed form of ``shown`` (:func:`shown_revisions`), for a form's hidden field."""
    return signing.dumps(shown, salt=REFERENCE_SALT)


def read_reference(token):
    """The revisions a signed reference names, or ``None`` if it is missing or tampered."""
    try:
        revisions = signing.loads(token or "", salt=REFERENCE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(revisions, dict) or set(revisions) != {"form", "policy"}:
        return None
    return revisions


def proof_fields(page, now, policy=LOOK_UP, shown=None):
    """The consent-proof columns of a submission to ``page`` given at ``now``.

    ``policy`` and ``shown`` are what the visitor's form showed (``PublicForm.policy`` and
    ``.shown``, checked to be still live): the proof names those. Without them (test data, a
    shell) the live policy and revisions are used, which is what a form rendered now shows.
    """
    if policy is LOOK_UP:
        policy = policy_for(page)
    shown = shown or shown_revisions(page, policy)
    return {
        "consent_given_at": now,
        "consent_text": consent_text_shown(page, policy),
        "consent_language": page.locale.language_code,
        "legal_basis": page.legal_basis,
        "policy_page": policy,
        "policy_revision_id": shown["policy"],
        "form_revision_id": shown["form"],
    }
