"""A report as a FHIR R4 ``Bundle``: its ``AdverseEvent`` and the resources the event refers to.

Plain dicts, ready for JSON: no FHIR library at run time (the tests validate every bundle with
``fhir.resources``' R4B models, whose AdverseEvent is R4's). The same report, read by the same
reader, gives the same bundle, byte for byte: no timestamp, and every ``fullUrl`` a name-based
UUID (RFC 4122 version 5) of the service's address and the row it stands for.

What the bundle holds, and why (pages read through the project's stored copies):

- ``AdverseEvent`` (https://hl7.org/fhir/R4/adverseevent.html; its elements and the types each
  reference may name: https://hl7.org/fhir/R4/adverseevent-dependencies.html, and
  https://hl7.org/fhir/R4B/adverseevent-definitions.html): ``identifier`` the report's
  reference, in a system under ``VIGILANCE_BASE_URL``; ``actuality`` ``actual``; ``category``
  the event kind (and ``product-quality`` of
  http://terminology.hl7.org/CodeSystem/adverse-event-category for a quality defect); ``event``
  the reporter's description; ``date`` when it occurred, ``detected`` when it was found,
  ``recordedDate`` when it was filed; ``seriousness`` ``serious`` or ``non-serious``
  (http://terminology.hl7.org/CodeSystem/adverse-event-seriousness); ``recorder`` the reporter;
  ``suspectEntity`` one per product, in the order given, ``causality`` the imputability the
  reader may see (the latest assessment of each item the reader may open).
  ``outcome`` ``fatal`` (http://terminology.hl7.org/CodeSystem/adverse-event-outcome) when the
  grade in force is 4, a death (CSP R.1221-49): the latest grade a correspondent gave that the
  reader may see, else the reporter's. Any other grade says nothing of the outcome, and the
  report records none (an item's outcome, declared or duplicate, says how the case was handled,
  not how the patient fared): no ``outcome`` then. Left out: ``severity`` (its binding is
  required, mild/moderate/severe, and grades 1 to 4 do not map onto it without loss).
- The suspect products, by category. R4 lets ``suspectEntity.instance`` refer to a Medication,
  Substance, Device, Procedure... but not to a BiologicallyDerivedProduct (R5 added it). A
  product of human origin
  (labile blood product, tissue, cells, organ, milk, gametes) is therefore a
  ``BiologicallyDerivedProduct`` (https://hl7.org/fhir/R4/biologicallyderivedproduct.html)
  used by a ``Procedure`` (the transfusion, graft or donation) that is the suspect entity: the
  pattern of HL7's R4 guide "Profiles for ICSR Transfusion and Vaccination Adverse Event
  Detection and Reporting" (https://hl7.org/fhir/us/icsr-ae-reporting/STU1/, its extension
  ``icsr-ext-usedproduct`` on ``Procedure.usedReference``). Medicines (blood-derived, magistral
  and innovative therapy ones included) are ``Medication``, devices (in vitro diagnostic ones
  included) ``Device``, a product nobody qualified yet a ``Substance``. The report's lot number
  goes to the batch of the first product that has lots (medicine, device; else the principal
  one), its donation number to the first product of human origin (else the principal one).
- ``Patient`` (https://hl7.org/fhir/R4/patient.html): pseudonymous, as the report is: sex,
  birth year (a FHIR ``date`` may be a year alone) and initials, the last as a name whose use
  is ``anonymous`` (https://hl7.org/fhir/R4/valueset-name-use.html); never a name, never an
  identifier. Labelled ``PSEUDED`` (http://terminology.hl7.org/CodeSystem/v3-ObservationValue).
- The reporter: a ``Practitioner`` known only by an account number of this service (no name,
  no address), in a ``PractitionerRole`` at the establishment's ``Organization``. R4's
  ``recorder`` may not refer to an Organization; a PractitionerRole may.
- ``Organization``: the establishment by its FINESS number, as ANS's FR Core guide
  (Interop'Santé, hl7.fhir.fr.core) and the Annuaire Santé write it: system
  ``https://finess.esante.gouv.fr``, type ``FINEG`` of
  https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203 (its example
  Organization-hopitaltest-ej-350005179); and the national structure identifier (idNat_Struct,
  ``IDNST``) built from it, ``1`` and the FINESS number, in system
  ``urn:oid:1.2.250.1.71.4.2.2``: that OID names the idNat_Struct, not the bare FINESS number
  (FR Core's and the Annuaire Santé's ``as-organization`` profile, the ANS "Service d'Accès aux
  Soins" guide's FAQ: ``urn:oid:1.2.250.1.71.4.2.2 = IDNST``, prefix ``1`` for a FINESS). An
  establishment's FINESS is taken to be its geographical one (the site where the care was
  given). No ``meta.profile`` claims FR Core conformance: the resources follow its identifier
  conventions, and no French profile validator runs here.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from routing import Category, EventKind, Queue
from routing.messages import CATEGORY_LABELS, EVENT_KIND_LABELS
from routing.scales import IMPUTABILITY_SCALES, LEVEL_MEANINGS, imputability_label
from vigilance.access import may_read_item
from vigilance.i18n import say
from vigilance.models import Assessment, Establishment, QueueItem, Report, User
from vigilance.report_products import position_in_queue, products_of

#: The media type of FHIR's JSON (https://hl7.org/fhir/R4/json.html).
FHIR_JSON = "application/fhir+json"
#: The language of the texts in the bundle: the language of the authorities' forms.
LANGUAGE = "fr"

SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
#: The grade of a death, on the reporter's and the correspondents' scale.
DEATH_GRADE = 4
ADVERSE_EVENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/adverse-event-category"
SECURITY_OBSERVATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
#: FR Core's identifier types (HL7 v2 table 0203 as France extends it).
FR_CORE_IDENTIFIER_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
#: The national structure identifier (idNat_Struct): ``1`` followed by the FINESS number.
IDNST_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
#: HL7's ICSR guide: a Procedure's used product that is a BiologicallyDerivedProduct.
USED_PRODUCT = "http://hl7.org/fhir/us/icsr-ae-reporting/StructureDefinition/icsr-ext-usedproduct"

#: Products of human origin: BiologicallyDerivedProduct.productCategory, and what was done with
#: them (the Procedure), to a recipient.
HUMAN_ORIGIN: dict[Category, tuple[str, str]] = {
    Category.LABILE_BLOOD_PRODUCT: ("fluid", "Transfusion"),
    Category.TISSUE: ("tissue", "Greffe de tissu"),
    Category.CELL_THERAPY_PREPARATION: ("cells", "Administration de cellules"),
    Category.ORGAN: ("organ", "Transplantation d'organe"),
    Category.BREAST_MILK: ("fluid", "Administration de lait maternel"),
    Category.GAMETES_EMBRYOS: ("cells", "Assistance médicale à la procréation"),
}
#: What was done with a donor (a donor's reaction, information after a donation).
DONATION = "Prélèvement (don)"
MEDICINES = frozenset(
    {
        Category.BLOOD_DERIVED_MEDICINE,
        Category.MEDICINE,
        Category.MAGISTRAL_PREPARATION,
        Category.ATMP_GENE_THERAPY,
        Category.ATMP_SOMATIC_CELL_THERAPY,
        Category.ATMP_TISSUE_ENGINEERED,
        Category.ATMP_COMBINED,
    }
)
DEVICES = frozenset({Category.MEDICAL_DEVICE, Category.IN_VITRO_DIAGNOSTIC})

#: R4's AdverseEvent.suspectEntity.instance: the only resources it may refer to.
SUSPECT_TYPES = (
    "Immunization",
    "Procedure",
    "Substance",
    "Medication",
    "MedicationAdministration",
    "MedicationStatement",
    "Device",
)


@dataclass(frozen=True)
class Product:
    """One suspect product: its place in the report, its name and category."""

    position: int
    name: str
    category: Category
    is_principal: bool


@dataclass(frozen=True)
class Causality:
    """An assessment's imputability of one product, as a reader of its item sees it."""

    position: int
    queue: str
    scale: str
    level: str
    assessed_by: int
    assessed_at: datetime


