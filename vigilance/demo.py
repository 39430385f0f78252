"""Demo data for ``make run``: an establishment, one account per role, fifty realistic reports.

Never for production: the demo passwords are printed and written in the README.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from routing import EventKind, Features, Origin, ProductFacts
from vigilance import accounts, intake
from vigilance.models import Establishment, Report, User

DEMO_FINESS = "750000019"
DEMO_PASSWORD = "demo-vigilance-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    vigilances: tuple[str, ...] = ()
    name: str = ""


ACCOUNTS = (
    DemoAccount("clinicien@demo.vigilance.fr", "reporter", name="Dr Claire Interne"),
    DemoAccount("hemovigilance@demo.vigilance.fr", "correspondent", ("haemovigilance",), "Dr Hugo Hémato"),
    DemoAccount("biovigilance@demo.vigilance.fr", "correspondent", ("biovigilance", "qualification"), "Dr Bérénice Greffe"),
    DemoAccount(
        "pharmacovigilance@demo.vigilance.fr", "correspondent",
        ("pharmacovigilance", "quality_defect", "materiovigilance"), "Dr Paul Pharma",
    ),
    DemoAccount("coordination@demo.vigilance.fr", "coordinator", name="Dr Camille Coordination"),
    DemoAccount("admin@demo.vigilance.fr", "admin", name="Administrateur"),
)

RAR = EventKind.RECIPIENT_ADVERSE_REACTION
#: (event kind, product, description, serious, grade): what reporters really write, pseudonymous.
SCENARIOS = (
    (RAR, "CGR phénotypé", "Frissons, hyperthermie à 39,2 °C 40 min après le début de la transfusion du 2e CGR.", False, 1),
    (RAR, "Concentré de plaquettes d'aphérèse", "Urticaire généralisée et prurit pendant la transfusion ; arrêt, antihistaminique.", False, 1),
    (RAR, "MCP-IA", "Dyspnée, désaturation à 85 %, OAP radiologique 2 h après transfusion : TACO suspecté.", True, 3),
    (RAR, "PFC-IA", "Hypotension brutale et bronchospasme dès les premiers millilitres : choc anaphylactique.", True, 3),
    (RAR, "CGR", "Incompatibilité ABO : patient A transfusé avec un CGR B, hémolyse aiguë.", True, 3),
    (EventKind.INCIDENT, "CGR", "Erreur d'identification au prélèvement du groupage, détectée avant transfusion.", False, None),
    (EventKind.INCIDENT, "Plasma frais congelé", "Poche décongelée restée 8 h en salle avant pose : destruction.", False, None),
    (EventKind.DONOR_ADVERSE_REACTION, "Don de sang total", "Malaise vagal avec perte de connaissance et chute, plaie du cuir chevelu suturée.", True, 3),
    (EventKind.POST_DONATION_INFORMATION, "Don de plasma par aphérèse", "Le donneur signale un voyage en zone d'endémie palustre non déclaré.", False, None),
    (RAR, "Albumine humaine 20 %", "Réaction fébrile avec frissons pendant la perfusion d'albumine.", False, 1),
    (RAR, "Immunoglobulines humaines intraveineuses (IgIV)", "Céphalées intenses et méningite aseptique J2 après cure d'IgIV.", True, 2),
    (RAR, "Facteur VIII plasmatique", "Apparition d'un inhibiteur anti-FVIII chez un hémophile A.", True, 2),
    (RAR, "Kanokad", "Thrombose veineuse profonde 48 h après administration de CCP.", True, 2),
    (RAR, "Kymriah (tisagenlecleucel)", "Syndrome de relargage cytokinique grade 3 à J3, transfert en réanimation.", True, 3),
    (RAR, "Yescarta", "Neurotoxicité (ICANS) grade 2 à J5.", True, 2),
    (RAR, "Carvykti", "Cytopénie prolongée au-delà de J30.", True, 2),
    (RAR, "Zolgensma", "Élévation des transaminases à 10 N, corticothérapie majorée.", True, 2),
    (RAR, "Holoclar", "Inflammation oculaire et échec de greffe de l'épithélium.", False, 1),
    (RAR, "Greffe de cornée", "Endophtalmie à J4 d'une kératoplastie transfixiante.", True, 3),
    (RAR, "Tête fémorale (os de banque)", "Infection du site opératoire à J15 après allogreffe osseuse.", True, 2),
    (RAR, "Cellules souches hématopoïétiques allogéniques (CSH)", "Réaction à la réinjection : hypertension, nausées (DMSO).", False, 1),
    (RAR, "Greffe rénale", "Transmission suspectée d'une infection à CMV par le greffon.", True, 2),
    (EventKind.INCIDENT, "Lait maternel du lactarium", "Rupture de la chaîne du froid lors du transport de lait pasteurisé.", False, None),
    (EventKind.QUALITY_DEFECT, "Sérum autologue en collyre", "Flacon trouble à l'ouverture, particules visibles.", False, None),
    (EventKind.QUALITY_DEFECT, "Collyre de sérum autologue", "Étiquette illisible sur trois flacons du lot.", False, None),
    (RAR, "Produit inconnu Z-17", "Réaction locale après application d'un produit apporté par le patient.", False, 1),
)


def load(session: Session, *, now: datetime, reports: int = 50, seed: int = 2026) -> list[User]:
    """Create the demo establishment, accounts and reports once; later calls change nothing."""
    existing = session.exec(select(Establishment).where(Establishment.finess == DEMO_FINESS)).first()
    if existing is not None:
        emails = [a.email for a in ACCOUNTS]
        return list(session.exec(select(User).where(User.email.in_(emails))))
    place = accounts.create_establishment(session, finess=DEMO_FINESS, name="CHU de démonstration")
    users = [
        accounts.create_user(
            session, email=a.email, role=a.role, establishment=None if a.role == "admin" else place,
            vigilances=a.vigilances, password=DEMO_PASSWORD, name=a.name,
        )
        for a in ACCOUNTS
    ]
    reporter = users[0]
    rng = random.Random(seed)
    for number in range(reports):
        kind, product, description, serious, grade = SCENARIOS[number % len(SCENARIOS)]
        answers = Features()
        origin = None
        if product == "Produit inconnu Z-17" and number % 2:
            origin, answers = Origin.NON_HUMAN, Features(industrially_manufactured=True)
        received = now - timedelta(days=rng.uniform(0, 30))
        occurred = received - timedelta(hours=rng.uniform(0.5, 30))
        draft = intake.Draft(
            event_kind=kind,
            occurred_at=occurred,
            product=ProductFacts(name=product, origin=origin, features=answers),
            description=description,
            serious=serious,
            severity_grade=grade,
            patient_sex=rng.choice("FM"),
            patient_birth_year=rng.randint(1935, 2020),
            patient_initials="".join(rng.choice("ABCDEFGHJLMNPRST") for _ in range(2)),
            lot_number=f"L{rng.randint(10000, 99999)}" if kind != EventKind.DONOR_ADVERSE_REACTION else None,
        )
        intake.submit(session, draft=draft, actor=reporter, now=received)
    return users


def report_count(session: Session) -> int:
    return len(session.exec(select(Report.id)).all())


