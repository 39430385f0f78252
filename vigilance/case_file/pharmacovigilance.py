"""Cerfa n° 10011: «Déclaration d'effet indésirable susceptible d'être dû à un médicament» (CRPV).

Page 1 is READ on cerfa 10011*07 (S17, *06 S18), in the form's order and wording. Page 2
(«Effet», «Gravité», «Évolution», arrêt et réintroduction) is read only through a third-party
reproduction (S21) and a CRPV's online form (S26): its fidelity is INFERRED. See
docs/declaration-forms.md §3.1.

Pseudonymous: the patient is initials, sex, birth year or age, weight and height; never a name,
a date of birth or a NIR (every text is checked for one, as the report's are).
"""

from vigilance.case_file.description import INFERRED, READ, Field, Filler, Form, Kind, Section, choices
from vigilance.i18n import translatable as _

S17 = "READ S17"
#: Page 2, read through S21 / S26 only.
PAGE_2 = "INFERRED (S21, S26)"

#: «Sans information / Non / Oui» (S21, S26).
TRI = choices(("unknown", _("Sans information")), ("no", _("Non")), ("yes", _("Oui")))

MEDICINES = Field(
    "medicines",
    _("Médicaments"),
    Kind.GROUP,
    S17,
    filled_by=Filler.REPORTER,
    needed=True,
    max_rows=20,
    fields=(
        # The report's products (prefilled): the clinician named them already.
        Field("name", _("Médicament"), Kind.TEXT, S17, needed=True, max_length=500),
        # G.k.1 of E2B; the cerfa lists the medicines without saying which are suspected: INFERRED.
        Field(
            "role",
            _("Rôle"),
            Kind.CHOICE,
            "INFERRED (E2B G.k.1)",
            choices=choices(
                ("suspect", _("Suspect")),
                ("concomitant", _("Concomitant")),
                ("interacting", _("Interaction")),
            ),
            needed=True,
        ),
        Field("route", _("Voie d'administration"), Kind.TEXT, S17, filled_by=Filler.REPORTER, max_length=120),
        Field("dose", _("Posologie"), Kind.TEXT, S17, filled_by=Filler.REPORTER, max_length=200),
        Field("started_on", _("Début d'utilisation"), Kind.DATE, S17, filled_by=Filler.REPORTER),
        Field("ended_on", _("Fin d'utilisation"), Kind.DATE, S17),
        Field(
            "indication",
            _("Indication"),
            Kind.TEXT,
            S17,
            max_length=500,
            help=_("Préciser si ATU ou RTU le cas échéant"),
        ),
        # The report's lot number, on the first medicine (prefilled).
        Field("lot_number", _("Numéro de lot"), Kind.TEXT, S17, max_length=64),
    ),
)

REACTIONS = Field(
    "reactions",
    _("Effet"),
    Kind.GROUP,
    PAGE_2,
    needed=True,
    max_rows=20,
    fields=(
        # As long as a report's description, which it starts from.
        Field("description", _("Description"), Kind.LONG_TEXT, PAGE_2, needed=True, max_length=10_000),
        Field("started_on", _("Date de survenue"), Kind.DATE, PAGE_2, needed=True),
        Field("duration", _("Durée de l'effet"), Kind.TEXT, PAGE_2, max_length=100),
    ),
)

#: «Gravité»: the first four READ through S21; the others (R.5121-152, E2B E.i.3.2) INFERRED on the
#: cerfa. The codes are routing.scales.SERIOUSNESS_CRITERIA's.
SERIOUSNESS = choices(
    ("hospitalisation", _("Hospitalisation ou prolongation d'hospitalisation")),
    ("disability", _("Invalidité ou incapacité permanente")),
    ("life_threatening", _("Mise en jeu du pronostic vital")),
    ("death", _("Décès")),
    ("congenital_anomaly", _("Anomalie congénitale")),
    ("medically_important", _("Autre situation médicale grave")),
)

#: «Évolution» (S21; the same list in several independent apps, S21b).
OUTCOMES = choices(
    ("recovered", _("Guérison sans séquelles")),
    ("recovered_with_sequelae", _("Guérison avec séquelles")),
    ("death_due_to_reaction", _("Décès dû à l'effet")),
    ("death_contributed", _("Décès auquel l'effet a contribué")),
    ("death_unrelated", _("Décès sans rapport avec l'effet")),
    ("not_recovered", _("Sujet non encore rétabli")),
    ("unknown", _("Inconnue")),
)

