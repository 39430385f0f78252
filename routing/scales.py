"""The assessment vocabularies each vigilance system uses: imputability scales and type lists.

Data, versioned by identifier: an assessment stores the scale it was made on, so that a later
scale never reinterprets an earlier assessment (domain.md §2.7, §11).
"""

from dataclasses import dataclass

from routing.vocabulary import Queue
from routing.wording import Wording, words


@dataclass(frozen=True)
class Scale:
    id: str
    levels: tuple[str, ...]
    source: str


HAEMOVIGILANCE_IMPUTABILITY = Scale(
    "ansm-hv-imputability-2020",
    ("NE", "0", "1", "2", "3"),
    "ANSM, décision FEIR du 2 juillet 2020 (NE non évaluable, 0 exclue/improbable, 1 possible, 2 probable, 3 certaine)",
)
EU_SOHO_IMPUTABILITY = Scale(
    "eu-tissues-cells-imputability",
    ("NA", "0", "1", "2", "3"),
    "Directive 2006/86/CE annexe II (NA non évaluable, 0 exclue, 1 possible, 2 probable, 3 certaine); "
    "échelle de l'ABM non confirmée",
)
WHO_UMC = Scale(
    "who-umc-2013",
    ("certain", "probable", "possible", "unlikely", "conditional", "unassessable"),
    "WHO-UMC system for standardised case causality assessment",
)
DEVICE_RELATEDNESS = Scale(
    "mdcg-2023-3-relatedness",
    ("causal", "probable", "possible", "not_related"),
    "MDCG 2023-3 (relation entre l'incident et le dispositif)",
)
NOT_APPLICABLE = Scale("not-applicable", (), "Pas d'imputabilité pour cette file")

IMPUTABILITY_SCALES: dict[Queue, Scale] = {
    Queue.HAEMOVIGILANCE: HAEMOVIGILANCE_IMPUTABILITY,
    Queue.BIOVIGILANCE: EU_SOHO_IMPUTABILITY,
    Queue.PHARMACOVIGILANCE: WHO_UMC,
    Queue.MATERIOVIGILANCE: DEVICE_RELATEDNESS,
    Queue.QUALITY_DEFECT: NOT_APPLICABLE,
    # Reproductive cells fall under the tissues and cells directives (2004/23/EC, 2006/86/EC),
    # whose imputability scale AMP vigilance shares with biovigilance.
    Queue.AMP_VIGILANCE: EU_SOHO_IMPUTABILITY,
    # An in vitro diagnostic device is assessed, like any device, on its relation to the incident.
    Queue.REACTOVIGILANCE: DEVICE_RELATEDNESS,
    Queue.QUALIFICATION: NOT_APPLICABLE,
}

#: Reaction or incident types per queue (domain.md §2.9, §3.4, §6).
REACTION_TYPES: dict[Queue, tuple[str, ...]] = {
    Queue.HAEMOVIGILANCE: (
        "abo_incompatibility",
        "other_alloimmune_haemolysis",
        "non_immune_haemolysis",
        "bacterial_infection",
        "anaphylaxis_allergy",
        "trali",
        "taco",
        "fnhtr",
        "viral_infection",
        "parasitic_infection",
        "post_transfusion_purpura",
        "gvhd",
        "hypotension",
        "donor_vasovagal",
        "donor_haematoma",
        "identification_error",
        "wrong_product",
        "delayed_transfusion",
        "storage_transport",
        "other",
    ),
    Queue.BIOVIGILANCE: (
        "infection_transmission",
        "malignancy_transmission",
        "graft_failure",
        "immunological_reaction",
        "product_loss",
        "quality_safety_defect",
        "donor_reaction",
        "other",
    ),
    Queue.PHARMACOVIGILANCE: (
        "cytokine_release_syndrome",
        "neurotoxicity",
        "cytopenia",
        "infection",
        "hypersensitivity",
        "thrombosis",
        "hepatotoxicity",
        "inhibitor_development",
        "medication_error",
        "other",
    ),
    Queue.MATERIOVIGILANCE: ("device_malfunction", "use_error", "labelling", "other"),
    Queue.QUALITY_DEFECT: ("contamination", "particles", "labelling", "packaging", "stability", "other"),
    # CSP R.2142-41: losses, attribution errors, quality or safety defects; the reactions seen most.
    Queue.AMP_VIGILANCE: (
        "ovarian_hyperstimulation",
        "retrieval_complication",
        "attribution_error",
        "product_loss",
        "quality_safety_defect",
        "infection_transmission",
        "donor_reaction",
        "other",
    ),
    # CSP R.5222-2 1°: failure or alteration of characteristics or performance, labelling.
    Queue.REACTOVIGILANCE: ("false_result", "device_malfunction", "labelling", "use_error", "other"),
    Queue.QUALIFICATION: (),
}

#: ICH E2B E.i.3.2 seriousness criteria.
SERIOUSNESS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "medically_important",
)
#: ANSM "état de l'enquête".
INVESTIGATION_STATUSES = ("completed", "in_progress", "not_done", "not_feasible")
#: How an item may end.
OUTCOMES = ("declared", "not_reportable", "duplicate", "transferred", "information_only")
AUTHORITIES = ("ANSM", "ABM", "CRPV", "EFS", "manufacturer")