@dataclass(frozen=True)
class CaseFacts:
    """What the bundle is made of, read once (``case_facts``); :func:`bundle_of` only writes it."""

    report: Report
    establishment: Establishment
    products: tuple[Product, ...]
    causalities: tuple[Causality, ...]
    #: The latest grade a correspondent gave that the reader may see (None: none given).
    assessed_grade: int | None = None

    @property
    def grade(self) -> int | None:
        """The grade in force: the correspondents' latest, else the reporter's."""
        return self.assessed_grade if self.assessed_grade is not None else self.report.severity_grade


def report_bundle(session: Session, *, report: Report, reader: User, base_url: str) -> dict[str, Any]:
    """*report* as a FHIR ``Bundle`` of type ``collection``, as *reader* may see it.

    The caller has checked that *reader* may read the report, and recorded the read
    (``vigilance.reports.read_report``); the imputability of an item is shown to whoever may
    open that item (a reporter sees none).

    :param base_url: the service's address (``VIGILANCE_BASE_URL``): identifier and code
        systems of the service's own are named under it.
    """
    return bundle_of(case_facts(session, report=report, reader=reader), base_url=base_url)


def case_facts(session: Session, *, report: Report, reader: User) -> CaseFacts:
    """The products, establishment and visible assessments of *report*, for :func:`bundle_of`."""
    rows = products_of(session, [report.id])[report.id]
    products = tuple(Product(row.position, row.name, _category(row.category), row.is_principal) for row in rows) or (
        Product(0, report.product_name, _category(report.category), True),
    )
    items = [
        item
        for item in session.exec(select(QueueItem).where(QueueItem.report_id == report.id).order_by(col(QueueItem.id)))
        # An item closed because the report left its queue assessed a qualification since undone.
        if item.outcome != "requalified" and may_read_item(reader, item, report)
    ]
    latest = _latest_assessments(session, items)
    graded = sorted((a for a in latest.values() if a.severity_grade is not None), key=lambda a: (a.assessed_at, a.id))
    return CaseFacts(
        report=report,
        establishment=session.get(Establishment, report.establishment_id),
        products=products,
        causalities=tuple(_causalities(report, items, latest, len(products))),
        assessed_grade=graded[-1].severity_grade if graded else None,
    )


