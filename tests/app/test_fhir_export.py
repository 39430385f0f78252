"""``GET /api/v1/reports/<id>/fhir``: the report as a FHIR R4 Bundle, validated by fhir.resources.

fhir.resources' R4B models check each resource's elements, cardinalities and types (R4B's
AdverseEvent is R4's); they do not check what a reference points to, so the tests check that
each suspect entity is one R4 allows, and that every reference resolves inside the bundle.
"""

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select

from tests.page_session import sign_in
from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.exports.fhir import FINESS_SYSTEM, IDNST_SYSTEM, SUSPECT_TYPES
from vigilance.models import AuditEvent

BASE_URL = "http://127.0.0.1:5000"


@pytest.fixture
def people(make_user):
    return {
        "reporter": make_user("reporter", name="Jeanne Martin"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], name="Hélène Vasseur"),
        "device": make_user("correspondent", vigilances=["materiovigilance"]),
        "coordinator": make_user("coordinator"),
    }


def file(client, headers, **overrides):
    body = a_report(**overrides)
    if "products" in overrides:
        del body["product"]
    response = client.post("/api/v1/reports", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def fhir_of(client, report_id, headers):
    response = client.get(f"/api/v1/reports/{report_id}/fhir", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    bundle = json.loads(response.get_data(as_text=True))
    # Valid FHIR (R4B models; AdverseEvent did not change from R4).
    Bundle.model_validate(bundle)
    return bundle


def resources(bundle, kind=None):
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def resolve(bundle, reference):
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    return by_url[reference["reference"]]


def references(value):
    """Every ``{"reference": ...}`` anywhere in *value*."""
    if isinstance(value, dict):
        if "reference" in value:
            yield value
        for inner in value.values():
            yield from references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from references(inner)


def event_of(bundle):
    assert bundle["entry"][0]["resource"]["resourceType"] == "AdverseEvent"
    return bundle["entry"][0]["resource"]


def suspects(bundle):
    """Each suspect entity with what it refers to, and the product behind a procedure."""
    found = []
    for suspect in event_of(bundle)["suspectEntity"]:
        instance = resolve(bundle, suspect["instance"])
        assert instance["resourceType"] in SUSPECT_TYPES
        product = instance
        if instance["resourceType"] == "Procedure":
            [used] = instance["usedReference"]
            [extension] = used["extension"]
            product = resolve(bundle, extension["valueReference"])
        found.append((suspect, instance, product))
    return found


def test_a_one_product_haemovigilance_report(client, people, token_for, establishment):
    headers = token_for(people["reporter"])
    report = file(client, headers, donation_number="=A9999 26 123456 7", severity_grade=2)
    bundle = fhir_of(client, report["id"], headers)

    assert bundle["type"] == "collection"
    # Every reference is to a resource of the bundle.
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert {r["reference"] for r in references(bundle)} <= urls
    assert len(urls) == len(bundle["entry"])

    event = event_of(bundle)
    assert event["identifier"] == {"system": f"{BASE_URL}/fhir/sid/report-reference", "value": report["reference"]}
    assert event["actuality"] == "actual"
    assert event["seriousness"]["coding"] == [
        {
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
            "code": "serious",
            "display": "Serious",
        }
    ]
    assert event["date"] == "2026-11-20T13:30:00+00:00"
    assert event["recordedDate"].startswith(report["received_at"][:19])
    assert event["event"]["text"] == a_report()["description"]
    assert event["category"][0]["coding"][0]["code"] == "recipient_adverse_reaction"
    assert "outcome" not in event and "severity" not in event

    [(suspect, procedure, product)] = suspects(bundle)
    assert procedure["resourceType"] == "Procedure" and procedure["code"]["text"] == "Transfusion"
    assert product["resourceType"] == "BiologicallyDerivedProduct"
    assert product["productCode"]["text"] == "CGR phénotypé"
    assert [i["value"] for i in product["identifier"]] == ["=A9999 26 123456 7"]
    assert "causality" not in suspect

    # The reporter: a number of the service's, at the establishment known by its FINESS.
    role = resolve(bundle, event["recorder"])
    practitioner = resolve(bundle, role["practitioner"])
    assert practitioner["identifier"] == [
        {"system": f"{BASE_URL}/fhir/sid/account", "value": str(people["reporter"].id)}
    ]
    assert "name" not in practitioner and "telecom" not in practitioner
    organization = resolve(bundle, role["organization"])
    assert organization["name"] == "CHU de Test"
    assert {(i["system"], i["value"]) for i in organization["identifier"]} == {
        (FINESS_SYSTEM, "750000010"),
        (IDNST_SYSTEM, "1750000010"),
    }
    # Nothing of the reporter's person anywhere.
    text = json.dumps(bundle, ensure_ascii=False)
    assert "Jeanne" not in text and people["reporter"].email not in text


def test_the_patient_carries_sex_birth_year_and_initials_and_nothing_else(client, people, token_for):
    headers = token_for(people["reporter"])
    report = file(client, headers, patient={"sex": "F", "birth_year": 1956, "initials": "MD"})
    bundle = fhir_of(client, report["id"], headers)
    patient = resolve(bundle, event_of(bundle)["subject"])
    assert patient == {
        "resourceType": "Patient",
        "meta": {
            "security": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                    "code": "PSEUDED",
                    "display": "pseudonymized",
                }
            ]
        },
        "name": [{"use": "anonymous", "text": "MD"}],
        "gender": "female",
        "birthDate": "1956",
    }
    # Without a patient: still a subject (R4 requires one), with nothing in it.
    bare = file(client, headers, patient=None)
    bundle = fhir_of(client, bare["id"], headers)
    assert set(resolve(bundle, event_of(bundle)["subject"])) == {"resourceType", "meta"}


