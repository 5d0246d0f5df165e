"""English translation of the demo content in ``home.demo_content``.

Every structure mirrors the Danish one item by item (same names, same keys, same order, same
counts, same HTML markup), so a translated page can be built by matching segment i of the
Danish with segment i of the English. Nothing here is keyed by Danish text, so editing the
Danish in ``demo_content`` never means retyping it here. Company names, CVR numbers, e-mail
addresses, phone numbers and domains are never translated.
"""

COMPANIES_EN = {
    "mihvvs": {
        "trade_company": "plumbing and heating firm",
        "opening_hours": "Monday–Thursday 7.00–15.30\nFriday 7.00–13.00",
        "emergency_hours": "24 hours a day",
        "authorisation": "Authorised plumbing and heating installer (VVS-installatør) no. 12345",
        "home_title": "Plumbing and heating you can rely on",
        "home_intro": (
            "Bathrooms, heating systems, water installations and servicing. "
            "Authorised plumbing and heating engineers with an agreed fixed price."
        ),
        "home_body": (
            "We come out to look at the job, give you a fixed price and stick to it. "
            "Feel free to send us a few photos of the installation so that we arrive well "
            "prepared."
        ),
        "services": [
            ("Bathrooms", "Bathroom renovations, from bare walls to a finished room."),
            (
                "Heating",
                "New district heating units, heat pumps, radiators and underfloor heating.",
            ),
            (
                "Water and drainage",
                "New installations, pipe replacement and leak repairs.",
            ),
        ],
        "installations": "plumbing and heating installations",
        "team": "skilled plumbers and heating engineers",
        "about": (
            "<p>We are a small team of skilled plumbers and heating engineers who see each "
            "job through ourselves, from the first visit to the finished work: bathrooms, "
            "heating, water and drainage.</p>"
            "<p>The firm holds a Danish plumbing authorisation (VVS-autorisation), so we may "
            "work on water and drainage installations, and we notify the utility of the work "
            "when the law requires it. Our authorisation number is at the bottom of the "
            "page.</p>"
        ),
    },
    "mihel": {
        "trade_company": "electrical contractor",
        "opening_hours": "Monday–Thursday 7.00–15.30\nFriday 7.00–13.00",
        "emergency_hours": "every day 7.00–22.00",
        "authorisation": "Authorised electrical installer (elinstallatør) no. 67890",
        "home_title": "Safe electrical installations for homes and businesses",
        "home_intro": (
            "New installations, electrical safety checks, EV chargers and fault finding. "
            "Authorised electricians who tidy up after themselves."
        ),
        "home_body": (
            "We go through the job with you, give you a fixed price and leave behind an "
            "installation that is documented and fully compliant."
        ),
        "services": [
            (
                "Electrical installations",
                "Wiring for new builds, extensions and home renovations.",
            ),
            ("EV chargers", "Installation of electric car chargers, matched to your fuse board."),
            (
                "Fault finding and electrical checks",
                "We track down the fault and inspect your installation.",
            ),
        ],
        "installations": "electrical installations",
        "team": "trained electricians",
        "about": (
            "<p>We are a small team of trained electricians who see each job through "
            "ourselves, from the first visit to a finished, documented installation.</p>"
            "<p>The firm is an authorised electrical installer under the Danish Safety "
            "Technology Authority (Sikkerhedsstyrelsen). After each job you receive the "
            "documentation of the installation, and we follow the Authority's requirements "
            "for inspection and testing.</p>"
        ),
    },
}

HOME_CALLS_TO_ACTION = {
    "quote": "Get a free quote",
    "services": "See our services",
}


def services_page(company):
    return {
        "title": "Services",
        "slug": "services",
        "intro": f"Here is how {company['company_name']} can help you.",
        "call_to_action": "Get a quote",
    }


def about_page(company):
    english = COMPANIES_EN[company["key"]]
    trade_company = english["trade_company"]
    return {
        "title": "About us",
        "slug": "about-us",
        "intro": f"{company['company_name']} is a local, authorised {trade_company}.",
        "body": english["about"],
    }


def policy_page(company):
    return {
        "title": "Privacy policy",
        "slug": "privacy-policy",
        "intro": policy_intro(company),
        "sections": policy_sections(company),
    }


def policy_intro(company):
    return (
        # Name, CVR, address and contact: the policy page's "Data controller" block shows them
        # from the company settings, right below this intro.
        f"<p>Here you can read how <b>{company['company_name']}</b> processes the personal "
        f"data you give us via {company['domain']}.</p>"
    )