def _category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        return Category.UNCLASSIFIED


def _latest_assessments(session: Session, items: list[QueueItem]) -> dict[int, Assessment]:
    """The assessment in force of each of *items* that has one, by item id."""
    latest: dict[int, Assessment] = {}
    if items:
        for assessment in session.exec(
            select(Assessment)
            .where(col(Assessment.queue_item_id).in_([item.id for item in items]))
            .order_by(col(Assessment.queue_item_id), col(Assessment.version))
        ):
            latest[assessment.queue_item_id] = assessment
    return latest


def _causalities(
    report: Report, items: list[QueueItem], latest: dict[int, Assessment], count: int
) -> Iterable[Causality]:
    """The assessment in force of each of *items* that rates imputability, item by item."""
    for item in items:
        assessment = latest.get(item.id)
        if assessment is None or not assessment.imputability:
            continue
        yield Causality(
            position=min(position_in_queue(report, item.queue), count - 1),
            queue=item.queue,
            scale=assessment.imputability_scale,
            level=assessment.imputability,
            assessed_by=assessment.assessed_by,
            assessed_at=assessment.assessed_at,
        )


def bundle_of(facts: CaseFacts, *, base_url: str) -> dict[str, Any]:
    """The bundle of *facts* (pure: same facts, same bundle)."""
    return _Writer(facts, base_url.rstrip("/")).bundle()