def test_a_report_of_two_products(client, people, token_for):
    headers = token_for(people["reporter"])
    report = file(
        client,
        headers,
        event_kind="incident",
        products=[{"name": "réchauffeur de sang"}, {"name": "CGR"}],
        lot_number="LOT-42",
        donation_number="D-123",
    )
    bundle = fhir_of(client, report["id"], headers)
    [(_, device, device_product), (_, procedure, blood)] = suspects(bundle)
    assert device is device_product and device["resourceType"] == "Device"
    assert device["deviceName"] == [{"name": "réchauffeur de sang", "type": "user-friendly-name"}]
    # The lot number is the device's, the donation number the blood product's.
    assert device["lotNumber"] == "LOT-42"
    assert [i["value"] for i in device["identifier"]] == ["LOT-42"]
    assert procedure["resourceType"] == "Procedure" and blood["resourceType"] == "BiologicallyDerivedProduct"
    assert [i["value"] for i in blood["identifier"]] == ["D-123"]
    assert event_of(bundle)["suspectEntity"][0]["instance"]["display"] == "réchauffeur de sang"


def test_medicines_are_medications(client, people, token_for):
    headers = token_for(people["reporter"])
    report = file(client, headers, product={"name": "Kymriah"}, lot_number="K-7")
    [(_, medication, _)] = suspects(fhir_of(client, report["id"], headers))
    assert medication["resourceType"] == "Medication"
    assert medication["code"]["text"] == "Kymriah" and medication["batch"] == {"lotNumber": "K-7"}


def test_an_assessment_is_the_suspect_entitys_causality(client, people, token_for):
    report = file(client, token_for(people["reporter"]))
    hv = token_for(people["hv"])
    item_id = client.get("/api/v1/queues/haemovigilance/items", headers=hv).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=hv).status_code == 200
    assessed = client.post(
        f"/api/v1/queue-items/{item_id}/assess",
        headers=hv,
        json={"based_on_version": 0, "imputability": "2", "severity_grade": 4},
    )
    assert assessed.status_code == 200, assessed.get_json()

    bundle = fhir_of(client, report["id"], hv)
    [(suspect, _, _)] = suspects(bundle)
    [causality] = suspect["causality"]
    assert causality["assessment"]["coding"] == [
        {
            "system": f"{BASE_URL}/fhir/CodeSystem/imputability/ansm-hv-imputability-2020",
            "code": "2",
            "display": "2 (probable)",
        }
    ]
    assert causality["method"]["coding"][0]["code"] == "ansm-hv-imputability-2020"
    author = resolve(bundle, causality["author"])
    assert author["identifier"][0]["value"] == str(people["hv"].id) and "name" not in author
    assert "Hélène" not in json.dumps(bundle, ensure_ascii=False)
    # A coordinator sees it too; the reporter does not see the correspondents' assessment.
    assert "causality" in event_of(fhir_of(client, report["id"], token_for(people["coordinator"])))["suspectEntity"][0]
    own = fhir_of(client, report["id"], token_for(people["reporter"]))
    assert "causality" not in event_of(own)["suspectEntity"][0]
    # The correspondent's grade 4 (a death) is the outcome for whoever sees the assessment.
    assert event_of(bundle)["outcome"]["coding"][0]["code"] == "fatal"
    assert "outcome" not in event_of(own)
    assert len(resources(own, "Practitioner")) == 1


