"""The E2B(R3) ICSR of pharmacovigilance items, stored as versioned documents, downloaded and audited."""

import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import AuditEvent, GeneratedDocument

NS = {"h": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
EVENT = "h:PORR_IN049016UV/h:controlActProcess/h:subject/h:investigationEvent"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.fixture
def people(make_user, token_for, db):
    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    users = {
        "reporter": make_user("reporter"),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "pv_elsewhere": make_user("correspondent", vigilances=["pharmacovigilance"], place=elsewhere),
        "coordinator": make_user("coordinator"),
    }
    return {name: (user, token_for(user)) for name, user in users.items()}


def headers(people, who):
    return people[who][1]


def file(client, people, **changes):
    body = a_report(
        **{
            "product": {"name": "Kymriah"},
            "description": "Syndrome de relargage cytokinique grade 2 à J+3. Fièvre à 39 °C, hypotension.",
            **changes,
        }
    )
    response = client.post("/api/v1/reports", json=body, headers=headers(people, "reporter"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def first_item(client, people, who="pv", queue="pharmacovigilance"):
    response = client.get(f"/api/v1/queues/{queue}/items", headers=headers(people, who))
    return response.get_json()["items"][0]["id"]


def xml_of(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)


def text(root, path):
    found = root.find(path, NS)
    assert found is not None, path
    return found


def ids(root):
    event = text(root, EVENT)
    return {i.get("root"): i.get("extension") for i in event.findall("h:id", NS)}


def created(root):
    return text(root, "h:PORR_IN049016UV/h:controlActProcess/h:effectiveTime").get("value")


def nullification(root):
    event = text(root, EVENT)
    found = {}
    for holder in event.findall("h:subjectOf2/h:investigationCharacteristic", NS):
        code = holder.find("h:code", NS).get("code")
        value = holder.find("h:value", NS)
        found[code] = value
    return found


def claim_and_assess(client, people, item_id, **assessment):
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers(people, "pv")).status_code == 200
    body = {"based_on_version": 0, "imputability": "probable", "seriousness_criteria": ["hospitalisation"]}
    body.update(assessment)
    response = client.post(f"/api/v1/queue-items/{item_id}/assess", headers=headers(people, "pv"), json=body)
    assert response.status_code == 200, response.get_json()


def test_the_icsr_holds_the_required_elements_and_values(client, people):
    report = file(client, people, lot_number="LOT-42A")
    item_id = first_item(client, people)
    claim_and_assess(client, people, item_id)
    root = xml_of(client.get(f"/api/v1/queue-items/{item_id}/declaration.xml", headers=headers(people, "pv")))

    assert root.tag == "{urn:hl7-org:v3}MCCI_IN200100UV01"
    assert text(root, "h:name").get("code") == "1"  # N.1.1 ichicsr
    assert text(root, "h:id").get("root") == "2.16.840.1.113883.3.989.2.1.3.22"  # N.1.2
    case_id = f"FR-750000010-{report['reference']}"
    assert ids(root) == {"2.16.840.1.113883.3.989.2.1.3.1": case_id, "2.16.840.1.113883.3.989.2.1.3.2": case_id}
    assert text(root, "h:PORR_IN049016UV/h:id").get("extension") == case_id  # N.2.r.1 = C.1.1
    assert len(created(root)) == len("20261205040000+0100")  # C.1.2 to the second, with its offset
    characteristics = nullification(root)
    assert characteristics["1"].get("code") == "1"  # C.1.3 spontaneous
    assert "3" not in characteristics and "4" not in characteristics  # no C.1.11 in an initial report
    event = text(root, EVENT)
    assert text(event, "h:effectiveTime/h:low").get("value") == report_day(report)  # C.1.4
    assert text(event, "h:availabilityTime").get("value")  # C.1.5
    assert text(event, "h:text").text.startswith("Syndrome de relargage cytokinique")  # H.1
    reporter = text(
        event, "h:outboundRelationship[h:priorityNumber]/h:relatedInvestigation/h:subjectOf2/h:controlActEvent/h:author"
    )
    person = "h:assignedEntity/h:assignedPerson"
    assert text(reporter, f"{person}/h:asQualifiedEntity/h:code").get("code") == "3"  # C.2.r.4
    assert text(reporter, f"{person}/h:asLocatedEntity/h:location/h:code").get("code") == "FR"  # C.2.r.3

    patient = text(event, "h:component/h:adverseEventAssessment/h:subject1/h:primaryRole")
    assert text(patient, "h:player1/h:name").text == "MD"  # D.1
    assert text(patient, "h:player1/h:administrativeGenderCode").get("code") == "2"  # D.5
    assert text(patient, "h:player1/h:birthTime").get("value") == "1956"  # D.2.1, the year
    reaction = next(
        o for o in patient.findall("h:subjectOf2/h:observation", NS) if o.find("h:code", NS).get("code") == "29"
    )
    reported = text(reaction, "h:value/h:originalText")
    assert reported.text == "Syndrome de relargage cytokinique grade 2 à J+3."  # E.i.1.1a
    assert reported.get("language") == "fre"  # E.i.1.1b
    assert text(reaction, "h:value").get("code") is None  # no MedDRA code held: none made up
    criteria = {
        o.find("h:code", NS).get("code"): o.find("h:value", NS)
        for o in reaction.findall("h:outboundRelationship2/h:observation", NS)
    }
    assert criteria["33"].get("value") == "true"  # E.i.3.2c hospitalisation
    assert criteria["34"].get("nullFlavor") == "NI"  # E.i.3.2a death: not said
    assert criteria["27"].get("code") == "0"  # E.i.7 outcome unknown
    drug = text(patient, "h:subjectOf2/h:organizer/h:component/h:substanceAdministration")
    assert text(drug, "h:consumable/h:instanceOfKind/h:kindOfProduct/h:name").text == "Kymriah"  # G.k.2.2
    lot = "h:outboundRelationship2/h:substanceAdministration/h:consumable/h:instanceOfKind/h:productInstanceInstance"
    assert text(drug, f"{lot}/h:lotNumberText").text == "LOT-42A"  # G.k.4.r.7
    roles = [
        c
        for c in event.findall("h:component/h:adverseEventAssessment/h:component/h:causalityAssessment", NS)
        if c.find("h:code", NS).get("code") == "20"
    ]
    assert [r.find("h:value", NS).get("code") for r in roles] == ["1"]  # G.k.1 suspect
    assert roles[0].find("h:value", NS).get(XSI_TYPE) == "CE"
    results = [
        c.find("h:value", NS).text
        for c in event.findall("h:component/h:adverseEventAssessment/h:component/h:causalityAssessment", NS)
        if c.find("h:code", NS).get("code") == "39"
    ]
    assert results == ["probable"]  # G.k.9.i.2.r.3, the assessment's imputability


def report_day(report):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(report["received_at"]).astimezone(ZoneInfo("Europe/Paris")).strftime("%Y%m%d")


def test_initial_follow_up_and_nullification_keep_the_case_identifiers(client, people, db):
    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    initial = xml_of(client.get(url, headers=headers(people, "pv")))
    again = xml_of(client.get(url, headers=headers(people, "pv")))
    assert ET.tostring(again) == ET.tostring(initial)  # nothing changed: the same version
    db.expire_all()
    assert db.scalar(select(GeneratedDocument.version).where(GeneratedDocument.queue_item_id == item_id)) == 1

    claim_and_assess(client, people, item_id, seriousness_criteria=["life_threatening"])
    follow_up = xml_of(client.get(url, headers=headers(people, "pv")))
    assert ids(follow_up) == ids(initial)
    assert created(follow_up) >= created(initial)
    assert "3" not in nullification(follow_up)

    refused = client.post(f"{url}/nullify", headers=headers(people, "pv"), json={"reason": " "})
    assert refused.status_code == 422
    answer = client.post(f"{url}/nullify", headers=headers(people, "pv"), json={"reason": "Doublon du cas CRPV."})
    assert answer.status_code == 201, answer.get_json()
    nullified = answer.get_json()
    assert nullified["version"] == 3 and nullified["message_kind"] == "nullification"
    document = client.get(nullified["download"], headers=headers(people, "pv"))
    assert document.headers["Content-Disposition"].startswith("attachment; filename=")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    root = xml_of(document)
    assert ids(root) == ids(initial)
    characteristics = nullification(root)
    assert characteristics["3"].get("code") == "1"  # C.1.11.1 nullification
    assert text(characteristics["4"], "h:originalText").text == "Doublon du cas CRPV."  # C.1.11.2
    # Once nullified, the case is not sent again: the nullification is what the item gives.
    assert ET.tostring(xml_of(client.get(url, headers=headers(people, "pv")))) == ET.tostring(root)
    assert client.post(f"{url}/nullify", headers=headers(people, "pv"), json={"reason": "x"}).status_code == 409

    listed = client.get(f"/api/v1/queue-items/{item_id}/documents", headers=headers(people, "pv")).get_json()
    assert [(d["version"], d["message_kind"]) for d in listed["documents"]] == [
        (3, "nullification"),
        (2, "follow_up"),
        (1, "initial"),
    ]
    stamps = [d["created_at"] for d in reversed(listed["documents"])]
    assert stamps == sorted(stamps)
    assert len({d["safety_report_id"] for d in listed["documents"]}) == 1
    assert len({d["message_id"] for d in listed["documents"]}) == 3


def test_nullifying_before_any_message_is_refused(client, people):
    file(client, people)
    item_id = first_item(client, people)
    answer = client.post(
        f"/api/v1/queue-items/{item_id}/declaration.xml/nullify", headers=headers(people, "pv"), json={"reason": "x"}
    )
    assert answer.status_code == 409


def test_other_queues_and_other_establishments_get_404(client, people):
    file(client, people, product={"name": "CGR phénotypé"})
    haemovigilance = first_item(client, people, "hv", "haemovigilance")
    assert (
        client.get(f"/api/v1/queue-items/{haemovigilance}/declaration.xml", headers=headers(people, "hv")).status_code
        == 404
    )

    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    assert client.get(url, headers=headers(people, "pv_elsewhere")).status_code == 404
    assert client.get(url, headers=headers(people, "hv")).status_code == 404
    assert client.get(url, headers=headers(people, "reporter")).status_code == 404
    assert client.get(url, headers=headers(people, "coordinator")).status_code == 200
    document_id = client.get(f"/api/v1/queue-items/{item_id}/documents", headers=headers(people, "pv")).get_json()[
        "documents"
    ][0]["id"]
    for who in ("pv_elsewhere", "hv", "reporter"):
        assert client.get(f"/api/v1/documents/{document_id}", headers=headers(people, who)).status_code == 404
        assert client.get(f"/api/v1/queue-items/{item_id}/documents", headers=headers(people, who)).status_code == 404
    assert client.get("/api/v1/documents/999999", headers=headers(people, "pv")).status_code == 404


def test_generation_and_each_download_are_audited(client, people, db):
    report = file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    client.get(url, headers=headers(people, "pv"))
    client.get(url, headers=headers(people, "pv"))
    db.expire_all()
    document = db.scalars(select(GeneratedDocument).where(GeneratedDocument.queue_item_id == item_id)).one()
    client.get(f"/api/v1/documents/{document.id}", headers=headers(people, "coordinator"))
    db.expire_all()
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.report_id == report["id"], AuditEvent.target.like("%document:%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.target) for e in events] == [
        ("create", f"document:{document.id}"),
        ("read", f"api:document:{document.id}"),
        ("read", f"api:document:{document.id}"),
        ("read", f"api:document:{document.id}"),
    ]
    assert events[0].after["sha256"] == document.sha256 and events[0].after["kind"] == "e2b_icsr"
    assert events[-1].actor_id == people["coordinator"][0].id


def test_a_declaration_names_the_document_sent(client, people):
    file(client, people)
    item_id = first_item(client, people)
    other = file(client, people)
    other_item = next(
        i["id"]
        for i in client.get("/api/v1/queues/pharmacovigilance/items", headers=headers(people, "pv")).get_json()["items"]
        if i["report_id"] == other["id"]
    )
    client.get(f"/api/v1/queue-items/{other_item}/declaration.xml", headers=headers(people, "pv"))
    client.get(f"/api/v1/queue-items/{item_id}/declaration.xml", headers=headers(people, "pv"))
    documents = {
        item: client.get(f"/api/v1/queue-items/{item}/documents", headers=headers(people, "pv")).get_json()[
            "documents"
        ][0]["id"]
        for item in (item_id, other_item)
    }
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers(people, "pv")).status_code == 200
    declaration = {"authority": "CRPV", "authority_reference": "PV-2026-1", "declared_on": "2026-01-05"}
    refused = client.post(
        f"/api/v1/queue-items/{item_id}/declarations",
        headers=headers(people, "pv"),
        json={**declaration, "document_id": documents[other_item]},
    )
    assert refused.status_code == 422 and "document_id" in refused.get_json()["errors"]
    answer = client.post(
        f"/api/v1/queue-items/{item_id}/declarations",
        headers=headers(people, "pv"),
        json={**declaration, "document_id": documents[item_id]},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["declarations"][0]["document_id"] == documents[item_id]
    # The declaration's number goes into the next message (C.1.9.1.r): a follow-up.
    root = xml_of(client.get(f"/api/v1/queue-items/{item_id}/declaration.xml", headers=headers(people, "pv")))
    other_ids = text(root, f"{EVENT}/h:subjectOf1/h:controlActEvent/h:id")
    assert (other_ids.get("assigningAuthorityName"), other_ids.get("extension")) == ("CRPV", "PV-2026-1")


def test_simultaneous_generations_make_one_version(app, client, people, db):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    file(client, people)
    item_id = first_item(client, people)
    barrier = threading.Barrier(4)

    def generate(_n):
        local = app.test_client()
        barrier.wait()
        url = f"/api/v1/queue-items/{item_id}/declaration.xml"
        return local.get(url, headers=headers(people, "pv")).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(generate, range(4))) == [200] * 4
    db.expire_all()
    versions = db.scalars(select(GeneratedDocument.version).where(GeneratedDocument.queue_item_id == item_id)).all()
    assert versions == [1]


# Review fixes -----------------------------------------------------------------------------

NIR = "2 85 05 78 006 084 36"


def e2b_versions(db, item_id):
    db.expire_all()
    return db.scalars(
        select(GeneratedDocument.version)
        .where(GeneratedDocument.queue_item_id == item_id)
        .order_by(GeneratedDocument.version)
    ).all()


def test_claiming_releasing_or_assigning_later_makes_no_new_version(client, people, db, make_user, token_for):
    from datetime import UTC, datetime, timedelta

    import time_machine

    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    first = client.get(url, headers=headers(people, "pv"))
    colleague = make_user("correspondent", vigilances=["pharmacovigilance"])
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2), tick=False):
        assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers(people, "pv")).status_code == 200
        assert client.get(url, headers=headers(people, "pv")).data == first.data
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=False):
        assigned = client.post(
            f"/api/v1/queue-items/{item_id}/assign",
            headers=headers(people, "pv"),
            json={"assignee_id": colleague.id},
        )
        assert assigned.status_code == 200, assigned.get_json()
        assert client.post(f"/api/v1/queue-items/{item_id}/release", headers=token_for(colleague)).status_code == 200
        assert client.get(url, headers=headers(people, "pv")).data == first.data
    assert e2b_versions(db, item_id) == [1]


