"""FEIR: «Fiche de déclaration d'effet indésirable survenu chez un receveur de PSL» (ANSM, e-FIT).

Official reference (READ S1): ANSM decision of 2 July 2020 fixing the form, the content and the
transmission of the FEIR; its annex II («forme et contenu») was not in the stored copies, nor the
Word FEIR of 04/12/2015. So the **section order below is a proposal** (INFERRED, as in
docs/declaration-forms.md §1.1): check it against the Word FEIR before rendering an official copy.
Each field says READ (with its source) or INFERRED.
"""

from vigilance.case_file.description import INFERRED, Field, Filler, Form, Kind, Section, choices
from vigilance.i18n import translatable as _

#: e-FIT's list of PSL types (INFERRED: the usual abbreviations, not read on the form).
PRODUCT_TYPES = choices(
    ("CGR", _("Concentré de globules rouges (CGR)")),
    ("CPA", _("Concentré de plaquettes d'aphérèse (CPA)")),
    ("MCP", _("Mélange de concentrés de plaquettes (MCP)")),
    ("PFC", _("Plasma frais congelé (PFC)")),
    ("GRA", _("Concentré de granulocytes")),
    ("other", _("Autre PSL")),
)

#: Signs (INFERRED list: signs named in La Revue du praticien, S22; e-FIT's own list NOT FOUND).
SIGNS = choices(
    ("fever", _("Fièvre")),
    ("chills", _("Frissons")),
    ("urticaria", _("Urticaire")),
    ("pruritus", _("Prurit")),
    ("hypotension", _("Hypotension")),
    ("shock", _("Choc")),
    ("dyspnoea", _("Dyspnée")),
    ("haemoglobinuria", _("Hémoglobinurie")),
    ("hypertension", _("Hypertension")),
    ("tachycardia", _("Tachycardie")),
    ("lumbar_pain", _("Douleurs lombaires")),
    ("nausea_vomiting", _("Nausées, vomissements")),
    ("other", _("Autre signe")),
)

#: «Orientation diagnostique». READ S7 for «Dyspnée non liée à un œdème pulmonaire», «Infection
#: virale», «Purpura post-transfusionnel», «Accident métabolique»; IBTT and TRALI READ S5;
#: hémosidérose READ S23. The rest INFERRED from domain.md §2.9, not confirmed as e-FIT labels.
DIAGNOSES = choices(
    ("allergy", _("Allergie")),
    ("abo_incompatibility", _("Incompatibilité immunologique ABO")),
    ("other_immunological_incompatibility", _("Incompatibilité immunologique autre")),
    ("bacterial_infection", _("Infection bactérienne transmise par transfusion (IBTT)")),
    ("viral_infection", _("Infection virale")),
    ("parasitic_infection", _("Infection parasitaire")),
    ("trali", _("Œdème pulmonaire lésionnel (TRALI)")),
    ("taco", _("Œdème pulmonaire de surcharge (TACO)")),
    ("dyspnoea_not_oedema", _("Dyspnée non liée à un œdème pulmonaire")),
    ("fnhtr", _("Réaction fébrile non hémolytique (RFNH)")),
    ("post_transfusion_purpura", _("Purpura post-transfusionnel")),
    ("metabolic", _("Accident métabolique")),
    ("haemosiderosis", _("Hémosidérose")),
    ("other_haemolysis", _("Hémolyse autre")),
    ("gvhd", _("Réaction du greffon contre l'hôte (GvH)")),
    ("hypotension", _("Hypotension")),
    ("unknown", _("Diagnostic inconnu")),
    ("other", _("Autre")),
)

#: Grades (READ S4, S22: «de 1 [non sévère] à 4 [décès]»; the wording of 2 and 3 INFERRED).
GRADES = choices(
    ("1", _("1 — non sévère")),
    ("2", _("2 — sévère")),
    ("3", _("3 — menace vitale immédiate")),
    ("4", _("4 — décès")),
)

