"""The case file's doors: ``/api/v1/queue-items/<id>/case-file`` and the clinician's details at filing."""

import pytest
from sqlalchemy import func, select

from tests.report_payloads import a_report
from vigilance import accounts
from vigilance.models import AuditEvent, CaseFileRecord, QueueItem

VALID_DIN = "G123498654321 00 H"
WRONG_DIN = "G123498654321 00 X"


@pytest.fixture
def people(make_user, db):
    other = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"]),
        "hv2": make_user("correspondent", vigilances=["haemovigilance"]),
        "pv": make_user("correspondent", vigilances=["pharmacovigilance"]),
        "hv_elsewhere": make_user("correspondent", vigilances=["haemovigilance"], place=other),
    }


def _file(client, token_for, people, **overrides):
    answer = client.post("/api/v1/reports", json=a_report(**overrides), headers=token_for(people["reporter"]))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _item_id(db, report_id, queue):
    db.rollback()
    return db.scalar(select(QueueItem.id).where(QueueItem.report_id == report_id, QueueItem.queue == queue))


def _stored(db, item_id):
    db.rollback()
    return db.scalar(select(CaseFileRecord).where(CaseFileRecord.queue_item_id == item_id))


def test_the_clinicians_details_flow_from_filing_into_the_feir(client, db, token_for, people):
    report = _file(
        client,
        token_for,
        people,
        donation_number=VALID_DIN,
        case_details={
            "units": [{"donation_number": VALID_DIN, "product_code": "E4578V00"}],
            "transfusion_started_at": "2026-11-20T14:00:00+01:00",
            "reaction_onset_at": "2026-11-20T14:30:00+01:00",
            "signs": ["chills", "fever"],
        },
    )
    item_id = _item_id(db, report["id"], "haemovigilance")
    answer = client.get(f"/api/v1/queue-items/{item_id}/case-file", headers=token_for(people["hv"]))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["form"]["id"] == "feir" and body["version"] == 1
    data = body["data"]
    assert data["units"] == [{"donation_number": VALID_DIN, "product_code": "E4578V00"}]
    assert data["transfusion_started_at"] == "2026-11-20T14:00:00+01:00"
    assert data["signs"] == ["chills", "fever"]
    # What the report held: the patient, the grade, the description.
    assert (data["recipient_sex"], data["recipient_birth_year"], data["severity_grade"]) == ("F", 1956, "2")
    assert data["description"].startswith("Frissons")
    missing = {gap["section"]: [f["path"] for f in gap["fields"]] for gap in body["missing"]}
    assert "units" not in missing and "transfusion" not in missing
    assert missing["diagnosis"] == ["diagnosis"] and missing["imputability"] == ["imputability"]
    assert not body["ready"]
    # Labels in the reader's language, the form's French beside.
    section = next(s for s in body["form"]["sections"] if s["name"] == "units")
    unit = section["fields"][0]["fields"][0]
    assert unit["label_fr"] == "N° d'identification de l'unité (n° de don)" and unit["source"].startswith("READ")
    english = client.get(
        f"/api/v1/queue-items/{item_id}/case-file", headers={**token_for(people["hv"]), "Accept-Language": "en"}
    ).get_json()
    assert english["form"]["sections"][0]["title"] == "Declaration identification"


def test_a_wrong_donation_number_in_the_details_refuses_the_report_and_stores_nothing(client, db, token_for, people):
    answer = client.post(
        "/api/v1/reports",
        json=a_report(case_details={"units": [{"donation_number": WRONG_DIN}]}),
        headers=token_for(people["reporter"]),
    )
    assert answer.status_code == 422
    assert "case_details.units.0.donation_number" in answer.get_json()["errors"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CaseFileRecord)) == 0