def test_the_case_file_goes_into_the_icsr_and_moves_c_1_5(client, people, db):
    from datetime import UTC, datetime, timedelta

    import time_machine

    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    initial = xml_of(client.get(url, headers=headers(people, "pv")))
    case_url = f"/api/v1/queue-items/{item_id}/case-file"
    later = datetime.now(UTC) + timedelta(days=4)
    with time_machine.travel(later, tick=False):
        seen = client.get(case_url, headers=headers(people, "pv")).get_json()["version"]
        data = {
            "medicines": [
                {
                    "name": "Kymriah",
                    "role": "suspect",
                    "lot_number": "LOT-42A",
                    "dose": "1 perfusion unique",
                    "route": "intraveineuse",
                    "started_on": "2026-01-02",
                    "ended_on": "2026-01-02",
                },
                {"name": "Paracétamol", "role": "concomitant", "dose": "1 g x 3/j", "started_on": "2026-01-01"},
            ],
            "reactions": [{"description": "Syndrome de relargage cytokinique. Grade 2.", "started_on": "2026-01-05"}],
            "serious": True,
            "seriousness_criteria": ["hospitalisation", "life_threatening"],
            "outcome": "recovered_with_sequelae",
        }
        saved = client.put(case_url, headers=headers(people, "pv"), json={"based_on_version": seen, "data": data})
        assert saved.status_code == 200, saved.get_json()
        root = xml_of(client.get(url, headers=headers(people, "pv")))
    assert e2b_versions(db, item_id) == [1, 2]
    event = text(root, EVENT)
    c15 = text(event, "h:availabilityTime").get("value")
    assert c15 == later.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y%m%d")  # C.1.5: the case file's save
    assert c15 > text(text(initial, EVENT), "h:availabilityTime").get("value")
    patient = text(event, "h:component/h:adverseEventAssessment/h:subject1/h:primaryRole")
    drugs = patient.findall("h:subjectOf2/h:organizer/h:component/h:substanceAdministration", NS)
    assert [text(d, "h:consumable/h:instanceOfKind/h:kindOfProduct/h:name").text for d in drugs] == [
        "Kymriah",
        "Paracétamol",
    ]
    dosage = text(drugs[0], "h:outboundRelationship2/h:substanceAdministration")
    assert text(dosage, "h:text").text == "1 perfusion unique"  # G.k.4.r.8
    assert text(dosage, "h:effectiveTime/h:low").get("value") == "20260102"  # G.k.4.r.4
    assert text(dosage, "h:effectiveTime/h:high").get("value") == "20260102"  # G.k.4.r.5
    assert text(dosage, "h:routeCode/h:originalText").text == "intraveineuse"  # G.k.4.r.10.1
    lot = "h:consumable/h:instanceOfKind/h:productInstanceInstance/h:lotNumberText"
    assert text(dosage, lot).text == "LOT-42A"  # G.k.4.r.7
    roles = [
        c.find("h:value", NS).get("code")
        for c in event.findall("h:component/h:adverseEventAssessment/h:component/h:causalityAssessment", NS)
        if c.find("h:code", NS).get("code") == "20"
    ]
    assert roles == ["1", "2"]  # G.k.1 suspect, concomitant
    reaction = next(
        o for o in patient.findall("h:subjectOf2/h:observation", NS) if o.find("h:code", NS).get("code") == "29"
    )
    assert text(reaction, "h:value/h:originalText").text == "Syndrome de relargage cytokinique."  # E.i.1.1a
    assert text(reaction, "h:effectiveTime/h:comp/h:low").get("value") == "20260105"  # E.i.4
    criteria = {
        o.find("h:code", NS).get("code"): o.find("h:value", NS)
        for o in reaction.findall("h:outboundRelationship2/h:observation", NS)
    }
    assert criteria["33"].get("value") == "true" and criteria["21"].get("value") == "true"  # E.i.3.2c, E.i.3.2b
    assert criteria["34"].get("nullFlavor") == "NI"
    assert criteria["27"].get("code") == "4"  # E.i.7 recovered with sequelae

    # Saved again with nothing changed: a later C.1.5 alone makes no follow-up.
    with time_machine.travel(later + timedelta(days=1), tick=False):
        seen = client.get(case_url, headers=headers(people, "pv")).get_json()["version"]
        again = client.put(case_url, headers=headers(people, "pv"), json={"based_on_version": seen, "data": {}})
        assert again.status_code == 200, again.get_json()
        client.get(url, headers=headers(people, "pv"))
    assert e2b_versions(db, item_id) == [1, 2]


