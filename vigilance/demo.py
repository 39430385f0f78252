"""Demo data for ``make run``: an establishment, one account per role, fifty realistic reports,
worked by the correspondents as far as they would have got by now.

Never for production: the demo passwords are printed and written in the README.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from routing import EventKind, Features, Origin, ProductFacts, Queue
from routing.scales import IMPUTABILITY_SCALES, REACTION_TYPES
from vigilance import accounts, intake, triage
from vigilance.models import Establishment, Report, User

DEMO_FINESS = "750000119"
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
    DemoAccount(
        "biovigilance@demo.vigilance.fr", "correspondent", ("biovigilance", "qualification"), "Dr Bérénice Greffe"
    ),
    DemoAccount(
        "pharmacovigilance@demo.vigilance.fr",
        "correspondent",
        ("pharmacovigilance", "quality_defect", "materiovigilance"),
        "Dr Paul Pharma",
    ),
    DemoAccount("ampvigilance@demo.vigilance.fr", "correspondent", ("amp_vigilance",), "Dr Aurore Procréa"),
    DemoAccount("reactovigilance@demo.vigilance.fr", "correspondent", ("reactovigilance",), "Dr Rémi Réactif"),
    DemoAccount("coordination@demo.vigilance.fr", "coordinator", name="Dr Camille Coordination"),
    DemoAccount("admin@demo.vigilance.fr", "admin", name="Administrateur"),
)

RAR = EventKind.RECIPIENT_ADVERSE_REACTION
#: (event kind, product (or a tuple of products), description, serious, grade, the type a
#: correspondent would assess):
#: what reporters really write, pseudonymous.
SCENARIOS = (
    (
        RAR,
        "CGR phénotypé",
        "Frissons, hyperthermie à 39,2 °C 40 min après le début de la transfusion du 2e CGR.",
        False,
        1,
        "fnhtr",
    ),
    (
        RAR,
        "Concentré de plaquettes d'aphérèse",
        "Urticaire généralisée et prurit pendant la transfusion ; arrêt, antihistaminique.",
        False,
        1,
        "anaphylaxis_allergy",
    ),
    (
        RAR,
        "MCP-IA",
        "Dyspnée, désaturation à 85 %, OAP radiologique 2 h après transfusion : TACO suspecté.",
        True,
        3,
        "taco",
    ),
    (
        RAR,
        "PFC-IA",
        "Hypotension brutale et bronchospasme dès les premiers millilitres : choc anaphylactique.",
        True,
        3,
        "anaphylaxis_allergy",
    ),
    (
        RAR,
        "CGR",
        "Incompatibilité ABO : patient A transfusé avec un CGR B, hémolyse aiguë.",
        True,
        3,
        "abo_incompatibility",
    ),
    (
        EventKind.INCIDENT,
        "CGR",
        "Erreur d'identification au prélèvement du groupage, détectée avant transfusion.",
        False,
        None,
        "identification_error",
    ),
    (
        EventKind.INCIDENT,
        "Plasma frais congelé",
        "Poche décongelée restée 8 h en salle avant pose : destruction.",
        False,
        None,
        "storage_transport",
    ),
    (
        EventKind.DONOR_ADVERSE_REACTION,
        "Don de sang total",
        "Malaise vagal avec perte de connaissance et chute, plaie du cuir chevelu suturée.",
        True,
        3,
        "donor_vasovagal",
    ),
    (
        EventKind.POST_DONATION_INFORMATION,
        "Don de plasma par aphérèse",
        "Le donneur signale un voyage en zone d'endémie palustre non déclaré.",
        False,
        None,
        "other",
    ),
    (
        RAR,
        "Albumine humaine 20 %",
        "Réaction fébrile avec frissons pendant la perfusion d'albumine.",
        False,
        1,
        "hypersensitivity",
    ),
    (
        RAR,
        "Immunoglobulines humaines intraveineuses (IgIV)",
        "Céphalées intenses et méningite aseptique J2 après cure d'IgIV.",
        True,
        2,
        "other",
    ),
    (
        RAR,
        "Facteur VIII plasmatique",
        "Apparition d'un inhibiteur anti-FVIII chez un hémophile A.",
        True,
        2,
        "inhibitor_development",
    ),
    (RAR, "Kanokad", "Thrombose veineuse profonde 48 h après administration de CCP.", True, 2, "thrombosis"),
    (
        RAR,
        "Kymriah (tisagenlecleucel)",
        "Syndrome de relargage cytokinique grade 3 à J3, transfert en réanimation.",
        True,
        3,
        "cytokine_release_syndrome",
    ),
    (RAR, "Yescarta", "Neurotoxicité (ICANS) grade 2 à J5.", True, 2, "neurotoxicity"),
    (RAR, "Carvykti", "Cytopénie prolongée au-delà de J30.", True, 2, "cytopenia"),
    (RAR, "Zolgensma", "Élévation des transaminases à 10 N, corticothérapie majorée.", True, 2, "hepatotoxicity"),
    (RAR, "Holoclar", "Inflammation oculaire et échec de greffe de l'épithélium.", False, 1, "other"),
    (
        RAR,
        "Greffe de cornée",
        "Endophtalmie à J4 d'une kératoplastie transfixiante.",
        True,
        3,
        "infection_transmission",
    ),
    (
        RAR,
        "Tête fémorale (os de banque)",
        "Infection du site opératoire à J15 après allogreffe osseuse.",
        True,
        2,
        "infection_transmission",
    ),
    (
        RAR,
        "Cellules souches hématopoïétiques allogéniques (CSH)",
        "Réaction à la réinjection : hypertension, nausées (DMSO).",
        False,
        1,
        "other",
    ),
    (
        RAR,
        "Greffe rénale",
        "Transmission suspectée d'une infection à CMV par le greffon.",
        True,
        2,
        "infection_transmission",
    ),
    (
        EventKind.INCIDENT,
        "Lait maternel du lactarium",
        "Rupture de la chaîne du froid lors du transport de lait pasteurisé.",
        False,
        None,
        "quality_safety_defect",
    ),
    (
        EventKind.QUALITY_DEFECT,
        "Sérum autologue en collyre",
        "Flacon trouble à l'ouverture, particules visibles.",
        False,
        None,
        "particles",
    ),
    (
        EventKind.QUALITY_DEFECT,
        "Collyre de sérum autologue",
        "Étiquette illisible sur trois flacons du lot.",
        False,
        None,
        "labelling",
    ),
    (
        RAR,
        "Ponction ovocytaire",
        "Hémopéritoine 6 h après la ponction ovocytaire, reprise au bloc opératoire.",
        True,
        3,
        "retrieval_complication",
    ),
    (
        EventKind.INCIDENT,
        "Paillettes de sperme",
        "Paillettes d'un autre couple sorties de la cuve ; erreur détectée au contrôle avant l'insémination.",
        True,
        None,
        "attribution_error",
    ),
    (
        EventKind.INCIDENT,
        "Lecteur de glycémie",
        "Glycémies capillaires à 1,1 g/L sur un lot de bandelettes, 0,4 g/L au laboratoire chez un patient confus.",
        True,
        None,
        "false_result",
    ),
    (
        EventKind.INCIDENT,
        "Carte de contrôle ultime",
        "Pas d'agglutination anti-A sur la carte avec un CGR de groupe A ; carte du même lot conforme ensuite.",
        False,
        None,
        "false_result",
    ),
    (
        RAR,
        "Produit inconnu Z-17",
        "Réaction locale après application d'un produit apporté par le patient.",
        False,
        1,
        "other",
    ),
    # Several products in one report (contract.md): given as a list, and in one name.
    (
        EventKind.INCIDENT,
        ("CGR", "Réchauffeur de sang"),
        "Alarme de surchauffe du réchauffeur pendant la transfusion du CGR : poche hémolysée, transfusion arrêtée.",
        True,
        2,
        "other",
    ),
    (
        RAR,
        "Plaquettes + IgIV",
        "Frissons et urticaire pendant la perfusion des IgIV, un concentré de plaquettes transfusé en même temps.",
        False,
        1,
        "other",
    ),
)


def load(session: Session, *, now: datetime, reports: int = 50, seed: int = 2026, base_url: str = "") -> list[User]:
    """Create the demo establishment, accounts and reports once; later calls change nothing.

    :param base_url: where the service is reached, for the links in the alerts' emails.
    """
    existing = session.exec(select(Establishment).where(Establishment.finess == DEMO_FINESS)).first()
    if existing is not None:
        emails = [a.email for a in ACCOUNTS]
        return list(session.exec(select(User).where(User.email.in_(emails))))
    place = accounts.create_establishment(session, finess=DEMO_FINESS, name="CHU de démonstration")
    users = [
        accounts.create_user(
            session,
            email=a.email,
            role=a.role,
            establishment=None if a.role == "admin" else place,
            vigilances=a.vigilances,
            password=DEMO_PASSWORD,
            name=a.name,
        )
        for a in ACCOUNTS
    ]
    reporter = users[0]
    rng = random.Random(seed)
    # Filed in the order received, as references are given: the newest report has the highest number.
    receipts = sorted(now - timedelta(days=rng.uniform(0, 30)) for _ in range(reports))
    for number, received in enumerate(receipts):
        kind, product, description, serious, grade, reaction_type = SCENARIOS[number % len(SCENARIOS)]
        answers = Features()
        origin = None
        if product == "Produit inconnu Z-17" and number >= len(SCENARIOS):
            origin, answers = Origin.NON_HUMAN, Features(industrially_manufactured=True)
        occurred = received - timedelta(hours=rng.uniform(0.5, 30))
        draft = intake.Draft(
            event_kind=kind,
            occurred_at=occurred,
            product=ProductFacts(
                name=product[0] if isinstance(product, tuple) else product, origin=origin, features=answers
            ),
            products=tuple(ProductFacts(name=name) for name in product) if isinstance(product, tuple) else (),
            description=description,
            serious=serious,
            severity_grade=grade,
            patient_sex=rng.choice("FM"),
            patient_birth_year=rng.randint(1935, 2020),
            patient_initials="".join(rng.choice("ABCDEFGHJLMNPRST") for _ in range(2)),
            lot_number=f"L{rng.randint(10000, 99999)}" if kind != EventKind.DONOR_ADVERSE_REACTION else None,
        )
        filed = intake.submit(session, draft=draft, actor=reporter, now=received, base_url=base_url)
        for item in filed.items:
            _work(session, rng, item, filed.report, reaction_type, users, now)
    return users


#: Who works each queue among the demo accounts (their index in ACCOUNTS).
_WORKED_BY = {
    "haemovigilance": 1,
    "biovigilance": 2,
    "qualification": 2,
    "pharmacovigilance": 3,
    "quality_defect": 3,
    "materiovigilance": 3,
    "amp_vigilance": 4,
    "reactovigilance": 5,
}
#: Where each queue declares, and how its reference numbers look.
_DECLARED_TO = {
    "haemovigilance": ("ANSM", "e-FIT {}"),
    "biovigilance": ("ABM", "BV-{}"),
    "pharmacovigilance": ("CRPV", "PV-{}"),
    "quality_defect": ("ANSM", "DQ-{}"),
    "materiovigilance": ("ANSM", "MRV-{}"),
    "amp_vigilance": ("ABM", "AMPV-{}"),
    "reactovigilance": ("ANSM", "RV-{}"),
}


def _work(
    session: Session, rng: random.Random, item, report, reaction_type: str, users: list[User], now: datetime
) -> None:
    """Take one item as far as a correspondent would have by now: the demo then shows queues at
    every stage (new, in progress, awaiting an answer, declared, closed), deadlines met and missed."""
    recent = now - report.received_at < timedelta(days=7)
    if item.queue == "qualification" or rng.random() < (0.6 if recent else 0.1):
        return  # still new: someone must qualify it, or nobody got to it yet
    worker, reporter = users[_WORKED_BY[item.queue]], users[0]
    at = report.received_at + timedelta(hours=rng.uniform(1, 30))
    if at > now:
        return
    triage.claim(session, item_id=item.id, actor=worker, now=at)
    at += timedelta(hours=rng.uniform(1, 20))
    if at > now:
        return
    scale = IMPUTABILITY_SCALES[Queue(item.queue)]
    serious = report.serious
    triage.assess(
        session,
        item_id=item.id,
        actor=worker,
        now=at,
        based_on_version=0,
        data=triage.AssessmentInput(
            severity_grade=report.severity_grade,
            imputability=rng.choice(scale.levels[-3:]) if scale.levels else None,
            seriousness_criteria=(("life_threatening",) if report.severity_grade == 3 else ("hospitalisation",))
            if serious
            else (),
            reaction_type=reaction_type if reaction_type in REACTION_TYPES[Queue(item.queue)] else None,
            investigation_status=rng.choice(("in_progress", "completed")),
        ),
    )
    if rng.random() < 0.15:
        request = triage.request_information(
            session,
            item_id=item.id,
            actor=worker,
            now=at,
            question="Pouvez-vous préciser l'heure de début des signes et le volume transfusé ?",
        )
        answered = at + timedelta(hours=rng.uniform(2, 48))
        if answered < now and rng.random() < 0.5:
            triage.answer_information(
                session,
                request_id=request.id,
                actor=reporter,
                now=answered,
                answer="Début des signes 30 min après la pose ; 150 mL passés.",
            )
        return
    # Every recipient reaction goes to ANSM in haemovigilance; elsewhere the serious ones.
    if serious or item.queue == "haemovigilance":
        at += timedelta(hours=rng.uniform(1, 24))
        if at > now:
            return
        authority, reference = _DECLARED_TO[item.queue]
        triage.declare(
            session,
            item_id=item.id,
            actor=worker,
            now=at,
            authority=authority,
            kind="initial",
            authority_reference=reference.format(rng.randint(100000, 999999)),
            declared_on=at.astimezone(intake.PARIS).date(),
        )
        outcome = "declared"
    else:
        outcome = "not_reportable"
    at += timedelta(days=rng.uniform(1, 10))
    if at < now and rng.random() < 0.6:
        triage.close(
            session,
            item_id=item.id,
            actor=worker,
            now=at,
            outcome=outcome,
            note="Dossier complet." if outcome == "declared" else "Non déclarable après évaluation.",
        )


def report_count(session: Session) -> int:
    return len(session.exec(select(Report.id)).all())
