"""Demo data for DSR Desk: four controllers, their registers, fictional subjects and texts.

Plain Python literals only (no Django imports), so the loader can import it anywhere.

The organisations' public details (names, legal names, addresses, company numbers, privacy
contacts, websites) and what their registers say (purposes, data categories, recipients) come
from the public privacy and terms pages in shared/seeds/ (files 000 to 004). Where a seed lacks
a value, a comment next to it says the value is invented. Everything about people is fictional:
signatories, staff, data subjects, their streets and what they write. Staff e-mail addresses use
the reserved `.example` TLD, and invented recipient contacts use example.com, so no real mailbox
is ever written to.

Retention periods, legal bases and sources are the desk's reading of each policy; where a policy
is silent, the comment says so.
"""

ORGANIZATIONS: list[dict] = [
    # ------------------------------------------------------------------------------------------
    # OpenMotics: seeds 000 (privacy & cookies policy, 2017) and 001 (terms of sale, 2021).
    # ------------------------------------------------------------------------------------------
    {
        "slug": "openmotics",
        "name": "OpenMotics",
        # Both seeds say "BVBA": the Companies and Associations Code of 2019 abolished that
        # form, and every BVBA became a BV (besloten vennootschap) by 1 January 2024 at the
        # latest, so a letter today names the company "OpenMotics BV".
        "legal_name": "OpenMotics BV",
        # Seed 001 (terms of sale, last updated 25 June 2021) gives Vlasgaardstraat 52,
        # 9000 Gent as the company's address under the privacy contact. The older privacy
        # policy (seed 000, 2017) gives the registered office and postal address for privacy
        # requests as Hertstokweg 5, B-1741 Ternat. The later (Gent) address is used.
        "street_address": "Vlasgaardstraat 52",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        # The VAT number, identical in seeds 000 and 001 (its digits are the enterprise
        # number); letters label it "VAT no." / "Btw-nr." / "N° TVA" (render.company_number_kind).
        "company_number": "BE0500.927.202",
        "default_language": "en",  # both seeds are English
        # Seeds are English only; Dutch and French added for Belgian customers (invented).
        "offered_languages": ["en", "nl", "fr"],
        "reference_prefix": "OPM",
        "privacy_email": "info@openmotics.com",  # seed 001: privacy questions go to info@
        # Invented from the e-mail domain: the URL in seed 000 was lost in extraction.
        "website": "https://www.openmotics.com",
        "signatory_name": "Griet Van Wesemael",  # fictional person
        "signatory_title": "Data Protection Officer",
        "recipients": [
            {
                "name": "Cloud hosting provider (EU)",
                "kind": "processor",
                "purpose": (
                    "Hosts the OpenMotics cloud management platform, the power measurement "
                    "history and the gateway back-ups, in Belgium or another EU country."
                ),
                "contact_email": "privacy@cloud-host.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Account and contact details",
                    "System configuration",
                    "Power measurement and system usage data",
                    "Gateway back-ups",
                ],
            },
            {
                "name": "Sub-contractors (support and development)",
                "kind": "processor",
                "purpose": (
                    "Help with support, maintenance, updates and new features, exclusively "
                    "for the purposes of the privacy policy and bound by it."
                ),
                "contact_email": "dpo@subcontractor.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Account and contact details",
                    "System configuration",
                    "Power measurement and system usage data",
                ],
            },
            {
                "name": "Affiliated companies",
                "kind": "group_company",
                "purpose": (
                    "May receive personal data exclusively for the purposes described in the "
                    "privacy policy, and must use it in accordance with that policy."
                ),
                "contact_email": "privacy@affiliate.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Account and contact details", "Order history"],
            },
            {
                "name": "Transport company (parcel delivery)",
                "kind": "processor",
                "purpose": (
                    "Delivers ordered products to the shipping address (DAP deliveries under "
                    "the terms of sale), chosen by OpenMotics."
                ),
                "contact_email": "privacy@carrier.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Name", "Shipping address", "Telephone number"],
            },
            {
                # The seeds say payments are collected but name no provider (invented, generic).
                "name": "Payment service provider",
                "kind": "processor",
                "purpose": "Collects payments for online orders.",
                "contact_email": "privacy@payments.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Name", "Billing address", "Payment details"],
            },
            {
                "name": "Google Analytics",
                "kind": "processor",
                "purpose": (
                    "Measures visitor behaviour on the website: pages visited, time on the "
                    "site, how the visitor arrived and what they clicked."
                ),
                "contact_email": "analytics-privacy@example.com",  # fictional
                "country": "IE",
                "data_categories": ["IP address", "Cookie identifiers", "Website usage data"],
            },
            {
                "name": "Authorities and courts (when required by law)",
                "kind": "third_party",
                "purpose": (
                    "Receive personal data only where OpenMotics must comply with a law, "
                    "regulation, court order or legal or government request."
                ),
                "contact_email": "",
                "country": "BE",
                "data_categories": ["Any category concerned by the order or request"],
            },
        ],
        "activities": [
            {
                "name": "User registration and account",
                "purpose": (
                    "Identify and register the customer as a user of OpenMotics services and "
                    "give them access to the services and the cloud management platform."
                ),
                "data_categories": [
                    "Names",
                    "E-mail address",
                    "Telephone number",
                    "Postal address",
                    "Login details",
                ],
                "legal_basis": "contract",
                # The policy says only "as long as necessary or as required by law";
                # the 12-month criterion is invented.
                "retention": (
                    "As long as the account exists; deleted within 12 months after the "
                    "account is closed, unless the law requires longer."
                ),
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [
                    "Cloud hosting provider (EU)",
                    "Sub-contractors (support and development)",
                ],
            },
            {
                "name": "Orders, invoices and payments",
                "purpose": (
                    "Process online purchase orders, ship products, send statements and "
                    "invoices, collect payments, and keep the accounting records the law "
                    "requires."
                ),
                "data_categories": [
                    "Names",
                    "Shipping and billing address",
                    "Telephone number",
                    "E-mail address",
                    "Order and invoice details",
                    "Payment details",
                ],
                "legal_basis": "legal_obligation",
                # The 7 years is the brief's figure (Code of Economic Law). The Act of
                # 20 November 2022 extended tax/VAT retention of invoices to 10 years from
                # 2023, so both are stated.
                "retention": (
                    "7 years after the end of the financial year (Belgian accounting law); "
                    "invoices from 2023 onwards 10 years (Belgian tax and VAT rules)."
                ),
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [
                    "Transport company (parcel delivery)",
                    "Payment service provider",
                    "Affiliated companies",
                    "Authorities and courts (when required by law)",
                ],
            },
            {
                "name": "Power usage history and statistics",
                "purpose": (
                    "Run the management and monitoring solution: collect real-time and "
                    "historical power measurements and system usage on the cloud platform, "
                    "establish the customer's power usage history and process it into "
                    "statistics for the customer."
                ),
                "data_categories": [
                    "Real-time and historical power measurements",
                    "System usage information",
                    "Technical configuration (power grid, inputs and outputs, dimmers, "
                    "thermostats, gas, water)",
                ],
                "legal_basis": "contract",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "As long as the gateway is linked to the customer's account; deleted "
                    "when the account is closed or the gateway is transferred."
                ),
                "source": "The OpenMotics gateway's power meters and configuration",
                "automated_decision_logic": "",
                "recipients": [
                    "Cloud hosting provider (EU)",
                    "Sub-contractors (support and development)",
                ],
            },
            {
                "name": "Gateway back-ups",
                "purpose": (
                    "Keep user-initiated back-ups of the gateway so it can be restored when "
                    "a gateway is replaced or data was erased by user interaction, and back "
                    "up the information the customer provided."
                ),
                "data_categories": [
                    "Gateway configuration",
                    "Information the customer provided",
                ],
                "legal_basis": "contract",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "Until replaced by a newer back-up of the same gateway, and at the latest "
                    "until the account is closed."
                ),
                "source": "The customer's gateway, at the customer's request",
                "automated_decision_logic": "",
                "recipients": ["Cloud hosting provider (EU)"],
            },
            {
                "name": "Product news and promotions",
                "purpose": (
                    "Inform the customer of temporary promotions, new product launches, "
                    "upgrades and updates of OpenMotics products and important news."
                ),
                "data_categories": ["Names", "E-mail address"],
                "legal_basis": "consent",
                "retention": "Until the customer withdraws consent or unsubscribes.",
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [],
            },
            {
                "name": "Website analytics and cookies",
                "purpose": (
                    "Understand how visitors use the websites and keep the shop working "
                    "(log-in and shopping cart session cookies)."
                ),
                "data_categories": [
                    "IP address",
                    "Cookie identifiers",
                    "Pages visited, time on site, referrer and clicks",
                    "Device information",
                ],
                # The 2017 policy relies on "implied consent"; recorded as consent.
                "legal_basis": "consent",
                # Invented: the seed gives no retention for analytics data.
                "retention": (
                    "Session cookies end when the browser closes; analytics data is kept "
                    "for 14 months."
                ),
                "source": "The visitor's browser",
                "automated_decision_logic": "",
                "recipients": ["Google Analytics"],
            },
            {
                "name": "Service quality, statistics and fraud prevention",
                "purpose": (
                    "Monitor the quality of the services, create statistics to improve the "
                    "OpenMotics service, implement updates and new features, and prevent "
                    "abuse and fraud."
                ),
                "data_categories": [
                    "System usage information",
                    "IP address",
                    "Account identifiers",
                ],
                "legal_basis": "legitimate_interests",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "Statistics are kept in aggregated form; the underlying personal data "
                    "no longer than the account exists."
                ),
                "source": "The OpenMotics gateway and the customer's use of the services",
                "automated_decision_logic": "",
                "recipients": [
                    "Sub-contractors (support and development)",
                    "Authorities and courts (when required by law)",
                ],
            },
        ],
        "staff": [  # fictional people
            {
                "email": "griet.vanwesemael@openmotics.example",
                "full_name": "Griet Van Wesemael",
                "role": "manager",
            },
            {
                "email": "an.peeters@openmotics.example",
                "full_name": "An Peeters",
                "role": "officer",
            },
            {
                "email": "bart.desmet@openmotics.example",
                "full_name": "Bart Desmet",
                "role": "officer",
            },
        ],
    },
    # ------------------------------------------------------------------------------------------
    # iLumen: seed 002 (website terms and privacy statement, Dutch, last changed 22 Oct 2021).
    # ------------------------------------------------------------------------------------------
    {
        "slug": "ilumen",
        "name": "iLumen",
        # The seed only ever says "ILumen" / "iLumen" and gives no legal form (not invented).
        "legal_name": "ILumen",
        # Invented: the seed gives no address.
        "street_address": "Zonneweg 1",
        "postal_code": "9000",
        "city": "Gent",
        "country": "BE",
        "company_number": "",  # the seed gives none
        "default_language": "nl",  # the seed is Dutch
        "offered_languages": ["nl", "fr", "en"],  # FR and EN added for Belgian customers
        "reference_prefix": "ILU",
        # Seed: access and change by e-mail to info@ilumen.be. Deleting iLusmart app data
        # goes to ilusmart@ilumen.be (carried out immediately).
        "privacy_email": "info@ilumen.be",
        "website": "https://www.ilumen.be",  # seed: cookies "op ILumen.be"
        "signatory_name": "Katrien Lievens",  # fictional person
        "signatory_title": "Privacy Coordinator",
        "recipients": [
            {
                "name": "Installation clients (companies commissioning solar installations)",
                "kind": "third_party",
                "purpose": (
                    "The clients who engage iLumen to install and maintain solar panel "
                    "installations; they may receive personal data and iLusmart offtake and "
                    "injection data, also for commercial purposes."
                ),
                "contact_email": "privacy@installer.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Name and first name",
                    "Postal address",
                    "E-mail address",
                    "Telephone number",
                    "Offtake and injection data of the digital meter",
                ],
            },
            {
                "name": "Sister companies",
                "kind": "group_company",
                "purpose": (
                    "iLumen may transfer data to its sister companies (transfers to third "
                    "parties are limited to sister companies, clients and subcontractors)."
                ),
                "contact_email": "privacy@sister-company.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Name and first name",
                    "Postal address",
                    "E-mail address",
                    "Telephone number",
                ],
            },
            {
                "name": "Subcontractors (installation and maintenance)",
                "kind": "processor",
                "purpose": (
                    "Carry out installation, maintenance and repair work on solar "
                    "installations on iLumen's behalf."
                ),
                "contact_email": "privacy@subcontractor.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Name and first name",
                    "Postal address",
                    "Telephone number",
                    "Installation details",
                ],
            },
            {
                # Inferred from the seed: Fluvius supplies the meter data under the mandate
                # the customer approves in "Mijn Fluvius".
                "name": "Fluvius (grid operator)",
                "kind": "third_party",
                "purpose": (
                    "Supplies the digital meter's offtake and injection data under the "
                    "customer's mandate; receives the identifiers needed to retrieve the data."
                ),
                "contact_email": "privacy@grid-operator.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Name", "EAN code of the connection", "Mandate reference"],
            },
            {
                "name": "Google Analytics",
                "kind": "processor",
                "purpose": (
                    "Counts visitors and shows how the website is used; the seed calls this "
                    "data non-personal and says it is not shared with third parties."
                ),
                "contact_email": "analytics-privacy@example.com",  # fictional
                "country": "IE",
                "data_categories": ["Cookie identifiers", "Website usage data"],
            },
        ],
        "activities": [
            {
                "name": "iLusmart app account",
                "purpose": (
                    "Link the user's profile in the iLusmart app (mobile and web) to their "
                    "digital meter and any iLumen products, and follow up smoothly on "
                    "malfunctions."
                ),
                "data_categories": [
                    "Name and first name",
                    "Postal address",
                    "E-mail address",
                    "Telephone number",
                ],
                "legal_basis": "contract",
                "retention": (
                    "As long as the app account is used; deleted immediately, temporarily "
                    "or permanently, on request to ilusmart@ilumen.be."
                ),
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [
                    "Installation clients (companies commissioning solar installations)",
                    "Sister companies",
                ],
            },
            {
                "name": "iLusmart metering data",
                "purpose": (
                    "Show the digital meter's offtake and injection data in the iLusmart app, "
                    "after the user gave explicit consent by approving a mandate in 'Mijn "
                    "Fluvius'."
                ),
                "data_categories": [
                    "Offtake data of the digital meter",
                    "Injection data of the digital meter",
                    "EAN code of the connection",
                ],
                "legal_basis": "consent",
                "retention": (
                    "Until the mandate is withdrawn or the user asks for deletion; deleted "
                    "immediately on request to ilusmart@ilumen.be."
                ),
                "source": (
                    "The grid operator Fluvius, under the mandate the data subject approved "
                    "in 'Mijn Fluvius'"
                ),
                "automated_decision_logic": "",
                "recipients": [
                    "Fluvius (grid operator)",
                    "Installation clients (companies commissioning solar installations)",
                ],
            },
            {
                "name": "Installation and maintenance of solar installations",
                "purpose": (
                    "Install and maintain solar panel installations for the clients who "
                    "commission iLumen, and plan the work with subcontractors."
                ),
                "data_categories": [
                    "Name and first name",
                    "Postal address (installation address)",
                    "E-mail address",
                    "Telephone number",
                    "Installation details",
                ],
                "legal_basis": "contract",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "For the duration of the installation's warranty and maintenance "
                    "contract, then 7 years for accounting purposes."
                ),
                "source": ("The data subject, or the company that commissioned the installation"),
                "automated_decision_logic": "",
                "recipients": [
                    "Subcontractors (installation and maintenance)",
                    "Sister companies",
                    "Installation clients (companies commissioning solar installations)",
                ],
            },
            {
                # The seed names no legal basis for this; legitimate interests is the desk's
                # reading, so the subject can object (Art. 21).
                "name": "Sharing with installation clients for commercial purposes",
                "purpose": (
                    "Communicate personal data and iLusmart offtake and injection data to the "
                    "clients who engage iLumen for installing and maintaining solar "
                    "installations, also for their commercial purposes."
                ),
                "data_categories": [
                    "Name and first name",
                    "Postal address",
                    "E-mail address",
                    "Telephone number",
                    "Offtake and injection data of the digital meter",
                ],
                "legal_basis": "legitimate_interests",
                # Invented criterion: the seed gives no period.
                "retention": "Until the data subject objects or asks for deletion.",
                "source": "The data subject and the iLusmart app",
                "automated_decision_logic": "",
                "recipients": [
                    "Installation clients (companies commissioning solar installations)",
                ],
            },
            {
                "name": "Newsletters, surveys and information",
                "purpose": (
                    "Send iLumen newsletters, surveys or information by e-mail or by post; "
                    "every message offers a clear way to stop receiving them."
                ),
                "data_categories": ["Name", "E-mail address", "Postal address"],
                "legal_basis": "legitimate_interests",
                "retention": "Until the data subject unsubscribes.",
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [],
            },
            {
                "name": "Website log files and cookies",
                "purpose": (
                    "Keep standard log files (which pages were viewed when, and the visitor's "
                    "IP address) to tailor the website to visitors' needs, analyse trends, "
                    "maintain the site and gather general demographic information."
                ),
                "data_categories": [
                    "IP address",
                    "Pages viewed and time of viewing",
                    "Cookie identifiers",
                ],
                "legal_basis": "legitimate_interests",
                # Invented: the seed gives no period.
                "retention": "Log files are kept for 12 months.",
                "source": "The visitor's browser",
                "automated_decision_logic": "",
                "recipients": ["Google Analytics"],
            },
        ],
        "staff": [  # fictional people
            {
                "email": "katrien.lievens@ilumen.example",
                "full_name": "Katrien Lievens",
                "role": "manager",
            },
            {
                "email": "jens.vanhecke@ilumen.example",
                "full_name": "Jens Van Hecke",
                "role": "officer",
            },
            {
                "email": "lien.baert@ilumen.example",
                "full_name": "Lien Baert",
                "role": "officer",
            },
        ],
    },
    # ------------------------------------------------------------------------------------------
    # Maxem: seed 003 (privacy policy of Cohere Energy Solutions B.V., Dutch, 1 May 2017).
    # ------------------------------------------------------------------------------------------
    {
        "slug": "maxem",
        "name": "Maxem",
        "legal_name": "Cohere Energy Solutions B.V.",
        # Invented: the seed gives no address.
        "street_address": "Energieweg 10",
        "postal_code": "1043 AA",
        "city": "Amsterdam",
        "country": "NL",
        "company_number": "",  # the seed gives no KvK number
        "default_language": "nl",  # the seed is Dutch
        "offered_languages": ["nl", "en"],
        "reference_prefix": "MAX",
        # Invented: the seed gives no contact address; info@ at the portal's domain.
        "privacy_email": "info@maxem.io",
        "website": "https://my.maxem.io",  # the web portal named in the seed
        "signatory_name": "Marieke Veenstra",  # fictional person
        "signatory_title": "Data Protection Officer",
        "recipients": [
            {
                # Generic: the seed names no hosting provider.
                "name": "Hosting provider (Maxem servers)",
                "kind": "processor",
                "purpose": (
                    "Runs the servers the Maxem connects to over an encrypted VPN and the web "
                    "portal where customers log in over SSL."
                ),
                "contact_email": "privacy@hosting.example.com",  # fictional
                "country": "NL",
                "data_categories": [
                    "Account and contact details",
                    "Encrypted password",
                    "Metering data",
                ],
            },
            {
                # Generic: the seed says subscription payments are organised, names no party.
                "name": "Payment service provider (subscription fees)",
                "kind": "processor",
                "purpose": "Collects the subscription fees by direct debit.",
                "contact_email": "privacy@payments.example.com",  # fictional
                "country": "NL",
                "data_categories": ["Name", "Address", "Bank details"],
            },
            {
                "name": "Third parties receiving coarse-location electricity data",
                "kind": "third_party",
                "purpose": (
                    "Receive a coarse location of the Maxem (not precise enough to derive "
                    "street or house number) combined with its electricity data, the one "
                    "exception the policy makes to sharing only with consent."
                ),
                "contact_email": "privacy@energy-partner.example.com",  # fictional
                "country": "NL",
                "data_categories": ["Coarse location of the Maxem", "Electricity data"],
            },
            {
                # Generic: the seed only says Cohere contacts customers when service is needed.
                "name": "Service technicians (installation and repair partners)",
                "kind": "processor",
                "purpose": (
                    "Visit or contact the customer on Cohere's behalf when the product "
                    "needs service."
                ),
                "contact_email": "privacy@service-partner.example.com",  # fictional
                "country": "NL",
                "data_categories": ["Name", "Address and postcode", "Telephone number"],
            },
        ],
        "activities": [
            {
                "name": "Maxem account and service contact",
                "purpose": (
                    "Activate the customer's Maxem account on the web portal and contact the "
                    "customer when their product needs service, including secured remote "
                    "access to the Maxem in case of malfunctions."
                ),
                "data_categories": [
                    "First and last name",
                    "Address and postcode",
                    "E-mail address",
                    "Telephone number",
                    "Portal login (encrypted password)",
                ],
                "legal_basis": "contract",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "As long as the Maxem account exists; deleted within 6 months after the "
                    "subscription ends."
                ),
                "source": "The data subject, when activating the Maxem account",
                "automated_decision_logic": "",
                "recipients": [
                    "Hosting provider (Maxem servers)",
                    "Service technicians (installation and repair partners)",
                ],
            },
            {
                "name": "Subscription billing",
                "purpose": "Organise the payment of subscription fees with the customer.",
                "data_categories": [
                    "First and last name",
                    "Address and postcode",
                    "Bank details",
                    "Subscription and payment history",
                ],
                "legal_basis": "contract",
                # The seed gives no period; 7 years is the Dutch fiscal retention duty.
                "retention": (
                    "For the duration of the subscription; invoices and payment records 7 "
                    "years (Dutch fiscal retention obligation)."
                ),
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": ["Payment service provider (subscription fees)"],
            },
            {
                "name": "Metering and control of charge point and heat pump",
                "purpose": (
                    "Measure electricity use in the customer's installation and of the "
                    "appliances the Maxem is connected to, to give the customer insight into "
                    "their use and to control appliances such as charge points and heat pumps."
                ),
                "data_categories": [
                    "Electricity use of the installation",
                    "Electricity use of connected appliances (charge point, heat pump)",
                ],
                "legal_basis": "contract",
                # Invented criterion: the seed gives no period.
                "retention": (
                    "As long as the Maxem account exists; anonymised or deleted when the "
                    "subscription ends."
                ),
                "source": "The Maxem device's measurements in the customer's installation",
                "automated_decision_logic": "",
                "recipients": ["Hosting provider (Maxem servers)"],
            },
            {
                "name": "Offering new services",
                "purpose": (
                    "Use metering data to decide whether a new service may interest the "
                    "customer, and offer it in the web portal."
                ),
                "data_categories": ["Electricity use of the installation and appliances"],
                "legal_basis": "legitimate_interests",
                # Invented criterion: the seed gives no period.
                "retention": "Uses the metering data kept for the account; no separate copy.",
                "source": "The Maxem device's measurements",
                # Written by the desk from the seed's purpose; the seed gives no logic.
                "automated_decision_logic": (
                    "Profiling: the customer's usage pattern (e.g. charging volume, heat-pump "
                    "running hours) is compared with the conditions of a service to decide "
                    "whether to show an offer in the portal. It has no legal or similarly "
                    "significant effect; the customer can object."
                ),
                "recipients": ["Hosting provider (Maxem servers)"],
            },
            {
                "name": "Sharing coarse location with electricity data",
                "purpose": (
                    "Combine a coarse location of the Maxem with its electricity data and "
                    "share it with third parties; the location cannot be traced to a street "
                    "name or house number."
                ),
                "data_categories": ["Coarse location of the Maxem", "Electricity data"],
                "legal_basis": "legitimate_interests",
                # Invented criterion: the seed gives no period.
                "retention": "As long as the Maxem account exists.",
                "source": "The Maxem device and the installation address",
                "automated_decision_logic": "",
                "recipients": ["Third parties receiving coarse-location electricity data"],
            },
            {
                "name": "Anonymising metering data for commercial use",
                "purpose": (
                    "Anonymise metering data so that it cannot be traced to the customer or "
                    "the address where the Maxem is installed, then use it commercially; the "
                    "anonymised result is no longer personal data."
                ),
                "data_categories": ["Metering data (before anonymisation)"],
                "legal_basis": "legitimate_interests",
                "retention": "Personal data is not kept by this activity once anonymised.",
                "source": "The Maxem device's measurements",
                "automated_decision_logic": "",
                "recipients": [],
            },
        ],
        "staff": [  # fictional people
            {
                "email": "marieke.veenstra@maxem.example",
                "full_name": "Marieke Veenstra",
                "role": "manager",
            },
            {
                "email": "joost.hermans@maxem.example",
                "full_name": "Joost Hermans",
                "role": "officer",
            },
            {
                "email": "fleur.vanleeuwen@maxem.example",
                "full_name": "Fleur van Leeuwen",
                "role": "officer",
            },
        ],
    },
    # ------------------------------------------------------------------------------------------
    # Zensor: seed 004 (privacy and cookie policy, English, effective 14 May 2018).
    # ------------------------------------------------------------------------------------------
    {
        "slug": "zensor",
        "name": "Zensor",
        "legal_name": "Zensor NV",
        # Invented: the seed gives no address (it says data is stored and processed in
        # Belgium).
        "street_address": "Sensorlaan 1",
        "postal_code": "1000",
        "city": "Brussel",
        "country": "BE",
        "company_number": "",  # the seed gives none
        "default_language": "en",  # the policy is English; the site offers EN/NL/FR
        "offered_languages": ["en", "nl", "fr"],
        "reference_prefix": "ZEN",
        "privacy_email": "privacy@zensor.be",  # seed: the data controller's privacy@ address
        "website": "https://www.zensor.be",
        # The seed names a real contact person; deliberately not used.
        "signatory_name": "Delphine Vanderstraeten",  # fictional person
        "signatory_title": "Data Protection Officer",
        "recipients": [
            {
                "name": "Analytics provider",
                "kind": "processor",
                "purpose": (
                    "Analytics tracking on the website (performance cookies), solely to "
                    "perform that task on Zensor's behalf."
                ),
                "contact_email": "privacy@analytics.example.com",  # fictional
                "country": "IE",
                "data_categories": [
                    "IP address",
                    "Browser and device data",
                    "Pages visited and time spent",
                ],
            },
            {
                "name": "User authentication service",
                "kind": "processor",
                "purpose": "Authenticates registered users on Zensor's sites.",
                "contact_email": "privacy@auth.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Name", "E-mail address", "Login details"],
            },
            {
                "name": "E-mail and content marketing service",
                "kind": "processor",
                "purpose": (
                    "Sends updates and promotional content; receives identifying information "
                    "only with the user's explicit consent."
                ),
                "contact_email": "privacy@mailing.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Name", "E-mail address", "Subscription preferences"],
            },
            {
                "name": "Advertising and promotion services",
                "kind": "processor",
                "purpose": (
                    "Targeting and advertising cookies that decide which promotional content "
                    "is relevant; no identifying information without explicit consent."
                ),
                "contact_email": "privacy@ads.example.com",  # fictional
                "country": "IE",
                "data_categories": ["Cookie identifiers", "Website usage data"],
            },
            {
                "name": "External consultants and agencies",
                "kind": "processor",
                "purpose": (
                    "Limited access to data for analysis and service improvement, only as "
                    "long as needed for a specific function."
                ),
                "contact_email": "privacy@consultancy.example.com",  # fictional
                "country": "BE",
                "data_categories": ["Usage data", "Sensor and building data"],
            },
            {
                "name": "Hosting and storage partners (Belgium)",
                "kind": "processor",
                "purpose": (
                    "Store and process the personal information in Belgium or where Zensor's "
                    "partners maintain facilities, within jurisdictions with data protection "
                    "laws."
                ),
                "contact_email": "privacy@datacentre.example.com",  # fictional
                "country": "BE",
                "data_categories": [
                    "Account and contact details",
                    "Log data",
                    "Sensor and building data",
                ],
            },
            {
                "name": "Government and law enforcement (when legally required)",
                "kind": "third_party",
                "purpose": (
                    "Receive data only when necessary and appropriate to comply with legal "
                    "process; requests that are too broad are refused."
                ),
                "contact_email": "",
                "country": "BE",
                "data_categories": ["Any category concerned by the request"],
            },
        ],
        "activities": [
            {
                "name": "Website log data and analytics",
                "purpose": (
                    "Understand who visitors are and how they use the services, and improve "
                    "their experience of the website in future."
                ),
                "data_categories": [
                    "IP address",
                    "Browser type and version",
                    "Pages visited, time and date, time spent",
                    "Device type, operating system, device identifiers and settings",
                    "Geo-location data",
                ],
                "legal_basis": "legitimate_interests",
                # Invented: the policy says only "as long as necessary".
                "retention": "Log data is kept for 12 months.",
                "source": "The visitor's browser and device",
                "automated_decision_logic": "",
                "recipients": [
                    "Analytics provider",
                    "Hosting and storage partners (Belgium)",
                ],
            },
            {
                "name": "Registered user accounts",
                "purpose": (
                    "Provide a service to registered users of zensor.be and notify them of "
                    "policy changes; users can amend or remove their account information in "
                    "their account control panel."
                ),
                "data_categories": ["Name", "E-mail address", "Login details"],
                "legal_basis": "contract",
                "retention": (
                    "As long as necessary to provide the service; erased within a reasonable "
                    "time after a deletion request or once no longer relevant."
                ),
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": [
                    "User authentication service",
                    "Hosting and storage partners (Belgium)",
                ],
            },
            {
                # Inferred from the product (smart building sensors); the policy only covers
                # "a service" in general terms.
                "name": "Smart building sensor service",
                "purpose": (
                    "Collect and show data from Zensor sensors installed in the customer's "
                    "building to monitor the building and its use, and improve the service."
                ),
                "data_categories": [
                    "Sensor readings linked to rooms and the building (e.g. occupancy, "
                    "temperature, humidity, CO2)",
                    "Building and site identifiers",
                    "Name and e-mail of the customer's contact person",
                ],
                "legal_basis": "contract",
                # Invented criterion: the policy says only "as long as necessary".
                "retention": (
                    "For the duration of the service contract; erased within a reasonable "
                    "time after it ends, except aggregated and anonymised data."
                ),
                "source": "Zensor sensors installed in the customer's building",
                "automated_decision_logic": "",
                "recipients": [
                    "Hosting and storage partners (Belgium)",
                    "External consultants and agencies",
                ],
            },
            {
                "name": "Updates and promotional e-mails",
                "purpose": (
                    "Contact the user with updates about the website and services and with "
                    "promotional content; every message has unsubscribe instructions."
                ),
                "data_categories": ["Name", "E-mail address"],
                "legal_basis": "consent",
                "retention": "Until the user unsubscribes or withdraws consent.",
                "source": "The data subject",
                "automated_decision_logic": "",
                "recipients": ["E-mail and content marketing service"],
            },
            {
                "name": "Targeted advertising (targeting cookies)",
                "purpose": (
                    "Determine which promotional content is more relevant to the visitor and "
                    "limit how often an advertisement is shown."
                ),
                "data_categories": ["Cookie identifiers", "Website usage data", "Interests"],
                "legal_basis": "consent",
                # Invented: the seed gives no period.
                "retention": "Until the cookie expires or is deleted, at most 13 months.",
                "source": "The visitor's browser",
                # The policy gives the right to opt out of solely automated decisions; this is
                # the only automated selection it describes.
                "automated_decision_logic": (
                    "Solely automated: browsing behaviour recorded by targeting cookies selects "
                    "which promotional content is shown. It has no legal or similarly "
                    "significant effect; the user may opt out."
                ),
                "recipients": [
                    "Advertising and promotion services",
                    "Analytics provider",
                ],
            },
            {
                "name": "Usage trend reports",
                "purpose": (
                    "Combine identifying and non-identifying information to understand usage, "
                    "and publish only aggregated and anonymised versions in website and "
                    "customer usage trend reports."
                ),
                "data_categories": ["Usage data", "Log data"],
                "legal_basis": "legitimate_interests",
                "retention": "Personal data as for the underlying activity; reports hold none.",
                "source": "Zensor's website logs and services",
                "automated_decision_logic": "",
                "recipients": ["External consultants and agencies"],
            },
            {
                "name": "Legal requests from authorities",
                "purpose": (
                    "Comply with legal process, protect Zensor's rights and property and the "
                    "safety of the public, and prevent crime or illegal activity."
                ),
                "data_categories": ["Any category concerned by the request"],
                "legal_basis": "legal_obligation",
                "retention": "As long as the legal procedure requires.",
                "source": "Zensor's own records",
                "automated_decision_logic": "",
                "recipients": ["Government and law enforcement (when legally required)"],
            },
        ],
        "staff": [  # fictional people
            {
                "email": "delphine.vanderstraeten@zensor.example",
                "full_name": "Delphine Vanderstraeten",
                "role": "manager",
            },
            {
                "email": "tim.verlinden@zensor.example",
                "full_name": "Tim Verlinden",
                "role": "officer",
            },
            {
                "email": "sarah.lemmens@zensor.example",
                "full_name": "Sarah Lemmens",
                "role": "officer",
            },
        ],
    },
]

