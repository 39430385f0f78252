"""Biovigilance: the declaration form's five parts (organs, tissues, cells, breast milk).

The current form of the Agence de la biomédecine was NOT FOUND in the stored copies. What is
described here is the ANSM-era «Fiche de BIOVIGILANCE» (S14) and its «Guide de remplissage»
(S16): the five parts and their order are READ (S16); parts 1 to 3 are partly READ (S14);
parts 4 and 5 are INFERRED (with items of the EU initial report, arrêté du 4 avril 2014, S29).
See docs/declaration-forms.md §2. Donors and recipients are pseudonymous: an identification
number, a sex and a birth year, never a name or a date of birth (the form asks the date: INFERRED
departure).
"""

from vigilance.case_file.description import INFERRED, Field, Form, Kind, Section, choices
from vigilance.case_file.pharmacovigilance import SERIOUSNESS
from vigilance.i18n import translatable as _

S14 = "READ S14"
SEX = choices(("F", _("Féminin")), ("M", _("Masculin")))

BIOVIGILANCE = Form(
    id="biovigilance",
    title=_("Fiche de déclaration de biovigilance"),
    authority="Agence de la biomédecine",
    reference="Fiche de biovigilance (modèle ANSM, décision du 16/01/2004) [READ S14, S16] ; formulaire ABM NOT FOUND",
    order_source="READ S16",
    sequences=(
        ("procurement_from", "procurement_to"),
        ("recipients.graft_from", "recipients.graft_to"),
        ("event_started_at", "event_detected_at"),
    ),
    sections=(
        Section(
            "reporter",
            _("1. Signalant et déclarant"),
            (
                Field(
                    "product_categories",
                    _("Type de produit"),
                    Kind.MULTI_CHOICE,
                    S14,
                    choices=choices(
                        ("organ", _("Organe")),
                        ("tissue", _("Tissu")),
                        ("cells", _("Cellules")),
                        ("milk", _("Lait")),
                        ("pta", _("Produit thérapeutique annexe (PTA)")),
                    ),
                    needed=True,
                ),
                Field("reporter_name", _("Identité du signalant (nom, prénom)"), Kind.TEXT, S14, max_length=200),
                Field("reporter_role", _("Qualité du signalant"), Kind.TEXT, S14, max_length=120, needed=True),
                Field("reporter_contact", _("Coordonnées du signalant"), Kind.LONG_TEXT, S14, max_length=1000),
                Field("clb_name", _("Identité du correspondant local de biovigilance"), Kind.TEXT, S14, max_length=200),
                Field("clb_contact", _("Coordonnées du correspondant local"), Kind.LONG_TEXT, S14, max_length=1000),
                Field("declaration_date", _("Date de la déclaration"), Kind.DATE, S14, needed=True),
                Field("internal_reference", _("Numéro de référence interne"), Kind.TEXT, S14, max_length=64),
                Field(
                    "declaration_kind",
                    _("Déclaration initiale ou suivi"),
                    Kind.CHOICE,
                    S14,
                    choices=choices(("initial", _("Déclaration initiale")), ("follow_up", _("Suivi de déclaration"))),
                    needed=True,
                ),
                Field("bv_number", _("N° BV (suivi)"), Kind.TEXT, S14, max_length=64),
            ),
            source=S14,
        ),
        Section(
            "products",
            _("2. Produit(s) concerné(s)"),
            (
                Field(
                    "donation_type",
                    _("Type de don ou de prélèvement"),
                    Kind.CHOICE,
                    S14,
                    choices=choices(
                        ("allogeneic", _("Allogénique")),
                        ("autologous", _("Autologue")),
                        ("directed", _("Personnalisé ou intrafamilial")),
                    ),
                    needed=True,
                ),
                Field(
                    "products",
                    _("Produits"),
                    Kind.GROUP,
                    S14,
                    needed=True,
                    fields=(
                        Field(
                            "nature",
                            _(
                                "Nature du produit biologique et numéro d'identification ou nom du PTA, "
                                "fabricant et numéro de lot"
                            ),
                            Kind.TEXT,
                            S14,
                            needed=True,
                            max_length=500,
                        ),
                        Field("preparation_site", _("Site de préparation"), Kind.TEXT, S14, max_length=200),
                    ),
                ),
                Field(
                    "import_export",
                    _("Produit biologique importé ou exporté"),
                    Kind.MULTI_CHOICE,
                    S14,
                    choices=choices(("imported", _("Importé")), ("exported", _("Exporté"))),
                ),
                Field("import_export_origin", _("Origine / destination"), Kind.TEXT, S14, max_length=200),
                Field("import_export_date", _("Date de l'import / export"), Kind.DATE, S14),
            ),
            source=S14,
        ),
        Section(
            "people",
            _("3. Donneur et receveur(s) impliqués (ou potentiellement impliqués)"),
            (
                # SME / DDAC / PPM expansions: INFERRED (S14 prints the abbreviations).
                Field(
                    "donor_status",
                    _("Statut du donneur"),
                    Kind.CHOICE,
                    S14,
                    choices=choices(
                        ("living", _("Vivant")),
                        ("SME", _("SME (en état de mort encéphalique)")),
                        ("DDAC", _("DDAC (décédé après arrêt circulatoire)")),
                        ("PPM", _("PPM")),
                    ),
                ),
                Field("donor_id", _("N° d'identification du donneur"), Kind.TEXT, S14, max_length=64),
                Field("donor_sex", _("Sexe du donneur"), Kind.CHOICE, S14, choices=SEX),
                Field(
                    "donor_birth_year",
                    _("Année de naissance du donneur"),
                    Kind.NUMBER,
                    INFERRED,
                    minimum=1900,
                    maximum=2100,
                ),
                Field("procurement_from", _("Date (ou début de la période) du prélèvement"), Kind.DATE, S14),
                Field("procurement_to", _("Fin de la période de prélèvement"), Kind.DATE, S14),
                Field("procurement_establishment", _("Établissement de prélèvement"), Kind.TEXT, S14, max_length=200),
                Field(
                    "recipients",
                    _("Receveurs"),
                    Kind.GROUP,
                    S14,
                    fields=(
                        Field("recipient_id", _("N° d'identification du receveur"), Kind.TEXT, S14, max_length=64),
                        Field("sex", _("Sexe"), Kind.CHOICE, S14, choices=SEX),
                        Field("birth_year", _("Année de naissance"), Kind.NUMBER, INFERRED, minimum=1900, maximum=2100),
                        Field(
                            "graft_from",
                            _("Date (ou début de la période) de greffe ou d'administration"),
                            Kind.DATE,
                            S14,
                        ),
                        Field("graft_to", _("Fin de la période de greffe ou d'administration"), Kind.DATE, S14),
                    ),
                ),
            ),
            source=S14,
        ),
        Section(
            "description",
            _("4. Description de l'incident et/ou de l'effet indésirable"),
            (
                Field(
                    "event_started_at",
                    _("Date et heure du début de l'incident ou de l'effet indésirable"),
                    Kind.DATETIME,
                    "READ S29",
                    needed=True,
                ),
                Field("event_detected_at", _("Date et heure du constat"), Kind.DATETIME, "READ S29"),
                Field("description", _("Description"), Kind.LONG_TEXT, "READ S29", needed=True, max_length=10_000),
                Field(
                    "immediate_measures",
                    _("Mesures prises ou proposées dans l'immédiat"),
                    Kind.LONG_TEXT,
                    "READ S29",
                    max_length=5000,
                ),
                Field(
                    "seriousness_criteria", _("Critères de gravité"), Kind.MULTI_CHOICE, INFERRED, choices=SERIOUSNESS
                ),
                Field(
                    "outcome",
                    _("Évolution"),
                    Kind.CHOICE,
                    INFERRED,
                    choices=choices(
                        ("recovered", _("Guérison")),
                        ("sequelae", _("Séquelles")),
                        ("death", _("Décès")),
                        ("ongoing", _("En cours")),
                        ("unknown", _("Inconnue")),
                    ),
                ),
                # The scale of routing.scales.EU_SOHO_IMPUTABILITY.
                Field(
                    "imputability",
                    _("Imputabilité"),
                    Kind.CHOICE,
                    INFERRED,
                    choices=choices(
                        ("NA", _("NA — non évaluable")),
                        ("0", _("0 — exclue")),
                        ("1", _("1 — possible")),
                        ("2", _("2 — probable")),
                        ("3", _("3 — certaine")),
                    ),
                ),
            ),
        ),
        Section(
            "criticality",
            _("5. Criticité et mesures correctives"),
            (
                Field("criticality", _("Criticité"), Kind.TEXT, INFERRED, max_length=200),
                Field(
                    "corrective_actions",
                    _("Mesures préventives et correctives entreprises"),
                    Kind.LONG_TEXT,
                    "READ S29",
                    max_length=5000,
                ),
                Field(
                    "conclusion",
                    _("Résultat de l'investigation et conclusions finales"),
                    Kind.LONG_TEXT,
                    "READ S29",
                    max_length=5000,
                ),
            ),
        ),
    ),
)
