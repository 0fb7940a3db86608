"""Fixtures for the letters tests: an organisation with a signing certificate, requests in
each state a letter needs, and a register to answer access requests from."""

from __future__ import annotations

import pytest
from letter_helpers import CERTIFICATE_PASSWORD, verified

from dsr import workflow
from dsr.letters import signing
from dsr.models import Outcome, ProcessingActivity, Recipient, RefusalGround, Right
from tests.builders import organization_signed


@pytest.fixture
def certificate_pkcs12() -> bytes:
    return signing.self_signed_pkcs12(
        common_name="OpenMotics BVBA letters",
        organization_name="OpenMotics BVBA",
        country="BE",
        password=CERTIFICATE_PASSWORD,
    )


@pytest.fixture
def signed_organization(organization, manager, certificate_pkcs12):
    return organization_signed(
        organization, manager, certificate=certificate_pkcs12, password=CERTIFICATE_PASSWORD
    )


@pytest.fixture
def register(organization):
    cloud = Recipient.objects.create(
        organization=organization,
        name="Cloud hosting provider (EU)",
        kind="processor",
        country="BE",
        texts={
            "nl": {"name": "Aanbieder van cloudhosting (EU)"},
            "fr": {"name": "Hébergeur cloud (UE)"},
        },
    )
    analytics = Recipient.objects.create(
        organization=organization,
        name="Google Analytics",
        kind="processor",
        country="US",
        texts={"nl": {"name": "Google Analytics"}, "fr": {"name": "Google Analytics"}},
    )
    account = ProcessingActivity.objects.create(
        organization=organization,
        name="Customer account",
        purpose="Managing your gateway and your cloud account.",
        data_categories=["Name", "E-mail address", "Gateway serial number"],
        legal_basis="contract",
        retention="Five years after the end of the contract.",
        source="Provided by you when you registered.",
        automated_decision_logic="",
        position=0,
        texts={
            "nl": {
                "name": "Klantenaccount",
                "purpose": "Het beheer van uw gateway en uw cloudaccount.",
                "data_categories": ["Naam", "E-mailadres", "Serienummer van de gateway"],
                "retention": "Vijf jaar na het einde van het contract.",
                "source": "Door u verstrekt bij uw registratie.",
            },
            "fr": {
                "name": "Compte client",
                "purpose": "La gestion de votre passerelle et de votre compte cloud.",
                "data_categories": ["Nom", "Adresse e-mail", "Numéro de série de la passerelle"],
                "retention": "Cinq ans après la fin du contrat.",
                "source": "Fournies par vous lors de votre inscription.",
            },
        },
    )
    account.recipients.set([cloud])
    metering = ProcessingActivity.objects.create(
        organization=organization,
        name="Power measurements",
        purpose="Showing your energy use.",
        data_categories=["Power measurement data"],
        legal_basis="consent",
        retention="Two years.",
        source="Measured by your gateway.",
        automated_decision_logic="Peak-shaving schedule computed from your consumption.",
        position=1,
        texts={
            "nl": {
                "name": "Vermogensmetingen",
                "purpose": "Uw energieverbruik tonen.",
                "data_categories": ["Vermogensmetingen"],
                "retention": "Twee jaar.",
                "source": "Gemeten door uw gateway.",
                "automated_decision_logic": (
                    "Een schema om pieken af te vlakken, berekend uit uw verbruik."
                ),
            },
            "fr": {
                "name": "Mesures de puissance",
                "purpose": "Vous montrer votre consommation d'énergie.",
                "data_categories": ["Mesures de puissance"],
                "retention": "Deux ans.",
                "source": "Mesurées par votre passerelle.",
                "automated_decision_logic": (
                    "Un horaire d'écrêtement des pointes calculé à partir de votre consommation."
                ),
            },
        },
    )
    metering.recipients.set([cloud, analytics])
    return [account, metering]


@pytest.fixture
def open_request(make_request):
    """An e-mail request for access, by post, in its identity check."""
    return make_request(
        right=Right.ACCESS,
        subject_name="Jan Peeters",
        subject_postal_address="Kerkstraat 12 bus 3\n9000 Gent",
        answer_channel="post",
    )


@pytest.fixture
def refused_request(make_request, officer_actor):
    request = make_request(
        right=Right.ERASURE,
        subject_postal_address="Kerkstraat 12 bus 3\n9000 Gent",
    )
    request = verified(request, officer_actor)
    return workflow.request_refuse(
        request=request,
        ground=RefusalGround.LEGAL_OBLIGATION,
        explanation="Invoices are kept for seven years under the accounting law.",
        actor=officer_actor,
    )


@pytest.fixture
def completed_access(make_request, officer_actor, register):
    request = make_request(
        right=Right.ACCESS, subject_postal_address="Kerkstraat 12 bus 3\n9000 Gent"
    )
    request = verified(request, officer_actor)
    return workflow.request_complete(
        request=request, outcome=Outcome.FULFILLED, actor=officer_actor
    )