class _Writer:
    """Writes one bundle: names each resource, then the resources in a fixed order."""

    def __init__(self, facts: CaseFacts, base: str):
        self.facts = facts
        self.report = facts.report
        self.base = base
        self.entries: list[dict[str, Any]] = []

    # Names --------------------------------------------------------------------------------------

    def urn(self, kind: str, key: object) -> str:
        """A stable name for a resource of the bundle: the same row gives the same UUID."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.base}/fhir/{kind}/{key}')}"

    def system(self, name: str) -> str:
        """An identifier or code system of this service's own."""
        return f"{self.base}/fhir/{name}"

    def add(self, url: str, resource: dict[str, Any]) -> dict[str, Any]:
        self.entries.append({"fullUrl": url, "resource": resource})
        return {"reference": url}

    # The bundle ---------------------------------------------------------------------------------

    def bundle(self) -> dict[str, Any]:
        report = self.report
        patient = self.add(self.urn("Patient", report.id), self.patient())
        organization = self.add(self.urn("Organization", self.facts.establishment.id), self.organization())
        reporter = self.add(self.urn("Practitioner", report.reporter_id), self.practitioner(report.reporter_id))
        role = self.add(
            self.urn("PractitionerRole", f"{report.reporter_id}-{self.facts.establishment.id}"),
            {"resourceType": "PractitionerRole", "practitioner": reporter, "organization": organization},
        )
        assessors = {
            c.assessed_by: self.urn("Practitioner", c.assessed_by)
            for c in self.facts.causalities
            if c.assessed_by != report.reporter_id
        }
        assessors[report.reporter_id] = reporter["reference"]
        suspects = [self.suspect(product, patient, assessors) for product in self.facts.products]
        for account, url in sorted(assessors.items()):
            if account != report.reporter_id:
                self.add(url, self.practitioner(account))
        event = {
            "resourceType": "AdverseEvent",
            "identifier": {"system": self.system("sid/report-reference"), "value": report.reference},
            "actuality": "actual",
            "category": [self.category()],
            "event": {"text": report.description},
            "subject": patient,
            "date": _datetime(report.occurred_at),
            **({"detected": _datetime(report.detected_at)} if report.detected_at else {}),
            "recordedDate": _datetime(report.received_at),
            "seriousness": _seriousness(report.serious),
            **({"outcome": _FATAL} if self.facts.grade == DEATH_GRADE else {}),
            "recorder": role,
            "suspectEntity": suspects,
        }
        self.entries.insert(0, {"fullUrl": self.urn("AdverseEvent", report.id), "resource": event})
        return {
            "resourceType": "Bundle",
            "language": LANGUAGE,
            "type": "collection",
            "entry": self.entries,
        }

    def category(self) -> dict[str, Any]:
        kind = EventKind(self.report.event_kind)
        label = say(EVENT_KIND_LABELS[kind], LANGUAGE)
        coding = [{"system": self.system("CodeSystem/event-kind"), "code": kind.value, "display": label}]
        if kind is EventKind.QUALITY_DEFECT:
            coding.append({"system": ADVERSE_EVENT_CATEGORY, "code": "product-quality", "display": "Product Quality"})
        return {"coding": coding, "text": label}

    # Who --------------------------------------------------------------------------------------------

    def patient(self) -> dict[str, Any]:
        report = self.report
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "meta": {"security": [{"system": SECURITY_OBSERVATION, "code": "PSEUDED", "display": "pseudonymized"}]},
        }
        if report.patient_initials:
            patient["name"] = [{"use": "anonymous", "text": report.patient_initials}]
        if report.patient_sex:
            patient["gender"] = {"F": "female", "M": "male"}.get(report.patient_sex, "unknown")
        if report.patient_birth_year:
            patient["birthDate"] = f"{report.patient_birth_year:04d}"
        return patient

    def practitioner(self, account_id: int) -> dict[str, Any]:
        """A person of the service known by their account's number alone (pseudonymous)."""
        return {
            "resourceType": "Practitioner",
            "meta": {"security": [{"system": SECURITY_OBSERVATION, "code": "PSEUDED", "display": "pseudonymized"}]},
            "identifier": [{"system": self.system("sid/account"), "value": str(account_id)}],
        }

    def organization(self) -> dict[str, Any]:
        establishment = self.facts.establishment
        return {
            "resourceType": "Organization",
            "identifier": [
                {
                    "use": "official",
                    "type": {"coding": [{"system": FR_CORE_IDENTIFIER_TYPE, "code": "FINEG"}]},
                    "system": FINESS_SYSTEM,
                    "value": establishment.finess,
                },
                {
                    "use": "official",
                    "type": {"coding": [{"system": FR_CORE_IDENTIFIER_TYPE, "code": "IDNST"}]},
                    "system": IDNST_SYSTEM,
                    "value": f"1{establishment.finess}",
                },
            ],
            "name": establishment.name,
        }

    # What -------------------------------------------------------------------------------------------

    def suspect(self, product: Product, patient: dict[str, str], assessors: dict[int, str]) -> dict[str, Any]:
        """The suspect entity of *product*: the product itself, or the procedure that used it."""
        key = f"{self.report.id}-{product.position}"
        if product.category in HUMAN_ORIGIN:
            used = self.add(self.urn("BiologicallyDerivedProduct", key), self.biological(product))
            done = DONATION if self._from_donor() else HUMAN_ORIGIN[product.category][1]
            instance = self.add(
                self.urn("Procedure", key),
                {
                    "resourceType": "Procedure",
                    # What the report says happened: the product was given (or the donation made).
                    "status": "completed",
                    "code": {"text": done},
                    "subject": patient,
                    "usedReference": [
                        {"extension": [{"url": USED_PRODUCT, "valueReference": used}], "display": product.name}
                    ],
                },
            )
        elif product.category in MEDICINES:
            instance = self.add(self.urn("Medication", key), self.medication(product))
        elif product.category in DEVICES:
            instance = self.add(self.urn("Device", key), self.device(product))
        else:
            instance = self.add(self.urn("Substance", key), self.substance(product))
        instance["display"] = product.name
        suspect: dict[str, Any] = {"instance": instance}
        causality = [self.causality(c, assessors) for c in self.facts.causalities if c.position == product.position]
        if causality:
            suspect["causality"] = causality
        return suspect

    def _from_donor(self) -> bool:
        return self.report.event_kind in (EventKind.DONOR_ADVERSE_REACTION, EventKind.POST_DONATION_INFORMATION)

    def _category_extension(self, product: Product) -> dict[str, Any]:
        return {
            "url": self.system("StructureDefinition/product-category"),
            "valueCoding": {
                "system": self.system("CodeSystem/category"),
                "code": product.category.value,
                "display": say(CATEGORY_LABELS[product.category], LANGUAGE),
            },
        }

    def _numbers(self, product: Product) -> tuple[str | None, str | None]:
        """The report's lot and donation numbers that belong to *product*."""
        lot = self.report.lot_number if product.position == self._holder(MEDICINES | DEVICES) else None
        donation = self.report.donation_number if product.position == self._holder(set(HUMAN_ORIGIN)) else None
        return lot, donation

    def _holder(self, categories: Iterable[Category]) -> int:
        """The product a report-wide number is of: the first of *categories*, else the principal."""
        wanted = set(categories)
        for product in self.facts.products:
            if product.category in wanted:
                return product.position
        return next((p.position for p in self.facts.products if p.is_principal), self.facts.products[0].position)

    def _identifiers(self, lot: str | None, donation: str | None) -> list[dict[str, Any]]:
        found = []
        if donation:
            found.append(
                {
                    "type": {"text": "Numéro de don / de poche"},
                    "system": self.system("sid/donation-number"),
                    "value": donation,
                }
            )
        if lot:
            found.append({"type": {"text": "Numéro de lot"}, "system": self.system("sid/lot-number"), "value": lot})
        return found

    def biological(self, product: Product) -> dict[str, Any]:
        lot, donation = self._numbers(product)
        resource: dict[str, Any] = {
            "resourceType": "BiologicallyDerivedProduct",
            "extension": [self._category_extension(product)],
            "productCategory": HUMAN_ORIGIN[product.category][0],
            "productCode": {"text": product.name},
        }
        if identifiers := self._identifiers(lot, donation):
            resource["identifier"] = identifiers
        return resource

    def medication(self, product: Product) -> dict[str, Any]:
        lot, donation = self._numbers(product)
        resource: dict[str, Any] = {
            "resourceType": "Medication",
            "extension": [self._category_extension(product)],
            "code": {"text": product.name},
        }
        if identifiers := self._identifiers(lot, donation):
            resource["identifier"] = identifiers
        if lot:
            resource["batch"] = {"lotNumber": lot}
        return resource

    def device(self, product: Product) -> dict[str, Any]:
        lot, donation = self._numbers(product)
        resource: dict[str, Any] = {
            "resourceType": "Device",
            "extension": [self._category_extension(product)],
            "deviceName": [{"name": product.name, "type": "user-friendly-name"}],
            "type": {"text": say(CATEGORY_LABELS[product.category], LANGUAGE)},
        }
        if identifiers := self._identifiers(lot, donation):
            resource["identifier"] = identifiers
        if lot:
            resource["lotNumber"] = lot
        return resource

    def substance(self, product: Product) -> dict[str, Any]:
        lot, donation = self._numbers(product)
        resource: dict[str, Any] = {
            "resourceType": "Substance",
            "extension": [self._category_extension(product)],
            "code": {"text": product.name},
        }
        if identifiers := self._identifiers(lot, donation):
            resource["identifier"] = identifiers
        return resource

    # How sure -------------------------------------------------------------------------------------

    def causality(self, causality: Causality, assessors: dict[int, str]) -> dict[str, Any]:
        label = say(imputability_label(Queue(causality.queue), causality.level), LANGUAGE)
        scale = IMPUTABILITY_SCALES[Queue(causality.queue)]
        coding: dict[str, Any] = {
            "system": self.system(f"CodeSystem/imputability/{causality.scale}"),
            "code": causality.level,
        }
        if causality.level in LEVEL_MEANINGS.get(causality.scale, {}):
            coding["display"] = label
        method = {"coding": [{"system": self.system("CodeSystem/imputability-scale"), "code": causality.scale}]}
        if scale.id == causality.scale:
            method["text"] = scale.source
        return {
            "assessment": {"coding": [coding], "text": label},
            "author": {"reference": assessors[causality.assessed_by]},
            "method": method,
        }


_FATAL = {"coding": [{"system": OUTCOME, "code": "fatal", "display": "Fatal"}], "text": "Décès"}


def _seriousness(serious: bool) -> dict[str, Any]:
    code, display, text = ("serious", "Serious", "Grave") if serious else ("non-serious", "Non-serious", "Non grave")
    return {"coding": [{"system": SERIOUSNESS, "code": code, "display": display}], "text": text}


def _datetime(moment: datetime) -> str:
    """A FHIR ``dateTime``: with its offset, to the second (the service stores UTC)."""
    return moment.replace(microsecond=0).isoformat()