# Fictional data subjects. "nl": Flanders and the Netherlands; "fr": Wallonia and Brussels;
# "en": English-speaking expats. Apostrophes and accents are deliberate.
SUBJECT_NAMES: dict[str, list[str]] = {
    "nl": [
        "Annelies Verhaegen",
        "Bram Vercauteren",
        "Sofie De Smet",
        "Pieter Claeys",
        "Lotte Wouters",
        "Joris Van den Broeck",
        "Eline Maes",
        "Wouter Goossens",
        "Hanne Dierckx",
        "Koen Lambrechts",
        "Femke Janssens",
        "Stijn Mertens",
        "Marieke Bosman",
        "Sander Visser",
        "Ilse Meulenberg",
        "Ruben Hendrickx",
        "Nathalie D'Hondt",
        "Jeroen Kuipers",
        "Anouk Schipper",
        "Thijs Brouwer",
        "Liesbeth Van Acker",
        "Dries Coppens",
        "Evelien Timmers",
        "Gert Verstraete",
        "Saskia Mulder",
        "Maarten Smits",
        "Nele Heylen",
        "Floris Bakker",
        "Inge Verbruggen",
        "Toon Willems",
        "Charlotte Dewulf",
        "Hendrik Jacobs",
        "Leen Van Hoof",
        "Jasper de Groot",
        "Marloes Kok",
        "Nadia El Amrani",
        "Karim Bouzid",
        "Lars Vermeulen",
        "Kato Peeters",
        "Daan Hoekman",
    ],
    "fr": [
        "Camille Dubois",
        "Julien Lambert",
        "Élodie Martin",
        "Maxime Dupont",
        "Aurélie Lejeune",
        "Nicolas Renard",
        "Sophie Leclercq",
        "Thomas Simonet",
        "Manon Laurent",
        "Antoine Collard",
        "Justine Gilson",
        "François Mathieu",
        "Céline Hubert",
        "Olivier Lemaire",
        "Margaux Delvaux",
        "Sébastien Fontaine",
        "Laetitia Jacquet",
        "Damien Goffin",
        "Pauline Wéry",
        "Cédric Marchal",
        "Amandine Noël",
        "Jérôme Delhaye",
        "Chloé Bertrand",
        "Benoît Piette",
        "Virginie Lardinois",
        "Grégory Closset",
        "Mélanie Gérard",
        "Arnaud Baudoux",
        "Audrey Lecomte",
        "Xavier Thiry",
        "Hélène Dethier",
        "Laurent Evrard",
        "Inès Haddad",
        "Youssef Mansouri",
        "Isabelle Renaud-Collignon",
        "Quentin Lhoest",
        "Aline Moreau",
        "Yannick Dumortier",
        "Émilie Poncelet",
        "Gaëlle Van der Elst",
    ],
    "en": [
        "Oliver Bennett",
        "Charlotte Hughes",
        "James Whitfield",
        "Hannah Clarke",
        "Daniel O'Connor",
        "Sarah Mitchell",
        "Michael Rourke",
        "Rachel Goldberg",
        "Andrew Fraser",
        "Laura Jenkins",
        "Matthew Collier",
        "Grace Donnelly",
        "Benjamin Carter",
        "Olivia Brennan",
        "Thomas Harding",
        "Emily Sutherland",
        "Ryan McAllister",
        "Jessica Palmer",
        "Samuel Okafor",
        "Priya Raman",
        "Lucy Fairbanks",
        "Christopher Lyle",
        "Katherine Ashby",
        "David Chen",
        "Amelia Hargreaves",
        "Nathan Price",
        "Megan Sinclair",
        "Patrick Ormsby",
        "Rebecca Hollis",
        "Joshua Whitmore",
        "Anna Kowalski",
        "Aaron Fitzgerald",
        "Chloe Barrington",
        "Henry Ashcroft",
        "Isabel Navarro",
        "Marcus Webb",
        "Zoe Hamilton",
        "Ethan Colebrook",
        "Abigail Renshaw",
        "Ben Holloway",
    ],
}

