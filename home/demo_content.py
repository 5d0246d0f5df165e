"""Demo content for the two companies, in the project's own words.

Used by ``manage.py setup_sites``. Editors own the content afterwards: re-running the command
never overwrites what they changed.
"""

COMPANIES = [
    {
        "key": "mihvvs",
        "company_name": "MIH VVS ApS",
        "trade": "vvs",
        "trade_company": "VVS-virksomhed",
        "domain": "mihvvs.dk",
        "collection": "MIH VVS",
        "editor_group": "MIH VVS redaktører",
        "staff_group": "MIH VVS kundeservice",
        "cvr_number": "12345678",
        "street_address": "Værkstedsvej 1",
        "postcode": "4000",
        "city": "Roskilde",
        "phone": "+45 12 34 56 78",
        "email": "kontakt@mihvvs.dk",
        "opening_hours": "Mandag–torsdag 7.00–15.30\nFredag 7.00–13.00",
        # A leak does not wait: the plumbers' emergency line answers day and night.
        "emergency_phone": "+45 20 30 40 50",
        "emergency_hours": "døgnet rundt",
        "authorisation": "Autoriseret VVS-installatør nr. 12345",
        "brand_colour": "#0b5394",
        "home_title": "VVS-arbejde, du kan regne med",
        "home_intro": (
            "Badeværelser, varmeanlæg, vandinstallationer og service. "
            "Autoriseret VVS-installatør med fast pris efter aftale."
        ),
        "home_body": (
            "Vi kommer ud og ser på opgaven, giver en fast pris og holder den. "
            "Send os gerne et par billeder af installationen, så er vi godt forberedt."
        ),
        "services": [
            ("Badeværelser", "Renovering af badeværelser fra rå væg til færdigt rum."),
            ("Varme", "Nye fjernvarmeunits, varmepumper, radiatorer og gulvvarme."),
            (
                "Vand og afløb",
                "Nye installationer, udskiftning af rør og reparation af utætheder.",
            ),
        ],
        "team": "faglærte VVS-montører",
        # Om os: what the firm does itself and the authorisation that allows it.
        "about": (
            "<p>Vi er et mindre team af faglærte VVS-montører, der selv står for opgaven fra "
            "første besøg til færdigt arbejde: badeværelser, varme, vand og afløb.</p>"
            "<p>Firmaet har VVS-autorisation, så vi må udføre arbejde på vand- og "
            "afløbsinstallationer, og vi anmelder arbejdet til forsyningen, når loven kræver "
            "det. Vores autorisationsnummer står nederst på siden.</p>"
        ),
        "other_company": "MIH El ApS",
        "other_domain": "mihel.dk",
        "installations": "VVS-installationer",
    },
    {
        "key": "mihel",
        "company_name": "MIH El ApS",
        "trade": "el",
        "trade_company": "elvirksomhed",
        "domain": "mihel.dk",
        "collection": "MIH El",
        "editor_group": "MIH El redaktører",
        "staff_group": "MIH El kundeservice",
        "cvr_number": "87654321",
        "street_address": "Håndværkervej 14",
        "postcode": "4000",
        "city": "Roskilde",
        "phone": "+45 87 65 43 21",
        "email": "kontakt@mihel.dk",
        "opening_hours": "Mandag–torsdag 7.00–15.30\nFredag 7.00–13.00",
        # A power cut: the electricians' emergency line has its own number and hours.
        "emergency_phone": "+45 60 70 80 90",
        "emergency_hours": "alle dage 7.00–22.00",
        "authorisation": "Autoriseret elinstallatør nr. 67890",
        "brand_colour": "#b45f06",
        "home_title": "Sikre elinstallationer til hjem og erhverv",
        "home_intro": (
            "Nye installationer, eltjek, ladestandere og fejlfinding. "
            "Autoriseret elinstallatør, der rydder op efter sig."
        ),
        "home_body": (
            "Vi gennemgår opgaven med dig, giver en fast pris og efterlader en "
            "installation, der er dokumenteret og lovlig."
        ),
        "services": [
            (
                "Elinstallationer",
                "Nybyggeri, tilbygning og renovering af boligens elinstallation.",
            ),
            ("Ladestandere", "Opsætning af ladestander til elbil, tilpasset din eltavle."),
            ("Fejlfinding og eltjek", "Vi finder fejlen og gennemgår din installation."),
        ],
        "team": "uddannede elektrikere",
        "about": (
            "<p>Vi er et mindre team af uddannede elektrikere, der selv står for opgaven fra "
            "første besøg til færdig og dokumenteret installation.</p>"
            "<p>Firmaet er autoriseret elinstallatør under Sikkerhedsstyrelsen. Efter hver "
            "opgave får du en dokumentation af installationen, og vi følger "
            "Sikkerhedsstyrelsens krav til eftersyn og måling.</p>"
        ),
        "other_company": "MIH VVS ApS",
        "other_domain": "mihvvs.dk",
        "installations": "elinstallationer",
    },
]

