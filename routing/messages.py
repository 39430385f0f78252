"""The engine's own wording, in French and English; the rules carry theirs in the rulebook."""

from collections.abc import Mapping

from routing.vocabulary import Category, EventKind, Queue

Text = Mapping[str, str]

CATEGORY_LABELS: dict[Category, Text] = {
    Category.LABILE_BLOOD_PRODUCT: {"fr": "produit sanguin labile (PSL)", "en": "labile blood product"},
    Category.BLOOD_DERIVED_MEDICINE: {"fr": "médicament dérivé du sang (MDS)", "en": "blood-derived medicine"},
    Category.TISSUE: {"fr": "tissu", "en": "tissue"},
    Category.CELL_THERAPY_PREPARATION: {
        "fr": "préparation de thérapie cellulaire (PTC)",
        "en": "cell therapy preparation",
    },
    Category.ORGAN: {"fr": "organe", "en": "organ"},
    Category.BREAST_MILK: {"fr": "lait maternel à usage thérapeutique", "en": "therapeutic breast milk"},
    Category.ATMP_GENE_THERAPY: {
        "fr": "médicament de thérapie innovante de thérapie génique",
        "en": "gene therapy medicinal product (ATMP)",
    },
    Category.ATMP_SOMATIC_CELL_THERAPY: {
        "fr": "médicament de thérapie innovante de thérapie cellulaire somatique",
        "en": "somatic cell therapy medicinal product (ATMP)",
    },
    Category.ATMP_TISSUE_ENGINEERED: {
        "fr": "médicament de thérapie innovante issu de l'ingénierie tissulaire",
        "en": "tissue-engineered product (ATMP)",
    },
    Category.ATMP_COMBINED: {
        "fr": "médicament de thérapie innovante combiné",
        "en": "combined advanced therapy medicinal product",
    },
    Category.MAGISTRAL_PREPARATION: {"fr": "préparation magistrale", "en": "magistral preparation"},
    Category.MEDICINE: {"fr": "médicament", "en": "medicine"},
    Category.MEDICAL_DEVICE: {"fr": "dispositif médical", "en": "medical device"},
    Category.UNCLASSIFIED: {"fr": "non qualifié", "en": "unclassified"},
}

QUEUE_LABELS: dict[Queue, Text] = {
    Queue.HAEMOVIGILANCE: {"fr": "hémovigilance", "en": "haemovigilance"},
    Queue.BIOVIGILANCE: {"fr": "biovigilance", "en": "biovigilance"},
    Queue.PHARMACOVIGILANCE: {"fr": "pharmacovigilance", "en": "pharmacovigilance"},
    Queue.MATERIOVIGILANCE: {"fr": "matériovigilance", "en": "materiovigilance"},
    Queue.QUALITY_DEFECT: {"fr": "défaut qualité", "en": "quality defect"},
    Queue.QUALIFICATION: {"fr": "qualification", "en": "qualification"},
}

EVENT_KIND_LABELS: dict[EventKind, Text] = {
    EventKind.RECIPIENT_ADVERSE_REACTION: {
        "fr": "effet indésirable chez un receveur",
        "en": "recipient adverse reaction",
    },
    EventKind.DONOR_ADVERSE_REACTION: {"fr": "effet indésirable chez un donneur", "en": "donor adverse reaction"},
    EventKind.INCIDENT: {"fr": "incident", "en": "incident"},
    EventKind.QUALITY_DEFECT: {"fr": "défaut qualité", "en": "quality defect"},
    EventKind.POST_DONATION_INFORMATION: {
        "fr": "information post-don",
        "en": "post-donation information",
    },
}

UNIT_LABELS: dict[str, Text] = {
    "hours": {"fr": "heures", "en": "hours"},
    "working_hours": {"fr": "heures ouvrables", "en": "working hours"},
    "working_days": {"fr": "jours ouvrables", "en": "working days"},
    "calendar_days": {"fr": "jours calendaires", "en": "calendar days"},
}

ANCHOR_LABELS: dict[str, Text] = {
    "occurred": {"fr": "de la survenue", "en": "from the event"},
    "detected": {"fr": "de la découverte", "en": "from its detection"},
    "received": {"fr": "de la réception du signalement", "en": "from receipt of the report"},
}