def test_a_death_reported_is_a_fatal_outcome(client, people, token_for):
    headers = token_for(people["reporter"])
    report = file(client, headers, severity_grade=4)
    assert event_of(fhir_of(client, report["id"], headers))["outcome"]["coding"][0]["code"] == "fatal"


def test_the_same_report_gives_the_same_bundle(client, people, token_for):
    headers = token_for(people["reporter"])
    report = file(client, headers)
    first = client.get(f"/api/v1/reports/{report['id']}/fhir", headers=headers).get_data()
    assert client.get(f"/api/v1/reports/{report['id']}/fhir", headers=headers).get_data() == first


def test_only_those_who_may_read_the_report_get_it(client, people, make_user, token_for, db):
    report = file(client, token_for(people["reporter"]))
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    refused = {
        "reporter of another report": make_user("reporter"),
        "another establishment's correspondent": make_user(
            "correspondent", vigilances=["haemovigilance"], place=elsewhere
        ),
        "another establishment's coordinator": make_user("coordinator", place=elsewhere),
        "a correspondent of another queue": people["device"],
    }
    missing = client.get("/api/v1/reports/999999/fhir", headers=token_for(people["hv"]))
    assert missing.status_code == 404
    for label, user in refused.items():
        response = client.get(f"/api/v1/reports/{report['id']}/fhir", headers=token_for(user))
        assert response.status_code == 404, label
        assert response.get_json() == missing.get_json(), label
    assert client.get(f"/api/v1/reports/{report['id']}/fhir").status_code == 401


def test_each_export_is_audited_as_a_read(client, people, token_for, db):
    report = file(client, token_for(people["reporter"]))
    assert client.get(f"/api/v1/reports/{report['id']}/fhir", headers=token_for(people["hv"])).status_code == 200
    db.rollback()
    reads = db.execute(
        select(AuditEvent.actor_id, AuditEvent.target).where(
            AuditEvent.report_id == report["id"], AuditEvent.action == "read"
        )
    ).all()
    assert (people["hv"].id, "api:fhir") in reads
    # A refused export records nothing.
    stranger = token_for(people["device"])
    assert client.get(f"/api/v1/reports/{report['id']}/fhir", headers=stranger).status_code == 404
    db.rollback()
    assert (
        db.execute(
            select(AuditEvent.id).where(
                AuditEvent.report_id == report["id"], AuditEvent.actor_id == people["device"].id
            )
        ).all()
        == []
    )


def test_the_openapi_document_says_the_content_type(client):
    document = client.get("/api/v1/openapi.json").get_json()
    answers = document["paths"]["/api/v1/reports/{report_id}/fhir"]["get"]["responses"]
    assert list(answers["200"]["content"]) == ["application/fhir+json"]
    assert {"401", "404"} <= set(answers)


def test_the_report_and_item_pages_link_to_the_download(app, client, people, token_for):
    report = file(client, token_for(people["reporter"]))
    hv = token_for(people["hv"])
    item_id = client.get("/api/v1/queues/haemovigilance/items", headers=hv).get_json()["items"][0]["id"]
    link = f'href="/reports/{report["id"]}/fhir.json" download'
    pages = app.test_client()
    sign_in(pages, people["hv"])
    assert link in pages.get(f"/queue-items/{item_id}").get_data(as_text=True)
    downloaded = pages.get(f"/reports/{report['id']}/fhir.json")
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/fhir+json"
    assert downloaded.headers["Content-Disposition"] == f'attachment; filename="{report["reference"]}.fhir.json"'
    # The same bundle as the API gives the same reader.
    api = client.get(f"/api/v1/reports/{report['id']}/fhir", headers=hv)
    assert downloaded.get_data() == api.get_data()

    own = app.test_client()
    sign_in(own, people["reporter"])
    page = own.get(f"/reports/{report['id']}").get_data(as_text=True)
    assert link in page
    assert "Télécharger au format FHIR (JSON)" in page
    own.get("/language/en")
    assert "Download as FHIR (JSON)" in own.get(f"/reports/{report['id']}").get_data(as_text=True)
    assert own.get(f"/reports/{report['id']}/fhir.json").status_code == 200
    # Someone who may not read the report cannot download it either.
    stranger = app.test_client()
    sign_in(stranger, people["device"])
    assert stranger.get(f"/reports/{report['id']}/fhir.json").status_code == 404