# The buttons on the home page, keyed by the page they lead to (``demo_content_en`` uses the
# same keys).
HOME_CALLS_TO_ACTION = {
    "quote": "Få et uforpligtende tilbud",
    "services": "Se vores ydelser",
}


def services_page(company):
    """The "Ydelser" page; its body is made from ``company["services"]``."""
    return {
        "title": "Ydelser",
        "slug": "ydelser",
        "intro": f"Det kan {company['company_name']} hjælpe dig med.",
        # The button at the end of the page, to the quote form.
        "call_to_action": "Få et tilbud",
    }


def about_page(company):
    return {
        "title": "Om os",
        "slug": "om-os",
        "intro": (
            f"{company['company_name']} er en lokal, autoriseret {company['trade_company']}."
        ),
        "body": company["about"],
    }


def hero_title(company):
    """The title of the demo hero illustration (setup_sites finds it again by this)."""
    return f"{company['company_name']} – illustration til forsiden"


def policy_page(company):
    return {
        "title": "Persondatapolitik",
        "slug": "persondatapolitik",
        "intro": policy_intro(company),
        "sections": policy_sections(company),
    }


def policy_intro(company):
    return (
        # Name, CVR, address and contact: the policy page's "Dataansvarlig" block shows them
        # from the company settings, right below this intro.
        f"<p>Her kan du læse, hvordan <b>{company['company_name']}</b> behandler de "
        f"personoplysninger, du giver os via {company['domain']}.</p>"
    )


