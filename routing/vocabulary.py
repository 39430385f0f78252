"""The fixed vocabularies of the contract: categories, queues, event kinds and questionnaire answers."""

from enum import StrEnum


class Category(StrEnum):
    """What the product is, in regulatory terms."""

    LABILE_BLOOD_PRODUCT = "labile_blood_product"
    BLOOD_DERIVED_MEDICINE = "blood_derived_medicine"
    TISSUE = "tissue"
    CELL_THERAPY_PREPARATION = "cell_therapy_preparation"
    ORGAN = "organ"
    BREAST_MILK = "breast_milk"
    ATMP_GENE_THERAPY = "atmp_gene_therapy"
    ATMP_SOMATIC_CELL_THERAPY = "atmp_somatic_cell_therapy"
    ATMP_TISSUE_ENGINEERED = "atmp_tissue_engineered"
    ATMP_COMBINED = "atmp_combined"
    MAGISTRAL_PREPARATION = "magistral_preparation"
    MEDICINE = "medicine"
    MEDICAL_DEVICE = "medical_device"
    GAMETES_EMBRYOS = "gametes_embryos"
    IN_VITRO_DIAGNOSTIC = "in_vitro_diagnostic"
    UNCLASSIFIED = "unclassified"


#: Products made of (or from) a substance of human origin, by contract.md's definitions of the
#: categories: when a report concerns several products, the first of these is the principal one.
HUMAN_ORIGIN_CATEGORIES = frozenset(
    (
        Category.LABILE_BLOOD_PRODUCT,
        Category.BLOOD_DERIVED_MEDICINE,
        Category.TISSUE,
        Category.CELL_THERAPY_PREPARATION,
        Category.ORGAN,
        Category.BREAST_MILK,
        Category.ATMP_SOMATIC_CELL_THERAPY,
        Category.ATMP_TISSUE_ENGINEERED,
        Category.ATMP_COMBINED,
        Category.GAMETES_EMBRYOS,
    )
)


class Queue(StrEnum):
    """A vigilance system's work queue; a report may go to several."""

    HAEMOVIGILANCE = "haemovigilance"
    BIOVIGILANCE = "biovigilance"
    PHARMACOVIGILANCE = "pharmacovigilance"
    MATERIOVIGILANCE = "materiovigilance"
    QUALITY_DEFECT = "quality_defect"
    #: Gametes, germinal tissues and embryos (assisted reproduction), Agence de la biomédecine.
    AMP_VIGILANCE = "amp_vigilance"
    #: In vitro diagnostic medical devices, ANSM.
    REACTOVIGILANCE = "reactovigilance"
    QUALIFICATION = "qualification"


class EventKind(StrEnum):
    """What happened."""

    RECIPIENT_ADVERSE_REACTION = "recipient_adverse_reaction"
    DONOR_ADVERSE_REACTION = "donor_adverse_reaction"
    INCIDENT = "incident"
    QUALITY_DEFECT = "quality_defect"
    POST_DONATION_INFORMATION = "post_donation_information"


class Origin(StrEnum):
    """Where the product's substance comes from."""

    BLOOD = "blood"
    PLASMA = "plasma"
    CELLS = "cells"
    TISSUE = "tissue"
    ORGAN = "organ"
    MILK = "milk"
    NON_HUMAN = "non_human"
    UNKNOWN = "unknown"


class IntendedAction(StrEnum):
    """What the product is meant to do in the recipient."""

    PHARMACOLOGICAL_IMMUNOLOGICAL_METABOLIC = "pharmacological_immunological_metabolic"
    REGENERATE_REPAIR_REPLACE = "regenerate_repair_replace"
    TRANSFUSION = "transfusion"
    TRANSPLANTATION = "transplantation"
    NUTRITION = "nutrition"
    OTHER = "other"


#: Origins of human substances: an unqualified product said to be of one is of human origin.
HUMAN_ORIGINS = frozenset((Origin.BLOOD, Origin.PLASMA, Origin.CELLS, Origin.TISSUE, Origin.ORGAN, Origin.MILK))

#: The questionnaire's yes/no questions, in the order a person is asked them.
FEATURE_FLAGS = (
    "recombinant_nucleic_acid",
    "infectious_disease_vaccine",
    "substantially_manipulated",
    "same_essential_function",
    "incorporates_medical_device",
    "industrially_manufactured",
    "magistral_preparation",
    "ce_marked_device",
)

LANGUAGES = ("fr", "en")
