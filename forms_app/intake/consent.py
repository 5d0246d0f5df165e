"""Proof of consent (GDPR art. 7(1)): which policy a form links to, and what is stored as proof.

Every submission records what the visitor agreed to, in the words and language they saw,
with the privacy policy revision that was live at that moment (:func:`proof_fields`). Staff
can later show that exact revision (``FormSubmission.policy_publication``).
"""

from home.models import CompanySettings, PrivacyPolicyPage


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


def proof_fields(page, now):
    """The consent-proof columns of a submission to ``page`` given at ``now``.

    The policy (in the language the form was shown in) and its live revision are read from
    the database now: that is what the visitor saw.
    """
    policy = policy_for(page)
    return {
        "consent_given_at": now,
        "consent_text": consent_text_shown(page, policy),
        "consent_language": page.locale.language_code,
        "legal_basis": page.legal_basis,
        "policy_page": policy,
        "policy_revision_id": policy.live_revision_id if policy else None,
        "form_revision_id": page.live_revision_id,
    }