def policy_sections(company):
    """The demo policy in English; takes the Danish company dict."""
    name, domain = company["company_name"], company["domain"]
    installations = COMPANIES_EN[company["key"]]["installations"]
    return [
        (
            "1. General",
            "2",
            f"<p>{name} and {company['other_company']} are two independent companies, each "
            f"with its own website: {domain} and {company['other_domain']}. This policy "
            f"applies to {domain}.</p>"
            "<p>We record personal data when you ask for a quote using our quote form, or "
            "when you write to us using the contact form.</p>",
        ),
        (
            "What we record",
            "3",
            "<p>Your name, address, phone number and email address. If you ask for a quote, "
            "you can also send us photos of your installation. We use the data to:</p>"
            "<ul><li>work out a quote once you have sent us a request using the quote form,"
            "</li><li>answer the enquiries you send us using the contact form.</li></ul>",
        ),
        (
            "Your rights",
            "3",
            "<p>You can always find out what data we hold about you, and you can object to "
            "any of it being recorded. You can also ask us to correct or delete your data. "
            "Write to us or give us a call, and we will reply within one month.</p>",
        ),
        (
            "2. Cookies",
            "2",
            "<p>A cookie is a small text file that your browser stores. We only use session "
            "cookies where a feature needs them, for example when you submit a form. They "
            "are deleted when you close your browser.</p>"
            "<p>We only use statistics with persistent cookies if you have given your consent "
            "beforehand. You can delete cookies at any time in your browser settings.</p>",
        ),
        (
            "3. We do not pass on your data without consent",
            "2",
            f"<p>{name} does not sell your data or pass it on without your consent. The only "
            "exception is our data processors, for example the supplier that runs the "
            "website. They only process the data on our instructions and under a data "
            "processing agreement.</p>",
        ),
        (
            "4. How long do we keep the data?",
            "2",
            "<p>We only keep the data for as long as we need it:</p><ul>"
            "<li>A quote request is kept while the case is ongoing, and for no more than 12 "
            "months after we received it, unless you become a customer.</li>"
            "<li>An enquiry sent using the contact form is kept for as long as it is relevant "
            "to the case, and for no more than 6 months.</li>"
            "<li>If you are a customer, we keep our correspondence for as long as you remain "
            "a customer.</li>"
            "<li>Invoices and other accounting records are kept for five years, as required "
            "by the Danish Bookkeeping Act.</li>"
            f"<li>Photos of {installations} that form part of our statutory quality "
            "assurance are kept for as long as the law requires.</li></ul>"
            "<p>After that, we delete the data, including any photos you have sent.</p>",
        ),
        (
            "5. Visit statistics",
            "2",
            f"<p>We use a standard tool that counts visits to {domain}: how many visitors we "
            "have, which domains they come from and which pages they view. We use the "
            "statistics to improve the website and our customer service.</p>",
        ),
        (
            "6. Security",
            "2",
            "<p>We protect your data against unauthorised access, alteration and loss "
            "through measures including:</p><ul>"
            "<li>antivirus software on all IT systems that process personal data,</li>"
            "<li>backups of those same systems,</li>"
            "<li>access to personal data only for the staff who need it,"
            "</li><li>data processing agreements with all suppliers that process personal "
            "data on our behalf.</li></ul>",
        ),
    ]


def form_subject(title):
    return f"New enquiry: {title}"


def quote_form(company):
    """English texts of the quote form; ``fields`` are (label, help_text) pairs."""
    return {
        "title": "Get a quote",
        "slug": "get-a-quote",
        "intro": (
            "<p>Tell us about the job and we will get back to you with a free, no-obligation "
            "quote. Photos of the installation help us give you an accurate price.</p>"
        ),
        "thank_you_text": (
            "<p>Thank you for your request. We look at your details and photos and come back "
            "with a quote or a suggested visit.</p>"
        ),
        "consent_text": (
            f"I consent to {company['company_name']} storing and using my details and photos "
            "to prepare a quote, as described in the privacy policy."
        ),
        "legal_basis": "pre_contract",
        "retention_period": 12,
        "retention_reason": (
            "Quote request: kept while the case is being handled, and for no more than 12 "
            "months (privacy policy, section 4)."
        ),
        "fields": [
            ("Name", ""),
            ("Address", "The address where the work is to be carried out."),
            ("Postcode", ""),
            ("Phone", ""),
            ("Email", ""),
            ("Description of the job", ""),
            (
                "Photos of the installation",
                "Up to 8 photos in JPEG, PNG, WebP or HEIC (iPhone) format.",
            ),
        ],
    }


def contact_form(company):
    """English texts of the contact form; ``fields`` are (label, help_text) pairs."""
    return {
        "title": "Contact",
        "slug": "contact",
        "intro": (
            f"<p>Write to us or call us on {company['phone']}. We usually reply the same day.</p>"
        ),
        "thank_you_text": (
            "<p>Thank you for your message. If it is about a job in progress, mention the "
            "reference number when we talk.</p>"
        ),
        "consent_text": (
            f"I consent to {company['company_name']} storing and using my details to answer "
            "my enquiry, as described in the privacy policy."
        ),
        "legal_basis": "consent",
        "retention_period": 6,
        "retention_reason": (
            "Enquiry via the contact form: kept for as long as it is relevant to the case, "
            "and for no more than 6 months (privacy policy, section 4)."
        ),
        "fields": [
            ("Name", ""),
            ("Email", ""),
            ("Phone", ""),
            ("Message", ""),
        ],
    }


# English texts of ``demo_content.PROCESSORS``: (service, data) per processor, same order.
PROCESSORS = {
    "mihvvs": [
        (
            "Hosting of the website: web server, database and the photos you send.",
            "Everything you send through the forms, photos included.",
        ),
        (
            "E-mail (Microsoft 365): we are told about new enquiries and reply to you.",
            "Name, e-mail address, phone number and your message.",
        ),
        (
            "Sends receipts and messages from the website.",
            "Your e-mail address and a copy of what you sent (without photos).",
        ),
    ],
    "mihel": [
        (
            "Hosting of the website: web server, database and the photos you send.",
            "Everything you send through the forms, photos included.",
        ),
        (
            "E-mail: we are told about new enquiries and reply to you.",
            "Name, e-mail address, phone number and your message.",
        ),
    ],
}
