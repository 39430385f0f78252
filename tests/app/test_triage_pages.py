"""The correspondents' pages: who may open a queue and an item, and actions through forms."""

import html
import re

import pytest
from sqlmodel import col, select

from tests.page_session import PASSWORD, csrf_from, form_fields, sign_in
from vigilance.models import AuditEvent, Deadline, Declaration


@pytest.fixture
def filed(client, make_user):
    reporter = make_user("reporter")
    sign_in(client, reporter)
    location = client.post("/reports/new", data=form_fields(client, product_name="CGR")).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    return reporter, int(re.search(r"/reports/(\d+)", location).group(1))


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


def test_queue_and_item_pages_for_the_queue_correspondent_only(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    html = client.get("/queues/haemovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', html).group(1)
    assert "CGR" in html
    assert client.get(item_path).status_code == 200
    for outsider in (make_user("correspondent", vigilances=["biovigilance"]), filed[0]):
        switch(client, outsider)
        assert client.get("/queues/haemovigilance").status_code == 404
        assert client.get(item_path).status_code == 404


def test_actions_through_the_item_page(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    html = client.get("/queues/haemovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', html).group(1)
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    page = client.post(f"{item_path}/claim", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Élément pris en charge." in page and correspondent.email in page
    page = client.post(
        f"{item_path}/close", data={"csrf_token": token, "outcome": "declared"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Aucune déclaration n&#39;est enregistrée" in page  # refused, and the page says why
    page = client.post(
        f"{item_path}/ask", data={"csrf_token": token, "question": "Volume transfusé ?"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "en attente d&#39;information" in page
    switch(client, filed[0])
    report_page = client.get(f"/reports/{filed[1]}").get_data(as_text=True)
    assert "Volume transfusé ?" in report_page
    request_id = re.search(r"/information-requests/(\d+)/answer", report_page).group(1)
    client.post(
        f"/information-requests/{request_id}/answer", data={"csrf_token": csrf_from(report_page), "answer": "Un CGR."}
    )
    assert "Un CGR." in client.get(f"/reports/{filed[1]}").get_data(as_text=True)


def test_queue_page_filters_by_category_and_period(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    assert "CGR" in client.get("/queues/haemovigilance?category=labile_blood_product").get_data(as_text=True)
    assert "CGR" not in client.get("/queues/haemovigilance?category=tissue").get_data(as_text=True)
    assert "CGR" not in client.get("/queues/haemovigilance?from=2099-01-01").get_data(as_text=True)
    assert "CGR" in client.get("/queues/haemovigilance?to=2099-01-01").get_data(as_text=True)


def test_a_filter_that_cannot_be_applied_is_refused_next_to_its_field(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    for query, field, message in (
        ("from=nonsense", "from", "Date invalide : attendue sous la forme AAAA-MM-JJ."),
        ("to=9999-12-31", "to", "La date doit tomber entre 2000 et 2100."),
        ("from=0001-01-01", "from", "La date doit tomber entre 2000 et 2100."),
        ("from=2026-12-01&to=2026-11-01", "from", "La date de début doit précéder la date de fin."),
        ("status=lost", "status", "Statut inconnu"),
        ("category=plutonium", "category", "Catégorie inconnue"),
        ("assigned=everyone", "assigned", "Choix inconnu."),
    ):
        answer = client.get(f"/queues/haemovigilance?{query}")
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, query
        assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', html), query
        assert f'aria-describedby="{field}-error"' in html
        assert "CGR" not in html  # nothing listed under a filter that was not applied
    cut_short = client.get("/queues/haemovigilance?serious=yes&cursor=garbage")
    assert cut_short.status_code == 400
    html = cut_short.get_data(as_text=True)
    assert "Ce lien de page suivante n&#39;est pas valide" in html
    assert 'href="/queues/haemovigilance?serious=yes">Revenir au début de la file' in html
    outsider = make_user("correspondent", vigilances=["biovigilance"])
    switch(client, outsider)
    assert client.get("/queues/haemovigilance?from=nonsense").status_code == 404


def test_the_item_page_speaks_the_readers_words_and_keeps_the_assessment_of_a_closed_item(client, make_user, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    item_path = re.search(
        r'href="(/queue-items/\d+)"', client.get("/queues/haemovigilance").get_data(as_text=True)
    ).group(1)
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    client.post(
        f"{item_path}/assess",
        data={
            "csrf_token": token,
            "based_on_version": "0",
            "severity_grade": "2",
            "imputability": "2",
            "reaction_type": "taco",
            "investigation_status": "completed",
            "seriousness_criteria": ["hospitalisation", "life_threatening"],
            "comment": "OAP à H+2.",
        },
    )
    client.post(
        f"{item_path}/close", data={"csrf_token": token, "outcome": "not_reportable", "note": "Grade 1 en fait."}
    )
    page = client.get(item_path).get_data(as_text=True)
    assessment = re.search(r'<dl class="facts" id="assessment">(.*?)</dl>', page, re.S).group(1)
    for words in (
        "2 (probable)",
        "TACO (œdème pulmonaire de surcharge)",
        "terminée",
        "mise en jeu du pronostic vital, hospitalisation ou sa prolongation",
        "OAP à H+2.",
    ):
        assert words in assessment
    assert 'name="severity_grade"' not in page  # closed: read, not edited
    # Who assessed it, under the assessment (their name, or their email when they gave none).
    signed = re.search(r'<p class="help">Version 1 — ([^<]+)</p>', page).group(1)
    assert signed.endswith(f"— {correspondent.label}")
    history = re.search(r'<ol class="history">(.*?)</ol>', page, re.S).group(1)
    steps = re.findall(r"— ([^—<]+) — ", history)
    assert [s.strip() for s in steps] == ["signalement reçu", "prise en charge", "évaluation", "clôture"]
    assert "item:" not in history

    client.get("/language/en", headers={"Referer": item_path})
    english = client.get(item_path).get_data(as_text=True)
    assert "life-threatening, hospitalisation or its prolongation" in english
    assert "report received" in english and "claimed" in english
    # Each language's typography: "Gravité : Grave" (a non-breaking space before the colon), "Seriousness: Serious".
    assert "Seriousness: Serious" in english and "Gravité\u00a0: Grave" in page


def _item_id(client) -> int:
    html = client.get("/queues/haemovigilance").get_data(as_text=True)
    return int(re.search(r'href="/queue-items/(\d+)"', html).group(1))


@pytest.mark.parametrize(
    ("page_action", "form", "api_action", "payload", "field"),
    [
        # The page once turned an unreadable date into today and met the deadline with it.
        (
            "declare",
            {"authority": "ANSM", "authority_reference": "EFIT-1", "declared_on": "31/02/2026"},
            "declarations",
            {"authority": "ANSM", "authority_reference": "EFIT-1", "declared_on": "31/02/2026"},
            "declared_on",
        ),
        (
            "assess",
            {"based_on_version": "0", "severity_grade": "two"},
            "assess",
            {"based_on_version": 0, "severity_grade": "two"},
            "severity_grade",
        ),
        ("assign", {"assignee_id": "nobody"}, "assign", {"assignee_id": "nobody"}, "assignee_id"),
        ("close", {"outcome": "lost"}, "close", {"outcome": "lost"}, "outcome"),
        ("requalify", {"category": "plutonium"}, "requalify", {"category": "plutonium"}, "category"),
    ],
)
def test_a_page_action_and_its_api_twin_refuse_the_same_input_the_same_way(
    client, make_user, token_for, db, filed, page_action, form, api_action, payload, field
):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    item_id = _item_id(client)
    token = csrf_from(client.get(f"/queue-items/{item_id}").get_data(as_text=True))
    history_before = db.exec(
        select(AuditEvent).where(AuditEvent.action != "read", col(AuditEvent.report_id).is_not(None))
    ).all()

    # Both doors in English: the page by its switch, the API by Accept-Language (French by default).
    english = {**token_for(correspondent), "Accept-Language": "en"}
    api = client.post(f"/api/v1/queue-items/{item_id}/{api_action}", json=payload, headers=english)
    assert api.status_code == 422
    refusal = api.get_json()["errors"][field]

    client.get("/language/en", headers={"Referer": f"/queue-items/{item_id}"})
    page = client.post(
        f"/queue-items/{item_id}/{page_action}", data={"csrf_token": token, **form}, follow_redirects=True
    ).get_data(as_text=True)
    notice = re.search(r'<p class="flash error" role="status">([^<]*)</p>', page)
    assert notice, page
    assert "Some fields are invalid." in notice.group(1)
    for message in refusal:
        assert html.escape(message) in notice.group(1)

    db.expire_all()
    assert db.exec(select(Declaration)).all() == []
    assert db.exec(select(Deadline).where(col(Deadline.settled_at).is_not(None))).all() == []
    assert len(
        db.exec(select(AuditEvent).where(AuditEvent.action != "read", col(AuditEvent.report_id).is_not(None))).all()
    ) == len(history_before)


def test_the_item_page_and_the_api_show_the_same_file(client, make_user, token_for, filed):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    item_id = _item_id(client)
    headers = token_for(correspondent)
    for action, payload in (
        ("claim", None),
        ("assess", {"based_on_version": 0, "severity_grade": 2, "comment": "Frissons à H+1."}),
        ("information-requests", {"question": "Volume transfusé ?"}),
        ("declarations", {"authority": "ANSM", "authority_reference": "EFIT-7", "declared_on": "2026-11-23"}),
    ):
        assert client.post(f"/api/v1/queue-items/{item_id}/{action}", json=payload, headers=headers).status_code == 200
    api = client.get(f"/api/v1/queue-items/{item_id}", headers=headers).get_json()
    page = client.get(f"/queue-items/{item_id}").get_data(as_text=True)

    assert [q["question"] for q in api["information_requests"]] == ["Volume transfusé ?"]
    assert "Volume transfusé ?" in page
    assert [d["authority_reference"] for d in api["declarations"]] == ["EFIT-7"]
    assert "EFIT-7" in page
    assert [a["comment"] for a in api["assessments"]] == ["Frissons à H+1."]
    assert "Frissons à H+1." in page
    steps = re.findall(r"<li>", re.search(r'<ol class="history">(.*?)</ol>', page, re.S).group(1))
    assert len(steps) == len(api["history"]) == 5  # received, claimed, assessed, asked, declared
    states = re.findall(r'<strong class="deadline-state">([^<]+)</strong>', page)
    assert len(states) == len(api["deadlines"])


@pytest.mark.parametrize(
    ("page_query", "api_query", "field", "api_field"),
    [
        ("status=lost", "status=lost", "status", "status.0"),
        ("category=plutonium", "category=plutonium", "category", "category"),
        ("assigned=everyone", "assigned=everyone", "assigned", "assigned"),
        ("from=nonsense", "received_from=nonsense", "from", "received_from"),
        ("to=9999-12-31", "received_to=9999-12-31", "to", "received_to"),
        ("from=2026-12-01&to=2026-11-01", "received_from=2026-12-01&received_to=2026-11-01", "from", "received_from"),
    ],
)
def test_the_queue_page_and_the_api_refuse_the_same_filters_the_same_way(
    client, make_user, token_for, filed, page_query, api_query, field, api_field
):
    correspondent = make_user("correspondent", vigilances=["haemovigilance"])
    switch(client, correspondent)
    english = {**token_for(correspondent), "Accept-Language": "en"}
    api = client.get(f"/api/v1/queues/haemovigilance/items?{api_query}", headers=english)
    assert api.status_code == 422
    (message,) = api.get_json()["errors"][api_field]
    client.get("/language/en", headers={"Referer": "/queues/haemovigilance"})
    page = client.get(f"/queues/haemovigilance?{page_query}")
    assert page.status_code == 400
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(html.escape(message))}', page.get_data(as_text=True))