#: Imputability (READ S4), as the haemovigilance scale of routing.scales.
IMPUTABILITY = choices(
    ("NE", _("NE — non évaluable")),
    ("0", _("0 — exclue / improbable")),
    ("1", _("1 — possible")),
    ("2", _("2 — probable")),
    ("3", _("3 — certaine")),
)

#: Outcome (INFERRED: «guérison / séquelles / décès / inconnue»).
OUTCOMES = choices(
    ("recovered", _("Guérison")),
    ("sequelae", _("Séquelles")),
    ("death", _("Décès")),
    ("unknown", _("Inconnue")),
)

#: «État de l'enquête» (READ S7 «enquête terminée»; full list domain.md §2.8), the codes of
#: routing.scales.INVESTIGATION_STATUSES.
INVESTIGATION = choices(
    ("completed", _("Terminée")),
    ("in_progress", _("En cours")),
    ("not_done", _("Non réalisée")),
    ("not_feasible", _("Non réalisable")),
)

FEIR = Form(
    id="feir",
    title=_("Fiche de déclaration d'effet indésirable receveur (FEIR)"),
    authority="ANSM (e-FIT)",
    reference="Décision ANSM du 02/07/2020 (FEIR), annexe II [READ S1; contenu INFERRED]",
    order_source=INFERRED,
    sequences=(("transfusion_started_at", "reaction_onset_at"), ("reaction_onset_at", "reaction_detected_at")),
    sections=(
        Section(
            "declaration",
            _("Identification de la déclaration"),
            (
                Field("feir_number", _("N° FEIR (attribué par e-FIT)"), Kind.TEXT, INFERRED, max_length=64),
                Field(
                    "declaration_kind",
                    _("Déclaration initiale ou mise à jour"),
                    Kind.CHOICE,
                    INFERRED,
                    choices=choices(("initial", _("Initiale")), ("update", _("Mise à jour"))),
                    needed=True,
                ),
                Field("flagged_urgent", _("Fiche signalée"), Kind.YES_NO, "READ S5"),
            ),
        ),
        Section(
            "establishments",
            _("Établissements"),
            (
                Field("care_unit", _("Service de l'établissement de santé"), Kind.TEXT, "READ S20", needed=True),
                Field("ets_site", _("ETS ou site ETS référent"), Kind.TEXT, "READ S20", needed=True),
            ),
        ),
        Section(
            "recipient",
            _("Receveur"),
            (
                Field(
                    "recipient_sex",
                    _("Sexe"),
                    Kind.CHOICE,
                    INFERRED,
                    choices=choices(("F", _("Féminin")), ("M", _("Masculin"))),
                    needed=True,
                ),
                # Pseudonymous: the year, never the date of birth (the form asks date or age: INFERRED).
                Field(
                    "recipient_birth_year",
                    _("Année de naissance"),
                    Kind.NUMBER,
                    INFERRED,
                    minimum=1900,
                    maximum=2100,
                    needed=True,
                    unless=("recipient_age",),
                ),
                Field("recipient_age", _("Âge"), Kind.NUMBER, INFERRED, unit="ans", minimum=0, maximum=130),
                Field(
                    "recipient_transfusion_history",
                    _("Antécédents transfusionnels"),
                    Kind.LONG_TEXT,
                    "READ S3c",
                    max_length=2000,
                ),
                Field("recipient_pregnancies", _("Grossesses"), Kind.NUMBER, "READ S3c", minimum=0, maximum=30),
            ),
        ),
        Section(
            "transfusion",
            _("Transfusion"),
            (
                Field(
                    "transfusion_started_at",
                    _("Date et heure de début de la transfusion"),
                    Kind.DATETIME,
                    INFERRED,
                    filled_by=Filler.REPORTER,
                    needed=True,
                ),
                Field(
                    "reaction_onset_at",
                    _("Date et heure d'apparition de l'effet indésirable"),
                    Kind.DATETIME,
                    "INFERRED; READ S29 «Date et heure du début»",
                    filled_by=Filler.REPORTER,
                    needed=True,
                ),
                Field(
                    "reaction_detected_at",
                    _("Date et heure du constat"),
                    Kind.DATETIME,
                    "READ S29",
                ),
                Field(
                    "reaction_timing",
                    _("Délai d'apparition"),
                    Kind.CHOICE,
                    "READ S3 (huit jours)",
                    choices=choices(
                        ("immediate", _("Immédiat (pendant la transfusion ou dans les 8 jours)")),
                        ("delayed", _("Retardé (au-delà de 8 jours)")),
                    ),
                ),
            ),
        ),
        Section(
            "units",
            _("Produits sanguins labiles en cause"),
            (
                Field(
                    "units",
                    _("Unités transfusées"),
                    Kind.GROUP,
                    "READ S19 (CSP R.1221-40)",
                    filled_by=Filler.REPORTER,
                    needed=True,
                    fields=(
                        Field(
                            "donation_number",
                            _("N° d'identification de l'unité (n° de don)"),
                            Kind.TEXT,
                            "READ S19 (R.1221-40 1°)",
                            filled_by=Filler.REPORTER,
                            needed=True,
                            max_length=64,
                            donation_number=True,
                        ),
                        Field(
                            "product_code",
                            _("Code produit"),
                            Kind.TEXT,
                            "READ S19 (R.1221-40 2°)",
                            filled_by=Filler.REPORTER,
                            needed=True,
                            max_length=32,
                        ),
                        Field("product_type", _("Type de PSL"), Kind.CHOICE, INFERRED, choices=PRODUCT_TYPES),
                        Field(
                            "transfused",
                            _("Unité transfusée"),
                            Kind.CHOICE,
                            INFERRED,
                            choices=choices(("fully", _("Totalement")), ("partly", _("Partiellement"))),
                        ),
                    ),
                ),
            ),
        ),
        Section(
            "signs",
            _("Signes cliniques et biologiques"),
            (
                Field(
                    "signs",
                    _("Signes"),
                    Kind.MULTI_CHOICE,
                    "INFERRED (signes lus S22 ; liste e-FIT non trouvée)",
                    filled_by=Filler.REPORTER,
                    choices=SIGNS,
                    needed=True,
                ),
                Field("signs_details", _("Précisions sur les signes"), Kind.LONG_TEXT, INFERRED, max_length=2000),
                # The report's description, as the clinician wrote it.
                Field(
                    "description",
                    _("Description de l'effet indésirable"),
                    Kind.LONG_TEXT,
                    INFERRED,
                    max_length=10_000,
                ),
            ),
        ),
        Section(
            "diagnosis",
            _("Diagnostic"),
            (
                Field(
                    "diagnosis",
                    _("Orientation diagnostique"),
                    Kind.CHOICE,
                    "READ S7 (en partie) ; liste INFERRED",
                    choices=DIAGNOSES,
                    needed=True,
                ),
            ),
        ),
        Section(
            "severity",
            _("Gravité"),
            (Field("severity_grade", _("Grade de sévérité"), Kind.CHOICE, "READ S4", choices=GRADES, needed=True),),
        ),
        Section(
            "imputability",
            _("Imputabilité"),
            (Field("imputability", _("Imputabilité"), Kind.CHOICE, "READ S4", choices=IMPUTABILITY, needed=True),),
        ),
        Section(
            "outcome",
            _("Évolution"),
            (Field("outcome", _("Évolution"), Kind.CHOICE, INFERRED, choices=OUTCOMES, needed=True),),
        ),
        Section(
            "investigation",
            _("Enquête"),
            (
                Field(
                    "investigation_status",
                    _("État de l'enquête"),
                    Kind.CHOICE,
                    "READ S7 (en partie)",
                    choices=INVESTIGATION,
                    needed=True,
                ),
                Field(
                    "investigations",
                    _("Examens réalisés et résultats"),
                    Kind.LONG_TEXT,
                    INFERRED,
                    max_length=5000,
                ),
            ),
        ),
        Section(
            "comments",
            _("Commentaires"),
            (Field("comments", _("Commentaires"), Kind.LONG_TEXT, "READ S5", max_length=5000),),
        ),
    ),
)