# Real street names and postal codes; the house numbers (and so the addresses) are fictional.
STREETS: dict[str, list[tuple[str, str, str]]] = {
    "BE": [
        ("Kerkstraat 27", "2000", "Antwerpen"),
        ("Stationsstraat 112", "9100", "Sint-Niklaas"),
        ("Molenstraat 8", "3000", "Leuven"),
        ("Brugsesteenweg 241", "8500", "Kortrijk"),
        ("Rue de la Station 45", "5000", "Namur"),
        ("Avenue Louise 318", "1050", "Ixelles"),
        ("Rue du Marché 19", "4000", "Liège"),
        ("Dorpsstraat 63", "1741", "Ternat"),
        ("Koningin Astridlaan 5", "8200", "Brugge"),
        ("Rue des Bouleaux 12", "1300", "Wavre"),
        ("Lindenlaan 34", "3500", "Hasselt"),
        ("Chaussée de Waterloo 870", "1180", "Uccle"),
        ("Oudenaardsesteenweg 250", "9000", "Gent"),
        ("Rue de Bruxelles 56", "7000", "Mons"),
        ("Nieuwstraat 21", "2800", "Mechelen"),
        ("Rue Haute 140", "6000", "Charleroi"),
        ("Sint-Jansplein 9 bus 2", "2018", "Antwerpen"),
        ("Rue de Namur 7", "1400", "Nivelles"),
        ("Steenweg op Gierle 48", "2300", "Turnhout"),
        ("Boulevard d'Avroy 101", "4000", "Liège"),
    ],
    "NL": [
        ("Kerkstraat 41", "1017 GC", "Amsterdam"),
        ("Oudegracht 118", "3511 AX", "Utrecht"),
        ("Molenweg 7", "6671 DH", "Zetten"),
        ("Stationsweg 23", "2312 AV", "Leiden"),
        ("Julianalaan 56", "2628 BG", "Delft"),
        ("Wilhelminastraat 9", "5611 HH", "Eindhoven"),
        ("Beatrixlaan 88", "2595 AL", "Den Haag"),
        ("Hoofdstraat 134", "3971 KG", "Driebergen-Rijsenburg"),
        ("Nieuwe Binnenweg 201", "3014 GL", "Rotterdam"),
        ("Raadhuisstraat 15", "2101 HE", "Heemstede"),
        ("Emmastraat 72", "7513 BA", "Enschede"),
        ("Parallelweg 4", "5223 AL", "'s-Hertogenbosch"),
        ("Van Speijkstraat 19-2", "1057 GK", "Amsterdam"),
        ("Oranjelaan 45", "8011 CM", "Zwolle"),
        ("Brinkstraat 10", "7411 JR", "Deventer"),
        ("Boschstraat 52", "6211 AX", "Maastricht"),
        ("Lindenlaan 27", "1181 JK", "Amstelveen"),
        ("Vondellaan 33", "3521 GE", "Utrecht"),
        ("Lange Noordstraat 17", "4331 CB", "Middelburg"),
        ("Spoorstraat 30", "6811 AV", "Arnhem"),
    ],
}

