"""Intake flags earlier reports of the same establishment that seem to describe the same event."""

from datetime import UTC, datetime, timedelta

from routing import EventKind, ProductFacts
from vigilance import accounts, intake
from vigilance.duplicates import find_candidates

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def submit(db, reporter, **changes):
    draft = dict(
        event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
        occurred_at=NOW - timedelta(hours=3),
        product=ProductFacts(name="CGR"),
        description="Frissons.",
        serious=False,
        severity_grade=1,
    )
    draft.update(changes)
    result = intake.submit(db, actor=reporter, now=NOW, draft=intake.Draft(**draft))
    db.commit()
    return result.report


def test_each_shared_fact_is_a_reason_and_the_newest_match_comes_first(db, make_user):
    reporter = make_user("reporter")
    by_lot = submit(db, reporter, lot_number="L-2291")
    by_donation = submit(db, reporter, donation_number="=G123498654321")
    patient = dict(patient_sex="F", patient_birth_year=1956, patient_initials="md")
    same_patient = submit(db, reporter, occurred_at=NOW - timedelta(days=2), **patient)

    newest = submit(db, reporter, lot_number="L-2291", donation_number="=G123498654321", **patient)

    assert [c["reference"] for c in newest.possible_duplicates] == [
        same_patient.reference,
        by_donation.reference,
        by_lot.reference,
    ]
    reasons = [c["reason"]["fr"] for c in newest.possible_duplicates]
    assert reasons[0].startswith("même patient") and "à 1,9 jour d'écart" in reasons[0]
    assert "1.9 days apart" in newest.possible_duplicates[0]["reason"]["en"]
    assert reasons[1] == "même numéro de don (=G123498654321)"
    assert reasons[2] == "même numéro de lot (L-2291)"


def test_no_match_outside_the_window_another_kind_another_establishment_or_without_facts(db, make_user):
    reporter = make_user("reporter")
    elsewhere = accounts.create_establishment(db, finess="690000013", name="HCL")
    db.commit()
    colleague_elsewhere = make_user("reporter", place=elsewhere)
    patient = dict(patient_sex="F", patient_birth_year=1956, patient_initials="MD")
    submit(db, reporter, occurred_at=NOW - timedelta(days=5), **patient)  # beyond three days
    submit(db, reporter, event_kind=EventKind.DONOR_ADVERSE_REACTION, **patient)
    submit(db, colleague_elsewhere, lot_number="L-2291", **patient)

    assert submit(db, reporter, lot_number="L-2291", **patient).possible_duplicates == []
    # Initials alone do not make a patient: sex and birth year are needed too.
    assert (
        find_candidates(
            db,
            establishment_id=reporter.establishment_id,
            occurred_at=NOW,
            event_kind=EventKind.RECIPIENT_ADVERSE_REACTION.value,
            lot_number=None,
            donation_number=None,
            patient=(None, None, "MD"),
        )
        == []
    )


def test_two_spellings_of_one_donation_or_lot_are_found_as_duplicates(db, make_user):
    reporter = make_user("reporter")
    # The label's eye-readable number (JPAC Red Book, annex 2: check character H) ...
    by_label = submit(db, reporter, donation_number="G123 498 654 321 H")
    by_lot = submit(db, reporter, lot_number="l 2291")
    # ... and the bar code's reading of the same donation; the lot typed without its space.
    newest = submit(db, reporter, donation_number="=g12349865432100", lot_number="L2291")
    assert [c["reference"] for c in newest.possible_duplicates] == [by_lot.reference, by_label.reference]
    reasons = [c["reason"]["fr"] for c in newest.possible_duplicates]
    assert reasons == ["même numéro de lot (L2291)", "même numéro de don (=g12349865432100)"]
    # A number in no known format is compared without spaces or case, as typed otherwise.
    unknown = submit(db, reporter, donation_number="don 4711")
    assert [c["reference"] for c in submit(db, reporter, donation_number="DON4711").possible_duplicates] == [
        unknown.reference
    ]