def test_the_feir_filled_through_the_api(client, db, token_for, people):
    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    headers = token_for(people["hv"])
    url = f"/api/v1/queue-items/{item_id}/case-file"
    data = {
        "declaration_kind": "initial",
        "care_unit": "Hématologie",
        "ets_site": "EFS Île-de-France, site Saint-Louis",
        "recipient_sex": "F",
        "recipient_birth_year": 1956,
        "transfusion_started_at": "2026-11-20T14:00:00+01:00",
        "reaction_onset_at": "2026-11-20T14:30:00+01:00",
        "units": [{"donation_number": VALID_DIN, "product_code": "E4578V00", "product_type": "CGR"}],
        "signs": ["fever", "chills"],
        "diagnosis": "fnhtr",
        "severity_grade": "1",
        "imputability": "2",
        "outcome": "recovered",
        "investigation_status": "completed",
    }
    answer = client.put(url, json={"based_on_version": 1, "data": data}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["version"] == 2 and body["ready"] and body["missing"] == []
    stored = _stored(db, item_id)
    assert stored.version == 2 and stored.data["diagnosis"] == "fnhtr" and stored.updated_by == people["hv"].id
    # Audited: the fields changed, never their values.
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "case_file").order_by(AuditEvent.id.desc())
    ).first()
    assert event.target == f"item:{item_id}:case_file"
    assert "units.0.donation_number" in event.after["fields"] and "diagnosis" in event.after["fields"]
    assert VALID_DIN not in str(event.after) and "Hématologie" not in str(event.after)
    # A field not given is kept; null clears one.
    cleared = client.put(url, json={"based_on_version": 2, "data": {"outcome": None}}, headers=headers).get_json()
    assert "outcome" not in cleared["data"] and cleared["data"]["diagnosis"] == "fnhtr"
    assert [gap["section"] for gap in cleared["missing"]] == ["outcome"]