# What a customer might write, per language and right. Each "access" list has one description
# with <, >, & and quotes: the demo exercises HTML escaping.
DESCRIPTIONS: dict[str, dict[str, list[str]]] = {
    "en": {
        "access": [
            "Please send me a copy of all personal data you hold about me, including the "
            "power usage history from my gateway.",
            'I\'d like to know what you store about me <everything> & "more": which meter '
            "readings, since when, and who you shared them with.",
            "Which data from my solar installation and the app do you keep, and did you pass "
            "it on to my installer?",
        ],
        "rectification": [
            "Your records still have my old flat as my address; I moved in March. Please "
            "update it on my EV charger subscription.",
            "The solar app shows my name misspelled and an old phone number. Please correct both.",
            "My surname changed when I got married. Please correct it on my heat pump "
            "contract and invoices.",
        ],
        "erasure": [
            "I sold my house together with the gateway. Please delete my account and all of "
            "my power metering history.",
            "Please delete my data from the solar app, including the meter readings you get "
            "from the grid operator.",
            "I cancelled my EV charger subscription. Delete everything you still hold about "
            "me, apart from what the law makes you keep.",
        ],
        "restriction": [
            "I dispute the consumption figures shown for last winter. Please stop using them "
            "until they have been checked.",
            "Please don't use my heat pump data for anything while my complaint is being "
            "handled, but don't delete it yet.",
            "Keep the sensor data from my office but stop processing it: I need it as "
            "evidence in a dispute with my landlord.",
        ],
        "portability": [
            "Please send me my meter readings and charging sessions as a CSV file so I can "
            "import them elsewhere.",
            "I want an export of the full power history of my gateway in a machine-readable "
            "format (JSON or CSV).",
            "Can you send my solar production and injection data directly to my new "
            "monitoring app?",
        ],
        "objection": [
            "I object to my consumption data being shared with my installer for commercial "
            "purposes.",
            "Please stop sending me newsletters and product promotions.",
            "I object to the sensor data from my office being used for your statistics and "
            "trend reports.",
        ],
        "automated_decision": [
            "Your system decided my usage does not qualify me for the new heat pump service. "
            "I want a person to look at this and I want to contest it.",
            "My charger's schedule and the offer I got were changed automatically. Please "
            "explain the logic and have someone review it.",
            "I don't want decisions about me to be based solely on automated processing of "
            "the building sensor data.",
        ],
    },
    "nl": {
        "access": [
            "Graag een kopie van alle persoonsgegevens die jullie over mij bewaren, ook de "
            "verbruiksgeschiedenis van mijn gateway.",
            'Ik wil weten wat jullie over mij bewaren <alles> & "meer": welke meterstanden, '
            "sinds wanneer en met wie jullie ze gedeeld hebben.",
            "Welke gegevens van mijn zonnepanelen en uit de app houden jullie bij, en hebben "
            "jullie die aan mijn installateur doorgegeven?",
        ],
        "rectification": [
            "Jullie hebben nog mijn oude adres; ik ben in maart verhuisd. Graag aanpassen bij "
            "mijn abonnement voor de laadpaal.",
            "In de app staat mijn naam verkeerd gespeld en een oud telefoonnummer. Kunnen "
            "jullie beide verbeteren?",
            "Mijn achternaam is veranderd na mijn huwelijk. Graag aanpassen in het contract "
            "van mijn warmtepomp en op de facturen.",
        ],
        "erasure": [
            "Ik heb mijn huis met de gateway verkocht. Verwijder mijn account en al mijn "
            "meetgegevens van het stroomverbruik.",
            "Verwijder mijn gegevens uit de zonnepanelen-app, ook de meterstanden die jullie "
            "van de netbeheerder krijgen.",
            "Ik heb mijn abonnement voor de laadpaal opgezegd. Wis alles wat jullie nog van "
            "mij hebben, behalve wat jullie wettelijk moeten bewaren.",
        ],
        "restriction": [
            "Ik betwist de verbruikscijfers van vorige winter. Gebruik ze niet meer tot ze "
            "gecontroleerd zijn.",
            "Gebruik de gegevens van mijn warmtepomp nergens voor zolang mijn klacht loopt, "
            "maar verwijder ze nog niet.",
            "Bewaar de sensorgegevens van mijn kantoor, maar verwerk ze niet meer: ik heb ze "
            "nodig als bewijs in een geschil.",
        ],
        "portability": [
            "Stuur mij mijn meterstanden en laadsessies als CSV-bestand, zodat ik ze elders "
            "kan inlezen.",
            "Ik wil een export van de volledige verbruiksgeschiedenis van mijn gateway in een "
            "machineleesbaar formaat (JSON of CSV).",
            "Kunnen jullie mijn productie- en injectiegegevens rechtstreeks naar mijn nieuwe "
            "monitoringapp sturen?",
        ],
        "objection": [
            "Ik maak bezwaar tegen het doorgeven van mijn verbruiksgegevens aan mijn "
            "installateur voor commerciële doeleinden.",
            "Stuur mij geen nieuwsbrieven en promoties meer.",
            "Ik maak bezwaar tegen het gebruik van de sensorgegevens van mijn kantoor voor "
            "jullie statistieken en trendrapporten.",
        ],
        "automated_decision": [
            "Jullie systeem heeft op basis van mijn verbruik beslist dat ik niet in aanmerking "
            "kom voor de nieuwe warmtepompdienst. Ik wil dat een mens dit bekijkt.",
            "Het laadschema van mijn laadpaal en mijn aanbod zijn automatisch gewijzigd. Leg "
            "uit hoe dat werkt en laat iemand het nakijken.",
            "Ik wil niet dat beslissingen over mij alleen op geautomatiseerde verwerking van "
            "de gebouwsensoren berusten.",
        ],
    },
    "fr": {
        "access": [
            "Merci de m'envoyer une copie de toutes les données personnelles que vous "
            "détenez à mon sujet, y compris l'historique de consommation de ma passerelle.",
            'Je veux savoir ce que vous conservez sur moi <tout> & "plus" : quels relevés, '
            "depuis quand et avec qui vous les avez partagés.",
            "Quelles données de mon installation solaire et de l'application gardez-vous, et "
            "les avez-vous transmises à mon installateur ?",
        ],
        "rectification": [
            "Vous avez encore mon ancienne adresse ; j'ai déménagé en mars. Merci de la "
            "corriger pour mon abonnement de borne de recharge.",
            "L'application affiche mon nom mal orthographié et un ancien numéro de téléphone. "
            "Pouvez-vous corriger les deux ?",
            "Mon nom a changé après mon mariage. Merci de le corriger dans le contrat de ma "
            "pompe à chaleur et sur les factures.",
        ],
        "erasure": [
            "J'ai vendu ma maison avec la passerelle. Supprimez mon compte et tout "
            "l'historique de mes mesures de consommation.",
            "Supprimez mes données de l'application solaire, y compris les relevés que vous "
            "recevez du gestionnaire de réseau.",
            "J'ai résilié mon abonnement de borne de recharge. Effacez tout ce que vous avez "
            "encore sur moi, sauf ce que la loi vous oblige à garder.",
        ],
        "restriction": [
            "Je conteste les chiffres de consommation de l'hiver dernier. Ne les utilisez "
            "plus tant qu'ils n'ont pas été vérifiés.",
            "N'utilisez plus les données de ma pompe à chaleur pendant le traitement de ma "
            "plainte, mais ne les supprimez pas encore.",
            "Conservez les données des capteurs de mon bureau mais cessez de les traiter : "
            "j'en ai besoin comme preuve dans un litige.",
        ],
        "portability": [
            "Envoyez-moi mes relevés et mes sessions de recharge au format CSV pour que je "
            "puisse les importer ailleurs.",
            "Je souhaite un export de tout l'historique de consommation de ma passerelle "
            "dans un format lisible par machine (JSON ou CSV).",
            "Pouvez-vous transmettre directement mes données de production et d'injection à "
            "ma nouvelle application de suivi ?",
        ],
        "objection": [
            "Je m'oppose à la transmission de mes données de consommation à mon installateur "
            "à des fins commerciales.",
            "Merci de ne plus m'envoyer de newsletters ni de promotions.",
            "Je m'oppose à l'utilisation des données des capteurs de mon bureau pour vos "
            "statistiques et rapports de tendances.",
        ],
        "automated_decision": [
            "Votre système a décidé, sur la base de ma consommation, que je n'avais pas droit "
            "au nouveau service de pompe à chaleur. Je veux qu'une personne le réexamine.",
            "Le planning de ma borne et l'offre reçue ont été modifiés automatiquement. "
            "Expliquez-moi la logique et faites-le vérifier par quelqu'un.",
            "Je ne veux pas que des décisions me concernant reposent uniquement sur un "
            "traitement automatisé des données des capteurs du bâtiment.",
        ],
    },
}

