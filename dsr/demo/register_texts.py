# ruff: noqa: E501  (register texts: one sentence a line reads best)
"""The demo registers in each controller's other languages (issue 16).

data.py writes every register in English; here are the same lines in the other languages each
controller offers: Dutch as a Dutch company writes it (Maxem, Cohere Energy Solutions B.V.),
Belgian Dutch for iLumen, OpenMotics and Zensor, French for OpenMotics, iLumen and Zensor.
Keyed by the English names in data.py. The loader writes the organisation's default language
into the rows' own fields and the others into their `texts`.
"""

DPO = {"nl": "Functionaris voor gegevensbescherming", "fr": "Délégué à la protection des données"}

TEXTS: dict[str, dict] = {
    "openmotics": {
        "organization": {
            "nl": {"signatory_title": DPO["nl"], "place": "Gent"},
            "fr": {"signatory_title": DPO["fr"], "place": "Gand"},
            # Written in English by default: the city's English name.
            "en": {"place": "Ghent"},
        },
        "recipients": {
            "Cloud hosting provider (EU)": {
                "nl": {
                    "name": "Aanbieder van cloudhosting (EU)",
                    "purpose": "Host het OpenMotics-cloudplatform, de geschiedenis van de vermogensmetingen en de back-ups van de gateway, in België of een ander EU-land.",
                    "data_categories": [
                        "Account- en contactgegevens",
                        "Systeemconfiguratie",
                        "Vermogensmetingen en gebruiksgegevens van het systeem",
                        "Back-ups van de gateway",
                    ],
                },
                "fr": {
                    "name": "Hébergeur cloud (UE)",
                    "purpose": "Héberge la plateforme cloud d'OpenMotics, l'historique des mesures de puissance et les sauvegardes de la passerelle, en Belgique ou dans un autre pays de l'UE.",
                    "data_categories": [
                        "Données de compte et de contact",
                        "Configuration du système",
                        "Mesures de puissance et données d'utilisation du système",
                        "Sauvegardes de la passerelle",
                    ],
                },
            },
            "Sub-contractors (support and development)": {
                "nl": {
                    "name": "Onderaannemers (ondersteuning en ontwikkeling)",
                    "purpose": "Helpen bij ondersteuning, onderhoud, updates en nieuwe functies, uitsluitend voor de doeleinden van de privacyverklaring en daaraan gebonden.",
                    "data_categories": [
                        "Account- en contactgegevens",
                        "Systeemconfiguratie",
                        "Vermogensmetingen en gebruiksgegevens van het systeem",
                    ],
                },
                "fr": {
                    "name": "Sous-traitants (support et développement)",
                    "purpose": "Aident au support, à la maintenance, aux mises à jour et aux nouvelles fonctions, exclusivement aux fins de la politique de confidentialité et liés par celle-ci.",
                    "data_categories": [
                        "Données de compte et de contact",
                        "Configuration du système",
                        "Mesures de puissance et données d'utilisation du système",
                    ],
                },
            },
            "Affiliated companies": {
                "nl": {
                    "name": "Verbonden ondernemingen",
                    "purpose": "Kunnen persoonsgegevens ontvangen uitsluitend voor de doeleinden in de privacyverklaring, en moeten ze volgens die verklaring gebruiken.",
                    "data_categories": ["Account- en contactgegevens", "Bestelgeschiedenis"],
                },
                "fr": {
                    "name": "Sociétés liées",
                    "purpose": "Peuvent recevoir des données personnelles exclusivement aux fins décrites dans la politique de confidentialité, et doivent les utiliser conformément à celle-ci.",
                    "data_categories": [
                        "Données de compte et de contact",
                        "Historique des commandes",
                    ],
                },
            },
            "Transport company (parcel delivery)": {
                "nl": {
                    "name": "Transportbedrijf (levering van pakjes)",
                    "purpose": "Levert bestelde producten op het leveringsadres (DAP-leveringen volgens de verkoopsvoorwaarden), gekozen door OpenMotics.",
                    "data_categories": ["Naam", "Leveringsadres", "Telefoonnummer"],
                },
                "fr": {
                    "name": "Transporteur (livraison de colis)",
                    "purpose": "Livre les produits commandés à l'adresse de livraison (livraisons DAP selon les conditions de vente), choisie par OpenMotics.",
                    "data_categories": ["Nom", "Adresse de livraison", "Numéro de téléphone"],
                },
            },
            "Payment service provider": {
                "nl": {
                    "name": "Betaaldienstverlener",
                    "purpose": "Int de betalingen voor onlinebestellingen.",
                    "data_categories": ["Naam", "Facturatieadres", "Betaalgegevens"],
                },
                "fr": {
                    "name": "Prestataire de services de paiement",
                    "purpose": "Encaisse les paiements des commandes en ligne.",
                    "data_categories": ["Nom", "Adresse de facturation", "Données de paiement"],
                },
            },
            "Google Analytics": {
                "nl": {
                    "name": "Google Analytics",
                    "purpose": "Meet het gedrag van bezoekers op de website: bezochte pagina's, tijd op de site, hoe de bezoeker er kwam en waarop hij klikte.",
                    "data_categories": [
                        "IP-adres",
                        "Cookie-identificatoren",
                        "Gebruiksgegevens van de website",
                    ],
                },
                "fr": {
                    "name": "Google Analytics",
                    "purpose": "Mesure le comportement des visiteurs sur le site : pages visitées, temps passé, provenance du visiteur et clics.",
                    "data_categories": [
                        "Adresse IP",
                        "Identifiants de cookies",
                        "Données d'utilisation du site",
                    ],
                },
            },
            "Authorities and courts (when required by law)": {
                "nl": {
                    "name": "Overheden en rechtbanken (wanneer de wet het vereist)",
                    "purpose": "Ontvangen persoonsgegevens alleen wanneer OpenMotics moet voldoen aan een wet, reglement, gerechtelijk bevel of verzoek van de overheid.",
                    "data_categories": [
                        "Elke categorie waarop het bevel of verzoek betrekking heeft"
                    ],
                },
                "fr": {
                    "name": "Autorités et tribunaux (lorsque la loi l'exige)",
                    "purpose": "Reçoivent des données personnelles uniquement lorsqu'OpenMotics doit se conformer à une loi, un règlement, une décision de justice ou une demande des autorités.",
                    "data_categories": ["Toute catégorie visée par la décision ou la demande"],
                },
            },
        },
        "activities": {
            "User registration and account": {
                "nl": {
                    "name": "Registratie en gebruikersaccount",
                    "purpose": "De klant identificeren en registreren als gebruiker van de diensten van OpenMotics en hem toegang geven tot de diensten en het cloudplatform.",
                    "data_categories": [
                        "Namen",
                        "E-mailadres",
                        "Telefoonnummer",
                        "Postadres",
                        "Inloggegevens",
                    ],
                    "retention": "Zolang het account bestaat; gewist binnen 12 maanden na het afsluiten van het account, tenzij de wet een langere termijn oplegt.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Inscription et compte utilisateur",
                    "purpose": "Identifier et inscrire le client comme utilisateur des services d'OpenMotics et lui donner accès aux services et à la plateforme cloud.",
                    "data_categories": [
                        "Noms",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                        "Adresse postale",
                        "Identifiants de connexion",
                    ],
                    "retention": "Tant que le compte existe ; effacées dans les 12 mois qui suivent la clôture du compte, sauf si la loi impose une durée plus longue.",
                    "source": "La personne concernée",
                },
            },
            "Orders, invoices and payments": {
                "nl": {
                    "name": "Bestellingen, facturen en betalingen",
                    "purpose": "Onlinebestellingen verwerken, producten verzenden, rekeningoverzichten en facturen sturen, betalingen innen en de boekhouding bijhouden die de wet oplegt.",
                    "data_categories": [
                        "Namen",
                        "Leverings- en facturatieadres",
                        "Telefoonnummer",
                        "E-mailadres",
                        "Bestel- en factuurgegevens",
                        "Betaalgegevens",
                    ],
                    "retention": "7 jaar na het einde van het boekjaar (Belgisch boekhoudrecht); facturen vanaf 2023 10 jaar (Belgische fiscale en btw-regels).",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Commandes, factures et paiements",
                    "purpose": "Traiter les commandes en ligne, expédier les produits, envoyer relevés et factures, encaisser les paiements et tenir la comptabilité imposée par la loi.",
                    "data_categories": [
                        "Noms",
                        "Adresse de livraison et de facturation",
                        "Numéro de téléphone",
                        "Adresse e-mail",
                        "Détails des commandes et factures",
                        "Données de paiement",
                    ],
                    "retention": "7 ans après la fin de l'exercice (droit comptable belge) ; factures à partir de 2023 : 10 ans (règles fiscales et TVA belges).",
                    "source": "La personne concernée",
                },
            },
            "Power usage history and statistics": {
                "nl": {
                    "name": "Verbruiksgeschiedenis en statistieken",
                    "purpose": "De beheer- en monitoringoplossing laten werken: actuele en historische vermogensmetingen en systeemgebruik op het cloudplatform verzamelen, de verbruiksgeschiedenis van de klant opbouwen en er statistieken voor de klant van maken.",
                    "data_categories": [
                        "Actuele en historische vermogensmetingen",
                        "Gegevens over het gebruik van het systeem",
                        "Technische configuratie (elektriciteitsnet, in- en uitgangen, dimmers, thermostaten, gas, water)",
                    ],
                    "retention": "Zolang de gateway aan het account van de klant gekoppeld is; gewist wanneer het account wordt afgesloten of de gateway wordt overgedragen.",
                    "source": "De vermogensmeters en de configuratie van de OpenMotics-gateway",
                },
                "fr": {
                    "name": "Historique de consommation et statistiques",
                    "purpose": "Faire fonctionner la solution de gestion et de suivi : collecter sur la plateforme cloud les mesures de puissance en temps réel et historiques et l'utilisation du système, établir l'historique de consommation du client et en tirer des statistiques pour lui.",
                    "data_categories": [
                        "Mesures de puissance en temps réel et historiques",
                        "Informations sur l'utilisation du système",
                        "Configuration technique (réseau électrique, entrées et sorties, variateurs, thermostats, gaz, eau)",
                    ],
                    "retention": "Tant que la passerelle est liée au compte du client ; effacées à la clôture du compte ou à la cession de la passerelle.",
                    "source": "Les compteurs de puissance et la configuration de la passerelle OpenMotics",
                },
            },
            "Gateway back-ups": {
                "nl": {
                    "name": "Back-ups van de gateway",
                    "purpose": "Door de gebruiker gestarte back-ups van de gateway bewaren om ze te kunnen herstellen wanneer een gateway wordt vervangen of gegevens door de gebruiker werden gewist, en de door de klant verstrekte informatie back-uppen.",
                    "data_categories": [
                        "Configuratie van de gateway",
                        "Door de klant verstrekte informatie",
                    ],
                    "retention": "Tot een nieuwere back-up van dezelfde gateway ze vervangt, en uiterlijk tot het account wordt afgesloten.",
                    "source": "De gateway van de klant, op verzoek van de klant",
                },
                "fr": {
                    "name": "Sauvegardes de la passerelle",
                    "purpose": "Conserver les sauvegardes de la passerelle lancées par l'utilisateur pour la restaurer lors d'un remplacement ou après un effacement par l'utilisateur, et sauvegarder les informations fournies par le client.",
                    "data_categories": [
                        "Configuration de la passerelle",
                        "Informations fournies par le client",
                    ],
                    "retention": "Jusqu'à leur remplacement par une sauvegarde plus récente de la même passerelle, et au plus tard jusqu'à la clôture du compte.",
                    "source": "La passerelle du client, à la demande du client",
                },
            },
            "Product news and promotions": {
                "nl": {
                    "name": "Productnieuws en promoties",
                    "purpose": "De klant informeren over tijdelijke promoties, nieuwe producten, upgrades en updates van OpenMotics-producten en belangrijk nieuws.",
                    "data_categories": ["Namen", "E-mailadres"],
                    "retention": "Tot de klant zijn toestemming intrekt of zich uitschrijft.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Actualités et promotions",
                    "purpose": "Informer le client des promotions temporaires, des nouveaux produits, des mises à niveau et mises à jour des produits OpenMotics et des nouvelles importantes.",
                    "data_categories": ["Noms", "Adresse e-mail"],
                    "retention": "Jusqu'à ce que le client retire son consentement ou se désabonne.",
                    "source": "La personne concernée",
                },
            },
            "Website analytics and cookies": {
                "nl": {
                    "name": "Websiteanalyse en cookies",
                    "purpose": "Begrijpen hoe bezoekers de websites gebruiken en de webshop laten werken (sessiecookies voor inloggen en winkelmandje).",
                    "data_categories": [
                        "IP-adres",
                        "Cookie-identificatoren",
                        "Bezochte pagina's, tijd op de site, verwijzende pagina en klikken",
                        "Toestelgegevens",
                    ],
                    "retention": "Sessiecookies vervallen wanneer de browser sluit; analysegegevens worden 14 maanden bewaard.",
                    "source": "De browser van de bezoeker",
                },
                "fr": {
                    "name": "Analyse du site et cookies",
                    "purpose": "Comprendre comment les visiteurs utilisent les sites et faire fonctionner la boutique (cookies de session pour la connexion et le panier).",
                    "data_categories": [
                        "Adresse IP",
                        "Identifiants de cookies",
                        "Pages visitées, temps passé, page de provenance et clics",
                        "Informations sur l'appareil",
                    ],
                    "retention": "Les cookies de session expirent à la fermeture du navigateur ; les données d'analyse sont conservées 14 mois.",
                    "source": "Le navigateur du visiteur",
                },
            },
            "Service quality, statistics and fraud prevention": {
                "nl": {
                    "name": "Dienstkwaliteit, statistieken en fraudepreventie",
                    "purpose": "De kwaliteit van de diensten opvolgen, statistieken opstellen om de dienst van OpenMotics te verbeteren, updates en nieuwe functies invoeren, en misbruik en fraude voorkomen.",
                    "data_categories": [
                        "Gegevens over het gebruik van het systeem",
                        "IP-adres",
                        "Account-identificatoren",
                    ],
                    "retention": "Statistieken worden geaggregeerd bewaard; de onderliggende persoonsgegevens niet langer dan het account bestaat.",
                    "source": "De OpenMotics-gateway en het gebruik dat de klant van de diensten maakt",
                },
                "fr": {
                    "name": "Qualité du service, statistiques et prévention de la fraude",
                    "purpose": "Suivre la qualité des services, établir des statistiques pour améliorer le service d'OpenMotics, déployer des mises à jour et de nouvelles fonctions, et prévenir les abus et la fraude.",
                    "data_categories": [
                        "Informations sur l'utilisation du système",
                        "Adresse IP",
                        "Identifiants de compte",
                    ],
                    "retention": "Les statistiques sont conservées sous forme agrégée ; les données personnelles sous-jacentes pas plus longtemps que le compte.",
                    "source": "La passerelle OpenMotics et l'utilisation des services par le client",
                },
            },
        },
    },
    "ilumen": {
        # Belgian Dutch, as the seed writes it; the default language of the rows.
        "organization": {
            "nl": {"signatory_title": "Privacycoördinator", "place": "Gent"},
            "fr": {
                "signatory_title": "Coordinateur de la protection de la vie privée",
                "place": "Gand",
            },
            "en": {"signatory_title": "Privacy Coordinator", "place": "Ghent"},
        },
        "recipients": {
            "Installation clients (companies commissioning solar installations)": {
                "nl": {
                    "name": "Installatieklanten (bedrijven die zonne-installaties laten plaatsen)",
                    "purpose": "De klanten die iLumen inschakelen om zonnepanelen te installeren en te onderhouden; zij kunnen persoonsgegevens en afname- en injectiegegevens uit iLusmart ontvangen, ook voor commerciële doeleinden.",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres",
                        "E-mailadres",
                        "Telefoonnummer",
                        "Afname- en injectiegegevens van de digitale meter",
                    ],
                },
                "fr": {
                    "name": "Clients installation (entreprises qui commandent des installations solaires)",
                    "purpose": "Les clients qui font appel à iLumen pour installer et entretenir des panneaux solaires ; ils peuvent recevoir des données personnelles et les données de prélèvement et d'injection d'iLusmart, aussi à des fins commerciales.",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                        "Données de prélèvement et d'injection du compteur numérique",
                    ],
                },
            },
            "Sister companies": {
                "nl": {
                    "name": "Zusterbedrijven",
                    "purpose": "iLumen kan gegevens doorgeven aan zijn zusterbedrijven (doorgifte aan derden blijft beperkt tot zusterbedrijven, klanten en onderaannemers).",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres",
                        "E-mailadres",
                        "Telefoonnummer",
                    ],
                },
                "fr": {
                    "name": "Sociétés sœurs",
                    "purpose": "iLumen peut transmettre des données à ses sociétés sœurs (les transferts à des tiers se limitent aux sociétés sœurs, aux clients et aux sous-traitants).",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                    ],
                },
            },
            "Subcontractors (installation and maintenance)": {
                "nl": {
                    "name": "Onderaannemers (installatie en onderhoud)",
                    "purpose": "Voeren namens iLumen installatie-, onderhouds- en herstellingswerken aan zonne-installaties uit.",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres",
                        "Telefoonnummer",
                        "Gegevens van de installatie",
                    ],
                },
                "fr": {
                    "name": "Sous-traitants (installation et entretien)",
                    "purpose": "Effectuent pour le compte d'iLumen des travaux d'installation, d'entretien et de réparation d'installations solaires.",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale",
                        "Numéro de téléphone",
                        "Données de l'installation",
                    ],
                },
            },
            "Fluvius (grid operator)": {
                "nl": {
                    "name": "Fluvius (distributienetbeheerder)",
                    "purpose": "Levert de afname- en injectiegegevens van de digitale meter op basis van het mandaat van de klant; ontvangt de gegevens die nodig zijn om ze op te halen.",
                    "data_categories": [
                        "Naam",
                        "EAN-code van de aansluiting",
                        "Referentie van het mandaat",
                    ],
                },
                "fr": {
                    "name": "Fluvius (gestionnaire du réseau de distribution)",
                    "purpose": "Fournit les données de prélèvement et d'injection du compteur numérique sur la base du mandat du client ; reçoit les identifiants nécessaires pour les obtenir.",
                    "data_categories": ["Nom", "Code EAN du raccordement", "Référence du mandat"],
                },
            },
            "Google Analytics": {
                "nl": {
                    "name": "Google Analytics",
                    "purpose": "Telt bezoekers en toont hoe de website gebruikt wordt; de privacyverklaring noemt deze gegevens niet-persoonlijk en deelt ze niet met derden.",
                    "data_categories": [
                        "Cookie-identificatoren",
                        "Gebruiksgegevens van de website",
                    ],
                },
                "fr": {
                    "name": "Google Analytics",
                    "purpose": "Compte les visiteurs et montre comment le site est utilisé ; la déclaration de confidentialité qualifie ces données de non personnelles et ne les partage pas avec des tiers.",
                    "data_categories": ["Identifiants de cookies", "Données d'utilisation du site"],
                },
            },
        },
        "activities": {
            "iLusmart app account": {
                "nl": {
                    "name": "Account in de iLusmart-app",
                    "purpose": "Het profiel van de gebruiker in de iLusmart-app (mobiel en web) koppelen aan zijn digitale meter en eventuele iLumen-producten, en storingen vlot opvolgen.",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres",
                        "E-mailadres",
                        "Telefoonnummer",
                    ],
                    "retention": "Zolang het app-account gebruikt wordt; op verzoek aan ilusmart@ilumen.be onmiddellijk tijdelijk of definitief verwijderd.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Compte de l'application iLusmart",
                    "purpose": "Lier le profil de l'utilisateur dans l'application iLusmart (mobile et web) à son compteur numérique et aux éventuels produits iLumen, et suivre efficacement les pannes.",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                    ],
                    "retention": "Tant que le compte de l'application est utilisé ; supprimées immédiatement, temporairement ou définitivement, sur demande à ilusmart@ilumen.be.",
                    "source": "La personne concernée",
                },
            },
            "iLusmart metering data": {
                "nl": {
                    "name": "Meetgegevens in iLusmart",
                    "purpose": "De afname- en injectiegegevens van de digitale meter tonen in de iLusmart-app, nadat de gebruiker uitdrukkelijk toestemming gaf door een mandaat goed te keuren in 'Mijn Fluvius'.",
                    "data_categories": [
                        "Afnamegegevens van de digitale meter",
                        "Injectiegegevens van de digitale meter",
                        "EAN-code van de aansluiting",
                    ],
                    "retention": "Tot het mandaat wordt ingetrokken of de gebruiker om verwijdering vraagt; op verzoek aan ilusmart@ilumen.be onmiddellijk verwijderd.",
                    "source": "De netbeheerder Fluvius, op basis van het mandaat dat de betrokkene goedkeurde in 'Mijn Fluvius'",
                },
                "fr": {
                    "name": "Données de comptage iLusmart",
                    "purpose": "Afficher dans l'application iLusmart les données de prélèvement et d'injection du compteur numérique, après que l'utilisateur a donné son consentement explicite en approuvant un mandat dans « Mijn Fluvius ».",
                    "data_categories": [
                        "Données de prélèvement du compteur numérique",
                        "Données d'injection du compteur numérique",
                        "Code EAN du raccordement",
                    ],
                    "retention": "Jusqu'au retrait du mandat ou à la demande de suppression de l'utilisateur ; supprimées immédiatement sur demande à ilusmart@ilumen.be.",
                    "source": "Le gestionnaire de réseau Fluvius, sur la base du mandat approuvé par la personne concernée dans « Mijn Fluvius »",
                },
            },
            "Installation and maintenance of solar installations": {
                "nl": {
                    "name": "Installatie en onderhoud van zonne-installaties",
                    "purpose": "Zonnepaneleninstallaties plaatsen en onderhouden voor de klanten die iLumen daarvoor inschakelen, en de werken met onderaannemers plannen.",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres (installatieadres)",
                        "E-mailadres",
                        "Telefoonnummer",
                        "Gegevens van de installatie",
                    ],
                    "retention": "Zolang de garantie en het onderhoudscontract van de installatie lopen, daarna 7 jaar voor de boekhouding.",
                    "source": "De betrokkene zelf, of het bedrijf dat de installatie bestelde",
                },
                "fr": {
                    "name": "Installation et entretien d'installations solaires",
                    "purpose": "Installer et entretenir des installations de panneaux solaires pour les clients qui font appel à iLumen, et planifier les travaux avec les sous-traitants.",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale (adresse de l'installation)",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                        "Données de l'installation",
                    ],
                    "retention": "Pendant la garantie et le contrat d'entretien de l'installation, puis 7 ans à des fins comptables.",
                    "source": "La personne concernée, ou l'entreprise qui a commandé l'installation",
                },
            },
            "Sharing with installation clients for commercial purposes": {
                "nl": {
                    "name": "Delen met installatieklanten voor commerciële doeleinden",
                    "purpose": "Persoonsgegevens en afname- en injectiegegevens uit iLusmart meedelen aan de klanten die iLumen inschakelen voor het installeren en onderhouden van zonne-installaties, ook voor hun commerciële doeleinden.",
                    "data_categories": [
                        "Naam en voornaam",
                        "Postadres",
                        "E-mailadres",
                        "Telefoonnummer",
                        "Afname- en injectiegegevens van de digitale meter",
                    ],
                    "retention": "Tot de betrokkene bezwaar maakt of om verwijdering vraagt.",
                    "source": "De betrokkene zelf en de iLusmart-app",
                },
                "fr": {
                    "name": "Partage avec les clients d'installation à des fins commerciales",
                    "purpose": "Communiquer des données personnelles et les données de prélèvement et d'injection d'iLusmart aux clients qui font appel à iLumen pour installer et entretenir des installations solaires, aussi à leurs fins commerciales.",
                    "data_categories": [
                        "Nom et prénom",
                        "Adresse postale",
                        "Adresse e-mail",
                        "Numéro de téléphone",
                        "Données de prélèvement et d'injection du compteur numérique",
                    ],
                    "retention": "Jusqu'à ce que la personne concernée s'y oppose ou demande la suppression.",
                    "source": "La personne concernée et l'application iLusmart",
                },
            },
            "Newsletters, surveys and information": {
                "nl": {
                    "name": "Nieuwsbrieven, enquêtes en informatie",
                    "purpose": "Nieuwsbrieven, enquêtes of informatie van iLumen per e-mail of per post versturen; elk bericht biedt een duidelijke manier om ze niet langer te ontvangen.",
                    "data_categories": ["Naam", "E-mailadres", "Postadres"],
                    "retention": "Tot de betrokkene zich uitschrijft.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Lettres d'information, enquêtes et informations",
                    "purpose": "Envoyer les lettres d'information, enquêtes ou informations d'iLumen par e-mail ou par courrier ; chaque message offre un moyen clair de ne plus les recevoir.",
                    "data_categories": ["Nom", "Adresse e-mail", "Adresse postale"],
                    "retention": "Jusqu'à ce que la personne concernée se désabonne.",
                    "source": "La personne concernée",
                },
            },
            "Website log files and cookies": {
                "nl": {
                    "name": "Logbestanden van de website en cookies",
                    "purpose": "Standaard logbestanden bijhouden (welke pagina's wanneer bekeken werden en het IP-adres van de bezoeker) om de website af te stemmen op de noden van bezoekers, trends te analyseren, de site te onderhouden en algemene demografische informatie te verzamelen.",
                    "data_categories": [
                        "IP-adres",
                        "Bekeken pagina's en tijdstip",
                        "Cookie-identificatoren",
                    ],
                    "retention": "Logbestanden worden 12 maanden bewaard.",
                    "source": "De browser van de bezoeker",
                },
                "fr": {
                    "name": "Fichiers journaux du site et cookies",
                    "purpose": "Tenir des fichiers journaux standard (pages consultées, à quel moment, et adresse IP du visiteur) pour adapter le site aux besoins des visiteurs, analyser les tendances, entretenir le site et recueillir des informations démographiques générales.",
                    "data_categories": [
                        "Adresse IP",
                        "Pages consultées et heure de consultation",
                        "Identifiants de cookies",
                    ],
                    "retention": "Les fichiers journaux sont conservés 12 mois.",
                    "source": "Le navigateur du visiteur",
                },
            },
        },
    },
    "maxem": {
        # Dutch as a Dutch company writes it; the default language of the rows.
        "organization": {
            "nl": {"signatory_title": DPO["nl"], "place": "Amsterdam"},
            "en": {"signatory_title": "Data Protection Officer", "place": "Amsterdam"},
        },
        "recipients": {
            "Hosting provider (Maxem servers)": {
                "nl": {
                    "name": "Hostingprovider (servers van Maxem)",
                    "purpose": "Beheert de servers waarmee de Maxem via een versleutelde VPN verbinding maakt, en het webportaal waarop klanten via SSL inloggen.",
                    "data_categories": [
                        "Account- en contactgegevens",
                        "Versleuteld wachtwoord",
                        "Meetgegevens",
                    ],
                },
            },
            "Payment service provider (subscription fees)": {
                "nl": {
                    "name": "Betaaldienstverlener (abonnementskosten)",
                    "purpose": "Int de abonnementskosten via automatische incasso.",
                    "data_categories": ["Naam", "Adres", "Bankgegevens"],
                },
            },
            "Third parties receiving coarse-location electricity data": {
                "nl": {
                    "name": "Derden die elektriciteitsgegevens met een globale locatie ontvangen",
                    "purpose": "Ontvangen een globale locatie van de Maxem (niet nauwkeurig genoeg om straat of huisnummer af te leiden) samen met de elektriciteitsgegevens; de enige uitzondering in het privacybeleid op delen met toestemming.",
                    "data_categories": ["Globale locatie van de Maxem", "Elektriciteitsgegevens"],
                },
            },
            "Service technicians (installation and repair partners)": {
                "nl": {
                    "name": "Servicemonteurs (installatie- en reparatiepartners)",
                    "purpose": "Bezoeken of benaderen de klant namens Cohere wanneer het product service nodig heeft.",
                    "data_categories": ["Naam", "Adres en postcode", "Telefoonnummer"],
                },
            },
        },
        "activities": {
            "Maxem account and service contact": {
                "nl": {
                    "name": "Maxem-account en servicecontact",
                    "purpose": "Het Maxem-account van de klant op het webportaal activeren en contact met de klant opnemen wanneer het product service nodig heeft, inclusief beveiligde toegang op afstand tot de Maxem bij storingen.",
                    "data_categories": [
                        "Voor- en achternaam",
                        "Adres en postcode",
                        "E-mailadres",
                        "Telefoonnummer",
                        "Inloggegevens portaal (versleuteld wachtwoord)",
                    ],
                    "retention": "Zolang het Maxem-account bestaat; verwijderd binnen 6 maanden na het einde van het abonnement.",
                    "source": "De klant zelf, bij het activeren van het Maxem-account",
                },
            },
            "Subscription billing": {
                "nl": {
                    "name": "Facturering van het abonnement",
                    "purpose": "De betaling van de abonnementskosten met de klant regelen.",
                    "data_categories": [
                        "Voor- en achternaam",
                        "Adres en postcode",
                        "Bankgegevens",
                        "Abonnements- en betalingsgeschiedenis",
                    ],
                    "retention": "Zolang het abonnement loopt; facturen en betalingsgegevens 7 jaar (fiscale bewaarplicht).",
                    "source": "De klant zelf",
                },
            },
            "Metering and control of charge point and heat pump": {
                "nl": {
                    "name": "Meten en aansturen van laadpaal en warmtepomp",
                    "purpose": "Het elektriciteitsverbruik in de installatie van de klant en van de apparaten waarop de Maxem is aangesloten meten, om de klant inzicht te geven in zijn verbruik en apparaten zoals laadpalen en warmtepompen aan te sturen.",
                    "data_categories": [
                        "Elektriciteitsverbruik van de installatie",
                        "Elektriciteitsverbruik van aangesloten apparaten (laadpaal, warmtepomp)",
                    ],
                    "retention": "Zolang het Maxem-account bestaat; geanonimiseerd of verwijderd wanneer het abonnement eindigt.",
                    "source": "De metingen van de Maxem in de installatie van de klant",
                },
            },
            "Offering new services": {
                "nl": {
                    "name": "Aanbieden van nieuwe diensten",
                    "purpose": "Met de meetgegevens bepalen of een nieuwe dienst interessant kan zijn voor de klant, en die aanbieden in het webportaal.",
                    "data_categories": [
                        "Elektriciteitsverbruik van de installatie en de apparaten"
                    ],
                    "retention": "Gebruikt de meetgegevens die voor het account worden bewaard; geen aparte kopie.",
                    "source": "De metingen van de Maxem",
                    "automated_decision_logic": "Profilering: het verbruikspatroon van de klant (bijvoorbeeld laadvolume, draaiuren van de warmtepomp) wordt vergeleken met de voorwaarden van een dienst om te bepalen of er een aanbod in het portaal verschijnt. Dit heeft geen rechtsgevolgen of vergelijkbare aanzienlijke gevolgen; de klant kan bezwaar maken.",
                },
            },
            "Sharing coarse location with electricity data": {
                "nl": {
                    "name": "Globale locatie delen met elektriciteitsgegevens",
                    "purpose": "Een globale locatie van de Maxem combineren met de elektriciteitsgegevens en die delen met derden; de locatie is niet te herleiden tot een straatnaam of huisnummer.",
                    "data_categories": ["Globale locatie van de Maxem", "Elektriciteitsgegevens"],
                    "retention": "Zolang het Maxem-account bestaat.",
                    "source": "De Maxem en het installatieadres",
                },
            },
            "Anonymising metering data for commercial use": {
                "nl": {
                    "name": "Meetgegevens anonimiseren voor commercieel gebruik",
                    "purpose": "Meetgegevens zo anonimiseren dat ze niet te herleiden zijn tot de klant of het adres waar de Maxem is geïnstalleerd, en ze daarna commercieel gebruiken; het geanonimiseerde resultaat is geen persoonsgegeven meer.",
                    "data_categories": ["Meetgegevens (vóór anonimisering)"],
                    "retention": "Deze verwerking bewaart geen persoonsgegevens meer zodra ze geanonimiseerd zijn.",
                    "source": "De metingen van de Maxem",
                },
            },
        },
    },
    "zensor": {
        "organization": {
            "nl": {"signatory_title": DPO["nl"], "place": "Brussel"},
            "fr": {"signatory_title": DPO["fr"], "place": "Bruxelles"},
            # Written in English by default: the city's English name.
            "en": {"place": "Brussels"},
        },
        "recipients": {
            "Analytics provider": {
                "nl": {
                    "name": "Aanbieder van analysediensten",
                    "purpose": "Analytische tracking op de website (prestatiecookies), uitsluitend om die taak voor Zensor uit te voeren.",
                    "data_categories": [
                        "IP-adres",
                        "Browser- en toestelgegevens",
                        "Bezochte pagina's en bezoekduur",
                    ],
                },
                "fr": {
                    "name": "Fournisseur de services d'analyse",
                    "purpose": "Suivi analytique du site (cookies de performance), uniquement pour accomplir cette tâche pour le compte de Zensor.",
                    "data_categories": [
                        "Adresse IP",
                        "Données du navigateur et de l'appareil",
                        "Pages visitées et durée de visite",
                    ],
                },
            },
            "User authentication service": {
                "nl": {
                    "name": "Dienst voor gebruikersauthenticatie",
                    "purpose": "Authenticeert geregistreerde gebruikers op de sites van Zensor.",
                    "data_categories": ["Naam", "E-mailadres", "Inloggegevens"],
                },
                "fr": {
                    "name": "Service d'authentification des utilisateurs",
                    "purpose": "Authentifie les utilisateurs inscrits sur les sites de Zensor.",
                    "data_categories": ["Nom", "Adresse e-mail", "Identifiants de connexion"],
                },
            },
            "E-mail and content marketing service": {
                "nl": {
                    "name": "Dienst voor e-mail- en contentmarketing",
                    "purpose": "Verstuurt updates en promotionele inhoud; ontvangt identificerende gegevens alleen met uitdrukkelijke toestemming van de gebruiker.",
                    "data_categories": ["Naam", "E-mailadres", "Abonnementsvoorkeuren"],
                },
                "fr": {
                    "name": "Service d'e-mailing et de marketing de contenu",
                    "purpose": "Envoie des mises à jour et du contenu promotionnel ; ne reçoit des informations identifiantes qu'avec le consentement explicite de l'utilisateur.",
                    "data_categories": ["Nom", "Adresse e-mail", "Préférences d'abonnement"],
                },
            },
            "Advertising and promotion services": {
                "nl": {
                    "name": "Reclame- en promotiediensten",
                    "purpose": "Targeting- en advertentiecookies die bepalen welke promotionele inhoud relevant is; geen identificerende gegevens zonder uitdrukkelijke toestemming.",
                    "data_categories": [
                        "Cookie-identificatoren",
                        "Gebruiksgegevens van de website",
                    ],
                },
                "fr": {
                    "name": "Services de publicité et de promotion",
                    "purpose": "Cookies de ciblage et publicitaires qui déterminent quel contenu promotionnel est pertinent ; aucune information identifiante sans consentement explicite.",
                    "data_categories": ["Identifiants de cookies", "Données d'utilisation du site"],
                },
            },
            "External consultants and agencies": {
                "nl": {
                    "name": "Externe consultants en bureaus",
                    "purpose": "Beperkte toegang tot gegevens voor analyse en verbetering van de dienst, alleen zolang dat voor een bepaalde taak nodig is.",
                    "data_categories": ["Gebruiksgegevens", "Sensor- en gebouwgegevens"],
                },
                "fr": {
                    "name": "Consultants et agences externes",
                    "purpose": "Accès limité aux données pour l'analyse et l'amélioration du service, uniquement le temps nécessaire à une fonction précise.",
                    "data_categories": [
                        "Données d'utilisation",
                        "Données des capteurs et du bâtiment",
                    ],
                },
            },
            "Hosting and storage partners (Belgium)": {
                "nl": {
                    "name": "Hosting- en opslagpartners (België)",
                    "purpose": "Bewaren en verwerken de persoonsgegevens in België of waar de partners van Zensor hun installaties hebben, binnen rechtsgebieden met wetgeving inzake gegevensbescherming.",
                    "data_categories": [
                        "Account- en contactgegevens",
                        "Loggegevens",
                        "Sensor- en gebouwgegevens",
                    ],
                },
                "fr": {
                    "name": "Partenaires d'hébergement et de stockage (Belgique)",
                    "purpose": "Stockent et traitent les informations personnelles en Belgique ou là où les partenaires de Zensor ont leurs installations, dans des juridictions dotées de lois sur la protection des données.",
                    "data_categories": [
                        "Données de compte et de contact",
                        "Données de journal",
                        "Données des capteurs et du bâtiment",
                    ],
                },
            },
            "Government and law enforcement (when legally required)": {
                "nl": {
                    "name": "Overheid en gerechtelijke instanties (wanneer de wet het vereist)",
                    "purpose": "Ontvangen gegevens alleen wanneer dat nodig en gepast is om aan een wettelijke procedure te voldoen; te ruime verzoeken worden geweigerd.",
                    "data_categories": ["Elke categorie waarop het verzoek betrekking heeft"],
                },
                "fr": {
                    "name": "Autorités publiques et forces de l'ordre (lorsque la loi l'exige)",
                    "purpose": "Reçoivent des données uniquement lorsque c'est nécessaire et approprié pour se conformer à une procédure légale ; les demandes trop larges sont refusées.",
                    "data_categories": ["Toute catégorie visée par la demande"],
                },
            },
        },
        "activities": {
            "Website log data and analytics": {
                "nl": {
                    "name": "Loggegevens en analyse van de website",
                    "purpose": "Begrijpen wie de bezoekers zijn en hoe zij de diensten gebruiken, en hun ervaring met de website in de toekomst verbeteren.",
                    "data_categories": [
                        "IP-adres",
                        "Type en versie van de browser",
                        "Bezochte pagina's, tijdstip en datum, bezoekduur",
                        "Type toestel, besturingssysteem, toestel-identificatoren en instellingen",
                        "Locatiegegevens",
                    ],
                    "retention": "Loggegevens worden 12 maanden bewaard.",
                    "source": "De browser en het toestel van de bezoeker",
                },
                "fr": {
                    "name": "Données de journal et analyse du site",
                    "purpose": "Comprendre qui sont les visiteurs et comment ils utilisent les services, et améliorer leur expérience du site à l'avenir.",
                    "data_categories": [
                        "Adresse IP",
                        "Type et version du navigateur",
                        "Pages visitées, heure et date, durée de visite",
                        "Type d'appareil, système d'exploitation, identifiants et paramètres de l'appareil",
                        "Données de géolocalisation",
                    ],
                    "retention": "Les données de journal sont conservées 12 mois.",
                    "source": "Le navigateur et l'appareil du visiteur",
                },
            },
            "Registered user accounts": {
                "nl": {
                    "name": "Accounts van geregistreerde gebruikers",
                    "purpose": "Een dienst verlenen aan geregistreerde gebruikers van zensor.be en hen op de hoogte brengen van wijzigingen in het beleid; gebruikers kunnen hun accountgegevens wijzigen of verwijderen in hun accountbeheer.",
                    "data_categories": ["Naam", "E-mailadres", "Inloggegevens"],
                    "retention": "Zolang nodig om de dienst te verlenen; gewist binnen een redelijke termijn na een verzoek tot verwijdering of zodra ze niet langer relevant zijn.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Comptes des utilisateurs inscrits",
                    "purpose": "Fournir un service aux utilisateurs inscrits de zensor.be et les informer des modifications de la politique ; les utilisateurs peuvent modifier ou supprimer les informations de leur compte dans leur espace personnel.",
                    "data_categories": ["Nom", "Adresse e-mail", "Identifiants de connexion"],
                    "retention": "Aussi longtemps que nécessaire pour fournir le service ; effacées dans un délai raisonnable après une demande de suppression ou dès qu'elles ne sont plus pertinentes.",
                    "source": "La personne concernée",
                },
            },
            "Smart building sensor service": {
                "nl": {
                    "name": "Sensordienst voor slimme gebouwen",
                    "purpose": "Gegevens verzamelen en tonen van Zensor-sensoren in het gebouw van de klant om het gebouw en het gebruik ervan op te volgen, en de dienst verbeteren.",
                    "data_categories": [
                        "Sensormetingen gekoppeld aan lokalen en het gebouw (bv. bezetting, temperatuur, vochtigheid, CO2)",
                        "Identificatoren van gebouw en site",
                        "Naam en e-mailadres van de contactpersoon van de klant",
                    ],
                    "retention": "Zolang het dienstencontract loopt; gewist binnen een redelijke termijn na het einde ervan, behalve geaggregeerde en geanonimiseerde gegevens.",
                    "source": "Zensor-sensoren in het gebouw van de klant",
                },
                "fr": {
                    "name": "Service de capteurs pour bâtiments intelligents",
                    "purpose": "Collecter et afficher les données des capteurs Zensor installés dans le bâtiment du client pour suivre le bâtiment et son utilisation, et améliorer le service.",
                    "data_categories": [
                        "Relevés des capteurs liés aux locaux et au bâtiment (p. ex. occupation, température, humidité, CO2)",
                        "Identifiants du bâtiment et du site",
                        "Nom et adresse e-mail de la personne de contact du client",
                    ],
                    "retention": "Pendant la durée du contrat de service ; effacées dans un délai raisonnable après sa fin, sauf les données agrégées et anonymisées.",
                    "source": "Les capteurs Zensor installés dans le bâtiment du client",
                },
            },
            "Updates and promotional e-mails": {
                "nl": {
                    "name": "Updates en promotionele e-mails",
                    "purpose": "De gebruiker contacteren met updates over de website en de diensten en met promotionele inhoud; elk bericht legt uit hoe u zich uitschrijft.",
                    "data_categories": ["Naam", "E-mailadres"],
                    "retention": "Tot de gebruiker zich uitschrijft of zijn toestemming intrekt.",
                    "source": "De betrokkene zelf",
                },
                "fr": {
                    "name": "Mises à jour et e-mails promotionnels",
                    "purpose": "Contacter l'utilisateur avec des mises à jour sur le site et les services et avec du contenu promotionnel ; chaque message explique comment se désabonner.",
                    "data_categories": ["Nom", "Adresse e-mail"],
                    "retention": "Jusqu'à ce que l'utilisateur se désabonne ou retire son consentement.",
                    "source": "La personne concernée",
                },
            },
            "Targeted advertising (targeting cookies)": {
                "nl": {
                    "name": "Gerichte reclame (targetingcookies)",
                    "purpose": "Bepalen welke promotionele inhoud relevanter is voor de bezoeker en beperken hoe vaak een advertentie wordt getoond.",
                    "data_categories": [
                        "Cookie-identificatoren",
                        "Gebruiksgegevens van de website",
                        "Interesses",
                    ],
                    "retention": "Tot de cookie vervalt of wordt verwijderd, hoogstens 13 maanden.",
                    "source": "De browser van de bezoeker",
                    "automated_decision_logic": "Uitsluitend geautomatiseerd: het surfgedrag dat targetingcookies vastleggen, bepaalt welke promotionele inhoud wordt getoond. Dit heeft geen rechtsgevolgen of vergelijkbare aanzienlijke gevolgen; de gebruiker kan dit weigeren.",
                },
                "fr": {
                    "name": "Publicité ciblée (cookies de ciblage)",
                    "purpose": "Déterminer quel contenu promotionnel est plus pertinent pour le visiteur et limiter le nombre d'affichages d'une publicité.",
                    "data_categories": [
                        "Identifiants de cookies",
                        "Données d'utilisation du site",
                        "Centres d'intérêt",
                    ],
                    "retention": "Jusqu'à l'expiration ou la suppression du cookie, 13 mois au plus.",
                    "source": "Le navigateur du visiteur",
                    "automated_decision_logic": "Exclusivement automatisé : le comportement de navigation enregistré par les cookies de ciblage détermine le contenu promotionnel affiché. Cela ne produit aucun effet juridique ni effet similaire important ; l'utilisateur peut s'y opposer.",
                },
            },
            "Usage trend reports": {
                "nl": {
                    "name": "Rapporten over gebruikstrends",
                    "purpose": "Identificerende en niet-identificerende gegevens combineren om het gebruik te begrijpen, en alleen geaggregeerde en geanonimiseerde versies publiceren in rapporten over gebruikstrends van de website en de klanten.",
                    "data_categories": ["Gebruiksgegevens", "Loggegevens"],
                    "retention": "Persoonsgegevens zoals voor de onderliggende verwerking; de rapporten bevatten er geen.",
                    "source": "De websitelogs en diensten van Zensor",
                },
                "fr": {
                    "name": "Rapports sur les tendances d'utilisation",
                    "purpose": "Combiner des informations identifiantes et non identifiantes pour comprendre l'utilisation, et ne publier que des versions agrégées et anonymisées dans les rapports de tendances d'utilisation du site et des clients.",
                    "data_categories": ["Données d'utilisation", "Données de journal"],
                    "retention": "Données personnelles comme pour le traitement sous-jacent ; les rapports n'en contiennent aucune.",
                    "source": "Les journaux du site et les services de Zensor",
                },
            },
            "Legal requests from authorities": {
                "nl": {
                    "name": "Wettelijke verzoeken van overheden",
                    "purpose": "Voldoen aan wettelijke procedures, de rechten en eigendommen van Zensor en de veiligheid van het publiek beschermen, en misdrijven of onwettige activiteiten voorkomen.",
                    "data_categories": ["Elke categorie waarop het verzoek betrekking heeft"],
                    "retention": "Zolang de gerechtelijke procedure dat vereist.",
                    "source": "De eigen registers van Zensor",
                },
                "fr": {
                    "name": "Demandes légales des autorités",
                    "purpose": "Se conformer aux procédures légales, protéger les droits et biens de Zensor et la sécurité du public, et prévenir les infractions ou activités illégales.",
                    "data_categories": ["Toute catégorie visée par la demande"],
                    "retention": "Aussi longtemps que la procédure judiciaire l'exige.",
                    "source": "Les propres registres de Zensor",
                },
            },
        },
    },
}

# The explanation a demo refusal carries, in the request's language.
REFUSAL_EXPLANATION = {
    "en": "Explained in the letter sent to the subject.",
    "nl": "Toegelicht in de brief aan de betrokkene.",
    "fr": "Expliqué dans la lettre envoyée à la personne concernée.",
}
PARTIAL_NOTE = {
    "en": "Invoices kept under accounting law.",
    "nl": "Facturen bewaard volgens de boekhoudwetgeving.",
    "fr": "Factures conservées en vertu du droit comptable.",
}