_TEMPLATES: dict[str, Text] = {
    "catalogue_match": {
        "fr": "Le nom « {name} » correspond à l'entrée « {label} » du catalogue (par « {alias} »).",
        "en": "The name “{name}” matches the catalogue entry “{label}” (through “{alias}”).",
    },
    "catalogue_category": {
        "fr": "Cette entrée est qualifiée {category} (source : {source}).",
        "en": "This entry is qualified as {category} (source: {source}).",
    },
    "qualified_by_person": {
        "fr": "Un correspondant a qualifié le produit : {category}.",
        "en": "A correspondent qualified the product: {category}.",
    },
    "status_unsettled": {
        "fr": "Le statut réglementaire de ce produit n'est pas tranché : {note}",
        "en": "This product's regulatory status is not settled: {note}",
    },
    "requalified": {
        "fr": "Le référentiel {rulebook} requalifie cette entrée en {category}.",
        "en": "Rulebook {rulebook} re-qualifies this entry as {category}.",
    },
    "ambiguous": {
        "fr": "Le nom « {name} » peut désigner des produits de catégories différentes ({candidates}) : "
        "le service ne choisit pas à votre place.",
        "en": "The name “{name}” may designate products of different categories ({candidates}): "
        "the service does not choose for you.",
    },
    "no_match": {
        "fr": "Le nom « {name} » ne correspond à aucune entrée du catalogue.",
        "en": "The name “{name}” matches no catalogue entry.",
    },
    "no_name": {
        "fr": "Aucun nom de produit n'a été donné.",
        "en": "No product name was given.",
    },
    "questionnaire_inconclusive": {
        "fr": "Les réponses au questionnaire ne suffisent pas à qualifier le produit.",
        "en": "The questionnaire answers are not enough to qualify the product.",
    },
    "needs_person": {
        "fr": "Une personne doit qualifier le produit : le signalement va dans la file de qualification.",
        "en": "A person must qualify the product: the report goes to the qualification queue.",
    },
    "answers_override_name": {
        "fr": "Les réponses au questionnaire priment sur le nom, qui évoquait « {label} » ({category}).",
        "en": "The questionnaire answers take precedence over the name, which suggested “{label}” ({category}).",
    },
    "no_route": {
        "fr": "Aucune règle ne route un(e) {event_kind} portant sur un(e) {category} : "
        "une personne doit orienter le signalement.",
        "en": "No rule routes a {event_kind} involving a {category}: a person must route the report.",
    },
    "routed": {
        "fr": "Files : {queues}.",
        "en": "Queues: {queues}.",
    },
    "no_rulebook": {
        "fr": "Aucun référentiel n'était en vigueur le {on} ; le plus ancien ({rulebook}) est appliqué.",
        "en": "No rulebook was in force on {on}; the earliest one ({rulebook}) is applied.",
    },
}


class Message(Mapping):
    """An engine message in every language, written out only when a language is asked for.

    A parameter may itself be a per-language mapping, or a tuple of them (written as a list);
    it is then filled in language by language.
    Deciding is hot and most decisions are read in one language, so formatting waits.
    """

    __slots__ = ("_key", "_params")

    def __init__(self, key: str, params: dict[str, object]):
        self._key = key
        self._params = params

    def __getitem__(self, language: str) -> str:
        template = _TEMPLATES[self._key][language]
        return template.format(**{k: _in(v, language) for k, v in self._params.items()})

    def __iter__(self):
        return iter(_TEMPLATES[self._key])

    def __len__(self) -> int:
        return len(_TEMPLATES[self._key])


def _in(value: object, language: str) -> object:
    if isinstance(value, Mapping):
        return value[language]
    if isinstance(value, tuple):  # a list of texts, written as one
        return ", ".join(str(_in(item, language)) for item in value)
    return value


def message(key: str, **params: object) -> Message:
    """The engine message *key* with *params* filled in, in whichever language is read."""
    if key not in _TEMPLATES:
        raise KeyError(key)
    return Message(key, params)


def in_language(text: Text, language: str) -> str:
    """Pick *language* from a bilingual text, falling back to French, the service's first language."""
    return text.get(language) or text["fr"]
