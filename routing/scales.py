"""The assessment vocabularies each vigilance system uses: imputability scales and type lists.

Data, versioned by identifier: an assessment stores the scale it was made on, so that a later
scale never reinterprets an earlier assessment (domain.md §2.7, §11).
"""

from dataclasses import dataclass

from routing.vocabulary import Queue


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
    "0": {"fr": "exclue ou improbable", "en": "excluded or unlikely"},
    "1": {"fr": "possible", "en": "possible"},
    "2": {"fr": "probable", "en": "probable"},
    "3": {"fr": "certaine", "en": "certain"},
}
LEVEL_MEANINGS: dict[str, dict[str, dict[str, str]]] = {
    HAEMOVIGILANCE_IMPUTABILITY.id: {"NE": {"fr": "non évaluable", "en": "not assessable"}, **_GRADED},
    EU_SOHO_IMPUTABILITY.id: {
        "NA": {"fr": "non évaluable", "en": "not assessable"},
        **_GRADED,
        "0": {"fr": "exclue", "en": "excluded"},
    },
    WHO_UMC.id: {
        "certain": {"fr": "certaine", "en": "certain"},
        "probable": {"fr": "probable", "en": "probable"},
        "possible": {"fr": "possible", "en": "possible"},
        "unlikely": {"fr": "improbable", "en": "unlikely"},
        "conditional": {"fr": "conditionnelle", "en": "conditional"},
        "unassessable": {"fr": "non évaluable", "en": "unassessable"},
    },
    DEVICE_RELATEDNESS.id: {
        "causal": {"fr": "lien établi", "en": "causal relationship"},
        "probable": {"fr": "lien probable", "en": "probable"},
        "possible": {"fr": "lien possible", "en": "possible"},
        "not_related": {"fr": "sans lien", "en": "not related"},
    },
}


def imputability_label(queue: Queue | str, level: str, language: str) -> str:
    """A level of the queue's scale as people read it: "2 (probable)", "possible"."""
    meanings = LEVEL_MEANINGS.get(IMPUTABILITY_SCALES[Queue(queue)].id, {})
    meaning = meanings.get(level, {}).get(language)
    if meaning is None:
        return level
    # Word levels ("possible") say it themselves; codes ("2", "NE") are explained.
    return meaning if level.islower() else f"{level} ({meaning})"


def _words(**pairs: tuple[str, str]) -> dict[str, dict[str, str]]:
    return {term: {"fr": fr, "en": en} for term, (fr, en) in pairs.items()}


#: How each term of the lists above reads (the codes are what is stored and sent).
TERM_LABELS: dict[str, dict[str, str]] = _words(
    # Haemovigilance (ANSM FEIR diagnoses, donor reactions, incidents of the transfusion chain).
    abo_incompatibility=("incompatibilité ABO", "ABO incompatibility"),
    other_alloimmune_haemolysis=("autre hémolyse immunologique", "other alloimmune haemolysis"),
    non_immune_haemolysis=("hémolyse non immunologique", "non-immune haemolysis"),
    bacterial_infection=("infection bactérienne transmise", "transmitted bacterial infection"),
    anaphylaxis_allergy=("allergie, anaphylaxie", "allergy, anaphylaxis"),
    trali=("TRALI (œdème pulmonaire lésionnel)", "TRALI (transfusion-related acute lung injury)"),
    taco=("TACO (œdème pulmonaire de surcharge)", "TACO (transfusion-associated circulatory overload)"),
    fnhtr=("réaction fébrile non hémolytique", "febrile non-haemolytic reaction"),
    viral_infection=("infection virale transmise", "transmitted viral infection"),
    parasitic_infection=("infection parasitaire transmise", "transmitted parasitic infection"),
    post_transfusion_purpura=("purpura post-transfusionnel", "post-transfusion purpura"),
    gvhd=("réaction du greffon contre l'hôte", "graft-versus-host disease"),
    hypotension=("hypotension", "hypotension"),
    donor_vasovagal=("malaise vagal du donneur", "donor vasovagal reaction"),
    donor_haematoma=("hématome du donneur", "donor haematoma"),
    identification_error=("erreur d'identification", "identification error"),
    wrong_product=("produit inadapté transfusé", "wrong product transfused"),
    delayed_transfusion=("retard de transfusion", "delayed transfusion"),
    storage_transport=("défaut de conservation ou de transport", "storage or transport failure"),
    # Biovigilance (serious adverse reactions and events, tissues, cells, organs).
    infection_transmission=("transmission d'une infection", "transmission of an infection"),
    malignancy_transmission=("transmission d'une maladie maligne", "transmission of a malignancy"),
    graft_failure=("échec ou perte du greffon", "graft failure or loss"),
    immunological_reaction=("réaction immunologique", "immunological reaction"),
    product_loss=("perte de produit", "loss of product"),
    quality_safety_defect=("défaut de qualité ou de sécurité", "quality or safety defect"),
    donor_reaction=("réaction chez le donneur", "donor reaction"),
    # Pharmacovigilance (ATMPs, blood-derived medicines).
    cytokine_release_syndrome=("syndrome de relargage cytokinique", "cytokine release syndrome"),
    neurotoxicity=("neurotoxicité (ICANS)", "neurotoxicity (ICANS)"),
    cytopenia=("cytopénie", "cytopenia"),
    infection=("infection", "infection"),
    hypersensitivity=("hypersensibilité", "hypersensitivity"),
    thrombosis=("thrombose", "thrombosis"),
    hepatotoxicity=("hépatotoxicité", "hepatotoxicity"),
    inhibitor_development=("apparition d'un inhibiteur", "inhibitor development"),
    medication_error=("erreur médicamenteuse", "medication error"),
    # Materiovigilance and quality defects.
    device_malfunction=("dysfonctionnement du dispositif", "device malfunction"),
    use_error=("erreur d'utilisation", "use error"),
    labelling=("étiquetage", "labelling"),
    contamination=("contamination", "contamination"),
    particles=("particules", "particles"),
    packaging=("conditionnement", "packaging"),
    stability=("stabilité", "stability"),
    other=("autre", "other"),
    # Seriousness criteria (ICH E2B).
    death=("décès", "death"),
    life_threatening=("mise en jeu du pronostic vital", "life-threatening"),
    hospitalisation=("hospitalisation ou sa prolongation", "hospitalisation or its prolongation"),
    disability=("invalidité ou incapacité", "disability or incapacity"),
    congenital_anomaly=("anomalie ou malformation congénitale", "congenital anomaly or birth defect"),
    medically_important=("médicalement significatif", "medically important"),
    # Investigation.
    completed=("terminée", "completed"),
    in_progress=("en cours", "in progress"),
    not_done=("non réalisée", "not done"),
    not_feasible=("non réalisable", "not feasible"),
    # Declarations.
    initial=("initiale", "initial"),
    follow_up=("de suivi", "follow-up"),
    manufacturer=("fabricant", "manufacturer"),
)


def term_label(term: str, language: str) -> str:
    """A term of these lists as people read it; an unknown term (an authority's name) as it is."""
    return TERM_LABELS.get(term, {}).get(language, term)
