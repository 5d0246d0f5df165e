"""Each site's demo privacy policy states the facts the client's own policy requires.

See /work/shared/seeds/README.md: the sections of the client's policy and what each of them
must make true.
"""

import html

import pytest

pytestmark = pytest.mark.django_db

COMPANY = {"mihvvs": "MIH VVS ApS", "mihel": "MIH El ApS"}
DOMAIN = {"mihvvs": "mihvvs.dk", "mihel": "mihel.dk"}

# (section of the client's policy, phrases the demo policy must contain)
REQUIRED = [
    (
        "1. Generelt",
        [
            "MIH VVS ApS",
            "MIH El ApS",
            "mihvvs.dk",
            "mihel.dk",
            "tilbudsformular",
            "kontaktformular",
            "Navn",
            "adresse",
            "telefonnummer",
            "e-mailadresse",
            "billeder",
            "indsigt",
            "indsigelse",
        ],
    ),
    (
        "2. Cookies",
        ["sessionscookies", "permanente cookies", "på forhånd", "samtykke"],
    ),
    (
        "3. Videregivelse",
        ["uden dit samtykke", "databehandler", "databehandleraftale"],
    ),
    (
        "4. Opbevaring",
        [
            "så længe sagen kører",
            "så længe du er kunde",
            "fem år",
            "bogføringsloven",
            "kvalitetssikring",
            "loven kræver det",
            "så længe den er relevant",
        ],
    ),
    (
        "5. Statistik",
        ["standardværktøj", "besøg", "domæner", "hvilke sider de ser"],
    ),
    (
        "6. Sikkerhed",
        [
            "antivirus",
            "backup",
            "kun for de medarbejdere, der har brug for den",
            "databehandleraftaler",
        ],
    ),
]


@pytest.fixture
def policy_html(client, sites):
    def get(key):
        response = client.get("/persondatapolitik/", HTTP_HOST=sites[key].hostname)
        assert response.status_code == 200, response.content[:2000]
        return html.unescape(response.content.decode())

    return get


@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
@pytest.mark.parametrize(("section", "phrases"), REQUIRED, ids=[s for s, _ in REQUIRED])
def test_policy_states_required_facts(policy_html, key, section, phrases):
    page = policy_html(key)
    missing = [phrase for phrase in phrases if phrase not in page]
    assert not missing, f"{key} policy, {section}: missing {missing}"


@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_statistics_counts_visits_on_the_sites_own_domain(policy_html, key):
    assert f"tæller besøg på {DOMAIN[key]}" in policy_html(key)


@pytest.mark.parametrize("key", ["mihvvs", "mihel"])
def test_intro_names_the_sites_own_company(policy_html, key):
    page = policy_html(key)
    other = next(name for other_key, name in COMPANY.items() if other_key != key)
    assert f"hvordan <b>{COMPANY[key]}</b>" in page
    assert f"hvordan <b>{other}</b>" not in page
    assert f"via {DOMAIN[key]}" in page
    assert f"Denne politik gælder {DOMAIN[key]}." in page