def policy_sections(company):
    """The demo policy: the six sections the client's policy has. How to complain to
    Datatilsynet is a section of the policy page's own template, not of the text."""
    name, domain = company["company_name"], company["domain"]
    return [
        (
            "1. Generelt",
            "2",
            f"<p>{name} og {company['other_company']} er to selvstændige virksomheder med hver "
            f"sin hjemmeside: {domain} og {company['other_domain']}. Denne politik gælder "
            f"{domain}.</p>"
            "<p>Vi registrerer personoplysninger, når du beder om et tilbud via vores "
            "tilbudsformular, eller når du skriver til os via kontaktformularen.</p>",
        ),
        (
            "Hvilke oplysninger vi registrerer",
            "3",
            "<p>Navn, adresse, telefonnummer og e-mailadresse. Beder du om et tilbud, kan du "
            "også sende billeder af din installation. Vi bruger oplysningerne til at:</p>"
            "<ul><li>udregne et tilbud, når du har sendt en forespørgsel via tilbudsformularen,"
            "</li><li>besvare de henvendelser, du sender via kontaktformularen.</li></ul>",
        ),
        (
            "Dine rettigheder",
            "3",
            "<p>Du kan altid få indsigt i de oplysninger, vi har registreret om dig, og du kan "
            "gøre indsigelse mod enhver registrering. Du kan også bede os rette eller slette "
            "oplysninger. Skriv eller ring til os, så svarer vi inden for en måned.</p>",
        ),
        (
            "2. Cookies",
            "2",
            "<p>En cookie er en lille tekstfil, som din browser gemmer. Vi bruger kun "
            "sessionscookies, hvor en funktion kræver det, for eksempel når du sender en "
            "formular. De slettes, når du lukker browseren.</p>"
            "<p>Statistik med permanente cookies bruger vi kun, hvis du på forhånd har givet "
            "dit samtykke. Du kan altid slette cookies i din browsers indstillinger.</p>",
        ),
        (
            "3. Vi videregiver ikke dine oplysninger uden samtykke",
            "2",
            f"<p>{name} sælger ikke dine oplysninger og giver dem ikke videre uden dit "
            "samtykke. Den eneste undtagelse er vores databehandlere, for eksempel den "
            "leverandør, der driver hjemmesiden. De behandler kun oplysningerne efter vores "
            "instruks og under en databehandleraftale.</p>",
        ),
        (
            "4. Hvor længe opbevarer vi oplysningerne?",
            "2",
            "<p>Vi opbevarer kun oplysningerne, så længe vi har brug for dem:</p><ul>"
            "<li>En forespørgsel om tilbud gemmes, så længe sagen kører, og højst 12 måneder "
            "efter, at vi har modtaget den, medmindre du bliver kunde.</li>"
            "<li>En henvendelse via kontaktformularen gemmes, så længe den er relevant for "
            "sagen, og højst 6 måneder.</li>"
            "<li>Er du kunde, gemmer vi vores korrespondance, så længe du er kunde hos os.</li>"
            "<li>Fakturaer og andre regnskabsbilag gemmes i fem år efter bogføringsloven.</li>"
            f"<li>Billeder af {company['installations']}, som indgår i vores lovpligtige "
            "kvalitetssikring, gemmes så længe loven kræver det.</li></ul>"
            "<p>Derefter sletter vi oplysningerne, også de billeder, du har sendt.</p>",
        ),
        (
            "5. Statistik over besøg",
            "2",
            f"<p>Vi bruger et standardværktøj, der tæller besøg på {domain}: hvor mange "
            "besøgende vi har, hvilke domæner de kommer fra, og hvilke sider de ser. "
            "Statistikken bruger vi til at gøre hjemmesiden og vores kundeservice bedre.</p>",
        ),
        (
            "6. Sikkerhed",
            "2",
            "<p>Vi beskytter dine oplysninger mod uautoriseret adgang, ændring og tab med "
            "blandt andet:</p><ul>"
            "<li>antivirus på alle it-systemer, der behandler personoplysninger,</li>"
            "<li>backup af de samme systemer,</li>"
            "<li>adgang til personoplysninger kun for de medarbejdere, der har brug for den,"
            "</li><li>databehandleraftaler med alle leverandører, der behandler "
            "personoplysninger for os.</li></ul>",
        ),
    ]


def form_subject(title):
    """The subject of the e-mail staff get for each submission of the form ``title``."""
    return f"Ny henvendelse: {title}"


