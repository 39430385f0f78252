"""ICH E2B(R3) individual case safety reports (ICSR) for pharmacovigilance items.

Two parts: :func:`build` is pure (a :class:`Case` and a :class:`Stamp` in, the XML bytes out: the
same input gives the same bytes), and :func:`generate` / :func:`nullify` read the case from the
database and store each message through :mod:`vigilance.documents`.

The message is HL7 v3: a batch ``MCCI_IN200100UV01`` holding one ``PORR_IN049016UV`` message,
namespace ``urn:hl7-org:v3``. Element numbers, OIDs and XPaths were read in third-party copies of
ICH material (the ICH Implementation Guide itself was not available), found with the ``search``
tool and cross-checked:

- the ICH reference instance, annotated with element numbers (repository donihyun/e2br3,
  ``docs/e2b/template.xml``, commit 5550f1b5): batch (N.1.x), message (N.2.r.x), C.1.1 and C.1.8.1
  as ``investigationEvent/id`` with roots ``2.16.840.1.113883.3.989.2.1.3.1`` and ``…3.2``, C.1.2
  (``controlActProcess/effectiveTime``), C.1.3 (``investigationCharacteristic`` code 1 of
  ``…2.1.1.23``, value in ``…2.1.1.2``), C.1.4/C.1.5, C.1.7 (code 23), C.1.8.2 (``…2.1.1.3``),
  C.1.11.1/C.1.11.2 (codes 3 and 4 of ``…2.1.1.23``, value in ``…2.1.1.5``), C.2.r (qualification
  ``…2.1.1.6``, country ``1.0.3166.1.2.2``), D.1, D.2.1 (``birthTime``), D.5 (``1.0.5218``), E.i
  (``…2.1.1.19`` codes 34, 21, 33, 35, 12, 26 for E.i.3.2a-f, 27 for E.i.7 in ``…2.1.1.11``),
  G.k (``organizer`` code 4 of ``…2.1.1.20``, G.k.1 as ``causalityAssessment`` code 20 in
  ``…2.1.1.13``), G.k.9.i.2.r (code 39), H.1 (``investigationEvent/text``);
- the FDA/ICH data-element spreadsheet (same repository, ``docs/refs/icsr_data_elements.csv``):
  the C.1.x conformance and business rules (C.1.2 to the second; C.1.11.1 1 = nullification,
  2 = amendment; C.1.11.2 required when C.1.11.1 is given; N.2.r.1 the same as C.1.1; C.1.9.1
  ``true`` or nullFlavor ``NI``, never ``false``);
- an EU-style instance (index id 30777420652) and a generator (index id 55672391892): G.k.4.r.7,
  ``outboundRelationship2[@typeCode='COMP']/substanceAdministration/consumable/instanceOfKind/
  productInstanceInstance/lotNumberText``; C.3.x (sender, ``subjectOf1/controlActEvent``).
- Oracle's E2B(R3) dictionary (docs.oracle.com, Clinical One): D.2.1 takes a date down to the
  year, so a birth year alone goes in ``birthTime`` (``value="1956"``).

Choices where the case holds less than E2B asks:

- **No MedDRA code** (E.i.2.1a/b): the service does not hold MedDRA (a licensed terminology). The
  reaction goes as reported, in French (E.i.1.1a, language ``fre`` for E.i.1.1b), in the value's
  ``originalText``, with no ``code``. The ICH IG requires E.i.2.1b, so a receiver such as
  EudraVigilance will ask for it: the coding is the CRPV's (or the correspondent's, once the
  service holds MedDRA). Nothing made up is sent in its place.
- **The case file** (``vigilance.case_file``, form ``cerfa_10011``), once the correspondent has
  saved it, gives what it holds over what the report said: the patient (D.1, D.2.1, D.5), the
  medicines (G.k.2.2 name, G.k.1 role, G.k.4.r.7 lot, G.k.4.r.8 dosage as text, G.k.4.r.10.1 route
  as text, G.k.4.r.4 / G.k.4.r.5 first and last administration, as days), the reactions
  (E.i.1.1a as described, E.i.4 start day; the form has no end date, only a duration in free
  text, so E.i.5 and E.i.6 are not sent), "serious" (C.1.7), the criteria (E.i.3.2a-f) and the
  outcome (E.i.7). An unsaved case file is only what the report says: the report is used.
- **Outcome** (E.i.7): the case file's; else ``0`` (unknown). ``death_unrelated`` is ``0`` too:
  the reaction did not end in death.
- **C.1.5** (date of the most recent information): the latest of the report's receipt, the
  latest assessment, the case file's last save, the declarations recorded and the answers to the
  item's information requests. Never the report's ``updated_at``, which workflow moves (claiming,
  closing...). A new version is made only when the message differs from the latest one with
  C.1.5 and the stamp aside (:func:`generate`).
- **Reporter** (C.2.r): no name (pseudonymous service), qualification ``3`` (other health
  professional) unless the case says otherwise, country ``FR``.
- **C.3.1 sender type** ``3`` (health professional): the establishment sends. The code list
  (``…2.1.1.7``) was not read in the IG itself: check it with the receiver.
- **Seriousness**: the assessment's criteria; a report the reporter called serious with no
  criterion assessed yet says "other medically important condition" (E.i.3.2f).

ElementTree from the standard library builds it: lxml is not installed in this project and
nothing here needs more than building a tree and serialising it.

An XSD for E2B(R3) is published by ICH with the IG package (ich.org); it is not copied here.
"""

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session, col, select

