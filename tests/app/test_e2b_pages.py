"""Generated documents on the item page: listed, downloadable, nullified, named by a declaration;
and the reporter reads where their report was declared."""

import re

from sqlmodel import select

from tests.page_session import PASSWORD, csrf_from, form_fields, sign_in
from vigilance.models import AuditEvent, Declaration, GeneratedDocument


def switch(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user, PASSWORD)


def test_the_item_page_lists_generates_and_declares_with_the_document(client, make_user, db):
    reporter = make_user("reporter")
    sign_in(client, reporter)
    location = client.post("/reports/new", data=form_fields(client, product_name="Kymriah")).headers["Location"]
    report_id = int(re.search(r"/reports/(\d+)", location).group(1))
    correspondent = make_user("correspondent", vigilances=["pharmacovigilance"], name="Paula Vidal")
    switch(client, correspondent)
    listing = client.get("/queues/pharmacovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', listing).group(1)
    page = client.get(item_path).get_data(as_text=True)
    assert "Aucun document généré." in page and 'id="generate-e2b"' in page

    assert client.get(f"{item_path}/declaration.xml").status_code == 404  # nothing generated yet
    generated = client.post(f"{item_path}/declaration.xml/generate", data={"csrf_token": csrf_from(page)})
    assert generated.status_code == 302
    xml = client.get(generated.headers["Location"])
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.headers["Content-Disposition"].startswith('attachment; filename="VIG-')
    assert xml.headers["X-Content-Type-Options"] == "nosniff"
    document = db.exec(select(GeneratedDocument)).one()
    page = client.get(item_path).get_data(as_text=True)
    table = page[page.index('id="generated-documents"') :]
    assert "Message E2B(R3)" in table and "Paula Vidal" in table and document.sha256[:12] in table
    assert f"/documents/{document.id}" in table
    download = client.get(f"/documents/{document.id}")
    assert download.data == document.content and download.headers["Content-Disposition"].startswith("attachment")
    db.expire_all()
    reads = db.exec(select(AuditEvent).where(AuditEvent.target == f"page:document:{document.id}")).all()
    assert len(reads) == 2  # the generation's download, and this one

    token = csrf_from(page)
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    page = client.post(
        f"{item_path}/declare",
        data={
            "csrf_token": token,
            "authority": "CRPV",
            "authority_reference": "PV-7",
            "declared_at": "2026-01-05T10:00",
            "kind": "initial",
            "document_id": str(document.id),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Déclaration enregistrée." in page
    assert db.exec(select(Declaration.document_id)).one() == document.id
    assert 'class="sent-document"' in page

    page = client.post(
        f"{item_path}/declaration.xml/nullify",
        data={"csrf_token": token, "reason": "Cas en double."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Message E2B d&#39;annulation généré." in page and 'id="nullify-form"' not in page

    # Another establishment's correspondent: nothing of it.
    from vigilance import accounts

    elsewhere = accounts.create_establishment(db, finess="690000005", name="CH Ailleurs")
    db.commit()
    stranger = make_user("correspondent", vigilances=["pharmacovigilance"], place=elsewhere)
    switch(client, stranger)
    assert client.get(f"/documents/{document.id}").status_code == 404
    assert client.get(f"{item_path}/declaration.xml").status_code == 404

    switch(client, reporter)
    mine = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Déclaré au centre régional de pharmacovigilance le 5 janv. 2026, référence PV-7" in mine


def test_the_page_generates_by_post_only_and_a_colleague_may_not_nullify(client, make_user, db):
    reporter = make_user("reporter")
    sign_in(client, reporter)
    client.post("/reports/new", data=form_fields(client, product_name="Kymriah"))
    holder = make_user("correspondent", vigilances=["pharmacovigilance"])
    switch(client, holder)
    listing = client.get("/queues/pharmacovigilance").get_data(as_text=True)
    item_path = re.search(r'href="(/queue-items/\d+)"', listing).group(1)
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    # Without the form's token, nothing is generated.
    assert client.post(f"{item_path}/declaration.xml/generate", data={}).status_code == 400
    assert db.exec(select(GeneratedDocument)).all() == []
    client.post(f"{item_path}/claim", data={"csrf_token": token})
    assert client.post(f"{item_path}/declaration.xml/generate", data={"csrf_token": token}).status_code == 302
    # A GET gives the stored version, writes none.
    before = len(db.exec(select(GeneratedDocument)).all())
    assert client.get(f"{item_path}/declaration.xml").status_code == 200
    db.expire_all()
    assert len(db.exec(select(GeneratedDocument)).all()) == before == 1

    colleague = make_user("correspondent", vigilances=["pharmacovigilance"])
    switch(client, colleague)
    token = csrf_from(client.get(item_path).get_data(as_text=True))
    page = client.post(
        f"{item_path}/declaration.xml/nullify",
        data={"csrf_token": token, "reason": "Doublon."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "traite déjà cet élément" in page
    db.expire_all()
    assert len(db.exec(select(GeneratedDocument)).all()) == 1
