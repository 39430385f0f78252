"""Driving the pages as a person would: sign in, read the form's tokens, fill the report form."""

import re

from sqlalchemy import func, select

from vigilance.models import Report

PASSWORD = "correct horse battery"


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, user, password=PASSWORD, *, address="127.0.0.1"):
    """Sign in as *user* from the client address *address* (the sign-in throttle counts by it)."""
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ).get_data(as_text=True)
    return client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_from(page)},
        environ_base=environ,
    )


def form_fields(client, **changes):
    html = client.get("/reports/new").get_data(as_text=True)
    fields = {
        "csrf_token": csrf_from(html),
        "form_token": re.search(r'name="form_token" value="([^"]+)"', html).group(1),
        "event_kind": "recipient_adverse_reaction",
        "occurred_at": "2026-11-20T14:30",
        "product_name": "Greffe de cornée",
        "serious": "yes",
        "severity_grade": "3",
        "patient_sex": "F",
        "patient_birth_year": "1950",
        "patient_initials": "AB",
        "description": "Endophtalmie à J4 de la kératoplastie.",
    }
    fields.update(changes)
    return fields


def count_reports(db):
    db.rollback()
    return db.scalar(select(func.count()).select_from(Report))
