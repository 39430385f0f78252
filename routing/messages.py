"""The engine's own words, marked for the catalogues; the rules carry theirs in the rulebook (bilingual data).

French is the message id; the English is in ``translations/en/LC_MESSAGES/messages.po``. Nothing
is written out here: a :class:`~routing.wording.Wording` waits for a reader's language
(``vigilance.i18n.say``), so deciding, which is hot, formats nothing.
"""

from routing.vocabulary import Category, EventKind, Queue
from routing.wording import Wording, words

CATEGORY_LABELS: dict[Category, Wording] = {
    Category.LABILE_BLOOD_PRODUCT: words("produit sanguin labile (PSL)"),
    Category.BLOOD_DERIVED_MEDICINE: words("médicament dérivé du sang (MDS)"),
    Category.TISSUE: words("tissu"),
    Category.CELL_THERAPY_PREPARATION: words("préparation de thérapie cellulaire (PTC)"),
    Category.ORGAN: words("organe"),
    Category.BREAST_MILK: words("lait maternel à usage thérapeutique"),
    Category.ATMP_GENE_THERAPY: words("médicament de thérapie innovante de thérapie génique"),
    Category.ATMP_SOMATIC_CELL_THERAPY: words("médicament de thérapie innovante de thérapie cellulaire somatique"),
    Category.ATMP_TISSUE_ENGINEERED: words("médicament de thérapie innovante issu de l'ingénierie tissulaire"),
    Category.ATMP_COMBINED: words("médicament de thérapie innovante combiné"),
    Category.MAGISTRAL_PREPARATION: words("préparation magistrale"),
    Category.MEDICINE: words("médicament"),
    Category.MEDICAL_DEVICE: words("dispositif médical"),
    Category.GAMETES_EMBRYOS: words("gamètes, tissus germinaux et embryons (AMP)"),
    Category.IN_VITRO_DIAGNOSTIC: words("dispositif médical de diagnostic in vitro (DMDIV)"),
    Category.UNCLASSIFIED: words("non qualifié"),
}

QUEUE_LABELS: dict[Queue, Wording] = {
    Queue.HAEMOVIGILANCE: words("hémovigilance"),
    Queue.BIOVIGILANCE: words("biovigilance"),
    Queue.PHARMACOVIGILANCE: words("pharmacovigilance"),
    Queue.MATERIOVIGILANCE: words("matériovigilance"),
    Queue.QUALITY_DEFECT: words("défaut qualité"),
    Queue.AMP_VIGILANCE: words("AMP vigilance"),
    Queue.REACTOVIGILANCE: words("réactovigilance"),
    Queue.QUALIFICATION: words("qualification"),
}

EVENT_KIND_LABELS: dict[EventKind, Wording] = {
    EventKind.RECIPIENT_ADVERSE_REACTION: words("effet indésirable chez un receveur"),
    EventKind.DONOR_ADVERSE_REACTION: words("effet indésirable chez un donneur"),
    EventKind.INCIDENT: words("incident"),
    EventKind.QUALITY_DEFECT: words("défaut qualité"),
    EventKind.POST_DONATION_INFORMATION: words("information post-don"),
}

ANCHOR_LABELS: dict[str, Wording] = {
    "occurred": words("de la survenue"),
    "detected": words("de la découverte"),
    "received": words("de la réception du signalement"),
}

#: The steps of a decision the engine explains itself, by name.
_TEMPLATES: dict[str, Wording] = {
    "catalogue_match": words(
        "Le nom « %(name)s » correspond à l'entrée « %(label)s » du catalogue (par « %(alias)s »)."
    ),
    "catalogue_category": words("Cette entrée est qualifiée %(category)s (source : %(source)s)."),
    "qualified_by_person": words("Un correspondant a qualifié le produit : %(category)s."),
    "status_unsettled": words("Le statut réglementaire de ce produit n'est pas tranché : %(note)s"),
    "requalified": words("Le référentiel %(rulebook)s requalifie cette entrée en %(category)s."),
    "ambiguous": words(
        "Le nom « %(name)s » peut désigner des produits de catégories différentes (%(candidates)s) : "
        "le service ne choisit pas à votre place."
    ),
    "no_match": words("Le nom « %(name)s » ne correspond à aucune entrée du catalogue."),
    "no_name": words("Aucun nom de produit n'a été donné."),
    "questionnaire_inconclusive": words("Les réponses au questionnaire ne suffisent pas à qualifier le produit."),
    "needs_person": words("Une personne doit qualifier le produit : le signalement va dans la file de qualification."),
    "answers_override_name": words(
        "Les réponses au questionnaire priment sur le nom, qui évoquait « %(label)s » (%(category)s)."
    ),
    "no_route": words(
        "Aucune règle ne route un(e) %(event_kind)s portant sur un(e) %(category)s : "
        "une personne doit orienter le signalement."
    ),
    "routed": words("Files : %(queues)s."),
    "several_products": words("%(count)s produits sont en cause : chacun est qualifié et orienté."),
    "product_heading": words("Produit %(position)s : « %(name)s »."),
    "no_rulebook": words(
        "Aucun référentiel n'était en vigueur le %(on)s ; le plus ancien (%(rulebook)s) est appliqué."
    ),
}


def message(key: str, **params: object) -> Wording:
    """The engine's words for the step *key*, with *params* filled in when a language is asked for."""
    return Wording(_TEMPLATES[key].msgid, params)