CERFA_10011 = Form(
    id="cerfa_10011",
    title=_("Déclaration d'effet indésirable susceptible d'être dû à un médicament (cerfa n° 10011)"),
    authority="CRPV (ANSM)",
    reference="Cerfa n° 10011*07 [READ S17 page 1 ; page 2 INFERRED S21]",
    order_source="READ S17 (page 1) ; INFERRED (page 2)",
    sequences=(("medicines.started_on", "medicines.ended_on"),),
    sections=(
        Section(
            "declarant",
            _("Déclarant"),
            (
                Field(
                    "crpv_department",
                    _("Saisir les deux chiffres du département (ex : 01)"),
                    Kind.TEXT,
                    S17,
                    max_length=3,
                    needed=True,
                ),
                Field(
                    "reporter_identification",
                    _("Identification du professionnel de santé et coordonnées (code postal)"),
                    Kind.LONG_TEXT,
                    S17,
                    max_length=1000,
                    needed=True,
                ),
            ),
            source=S17,
        ),
        Section(
            "patient",
            _("Patient traité"),
            (
                # «Nom (3 premières lettres)» and «Prénom (première lettre)»: kept as initials (READ S17).
                Field(
                    "patient_initials",
                    _("Initiales (3 premières lettres du nom, première lettre du prénom)"),
                    Kind.TEXT,
                    S17,
                    initials=True,
                    max_length=4,
                    needed=True,
                ),
                Field(
                    "patient_sex",
                    _("Sexe"),
                    Kind.CHOICE,
                    S17,
                    choices=choices(("F", _("F")), ("M", _("M"))),
                    needed=True,
                ),
                Field("patient_weight_kg", _("Poids"), Kind.NUMBER, S17, unit="kg", minimum=0, maximum=500),
                Field("patient_height_m", _("Taille"), Kind.NUMBER, S17, unit="m", minimum=0, maximum=3),
                # «Date de Naissance … Ou Age»: the year only (pseudonymous).
                Field(
                    "patient_birth_year",
                    _("Année de naissance"),
                    Kind.NUMBER,
                    S17,
                    minimum=1900,
                    maximum=2100,
                    needed=True,
                    unless=("patient_age",),
                ),
                Field("patient_age", _("Âge"), Kind.NUMBER, S17, unit="ans", minimum=0, maximum=130),
            ),
            source=S17,
        ),
        Section(
            "newborn",
            _("Si la déclaration concerne un nouveau-né, les médicaments ont été reçus"),
            (
                Field(
                    "newborn_exposure",
                    _("Exposition"),
                    Kind.MULTI_CHOICE,
                    S17,
                    choices=choices(
                        ("direct", _("par le nouveau-né directement")),
                        ("breastfeeding", _("via l'allaitement")),
                        ("pregnancy", _("par la mère durant la grossesse")),
                        ("father", _("par le père")),
                    ),
                ),
                Field("pregnancy_trimesters", _("Trimestre(s) de grossesse"), Kind.TEXT, S17, max_length=20),
                Field("last_menstrual_period", _("Date des dernières règles"), Kind.DATE, S17),
            ),
            source=S17,
        ),
        Section(
            "history",
            _("Antécédents du patient / Facteurs ayant pu favoriser la survenue de l'effet indésirable"),
            (Field("medical_history", _("Antécédents"), Kind.LONG_TEXT, S17, max_length=5000),),
            source=S17,
        ),
        Section("medicines", _("Médicaments"), (MEDICINES,), source=S17),
        Section(
            "administration",
            _("Administration"),
            (
                Field(
                    "biological_lot_numbers",
                    _("En cas d'administration de médicament(s) biologique(s), indiquer leurs numéros de lot"),
                    Kind.TEXT,
                    S17,
                    max_length=500,
                ),
                Field(
                    "administering_department",
                    _("Service hospitalier dans lequel le produit a été administré"),
                    Kind.TEXT,
                    S17,
                    max_length=200,
                ),
                Field("dispensing_pharmacy", _("Pharmacie qui a délivré le produit"), Kind.TEXT, S17, max_length=200),
                Field(
                    "associated_labile_blood_products",
                    _("Produits sanguins labiles associés : dénominations et numéros de lot"),
                    Kind.TEXT,
                    S17,
                    max_length=500,
                ),
                Field("haemovigilance_declared", _("Déclaration d'hémovigilance"), Kind.YES_NO, INFERRED),
            ),
            source=S17,
        ),
        Section(
            "circumstances",
            _("Conditions de survenue de l'effet indésirable"),
            (
                Field(
                    "circumstances",
                    _("Conditions de survenue"),
                    Kind.MULTI_CHOICE,
                    "READ S18",
                    choices=choices(
                        ("normal_use", _("Conditions normales d'utilisation")),
                        ("medication_error", _("Erreur médicamenteuse")),
                        ("overdose", _("Surdosage")),
                        ("misuse", _("Mésusage")),
                    ),
                ),
                Field("circumstances_details", _("Précisions"), Kind.TEXT, "READ S18", max_length=500),
            ),
            source="READ S18",
        ),
        Section("reactions", _("Effet"), (REACTIONS,), source=PAGE_2),
        Section(
            "dechallenge",
            _("Arrêt et réintroduction"),
            (
                Field("drug_stopped", _("Un ou des produits ont été arrêtés ?"), Kind.CHOICE, PAGE_2, choices=TRI),
                Field(
                    "disappeared_after_stop",
                    _("Disparition de la réaction après arrêt"),
                    Kind.CHOICE,
                    PAGE_2,
                    choices=TRI,
                ),
                Field(
                    "drug_reintroduced",
                    _("Un ou des produits ont été réintroduits ?"),
                    Kind.CHOICE,
                    PAGE_2,
                    choices=TRI,
                ),
                Field(
                    "recurred_after_reintroduction",
                    _("Réapparition de la réaction après réintroduction"),
                    Kind.CHOICE,
                    PAGE_2,
                    choices=TRI,
                ),
            ),
            source=PAGE_2,
        ),
        Section(
            "seriousness",
            _("Gravité"),
            (
                Field("serious", _("Effet grave"), Kind.YES_NO, PAGE_2, needed=True),
                Field(
                    "seriousness_criteria",
                    _("Critères de gravité"),
                    Kind.MULTI_CHOICE,
                    "READ S21 (4 premiers) ; INFERRED (autres)",
                    choices=SERIOUSNESS,
                ),
            ),
            source=PAGE_2,
        ),
        Section(
            "outcome",
            _("Évolution"),
            (Field("outcome", _("Évolution"), Kind.CHOICE, "READ S21, S21b", choices=OUTCOMES, needed=True),),
            source=PAGE_2,
        ),
    ),
    notes=(
        _(
            "Contenu minimum d'une déclaration : une source identifiable, un patient identifiable, "
            "le nom du produit suspecté et son numéro de lot, la nature de l'effet indésirable."
        ),
    ),
)

__all__ = ["CERFA_10011", "READ"]