from vigilance import documents
from vigilance.case_file import CaseFile, case_file_of
from vigilance.clock import PARIS
from vigilance.errors import Conflict, InvalidInput, NotFound
from vigilance.i18n import translatable
from vigilance.item_file import open_item
from vigilance.models import (
    Assessment,
    Declaration,
    Establishment,
    GeneratedDocument,
    InformationRequest,
    QueueItem,
    Report,
    ReportProduct,
    User,
)
from vigilance.pseudonymity import NIR_MESSAGE, contains_nir
from vigilance.triage import load_item, require_holder

logger = logging.getLogger(__name__)

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MEDIA_TYPE = "application/xml"
QUEUE = "pharmacovigilance"

# OIDs (see the module's docstring for where each was read).
OID_BATCH_NUMBER = "2.16.840.1.113883.3.989.2.1.3.22"  # N.1.2
OID_BATCH_SENDER = "2.16.840.1.113883.3.989.2.1.3.13"  # N.1.3
OID_BATCH_RECEIVER = "2.16.840.1.113883.3.989.2.1.3.14"  # N.1.4
OID_MESSAGE_SENDER = "2.16.840.1.113883.3.989.2.1.3.11"  # N.2.r.2
OID_MESSAGE_RECEIVER = "2.16.840.1.113883.3.989.2.1.3.12"  # N.2.r.3
OID_SAFETY_REPORT_ID = "2.16.840.1.113883.3.989.2.1.3.1"  # C.1.1 (and N.2.r.1)
OID_CASE_ID = "2.16.840.1.113883.3.989.2.1.3.2"  # C.1.8.1
OID_OTHER_CASE_ID = "2.16.840.1.113883.3.989.2.1.3.3"  # C.1.9.1.r
OID_INTERACTION = "2.16.840.1.113883.1.6"
OID_TRIGGER_EVENT = "2.16.840.1.113883.1.18"
OID_MESSAGE_TYPE = "2.16.840.1.113883.3.989.2.1.1.1"  # N.1.1
OID_REPORT_TYPE = "2.16.840.1.113883.3.989.2.1.1.2"  # C.1.3
OID_FIRST_SENDER = "2.16.840.1.113883.3.989.2.1.1.3"  # C.1.8.2
OID_NULLIFICATION = "2.16.840.1.113883.3.989.2.1.1.5"  # C.1.11.1
OID_QUALIFICATION = "2.16.840.1.113883.3.989.2.1.1.6"  # C.2.r.4
OID_SENDER_TYPE = "2.16.840.1.113883.3.989.2.1.1.7"  # C.3.1
OID_OUTCOME = "2.16.840.1.113883.3.989.2.1.1.11"  # E.i.7
OID_DRUG_ROLE = "2.16.840.1.113883.3.989.2.1.1.13"  # G.k.1
OID_OBSERVATION = "2.16.840.1.113883.3.989.2.1.1.19"
OID_ORGANIZER = "2.16.840.1.113883.3.989.2.1.1.20"
OID_RELATED_INVESTIGATION = "2.16.840.1.113883.3.989.2.1.1.22"
OID_CHARACTERISTIC = "2.16.840.1.113883.3.989.2.1.1.23"
OID_COUNTRY = "1.0.3166.1.2.2"
OID_SEX = "1.0.5218"

#: E.i.3.2a-f: the criterion's observation code, in the order of the IG.
SERIOUSNESS_CODES = (
    ("death", "34"),
    ("life_threatening", "21"),
    ("hospitalisation", "33"),
    ("disability", "35"),
    ("congenital_anomaly", "12"),
    ("medically_important", "26"),
)
#: D.5, ISO 5218.
SEX_CODES = {"M": "1", "F": "2"}
#: C.2.r.4.
PHYSICIAN, PHARMACIST, OTHER_HEALTH_PROFESSIONAL = 1, 2, 3
#: E.i.1.1a is at most 250 characters, C.1.11.2 at most 2,000.
REACTION_MAX = 250
REASON_MAX = 2000
#: G.k.2.2 250, G.k.4.r.8 2,000, G.k.4.r.10.1 60 characters at most (a lot number, G.k.4.r.7,
#: is sent whole: cut, it would name another lot).
DRUG_NAME_MAX, DOSAGE_MAX, ROUTE_MAX = 250, 2000, 60
#: G.k.1 by the case file's role.
DRUG_ROLES = {"suspect": 1, "concomitant": 2, "interacting": 3}
#: E.i.7 by the case file's outcome: 1 recovered, 3 not recovered, 4 with sequelae, 5 fatal, 0 unknown.
OUTCOME_CODES = {
    "recovered": 1,
    "not_recovered": 3,
    "recovered_with_sequelae": 4,
    "death_due_to_reaction": 5,
    "death_contributed": 5,
    "death_unrelated": 0,
    "unknown": 0,
}