# What an officer sends to ask the subject for what identification needs (LEGAL.md, "Identity":
# a document is the exception, and the clock is paused while waiting).
INFORMATION_REQUESTS: dict[str, str] = {
    "en": (
        "Thank you for your request. To make sure we give your data only to you, please reply "
        "with your customer number and the address you registered with. Only if these do not "
        "match our records will we ask for a copy of an identity document; you may then hide "
        "the photo and your national register number (BSN in the Netherlands). The deadline "
        "for our answer is paused until we receive your reply."
    ),
    "nl": (
        "Bedankt voor uw verzoek. Om zeker te zijn dat wij uw gegevens alleen aan u geven, "
        "vragen wij u uw klantnummer en het adres waarmee u geregistreerd bent te bevestigen. "
        "Alleen als die niet overeenkomen met onze gegevens, vragen wij een kopie van een "
        "identiteitsbewijs; u mag dan de foto en uw rijksregisternummer (BSN in Nederland) "
        "afschermen. De termijn voor ons antwoord staat stil tot wij uw reactie ontvangen."
    ),
    "fr": (
        "Merci pour votre demande. Pour être sûrs de ne communiquer vos données qu'à vous, "
        "nous vous prions de confirmer votre numéro de client et l'adresse sous laquelle vous "
        "êtes enregistré. Ce n'est que si ces informations ne correspondent pas à nos données "
        "que nous vous demanderons une copie d'une pièce d'identité ; vous pourrez alors "
        "masquer la photo et votre numéro de registre national. Le délai de réponse est "
        "suspendu jusqu'à réception de votre réponse."
    ),
}

# Reasons an officer gives for extending the deadline by two months (Art. 12(3)).
EXTENSION_REASONS: list[str] = [
    "Your data is held in several separate systems (customer accounts, the metering platform "
    "and our invoicing software), which we have to search and combine before we can answer "
    "in full.",
    "We received an unusually large number of requests in the same period and need more time "
    "to answer each of them properly.",
    "Your request covers several years of measurement data from more than one device, and we "
    "must check each data set for information about other people before we can send it.",
]

# The objections above that are to direct marketing (Art. 21(2)): absolute (Art. 21(3)).
DIRECT_MARKETING_OBJECTIONS = frozenset(
    {
        "Please stop sending me newsletters and product promotions.",
        "Stuur mij geen nieuwsbrieven en promoties meer.",
        "Merci de ne plus m'envoyer de newsletters ni de promotions.",
    }
)