def quote_form(company):
    return {
        "title": "Få et tilbud",
        "slug": "tilbud",
        "intro": (
            "<p>Fortæl os om opgaven, så vender vi tilbage med et uforpligtende tilbud. "
            "Billeder af installationen hjælper os med at give en præcis pris.</p>"
        ),
        "thank_you_text": (
            "<p>Tak for din forespørgsel. Vi ser på dine oplysninger og billeder og vender "
            "tilbage med et tilbud eller et forslag til et besøg.</p>"
        ),
        "consent_text": (
            f"Jeg giver samtykke til, at {company['company_name']} gemmer og bruger mine "
            "oplysninger og billeder til at udarbejde et tilbud, som beskrevet i "
            "persondatapolitikken."
        ),
        "legal_basis": "pre_contract",
        "retention_period": 12,
        "retention_reason": (
            "Tilbudsforespørgsel: gemmes, mens sagen behandles, og højst 12 måneder "
            "(persondatapolitikken, afsnit 4)."
        ),
        "fields": [
            ("Navn", "singleline", True, ""),
            ("Adresse", "singleline", True, "Adressen, hvor arbejdet skal udføres."),
            ("Postnummer", "singleline", True, ""),
            ("Telefon", "tel", True, ""),
            ("E-mail", "email", True, ""),
            ("Beskrivelse af opgaven", "multiline", True, ""),
            (
                "Billeder af installationen",
                "photos",
                False,
                "Op til 8 billeder i JPEG, PNG, WebP eller HEIC (iPhone).",
            ),
        ],
    }


def contact_form(company):
    return {
        "title": "Kontakt",
        "slug": "kontakt",
        "intro": (
            f"<p>Skriv til os, eller ring på {company['phone']}. Vi svarer normalt samme dag.</p>"
        ),
        "thank_you_text": (
            "<p>Tak for din besked. Gælder den en igangværende opgave, så nævn "
            "referencenummeret, når vi taler sammen.</p>"
        ),
        "consent_text": (
            f"Jeg giver samtykke til, at {company['company_name']} gemmer og bruger mine "
            "oplysninger til at besvare min henvendelse, som beskrevet i "
            "persondatapolitikken."
        ),
        "legal_basis": "consent",
        "retention_period": 6,
        "retention_reason": (
            "Henvendelse via kontaktformularen: gemmes, så længe den er relevant for sagen, "
            "og højst 6 måneder (persondatapolitikken, afsnit 4)."
        ),
        "fields": [
            ("Navn", "singleline", True, ""),
            ("E-mail", "email", True, ""),
            ("Telefon", "tel", False, ""),
            ("Besked", "multiline", True, ""),
        ],
    }


# The demo register of data processors (policy section 3), per company key, in the order
# shown. An example to check and correct: the owner keeps the real register in the company
# settings. ``demo_content_en.processors`` mirrors it item by item.
PROCESSORS = {
    "mihvvs": [
        {
            "name": "Hetzner Online GmbH",
            "service": "Drift af hjemmesiden: webserver, database og de billeder, du sender.",
            "data": "Alt, hvad du sender via formularerne, også billeder.",
            "country": "DE",
            "transfer_basis": "",
            "agreement_date": "2025-01-15",
        },
        {
            "name": "Microsoft Ireland Operations Ltd",
            "service": "E-mail (Microsoft 365): vi får besked om nye henvendelser og svarer dig.",
            "data": "Navn, e-mailadresse, telefonnummer og din besked.",
            "country": "IE",
            "transfer_basis": "",
            "agreement_date": "2024-09-01",
        },
        {
            "name": "Mailgun Technologies, Inc.",
            "service": "Afsender kvitteringer og beskeder fra hjemmesiden.",
            "data": "Din e-mailadresse og en kopi af det, du har sendt (uden billeder).",
            "country": "US",
            "transfer_basis": "dpf",
            "agreement_date": "2025-01-15",
        },
    ],
    "mihel": [
        {
            "name": "Hetzner Online GmbH",
            "service": "Drift af hjemmesiden: webserver, database og de billeder, du sender.",
            "data": "Alt, hvad du sender via formularerne, også billeder.",
            "country": "DE",
            "transfer_basis": "",
            "agreement_date": "2025-02-01",
        },
        {
            "name": "One.com Group AB",
            "service": "E-mail: vi får besked om nye henvendelser og svarer dig.",
            "data": "Navn, e-mailadresse, telefonnummer og din besked.",
            "country": "SE",
            "transfer_basis": "",
            "agreement_date": "2024-11-20",
        },
    ],
}