INITIAL, FOLLOW_UP, NULLIFICATION = "initial", "follow_up", "nullification"

# The prefixes the message is written with (ElementTree keeps one table for the process).
ET.register_namespace("", HL7)
ET.register_namespace("xsi", XSI)


@dataclass(frozen=True)
class Patient:
    initials: str | None = None
    #: ``F``, ``M`` or ``U``.
    sex: str | None = None
    birth_year: int | None = None


@dataclass(frozen=True)
class Reaction:
    #: As reported by the primary source, in its language (E.i.1.1a/b).
    reported: str
    language: str = "fre"
    #: E.i.4 and E.i.5: a moment (to the minute) or a day.
    started_at: datetime | date | None = None
    ended_at: datetime | date | None = None
    #: E.i.3.2: names from ``routing.scales.SERIOUSNESS_CRITERIA``.
    seriousness_criteria: tuple[str, ...] = ()
    #: E.i.7 code (0 unknown ... 5 fatal).
    outcome: int = 0
    country: str = "FR"


@dataclass(frozen=True)
class Causality:
    """One assessment of a drug's relatedness (G.k.9.i.2.r)."""

    source: str
    method: str
    result: str


@dataclass(frozen=True)
class Drug:
    #: G.k.2.2, as reported.
    name: str
    #: G.k.1: 1 suspect, 2 concomitant, 3 interacting.
    role: int = 1
    #: G.k.4.r.7.
    lot_number: str | None = None
    causality: tuple[Causality, ...] = ()
    #: G.k.4.r.8, the dosage as written (the case file holds it as text, not as G.k.4.r.1a/b).
    dosage: str | None = None
    #: G.k.4.r.10.1, the route as written.
    route: str | None = None
    #: G.k.4.r.4 and G.k.4.r.5, first and last administration.
    started_on: date | None = None
    ended_on: date | None = None


@dataclass(frozen=True)
class Case:
    """What an ICSR says about a case: grows as the service holds more (doses, routes, outcome...)."""

    #: The sender's organisation identifier (the establishment's FINESS) and name.
    sender_id: str
    sender_name: str
    #: The report's reference (``VIG-2026-000123``): with the sender, identifies the case.
    report_reference: str
    received_at: datetime
    #: C.1.5: a moment or a day.
    latest_information_at: datetime | date
    serious: bool
    narrative: str
    patient: Patient
    reactions: tuple[Reaction, ...]
    drugs: tuple[Drug, ...]
    reporter_qualification: int = OTHER_HEALTH_PROFESSIONAL
    reporter_country: str = "FR"
    #: (source, identifier) of the case at authorities it was declared to (C.1.9.1.r).
    other_identifiers: tuple[tuple[str, str], ...] = ()
    country: str = "FR"
    receiver_id: str = "ANSM"

    @property
    def safety_report_id(self) -> str:
        """C.1.1: country, sender, report number; the same for every version of the case."""
        return f"{self.country}-{self.sender_id}-{self.report_reference}"

    @property
    def worldwide_case_id(self) -> str:
        """C.1.8.1: the establishment is the first sender, so its C.1.1."""
        return self.safety_report_id


@dataclass(frozen=True)
class Stamp:
    """What makes one message of the case: when, which version, nullified or not."""

    created_at: datetime
    version: int
    #: C.1.11.2, given for a nullification only.
    nullification_reason: str | None = None

    @property
    def kind(self) -> str:
        if self.nullification_reason is not None:
            return NULLIFICATION
        return INITIAL if self.version == 1 else FOLLOW_UP


def batch_number(case: Case, stamp: Stamp) -> str:
    """N.1.2: one per message sent."""
    return f"{case.safety_report_id}-{stamp.version}"


# Building ---------------------------------------------------------------------------------


def _tag(name: str) -> str:
    return f"{{{HL7}}}{name}"


def _el(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attributes)
    if text is not None:
        element.text = text
    return element


def _typed(parent: ET.Element, name: str, xsi_type: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), {f"{{{XSI}}}type": xsi_type, **attributes})
    if text is not None:
        element.text = text
    return element


def _moment(moment: datetime) -> str:
    """CCYYMMDDhhmmss+ZZzz, in France."""
    return moment.astimezone(PARIS).strftime("%Y%m%d%H%M%S%z")


