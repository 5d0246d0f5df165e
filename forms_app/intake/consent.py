"""Proof of consent (GDPR art. 7(1)): which policy a form links to, and what is stored as proof.

Every submission records what the visitor agreed to, in the words and language they saw,
with the privacy policy revision that was live at that moment (:func:`proof_fields`). Staff
can later show that exact revision (``FormSubmission.policy_publication``).

"What they saw" is what the form page showed when it was loaded, not what is live when it is
sent: an editor may publish a new form or policy revision in between. Each rendered form
carries a signed reference of the form and policy revisions it shows
(:func:`sign_reference`); a submission is stored only when that reference is still what is
live (:func:`reference_is_current`), and its proof names the revisions from the reference.
"""

from django.core import signing

from home.models import CompanySettings, PrivacyPolicyPage

# Separates these signatures from every other use of SECRET_KEY (Django's signing salt).
REFERENCE_SALT = "forms_app.intake.consent.reference"


def policy_for(page):
    """The live privacy policy of the page's site, in the page's language when translated."""
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


def policy_link(page, request=None):
    """``(title, url)`` of the privacy policy linked from the consent text, if any."""
    policy = policy_for(page)
    if policy is None:
        return None
    return policy.title, policy.get_url(request=request)


def consent_text_shown(page, policy):
    """The consent label exactly as the form shows it, with the policy it links to."""
    text = page.consent_text.strip()
    if policy is not None:
        text = f"{text} [{policy.title}: {policy.full_url}]"
    return text


def shown_revisions(page, policy=None):
    """``{"form": …, "policy": …}``: the live revisions of ``page`` and of its policy, the
    ones a form rendered now shows (``None`` where there is no revision or no policy)."""
    policy = policy if policy is not None else policy_for(page)
    return {
        "form": page.live_revision_id,
        "policy": policy.live_revision_id if policy else None,
    }


def sign_reference(page):
    """The signed reference of what a form rendered now shows, for its hidden field."""
    return signing.dumps(shown_revisions(page), salt=REFERENCE_SALT)


def read_reference(token):
    """The revisions a signed reference names, or ``None`` if it is missing or tampered."""
    try:
        revisions = signing.loads(token or "", salt=REFERENCE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(revisions, dict) or set(revisions) != {"form", "policy"}:
        return None
    return revisions


def reference_is_current(page, token):
    """Whether ``token`` is a genuine reference naming the form and policy revisions that are
    live now; if not, the visitor saw a consent text or policy that is no longer the one in
    force, and must see the new one before consenting."""
    revisions = read_reference(token)
    return revisions is not None and revisions == shown_revisions(page)


def proof_fields(page, now, shown=None):
    """The consent-proof columns of a submission to ``page`` given at ``now``.

    ``shown`` is the reference the visitor's form carried (see :func:`read_reference`),
    checked by the view to be still live: the proof names those revisions. Without it (test
    data, a shell) the live revisions are used, which is what a form rendered now shows.
    """
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
