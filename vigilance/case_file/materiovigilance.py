"""Materiovigilance, cerfa n° 10246 «Signalement d'un incident ou risque d'incident», and the
hospital side of a medicine's quality defect (ANSM).

Cerfa 10246: the number comes from the brief, NOT FOUND in a stored copy; its blocks are read in a
third-party reproduction (S21): their fidelity is INFERRED; the seriousness criteria are READ in
the old CSP text (S32b). Quality defect: the health professional's portal form was NOT FOUND; the
fields are INFERRED from the industrial «fiche enquête» (S31) and ANSM's page (S30). See
docs/declaration-forms.md §4 and §5.1.
"""

from vigilance.case_file.description import INFERRED, Field, Form, Kind, Section, choices
from vigilance.i18n import translatable as _

S21 = "INFERRED (S21)"

REPORTER = (
    Field("reporter_name", _("Nom, prénom"), Kind.TEXT, S21, max_length=200),
    Field("reporter_role", _("Qualité"), Kind.TEXT, S21, max_length=120, needed=True),
    Field("reporter_service", _("Service"), Kind.TEXT, S21, max_length=200, needed=True),
    Field("reporter_email", _("E-mail"), Kind.TEXT, S21, max_length=200),
    Field("reporter_phone", _("Tél."), Kind.TEXT, S21, max_length=30),
)

CERFA_10246 = Form(
    id="cerfa_10246",
    title=_("Signalement d'un incident ou risque d'incident (cerfa n° 10246)"),
    authority="ANSM",
    reference="Cerfa n° 10246 (numéro NOT FOUND) ; rubriques INFERRED S21",
    order_source=S21,
    sections=(
        Section("reporter", _("L'émetteur du signalement"), REPORTER, source=S21),
        Section(
            "device",
            _("Le dispositif médical impliqué (DM)"),
            (
                Field(
                    "device_common_name", _("Dénomination commune du DM"), Kind.TEXT, S21, max_length=200, needed=True
                ),
                Field("device_trade_name", _("Dénomination commerciale"), Kind.TEXT, S21, max_length=500, needed=True),
                Field("device_model", _("Modèle / type / référence"), Kind.TEXT, S21, max_length=200),
                Field("lot_number", _("N° de lot"), Kind.TEXT, INFERRED, max_length=64),
                Field("serial_number", _("N° de série"), Kind.TEXT, INFERRED, max_length=64),
                Field("expiry_date", _("Date de péremption"), Kind.DATE, INFERRED),
                Field(
                    "manufacturer", _("Nom, adresse du fabricant"), Kind.LONG_TEXT, S21, max_length=1000, needed=True
                ),
                Field(
                    "supplier",
                    _("Nom, adresse du fournisseur (à remplir par la pharmacie)"),
                    Kind.LONG_TEXT,
                    S21,
                    max_length=1000,
                ),
            ),
            source=S21,
        ),
        Section(
            "incident",
            _("L'incident ou le risque d'incident"),
            (
                Field("event_date", _("Date de survenue"), Kind.DATE, S21, needed=True),
                Field("event_place", _("Lieu de survenue"), Kind.TEXT, S21, max_length=200),
                Field(
                    "contact_user",
                    _("Si nécessaire\u00a0: nom, qualité, téléphone de l'utilisateur à contacter"),
                    Kind.TEXT,
                    S21,
                    max_length=300,
                ),
                Field(
                    "circumstances",
                    _("Circonstances de survenue / description des faits"),
                    Kind.LONG_TEXT,
                    S21,
                    max_length=10_000,
                    needed=True,
                ),
                Field(
                    "clinical_consequences",
                    _("Conséquences cliniques constatées"),
                    Kind.LONG_TEXT,
                    S21,
                    max_length=5000,
                ),
                Field(
                    "conservatory_measures",
                    _("Mesures conservatoires et actions entreprises"),
                    Kind.LONG_TEXT,
                    S21,
                    max_length=5000,
                ),
                Field(
                    "situation",
                    _("Situation de signalement (à remplir par la pharmacie)"),
                    Kind.CHOICE,
                    INFERRED,
                    choices=choices(("incident", _("Incident")), ("risk", _("Risque d'incident"))),
                    needed=True,
                ),
                Field(
                    "manufacturer_informed",
                    _("Le fabricant ou le fournisseur est-il informé de l'incident ou du risque d'incident\u00a0?"),
                    Kind.YES_NO,
                    S21,
                ),
                Field(
                    "seriousness_criteria",
                    _("Critères de gravité"),
                    Kind.MULTI_CHOICE,
                    "READ S32b",
                    choices=choices(
                        ("death", _("Décès")),
                        ("life_threatening", _("Menace du pronostic vital")),
                        ("disability", _("Invalidité permanente ou importante")),
                        ("hospitalisation", _("Hospitalisation ou prolongation d'hospitalisation")),
                        ("medical_intervention", _("Nécessité d'une intervention médicale ou chirurgicale")),
                        ("congenital_anomaly", _("Anomalie congénitale")),
                    ),
                ),
                Field("device_available", _("Dispositif disponible pour expertise"), Kind.YES_NO, INFERRED),
            ),
            source=S21,
        ),
    ),
)

QUALITY_DEFECT = Form(
    id="quality_defect",
    title=_("Signalement d'un défaut qualité d'un médicament"),
    authority="ANSM",
    reference="Portail de signalement (formulaire NOT FOUND) ; champs INFERRED (S30, S31)",
    order_source=INFERRED,
    sections=(
        Section("reporter", _("Déclarant"), REPORTER[1:], source=INFERRED),
        Section(
            "product",
            _("Produit"),
            (
                Field(
                    "product_name",
                    _("Dénomination exacte du produit (selon l'AMM), présentation"),
                    Kind.TEXT,
                    "READ S31",
                    max_length=500,
                    needed=True,
                ),
                Field("inn", _("DCI"), Kind.TEXT, "READ S31", max_length=200),
                Field("cip_code", _("Code CIP"), Kind.TEXT, "READ S31", max_length=20),
                Field(
                    "lots",
                    _("Lots"),
                    Kind.GROUP,
                    "READ S31",
                    needed=True,
                    fields=(
                        Field("lot_number", _("N° du lot"), Kind.TEXT, "READ S31", max_length=64, needed=True),
                        Field("expiry_date", _("Date de péremption"), Kind.DATE, "READ S31"),
                    ),
                ),
            ),
        ),
        Section(
            "defect",
            _("Description du défaut qualité"),
            (
                Field(
                    "defect_description",
                    _("Description du défaut qualité"),
                    Kind.LONG_TEXT,
                    "READ S31",
                    max_length=10_000,
                    needed=True,
                ),
                Field("defect_detected_at", _("Date et heure de la découverte"), Kind.DATETIME, INFERRED, needed=True),
                Field(
                    "counterfeit_suspected",
                    _("Suspicion de contrefaçon ou de falsification"),
                    Kind.YES_NO,
                    "READ S31",
                ),
                Field("samples_available", _("Échantillons disponibles"), Kind.YES_NO, INFERRED),
                Field("patient_exposed", _("Un patient a-t-il reçu le produit\u00a0?"), Kind.YES_NO, INFERRED),
            ),
        ),
    ),
)