def test_only_the_holder_or_a_coordinator_nullifies(client, people, db, make_user, token_for):
    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    other = make_user("correspondent", vigilances=["pharmacovigilance"])
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers(people, "pv")).status_code == 200
    client.get(url, headers=headers(people, "pv"))
    refused = client.post(f"{url}/nullify", headers=token_for(other), json={"reason": "Doublon."})
    assert refused.status_code == 409, refused.get_json()
    assert e2b_versions(db, item_id) == [1]
    answer = client.post(f"{url}/nullify", headers=headers(people, "coordinator"), json={"reason": "Doublon."})
    assert answer.status_code == 201, answer.get_json()


def test_nullifying_an_unheld_item_takes_it(client, people, db):
    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    client.get(url, headers=headers(people, "pv"))
    assert client.post(f"{url}/nullify", headers=headers(people, "pv"), json={"reason": "Doublon."}).status_code == 201
    item = client.get(f"/api/v1/queue-items/{item_id}", headers=headers(people, "pv")).get_json()
    assert item["assignee"]["id"] == people["pv"][0].id


def test_a_nir_is_refused_in_what_goes_into_the_message(client, people, db):
    file(client, people)
    item_id = first_item(client, people)
    url = f"/api/v1/queue-items/{item_id}/declaration.xml"
    client.get(url, headers=headers(people, "pv"))
    refused = client.post(f"{url}/nullify", headers=headers(people, "pv"), json={"reason": f"Doublon du {NIR}"})
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    assert client.post(f"/api/v1/queue-items/{item_id}/claim", headers=headers(people, "pv")).status_code == 200
    declaration = {"authority": "CRPV", "authority_reference": f"PV {NIR}", "declared_on": "2026-01-05"}
    refused = client.post(
        f"/api/v1/queue-items/{item_id}/declarations", headers=headers(people, "pv"), json=declaration
    )
    assert refused.status_code == 422 and "authority_reference" in refused.get_json()["errors"]
    assert e2b_versions(db, item_id) == [1]


def test_listing_an_items_documents_is_audited(client, people, db):
    report = file(client, people)
    item_id = first_item(client, people)
    listed = client.get(f"/api/v1/queue-items/{item_id}/documents", headers=headers(people, "pv"))
    assert listed.status_code == 200
    db.expire_all()
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.report_id == report["id"], AuditEvent.target == f"api:item:{item_id}:documents"
        )
    ).all()
    assert [(e.action, e.actor_id) for e in reads] == [("read", people["pv"][0].id)]