#: What each level means, so that figures read "2 (probable)" rather than "2".
_GRADED = {
    "0": words("exclue ou improbable"),
    "1": words("possible"),
    "2": words("probable"),
    "3": words("certaine"),
}
LEVEL_MEANINGS: dict[str, dict[str, Wording]] = {
    HAEMOVIGILANCE_IMPUTABILITY.id: {"NE": words("non évaluable"), **_GRADED},
    EU_SOHO_IMPUTABILITY.id: {
        "NA": words("non évaluable"),
        **_GRADED,
        "0": words("exclue"),
    },
    WHO_UMC.id: {
        "certain": words("certaine"),
        "probable": words("probable"),
        "possible": words("possible"),
        "unlikely": words("improbable"),
        "conditional": words("conditionnelle"),
        "unassessable": words("non évaluable"),
    },
    DEVICE_RELATEDNESS.id: {
        "causal": words("lien établi"),
        "probable": words("lien probable"),
        "possible": words("lien possible"),
        "not_related": words("sans lien"),
    },
}


def imputability_label(queue: Queue | str, level: str) -> Wording | str:
    """A level of the queue's scale as people read it: "2 (probable)", "possible" (a level no scale
    explains, as it is stored)."""
    meaning = LEVEL_MEANINGS.get(IMPUTABILITY_SCALES[Queue(queue)].id, {}).get(level)
    if meaning is None:
        return level
    # Word levels ("possible") say it themselves; codes ("2", "NE") are explained.
    return meaning if level.islower() else words("%(level)s (%(meaning)s)", level=level, meaning=meaning)


#: How each term of the lists above reads (the codes are what is stored and sent).
TERM_LABELS: dict[str, Wording] = dict(
    # Haemovigilance (ANSM FEIR diagnoses, donor reactions, incidents of the transfusion chain).
    abo_incompatibility=words("incompatibilité ABO"),
    other_alloimmune_haemolysis=words("autre hémolyse immunologique"),
    non_immune_haemolysis=words("hémolyse non immunologique"),
    bacterial_infection=words("infection bactérienne transmise"),
    anaphylaxis_allergy=words("allergie, anaphylaxie"),
    trali=words("TRALI (œdème pulmonaire lésionnel)"),
    taco=words("TACO (œdème pulmonaire de surcharge)"),
    fnhtr=words("réaction fébrile non hémolytique"),
    viral_infection=words("infection virale transmise"),
    parasitic_infection=words("infection parasitaire transmise"),
    post_transfusion_purpura=words("purpura post-transfusionnel"),
    gvhd=words("réaction du greffon contre l'hôte"),
    hypotension=words("hypotension"),
    donor_vasovagal=words("malaise vagal du donneur"),
    donor_haematoma=words("hématome du donneur"),
    identification_error=words("erreur d'identification"),
    wrong_product=words("produit inadapté transfusé"),
    delayed_transfusion=words("retard de transfusion"),
    storage_transport=words("défaut de conservation ou de transport"),
    # Biovigilance (serious adverse reactions and events, tissues, cells, organs).
    infection_transmission=words("transmission d'une infection"),
    malignancy_transmission=words("transmission d'une maladie maligne"),
    graft_failure=words("échec ou perte du greffon"),
    immunological_reaction=words("réaction immunologique"),
    product_loss=words("perte de produit"),
    quality_safety_defect=words("défaut de qualité ou de sécurité"),
    donor_reaction=words("réaction chez le donneur"),
    # Pharmacovigilance (ATMPs, blood-derived medicines).
    cytokine_release_syndrome=words("syndrome de relargage cytokinique"),
    neurotoxicity=words("neurotoxicité (ICANS)"),
    cytopenia=words("cytopénie"),
    infection=words("infection"),
    hypersensitivity=words("hypersensibilité"),
    thrombosis=words("thrombose"),
    hepatotoxicity=words("hépatotoxicité"),
    inhibitor_development=words("apparition d'un inhibiteur"),
    medication_error=words("erreur médicamenteuse"),
    # AMP vigilance (CSP R.2142-41).
    ovarian_hyperstimulation=words("syndrome d'hyperstimulation ovarienne"),
    retrieval_complication=words("complication du prélèvement ovocytaire"),
    attribution_error=words("erreur d'attribution"),
    # Réactovigilance (CSP R.5222-2).
    false_result=words("résultat faussement positif ou négatif"),
    # Materiovigilance and quality defects.
    device_malfunction=words("dysfonctionnement du dispositif"),
    use_error=words("erreur d'utilisation"),
    labelling=words("étiquetage"),
    contamination=words("contamination"),
    particles=words("particules"),
    packaging=words("conditionnement"),
    stability=words("stabilité"),
    other=words("autre"),
    # Seriousness criteria (ICH E2B).
    death=words("décès"),
    life_threatening=words("mise en jeu du pronostic vital"),
    hospitalisation=words("hospitalisation ou sa prolongation"),
    disability=words("invalidité ou incapacité"),
    congenital_anomaly=words("anomalie ou malformation congénitale"),
    medically_important=words("médicalement significatif"),
    # Investigation.
    completed=words("terminée"),
    in_progress=words("en cours"),
    not_done=words("non réalisée"),
    not_feasible=words("non réalisable"),
    # Declarations.
    initial=words("initiale"),
    follow_up=words("de suivi"),
    manufacturer=words("fabricant"),
)


def term_label(term: str) -> Wording | str:
    """A term of these lists as people read it; an unknown term (an authority's name) as it is."""
    return TERM_LABELS.get(term, term)