def _minute(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y%m%d%H%M%z")


def _when(moment: datetime | date) -> str:
    """To the minute for a moment, to the day for a day."""
    return _minute(moment) if isinstance(moment, datetime) else _day(moment)


def _day(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone(PARIS).date()
    return moment.strftime("%Y%m%d")


def _code(parent: ET.Element, name: str, code: str, system: str, **attributes: str) -> ET.Element:
    return _el(parent, name, code=code, codeSystem=system, **attributes)


def _observation(parent: ET.Element, relation: str, code: str, type_code: str) -> ET.Element:
    holder = _el(parent, relation, typeCode=type_code)
    observation = _el(holder, "observation", classCode="OBS", moodCode="EVN")
    _code(observation, "code", code, OID_OBSERVATION)
    return observation


def _device(parent: ET.Element, relation: str, type_code: str, identifier: str, root: str) -> None:
    holder = _el(parent, relation, typeCode=type_code)
    device = _el(holder, "device", classCode="DEV", determinerCode="INSTANCE")
    _el(device, "id", extension=identifier, root=root)


def build(case: Case, stamp: Stamp) -> bytes:
    """The ICSR of *case*, as message *stamp*: UTF-8 XML bytes, the same for the same input."""
    batch = ET.Element(_tag("MCCI_IN200100UV01"), {"ITSVersion": "XML_1.0"})
    _el(batch, "id", extension=batch_number(case, stamp), root=OID_BATCH_NUMBER)  # N.1.2
    _el(batch, "creationTime", value=_moment(stamp.created_at))  # N.1.5
    _el(batch, "responseModeCode", code="D")
    _el(batch, "interactionId", extension="MCCI_IN200100UV01", root=OID_INTERACTION)
    _code(batch, "name", "1", OID_MESSAGE_TYPE)  # N.1.1: ichicsr
    message = _el(batch, "PORR_IN049016UV")
    _el(message, "id", extension=case.safety_report_id, root=OID_SAFETY_REPORT_ID)  # N.2.r.1 = C.1.1
    _el(message, "creationTime", value=_moment(stamp.created_at))  # N.2.r.4 = C.1.2
    _el(message, "interactionId", extension="PORR_IN049016UV", root=OID_INTERACTION)
    _el(message, "processingCode", code="P")
    _el(message, "processingModeCode", code="T")
    _el(message, "acceptAckCode", code="AL")
    _device(message, "receiver", "RCV", case.receiver_id, OID_MESSAGE_RECEIVER)  # N.2.r.3
    _device(message, "sender", "SND", case.sender_id, OID_MESSAGE_SENDER)  # N.2.r.2
    act = _el(message, "controlActProcess", classCode="CACT", moodCode="EVN")
    _code(act, "code", "PORR_TE049016UV", OID_TRIGGER_EVENT)
    _el(act, "effectiveTime", value=_moment(stamp.created_at))  # C.1.2
    subject = _el(act, "subject", typeCode="SUBJ")
    event = _el(subject, "investigationEvent", classCode="INVSTG", moodCode="EVN")
    _el(event, "id", extension=case.safety_report_id, root=OID_SAFETY_REPORT_ID)  # C.1.1
    _el(event, "id", extension=case.worldwide_case_id, root=OID_CASE_ID)  # C.1.8.1
    _code(event, "code", "PAT_ADV_EVNT", "2.16.840.1.113883.5.4")
    _el(event, "text", case.narrative)  # H.1
    _el(event, "statusCode", code="active")
    effective = _el(event, "effectiveTime")
    _el(effective, "low", value=_day(case.received_at))  # C.1.4
    _el(event, "availabilityTime", value=_day(case.latest_information_at))  # C.1.5
    assessment_holder = _el(event, "component", typeCode="COMP")
    assessment = _el(assessment_holder, "adverseEventAssessment", classCode="INVSTG", moodCode="EVN")
    _patient(assessment, case)
    expedited = _el(_el(event, "component", typeCode="COMP"), "observationEvent", classCode="OBS", moodCode="EVN")
    _code(expedited, "code", "23", OID_OBSERVATION)  # C.1.7
    _typed(expedited, "value", "BL", value="true" if case.serious else "false")
    _first_sender(event)
    _reporter(event, case)
    _sender(event, case)
    _characteristic(event, "1", lambda c: _typed(c, "value", "CE", code="1", codeSystem=OID_REPORT_TYPE))  # C.1.3
    _other_identifiers(event, case)
    if stamp.nullification_reason is not None:
        _characteristic(event, "3", lambda c: _typed(c, "value", "CE", code="1", codeSystem=OID_NULLIFICATION))
        _characteristic(
            event, "4", lambda c: _el(_typed(c, "value", "CE"), "originalText", stamp.nullification_reason)
        )  # C.1.11.2
    _device(batch, "receiver", "RCV", case.receiver_id, OID_BATCH_RECEIVER)  # N.1.4
    _device(batch, "sender", "SND", case.sender_id, OID_BATCH_SENDER)  # N.1.3
    ET.indent(batch)
    return ET.tostring(batch, encoding="utf-8", xml_declaration=True)


def _characteristic(event: ET.Element, code: str, value) -> None:
    holder = _el(event, "subjectOf2", typeCode="SUBJ")
    characteristic = _el(holder, "investigationCharacteristic", classCode="OBS", moodCode="EVN")
    _code(characteristic, "code", code, OID_CHARACTERISTIC)
    value(characteristic)


def _other_identifiers(event: ET.Element, case: Case) -> None:
    """C.1.9.1: ``true`` with the identifiers given by the authorities declared to, else ``NI``."""
    if not case.other_identifiers:
        _characteristic(event, "2", lambda c: _typed(c, "value", "BL", nullFlavor="NI"))
        return
    _characteristic(event, "2", lambda c: _typed(c, "value", "BL", value="true"))
    for source, identifier in case.other_identifiers:
        holder = _el(event, "subjectOf1", typeCode="SUBJ")
        control = _el(holder, "controlActEvent", classCode="CACT", moodCode="EVN")
        _el(control, "id", assigningAuthorityName=source, extension=identifier, root=OID_OTHER_CASE_ID)


def _first_sender(event: ET.Element) -> None:
    """C.1.8.2: 2, other than a regulator (the establishment)."""
    relation = _el(event, "outboundRelationship", typeCode="SPRT")
    related = _el(relation, "relatedInvestigation", classCode="INVSTG", moodCode="EVN")
    _code(related, "code", "1", OID_RELATED_INVESTIGATION)
    control = _el(_el(related, "subjectOf2", typeCode="SUBJ"), "controlActEvent", classCode="CACT", moodCode="EVN")
    entity = _el(_el(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _code(entity, "code", "2", OID_FIRST_SENDER)


def _reporter(event: ET.Element, case: Case) -> None:
    """C.2.r: the primary source, without a name (C.2.r.4 qualification, C.2.r.3 country)."""
    relation = _el(event, "outboundRelationship", typeCode="SPRT")
    _el(relation, "priorityNumber", value="1")  # C.2.r.5
    related = _el(relation, "relatedInvestigation", classCode="INVSTG", moodCode="EVN")
    _code(related, "code", "2", OID_RELATED_INVESTIGATION)
    control = _el(_el(related, "subjectOf2", typeCode="SUBJ"), "controlActEvent", classCode="CACT", moodCode="EVN")
    entity = _el(_el(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    person = _el(entity, "assignedPerson", classCode="PSN", determinerCode="INSTANCE")
    qualified = _el(person, "asQualifiedEntity", classCode="QUAL")
    _code(qualified, "code", str(case.reporter_qualification), OID_QUALIFICATION)
    located = _el(person, "asLocatedEntity", classCode="LOCE")
    place = _el(located, "location", classCode="COUNTRY", determinerCode="INSTANCE")
    _code(place, "code", case.reporter_country, OID_COUNTRY)


def _sender(event: ET.Element, case: Case) -> None:
    """C.3: the establishment (C.3.1 type, C.3.2 organisation, C.3.4.5 country)."""
    control = _el(_el(event, "subjectOf1", typeCode="SUBJ"), "controlActEvent", classCode="CACT", moodCode="EVN")
    entity = _el(_el(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _code(entity, "code", "3", OID_SENDER_TYPE)
    person = _el(entity, "assignedPerson", classCode="PSN", determinerCode="INSTANCE")
    located = _el(person, "asLocatedEntity", classCode="LOCE")
    _code(_el(located, "location", classCode="COUNTRY", determinerCode="INSTANCE"), "code", case.country, OID_COUNTRY)
    organisation = _el(entity, "representedOrganization", classCode="ORG", determinerCode="INSTANCE")
    inner = _el(
        _el(organisation, "assignedEntity", classCode="ASSIGNED"),
        "representedOrganization",
        classCode="ORG",
        determinerCode="INSTANCE",
    )
    _el(inner, "name", case.sender_name)


def _patient(assessment: ET.Element, case: Case) -> None:
    role = _el(_el(assessment, "subject1", typeCode="SBJ"), "primaryRole", classCode="INVSBJ")
    player = _el(role, "player1", classCode="PSN", determinerCode="INSTANCE")
    patient = case.patient
    if patient.initials:
        _el(player, "name", patient.initials)  # D.1
    else:
        _el(player, "name", nullFlavor="UNK")
    if patient.sex in SEX_CODES:
        _code(player, "administrativeGenderCode", SEX_CODES[patient.sex], OID_SEX)  # D.5
    else:
        _el(player, "administrativeGenderCode", nullFlavor="UNK")
    if patient.birth_year:
        _el(player, "birthTime", value=f"{patient.birth_year:04d}")  # D.2.1, to the year
    reaction_ids = []
    for number, reaction in enumerate(case.reactions, start=1):
        reaction_ids.append(_reaction(role, reaction, f"reaction-{number}"))
    drugs = _el(_el(role, "subjectOf2", typeCode="SBJ"), "organizer", classCode="CATEGORY", moodCode="EVN")
    _code(drugs, "code", "4", OID_ORGANIZER)  # G.k
    drug_ids = []
    for number, drug in enumerate(case.drugs, start=1):
        drug_ids.append(_drug(drugs, drug, f"drug-{number}"))
    for drug, drug_id in zip(case.drugs, drug_ids, strict=True):
        component = _el(assessment, "component", typeCode="COMP")
        characterisation = _el(component, "causalityAssessment", classCode="OBS", moodCode="EVN")
        _code(characterisation, "code", "20", OID_OBSERVATION)
        _typed(characterisation, "value", "CE", code=str(drug.role), codeSystem=OID_DRUG_ROLE)  # G.k.1
        _product_reference(characterisation, drug_id)
        for causality in drug.causality:
            for reaction_id in reaction_ids:
                _causality(assessment, causality, drug_id, reaction_id)


def _product_reference(parent: ET.Element, drug_id: str) -> None:
    reference = _el(_el(parent, "subject2", typeCode="SUBJ"), "productUseReference", classCode="SBADM", moodCode="EVN")
    _el(reference, "id", root=drug_id)


def _reaction(role: ET.Element, reaction: Reaction, reaction_id: str) -> str:
    observation = _observation(role, "subjectOf2", "29", "SBJ")
    observation.insert(0, ET.Element(_tag("id"), {"root": reaction_id}))
    if reaction.started_at is not None or reaction.ended_at is not None:
        period = _typed(observation, "effectiveTime", "SXPR_TS")
        comp = _typed(period, "comp", "IVL_TS")
        if reaction.started_at is not None:
            _el(comp, "low", value=_when(reaction.started_at))  # E.i.4
        if reaction.ended_at is not None:
            _el(comp, "high", value=_when(reaction.ended_at))  # E.i.5
    value = _typed(observation, "value", "CE")  # E.i.2.1a/b left out: no MedDRA code held
    _el(value, "originalText", reaction.reported[:REACTION_MAX], language=reaction.language)  # E.i.1.1a/b
    located = _el(_el(observation, "location", typeCode="LOC"), "locatedEntity", classCode="LOCE")
    place = _el(located, "locatedPlace", classCode="COUNTRY", determinerCode="INSTANCE")
    _code(place, "code", reaction.country, OID_COUNTRY)  # E.i.9
    for criterion, code in SERIOUSNESS_CODES:  # E.i.3.2a-f
        seriousness = _observation(observation, "outboundRelationship2", code, "PERT")
        if criterion in reaction.seriousness_criteria:
            _typed(seriousness, "value", "BL", value="true")
        else:
            _typed(seriousness, "value", "BL", nullFlavor="NI")
    outcome = _observation(observation, "outboundRelationship2", "27", "PERT")
    _typed(outcome, "value", "CE", code=str(reaction.outcome), codeSystem=OID_OUTCOME)  # E.i.7
    return reaction_id


def _drug(organizer: ET.Element, drug: Drug, drug_id: str) -> str:
    component = _el(organizer, "component", typeCode="COMP")
    administration = _el(component, "substanceAdministration", classCode="SBADM", moodCode="EVN")
    _el(administration, "id", root=drug_id)
    kind = _el(
        _el(_el(administration, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
        "kindOfProduct",
        classCode="MMAT",
        determinerCode="KIND",
    )
    _el(kind, "name", drug.name[:DRUG_NAME_MAX])  # G.k.2.2
    if drug.lot_number or drug.dosage or drug.route or drug.started_on or drug.ended_on:
        # G.k.4.r, one dosage; HL7 order: text, effectiveTime, routeCode, consumable.
        dosage = _el(
            _el(administration, "outboundRelationship2", typeCode="COMP"),
            "substanceAdministration",
            classCode="SBADM",
            moodCode="EVN",
        )
        if drug.dosage:
            _el(dosage, "text", drug.dosage[:DOSAGE_MAX])  # G.k.4.r.8
        if drug.started_on or drug.ended_on:
            period = _typed(dosage, "effectiveTime", "IVL_TS")
            if drug.started_on:
                _el(period, "low", value=_day(drug.started_on))  # G.k.4.r.4
            if drug.ended_on:
                _el(period, "high", value=_day(drug.ended_on))  # G.k.4.r.5
        if drug.route:
            _el(_el(dosage, "routeCode"), "originalText", drug.route[:ROUTE_MAX])  # G.k.4.r.10.1
        if drug.lot_number:
            instance = _el(_el(dosage, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST")
            product = _el(instance, "productInstanceInstance", classCode="MMAT", determinerCode="INSTANCE")
            _el(product, "lotNumberText", drug.lot_number)  # G.k.4.r.7
            _el(instance, "kindOfProduct", classCode="MMAT", determinerCode="KIND")
    return drug_id


def _causality(assessment: ET.Element, causality: Causality, drug_id: str, reaction_id: str) -> None:
    """G.k.9.i.2.r: source, method and result of one assessment of the drug for one reaction."""
    relatedness = _el(
        _el(assessment, "component", typeCode="COMP"), "causalityAssessment", classCode="OBS", moodCode="EVN"
    )
    _code(relatedness, "code", "39", OID_OBSERVATION)
    _typed(relatedness, "value", "ST", causality.result)  # G.k.9.i.2.r.3
    _el(_el(relatedness, "methodCode"), "originalText", causality.method)  # G.k.9.i.2.r.2
    entity = _el(_el(relatedness, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _el(_el(entity, "code"), "originalText", causality.source)  # G.k.9.i.2.r.1
    reference = _el(
        _el(relatedness, "subject1", typeCode="SUBJ"), "adverseEffectReference", classCode="OBS", moodCode="EVN"
    )
    _el(reference, "id", root=reaction_id)
    _product_reference(relatedness, drug_id)


# From the database ------------------------------------------------------------------------

_NOT_PHARMACOVIGILANCE = translatable("Élément introuvable.")


def case_of(session: Session, item: QueueItem) -> Case:
    """The case an item holds today, as an ICSR says it: from the case's information only (the
    report's content, its products, the item's case file, assessments, answers and declarations),
    never from the workflow (who holds the item, its status)."""
    report = session.get(Report, item.report_id)
    establishment = session.get(Establishment, report.establishment_id)
    assessment = session.exec(
        select(Assessment).where(Assessment.queue_item_id == item.id).order_by(col(Assessment.version).desc())
    ).first()
    products = session.exec(
        select(ReportProduct).where(ReportProduct.report_id == report.id).order_by(ReportProduct.position)
    ).all()
    declarations = session.exec(
        select(Declaration).where(Declaration.queue_item_id == item.id).order_by(Declaration.id)
    ).all()
    answered = session.exec(
        select(InformationRequest.answered_at).where(
            InformationRequest.queue_item_id == item.id, col(InformationRequest.answered_at).is_not(None)
        )
    ).all()
    case_file = _saved_case_file(session, item)
    causality = ()
    if assessment is not None and assessment.imputability:
        causality = (
            Causality(
                source="Correspondant de pharmacovigilance",
                method=assessment.imputability_scale,
                result=assessment.imputability,
            ),
        )
    criteria = tuple(assessment.seriousness_criteria) if assessment is not None else ()
    serious = report.serious
    drugs = reactions = None
    outcome = 0
    patient = Patient(initials=report.patient_initials, sex=report.patient_sex, birth_year=report.patient_birth_year)
    if case_file is not None:
        if case_file.value("serious") is not None:
            serious = case_file.value("serious")
        if case_file.value("seriousness_criteria"):
            criteria = tuple(case_file.value("seriousness_criteria"))
        outcome = OUTCOME_CODES.get(case_file.value("outcome"), 0)
        patient = Patient(
            initials=case_file.value("patient_initials") or patient.initials,
            sex=case_file.value("patient_sex") or patient.sex,
            birth_year=int(case_file.value("patient_birth_year") or patient.birth_year or 0) or None,
        )
        drugs = _case_file_drugs(case_file, causality)
    if serious and not criteria:
        criteria = ("medically_important",)
    if case_file is not None:
        reactions = _case_file_reactions(case_file, criteria, outcome)
    if not drugs:
        names = [(p.name, p.is_principal) for p in products] or [(report.product_name, True)]
        principal = next((n for n, is_principal in names if is_principal), names[0][0])
        drugs = tuple(
            Drug(name=name, lot_number=report.lot_number if name == principal else None, causality=causality)
            for name, _ in names
        )
    if not reactions:
        reactions = (
            Reaction(
                reported=_reported_reaction(report.description),
                started_at=report.occurred_at,
                seriousness_criteria=criteria,
                outcome=outcome,
            ),
        )
    information = [
        report.received_at,
        *([assessment.assessed_at] if assessment is not None else []),
        *([case_file.updated_at] if case_file is not None and case_file.updated_at is not None else []),
        *(d.recorded_at for d in declarations),
        *answered,
    ]
    return Case(
        sender_id=establishment.finess,
        sender_name=establishment.name,
        report_reference=report.reference,
        received_at=report.received_at,
        latest_information_at=max(information),
        serious=serious,
        narrative=report.description,
        patient=patient,
        reactions=reactions,
        drugs=drugs,
        other_identifiers=tuple((d.authority, d.authority_reference) for d in declarations),
    )


def _saved_case_file(session: Session, item: QueueItem) -> CaseFile | None:
    """The item's cerfa 10011 case file once saved; ``None`` before (it only repeats the report)."""
    try:
        case_file = case_file_of(session, item)
    except NotFound:
        return None
    if case_file.version == 0 or case_file.form.id != "cerfa_10011":
        return None
    return case_file


def _case_file_drugs(case_file: CaseFile, causality: tuple[Causality, ...]) -> tuple[Drug, ...]:
    """G.k from the case file's medicines; the assessment's causality for the suspect and
    interacting ones (G.k.9.i.2.r), not for a concomitant medicine."""
    drugs = []
    for row in case_file.rows("medicines"):
        if not row.get("name"):
            continue
        role = DRUG_ROLES.get(row.get("role"), 1)
        drugs.append(
            Drug(
                name=row["name"],
                role=role,
                lot_number=row.get("lot_number"),
                causality=causality if role != DRUG_ROLES["concomitant"] else (),
                dosage=row.get("dose"),
                route=row.get("route"),
                started_on=row.get("started_on"),
                ended_on=row.get("ended_on"),
            )
        )
    return tuple(drugs)


def _case_file_reactions(case_file: CaseFile, criteria: tuple[str, ...], outcome: int) -> tuple[Reaction, ...]:
    """E.i from the case file's reactions (E.i.1.1a its description's first sentence, as for the
    report's; E.i.4 the day it started)."""
    return tuple(
        Reaction(
            reported=_reported_reaction(row["description"]),
            started_at=row.get("started_on"),
            seriousness_criteria=criteria,
            outcome=outcome,
        )
        for row in case_file.rows("reactions")
        if row.get("description")
    )


def _reported_reaction(description: str) -> str:
    """The reaction as reported: the description's first sentence, at most E.i.1.1a's length."""
    first = description.strip().split("\n", 1)[0]
    end = first.find(". ")
    if end > 0:
        first = first[: end + 1]
    return first[:REACTION_MAX]


def _pharmacovigilance_item(session: Session, item_id: int, reader: User) -> QueueItem:
    item = open_item(session, item_id, reader)
    if item.queue != QUEUE:
        raise NotFound(_NOT_PHARMACOVIGILANCE)
    # Locked until commit: two simultaneous generations of one item make one version, not two.
    return load_item(session, item_id, reader, for_update=True)


def _store(session: Session, item: QueueItem, case: Case, stamp: Stamp, actor: User, now: datetime):
    return documents.store(
        session,
        report_id=item.report_id,
        queue_item_id=item.id,
        kind=documents.E2B_ICSR,
        media_type=MEDIA_TYPE,
        content=build(case, stamp),
        actor=actor,
        now=now,
        message_id=batch_number(case, stamp),
        safety_report_id=case.safety_report_id,
        worldwide_case_id=case.worldwide_case_id,
        message_kind=stamp.kind,
    )


def generate(session: Session, *, item_id: int, actor: User, now: datetime) -> tuple[GeneratedDocument, bool]:
    """The item's ICSR as the case stands: the latest version if the case has not changed since
    (or if the case was nullified: a nullified case is not sent again), else a new version
    (initial the first time, follow-up after).

    "Changed" is judged on the message with C.1.5 and the stamp aside: a new C.1.5 alone (a case
    file saved with nothing changed...) makes no follow-up. Whoever may open the item may
    generate: the message is not sent by generating it.

    :raises NotFound: the item does not exist, *actor* may not open it, or it is not a
        pharmacovigilance item.
    :return: the document, and whether it is a new version.
    """
    item = _pharmacovigilance_item(session, item_id, actor)
    previous = documents.latest(session, report_id=item.report_id, queue_item_id=item.id, kind=documents.E2B_ICSR)
    if previous is not None and previous.message_kind == NULLIFICATION:
        return previous, False
    case = case_of(session, item)
    if previous is not None and _says(previous, case):
        return previous, False
    version = previous.version + 1 if previous else 1
    return _store(session, item, case, Stamp(now, version), actor, now)


def _says(previous: GeneratedDocument, case: Case) -> bool:
    """Whether the stored message *previous* says *case*, its own C.1.5 and stamp aside."""
    said = ET.fromstring(previous.content).find(f".//{_tag('availabilityTime')}")
    if said is not None and said.get("value"):
        case = replace(case, latest_information_at=datetime.strptime(said.get("value"), "%Y%m%d").date())
    return build(case, Stamp(previous.created_at, previous.version)) == previous.content


def latest(session: Session, *, item_id: int, reader: User) -> GeneratedDocument:
    """The item's latest stored ICSR, generating nothing.

    :raises NotFound: as :func:`generate`, or no ICSR was generated for the item yet.
    """
    item = open_item(session, item_id, reader)
    if item.queue != QUEUE:
        raise NotFound(_NOT_PHARMACOVIGILANCE)
    previous = documents.latest(session, report_id=item.report_id, queue_item_id=item.id, kind=documents.E2B_ICSR)
    if previous is None:
        raise NotFound(translatable("Aucun message E2B n'a encore été généré pour cet élément."))
    return previous


def check_text(field: str, text: str) -> None:
    """Refuse a NIR in a text that goes into the message (C.1.11.2, C.1.9.1.r.2), as intake does.

    :raises InvalidInput: on *field*, with the intake's message.
    """
    if contains_nir(text):
        raise InvalidInput({field: [NIR_MESSAGE]})


def nullify(session: Session, *, item_id: int, actor: User, reason: str, now: datetime) -> GeneratedDocument:
    """Generate the nullification of the item's ICSR (C.1.11.1 = 1, *reason* in C.1.11.2).

    Work on the item, as recording a declaration: by whoever holds it (an unheld item is taken),
    or by a coordinator.

    :raises InvalidInput: no reason given, or a NIR in it.
    :raises Conflict: a colleague holds the item; no ICSR was generated for the item yet, or it
        is nullified already.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": [translatable("Dites pourquoi la déclaration est annulée.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput({"reason": [translatable("%(count)s caractères au plus.", count=REASON_MAX)]})
    check_text("reason", reason)
    item = _pharmacovigilance_item(session, item_id, actor)
    previous = documents.latest(session, report_id=item.report_id, queue_item_id=item.id, kind=documents.E2B_ICSR)
    if previous is None:
        raise Conflict(translatable("Aucun message E2B n'a été généré pour cet élément : rien à annuler."))
    if previous.message_kind == NULLIFICATION:
        raise Conflict(translatable("Le message E2B de cet élément est déjà annulé."))
    require_holder(session, item, actor, now)
    document, _new = _store(
        session, item, case_of(session, item), Stamp(now, previous.version + 1, nullification_reason=reason), actor, now
    )
    return document