def test_refusals_name_the_field_path_and_store_nothing(client, db, token_for, people):
    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    headers = token_for(people["hv"])
    url = f"/api/v1/queue-items/{item_id}/case-file"
    before = _stored(db, item_id).data
    for data, path in (
        ({"units": [{"donation_number": VALID_DIN}, {"donation_number": WRONG_DIN}]}, "data.units.1.donation_number"),
        ({"diagnosis": "not-on-the-list"}, "data.diagnosis"),
        ({"recipient_birth_year": "1956"}, "data.recipient_birth_year"),
        ({"comments": "NIR 2 56 04 75 112 233 45"}, "data.comments"),
        ({"units": [{"product_code": "NIR 1 84 12 75 123 456 78"}]}, "data.units.0.product_code"),
        ({"no_such_field": 1}, "data.no_such_field"),
    ):
        answer = client.put(url, json={"based_on_version": 1, "data": data}, headers=headers)
        assert answer.status_code == 422, (data, answer.get_json())
        assert path in answer.get_json()["errors"], answer.get_json()
        stored = _stored(db, item_id)
        assert stored.version == 1 and stored.data == before
    # A donation number in no known format is accepted, with a warning.
    answer = client.put(
        url, json={"based_on_version": 1, "data": {"units": [{"donation_number": "ABC-77"}]}}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.get_json()["warnings"][0]["field"] == "units.0.donation_number"


def test_a_stale_version_is_refused_with_the_current_file(client, db, token_for, people):
    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    url = f"/api/v1/queue-items/{item_id}/case-file"
    headers = token_for(people["hv"])
    assert (
        client.put(url, json={"based_on_version": 1, "data": {"diagnosis": "allergy"}}, headers=headers).status_code
        == 200
    )
    stale = client.put(url, json={"based_on_version": 1, "data": {"diagnosis": "trali"}}, headers=headers)
    assert stale.status_code == 409
    body = stale.get_json()
    assert "based_on_version" in body["errors"] and body["current"]["version"] == 2
    assert body["current"]["data"]["diagnosis"] == "allergy"
    assert _stored(db, item_id).data["diagnosis"] == "allergy"


def test_access(client, db, token_for, people):
    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    url = f"/api/v1/queue-items/{item_id}/case-file"
    body = {"based_on_version": 1, "data": {"diagnosis": "allergy"}}
    for who in ("hv_elsewhere", "reporter", "pv"):
        assert client.get(url, headers=token_for(people[who])).status_code == 404, who
        assert client.put(url, json=body, headers=token_for(people[who])).status_code == 404, who
    assert client.get(url).status_code == 401
    # The item held by a colleague: they read it, but may not change it.
    claimed = client.post(f"/api/v1/queue-items/{item_id}/claim", headers=token_for(people["hv"]))
    assert claimed.status_code == 200
    assert client.get(url, headers=token_for(people["hv2"])).status_code == 200
    assert client.put(url, json=body, headers=token_for(people["hv2"])).status_code == 409
    assert _stored(db, item_id).version == 1


def test_the_pharmacovigilance_form_through_the_api(client, db, token_for, people):
    report = _file(
        client,
        token_for,
        people,
        product={"name": "Clottafact"},
        lot_number="L2026-77",
        case_details={"medicines": [{"dose": "3 g", "route": "IV", "started_on": "2026-11-20"}]},
    )
    item_id = _item_id(db, report["id"], "pharmacovigilance")
    headers = token_for(people["pv"])
    url = f"/api/v1/queue-items/{item_id}/case-file"
    body = client.get(url, headers=headers).get_json()
    assert body["form"]["id"] == "cerfa_10011"
    assert body["data"]["medicines"] == [
        {
            "name": "Clottafact",
            "role": "suspect",
            "lot_number": "L2026-77",
            "dose": "3 g",
            "route": "IV",
            "started_on": "2026-11-20",
        }
    ]
    assert body["data"]["patient_initials"] == "MD" and body["data"]["serious"] is True
    assert body["data"]["reactions"][0]["started_on"] == "2026-11-20"
    data = {
        "crpv_department": "75",
        "reporter_identification": "Pharmacie, 75010",
        "patient_weight_kg": 64.5,
        "patient_height_m": 1.62,
        "medicines": [
            {**body["data"]["medicines"][0], "indication": "Hémorragie du post-partum"},
            {"name": "Paracétamol", "role": "concomitant", "dose": "1 g x 3/j", "route": "orale"},
        ],
        "medical_history": "Aucun antécédent allergique connu.",
        "seriousness_criteria": ["hospitalisation"],
        "outcome": "recovered",
    }
    answer = client.put(url, json={"based_on_version": 1, "data": data}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    medicines = body["data"]["medicines"]
    # The rows given replace the group's: the clinician's dose was sent back with the first medicine.
    assert medicines[0]["dose"] == "3 g" and medicines[0]["indication"] == "Hémorragie du post-partum"
    assert medicines[1] == {"name": "Paracétamol", "role": "concomitant", "dose": "1 g x 3/j", "route": "orale"}
    assert body["ready"], body["missing"]
    assert body["data"]["patient_weight_kg"] == 64.5


# The item page --------------------------------------------------------------------------------


def _page_form(client, item_id):
    from tests.page_session import csrf_from

    html = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert 'id="case-file"' in html
    return html, csrf_from(html)


def test_the_feir_filled_through_the_item_page(client, db, token_for, people):
    from tests.page_session import sign_in

    report = _file(client, token_for, people, donation_number=VALID_DIN)
    item_id = _item_id(db, report["id"], "haemovigilance")
    sign_in(client, people["hv"])
    html, csrf = _page_form(client, item_id)
    assert "Dossier de déclaration" in html and "Manque avant l" in html
    assert f'value="{VALID_DIN}"' in html  # the report's donation number, on the first unit
    form = {
        "csrf_token": csrf,
        "based_on_version": "1",
        "case_file.declaration_kind": "initial",
        "case_file.care_unit": "Hématologie",
        "case_file.ets_site": "EFS Saint-Louis",
        "case_file.recipient_sex": "F",
        "case_file.recipient_birth_year": "1956",
        "case_file.transfusion_started_at": "2026-11-20T14:00",
        "case_file.reaction_onset_at": "2026-11-20T14:30",
        "case_file.units.0.donation_number": VALID_DIN,
        "case_file.units.0.product_code": "E4578V00",
        "case_file.units.0.product_type": "CGR",
        "case_file.units.1.donation_number": "",
        "case_file.signs": ["fever", "chills"],
        "case_file.diagnosis": "fnhtr",
        "case_file.severity_grade": "1",
        "case_file.imputability": "2",
        "case_file.outcome": "recovered",
        "case_file.investigation_status": "completed",
        "case_file.flagged_urgent": "no",
    }
    answer = client.post(f"/queue-items/{item_id}/case-file", data=form)
    assert answer.status_code == 302
    stored = _stored(db, item_id)
    assert stored.version == 2
    assert stored.data["units"] == [{"donation_number": VALID_DIN, "product_code": "E4578V00", "product_type": "CGR"}]
    assert stored.data["transfusion_started_at"] == "2026-11-20T14:00:00+01:00"
    assert stored.data["recipient_birth_year"] == 1956 and stored.data["flagged_urgent"] is False
    assert stored.data["signs"] == ["fever", "chills"]
    html = client.get(f"/queue-items/{item_id}").get_data(as_text=True)
    assert "Rien ne manque" in html and 'value="2026-11-20T14:00"' in html


def test_a_refusal_on_the_page_keeps_what_was_typed_and_stores_nothing(client, db, token_for, people):
    from tests.page_session import sign_in

    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    sign_in(client, people["hv"])
    _html, csrf = _page_form(client, item_id)
    form = {
        "csrf_token": csrf,
        "based_on_version": "1",
        "case_file.units.0.donation_number": WRONG_DIN,
        "case_file.units.0.product_code": "E4578V00",
        "case_file.recipient_birth_year": "dix-neuf cent",
        "case_file.comments": "Patiente vue en consultation.",
    }
    answer = client.post(f"/queue-items/{item_id}/case-file", data=form)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert (
        'id="cf-case_file-units-0-donation_number-error"' in html
        and 'id="cf-case_file-recipient_birth_year-error"' in html
    )
    assert "Patiente vue en consultation." in html and 'value="dix-neuf cent"' in html
    assert "Nombre attendu." in html  # marshmallow's message, in the reader's language
    assert _stored(db, item_id).version == 1
    # Stale: the form is kept, and may be sent again on the current version.
    client.put(
        f"/api/v1/queue-items/{item_id}/case-file",
        json={"based_on_version": 1, "data": {"diagnosis": "allergy"}},
        headers=token_for(people["hv"]),
    )
    form.update({"case_file.units.0.donation_number": VALID_DIN, "case_file.recipient_birth_year": "1956"})
    answer = client.post(f"/queue-items/{item_id}/case-file", data=form)
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert 'id="stale-case-file"' in html and 'name="based_on_version" value="2"' in html
    assert "Patiente vue en consultation." in html
    assert _stored(db, item_id).data["diagnosis"] == "allergy"


def test_the_pharmacovigilance_form_through_the_page(client, db, token_for, people):
    from tests.page_session import sign_in

    report = _file(client, token_for, people, product={"name": "Clottafact"}, lot_number="L2026-77")
    item_id = _item_id(db, report["id"], "pharmacovigilance")
    sign_in(client, people["pv"])
    html, csrf = _page_form(client, item_id)
    assert 'value="Clottafact"' in html and "cerfa" in html
    form = {
        "csrf_token": csrf,
        "based_on_version": "1",
        "case_file.crpv_department": "75",
        "case_file.reporter_identification": "Maternité, 75010",
        "case_file.patient_initials": "MD",
        "case_file.patient_sex": "F",
        "case_file.patient_birth_year": "1990",
        "case_file.patient_weight_kg": "64,5",
        "case_file.medicines.0.name": "Clottafact",
        "case_file.medicines.0.role": "suspect",
        "case_file.medicines.0.dose": "3 g",
        "case_file.medicines.0.lot_number": "L2026-77",
        "case_file.medicines.0.started_on": "2026-11-20",
        "case_file.medicines.1.name": "Paracétamol",
        "case_file.medicines.1.role": "concomitant",
        "case_file.reactions.0.description": "Urticaire généralisée.",
        "case_file.reactions.0.started_on": "2026-11-20",
        "case_file.serious": "yes",
        "case_file.seriousness_criteria": "hospitalisation",
        "case_file.outcome": "recovered",
    }
    answer = client.post(f"/queue-items/{item_id}/case-file", data=form)
    assert answer.status_code == 302
    stored = _stored(db, item_id).data
    assert stored["patient_weight_kg"] == 64.5 and stored["serious"] is True
    assert [m["name"] for m in stored["medicines"]] == ["Clottafact", "Paracétamol"]
    assert stored["seriousness_criteria"] == ["hospitalisation"]
    assert "Rien ne manque" in client.get(f"/queue-items/{item_id}").get_data(as_text=True)


def test_the_page_is_for_those_who_work_the_item(app, client, db, token_for, people):
    from tests.page_session import csrf_from, sign_in

    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    for who in ("reporter", "hv_elsewhere"):
        other = app.test_client()
        sign_in(other, people[who])
        csrf = csrf_from(other.get("/reports/new").get_data(as_text=True))
        assert other.get(f"/queue-items/{item_id}").status_code == 404, who
        answer = other.post(
            f"/queue-items/{item_id}/case-file", data={"csrf_token": csrf, "case_file.diagnosis": "allergy"}
        )
        assert answer.status_code == 404, who
    assert _stored(db, item_id).version == 1


def test_the_clinicians_details_from_the_report_form_reach_the_case_file(client, db, people):
    from tests.page_session import form_fields, sign_in

    sign_in(client, people["reporter"])
    html = client.get("/reports/new").get_data(as_text=True)
    assert 'name="case_details.units.0.donation_number"' in html and 'name="case_details.medicines.0.dose"' in html
    fields = form_fields(
        client,
        product_name="CGR phénotypé",
        **{
            "case_details.units.0.donation_number": VALID_DIN,
            "case_details.units.0.product_code": "E4578V00",
            "case_details.transfusion_started_at": "2026-11-20T14:00",
            "case_details.signs": ["chills", "fever"],
        },
    )
    answer = client.post("/reports/new", data=fields)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    db.rollback()
    record = db.scalars(select(CaseFileRecord).order_by(CaseFileRecord.id.desc())).first()
    assert record.form_id == "feir"
    assert record.data["units"] == [{"donation_number": VALID_DIN, "product_code": "E4578V00"}]
    assert record.data["transfusion_started_at"] == "2026-11-20T14:00:00+01:00"
    assert record.data["signs"] == ["chills", "fever"]


def test_a_wrong_donation_number_on_the_report_form_is_shown_beside_its_field(client, db, people):
    from tests.page_session import form_fields, sign_in

    sign_in(client, people["reporter"])
    fields = form_fields(
        client,
        product_name="CGR phénotypé",
        **{"case_details.units.1.donation_number": WRONG_DIN, "case_details.signs": ["chills", "fever"]},
    )
    answer = client.post("/reports/new", data=fields)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    # Beside the row it was typed in.
    assert 'id="cf-case_details-units-1-donation_number-error"' in html
    assert html.count('name="case_details.signs" value="chills" checked') == 1
    assert db.scalar(select(func.count()).select_from(CaseFileRecord)) == 0


def test_an_item_without_a_stored_file_reads_its_report_as_version_0(client, db, token_for, people):
    """An item opened after filing (routed again, say) has no case file yet: what its report says."""
    from sqlalchemy import delete

    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    db.execute(delete(CaseFileRecord).where(CaseFileRecord.queue_item_id == item_id))
    db.commit()
    url = f"/api/v1/queue-items/{item_id}/case-file"
    headers = token_for(people["hv"])
    body = client.get(url, headers=headers).get_json()
    assert body["version"] == 0 and body["data"]["recipient_birth_year"] == 1956
    assert client.put(url, json={"based_on_version": 1, "data": {}}, headers=headers).status_code == 409
    saved = client.put(url, json={"based_on_version": 0, "data": {"diagnosis": "allergy"}}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["version"] == 1
    assert _stored(db, item_id).data["recipient_birth_year"] == 1956


def test_an_item_whose_vigilance_has_no_form_yet_says_so(client, db, make_user, token_for, people):
    qualifier = make_user("correspondent", vigilances=["qualification"])
    report = _file(client, token_for, people, product={"name": "amoxicilline"})
    item_id = _item_id(db, report["id"], "qualification")
    answer = client.get(f"/api/v1/queue-items/{item_id}/case-file", headers=token_for(qualifier))
    assert answer.status_code == 404
    assert "formulaire" in answer.get_json()["message"]
    # The item page opens all the same, without the section.
    from tests.page_session import sign_in

    sign_in(client, qualifier)
    page = client.get(f"/queue-items/{item_id}")
    assert page.status_code == 200 and 'id="case-file"' not in page.get_data(as_text=True)


def test_refusals_of_a_case_file_speak_the_readers_language(client, db, token_for, people):
    report = _file(client, token_for, people)
    item_id = _item_id(db, report["id"], "haemovigilance")
    url = f"/api/v1/queue-items/{item_id}/case-file"
    version = client.get(url, headers=token_for(people["hv"])).get_json()["version"]
    body = {"based_on_version": version, "data": {"recipient_birth_year": "abc"}}
    french = client.put(url, json=body, headers=token_for(people["hv"])).get_json()["errors"]
    english = client.put(url, json=body, headers={**token_for(people["hv"]), "Accept-Language": "en"}).get_json()
    assert english["errors"]["data.recipient_birth_year"] == ["Not a valid number."]
    assert french["data.recipient_birth_year"] != ["Not a valid number."]
    assert french["data.recipient_birth_year"][0].startswith("Nombre")
