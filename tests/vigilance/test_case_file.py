"""The case file's mechanism: forms as data, generated validation, what is missing per section."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from vigilance import case_file
from vigilance.case_file import FORMS, Kind, check, form_for, missing, prefill
from vigilance.errors import InvalidInput

DIN = "G123498654321 00 H"


def _fields(form):
    for spec in form.fields():
        yield spec
        yield from spec.fields


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_field_says_where_it_comes_from_and_every_choice_is_labelled(form):
    for spec in _fields(form):
        assert spec.source.startswith(("READ", "INFERRED")), spec.name
        assert spec.label.msgid and all(c.label.msgid for c in spec.choices)
        assert all(
            other in {f.name for f in form.fields()} | {f.name for g in form.fields() for f in g.fields}
            for other in spec.unless
        )


def _report(**changes):
    report = dict(
        event_kind="recipient_adverse_reaction",
        occurred_at=datetime(2026, 11, 20, 13, 30, tzinfo=UTC),
        detected_at=None,
        received_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        product_name="CGR",
        lot_number="L77",
        donation_number=DIN,
        patient_sex="U",
        patient_birth_year=1956,
        patient_initials="MD",
        description="x" * 10_000,
        serious=True,
        severity_grade=4,
        reporter_unit="Hématologie",
        reporter_phone="01 23 45 67 89",
    )
    report.update(changes)
    return SimpleNamespace(**report)


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_what_any_report_holds_fills_every_form_without_refusal(form):
    data = check(form, prefill(form, _report(), ["CGR", "Clottafact"])).data
    assert data  # something of the report is in each form
    assert "U" not in (data.get("recipient_sex"), data.get("patient_sex"))  # unknown sex: not a choice of the forms


def test_which_form_an_item_declares_on():
    assert form_for("haemovigilance", "recipient_adverse_reaction") is case_file.FEIR
    assert form_for("haemovigilance", "donor_adverse_reaction") is None  # the FEIGD is not described yet
    assert form_for("pharmacovigilance", "incident") is case_file.CERFA_10011
    assert form_for("biovigilance", "incident") is case_file.BIOVIGILANCE
    assert form_for("materiovigilance", "incident") is case_file.CERFA_10246
    assert form_for("quality_defect", "quality_defect") is case_file.QUALITY_DEFECT
    assert form_for("qualification", "incident") is None


def test_refusals_are_by_path_and_say_every_problem_at_once():
    with pytest.raises(InvalidInput) as refused:
        check(
            case_file.FEIR,
            {
                "units": [{}, {"donation_number": "G123498654321 00 X"}],
                "recipient_age": -1,
                "signs": ["fever", "levitation"],
                "comments": "NIR 1 84 12 75 123 456 78",
                "transfusion_started_at": "2026-11-20T14:00:00",  # no offset
            },
        )
    assert set(refused.value.errors) == {
        "units.1.donation_number",
        "recipient_age",
        "signs.1",
        "comments",
        "transfusion_started_at",
    }


def test_stored_data_is_tidy_and_typed_access_gives_python_values():
    checked = check(
        case_file.CERFA_10011,
        {
            "patient_initials": " md ",
            "medicines": [{"name": " Kymriah ", "started_on": "2026-11-02"}, {"name": "  "}],
            "circumstances": ["overdose", "overdose"],
            "medical_history": "",
            "patient_weight_kg": 72.0,
        },
    )
    assert checked.data == {
        "patient_initials": "MD",
        "medicines": [{"name": "Kymriah", "started_on": "2026-11-02"}],
        "circumstances": ["overdose"],
        "patient_weight_kg": 72,
    }
    case = case_file.CaseFile(1, case_file.CERFA_10011, checked.data, 1)
    assert case.rows("medicines")[0]["started_on"].isoformat() == "2026-11-02"
    assert case.value("patient_weight_kg") == 72 and case.value("outcome") is None


def test_missing_is_per_section_in_the_forms_order_with_rows_and_alternatives():
    gaps = missing(case_file.CERFA_10011, {"patient_age": 40, "medicines": [{"name": "Kymriah"}], "reactions": [{}]})
    by_section = {gap.section.name: gap.paths for gap in gaps}
    assert list(by_section) == [s.name for s in case_file.CERFA_10011.sections if s.name in by_section]
    assert "patient_birth_year" not in by_section["patient"]  # the age stands in for it
    assert by_section["medicines"] == ("medicines.0.role",)
    assert by_section["reactions"] == ("reactions.0.description", "reactions.0.started_on")
    assert "medicines" not in {p for paths in by_section.values() for p in paths}


def test_the_clinicians_fields_are_those_the_brief_names():
    feir = {spec.name for spec in case_file.FEIR.reporter_fields()}
    assert feir == {"transfusion_started_at", "reaction_onset_at", "units", "signs"}
    medicines = case_file.CERFA_10011.field("medicines")
    assert {sub.name for sub in medicines.fields if sub.filled_by == "reporter"} == {"dose", "route", "started_on"}
    assert all(spec.kind != Kind.GROUP or spec.fields for spec in case_file.FEIR.fields())


def test_the_data_layout_document_is_up_to_date():
    from pathlib import Path

    from vigilance.case_file.reference import markdown

    written = (Path(__file__).resolve().parents[2] / "docs" / "case-files.md").read_text(encoding="utf-8")
    assert written == markdown(), "python -m vigilance.case_file.reference > docs/case-files.md"


def test_what_a_form_cannot_take_from_a_report_is_left_for_the_correspondent():
    report = _report(product_name="D" * 500, reporter_unit="U" * 120)
    data = case_file.store.checked_prefill(
        case_file.BIOVIGILANCE, {"criticality": "x" * 300, **prefill(case_file.BIOVIGILANCE, report)}
    )
    assert "criticality" not in data and data["description"] == report.description


def test_a_later_date_before_its_earlier_one_is_refused_on_its_path():
    with pytest.raises(InvalidInput) as refused:
        check(
            case_file.FEIR,
            {"transfusion_started_at": "2026-11-20T14:00:00+01:00", "reaction_onset_at": "2026-11-20T13:30:00+01:00"},
        )
    assert list(refused.value.errors) == ["reaction_onset_at"]
    assert "Date et heure de début de la transfusion" in refused.value.messages("fr")["reaction_onset_at"][0]
    with pytest.raises(InvalidInput) as refused:
        check(
            case_file.CERFA_10011,
            {
                "medicines": [
                    {"name": "A", "started_on": "2026-11-02"},
                    {"name": "B", "started_on": "2026-11-02", "ended_on": "2026-11-01"},
                ]
            },
        )
    assert list(refused.value.errors) == ["medicines.1.ended_on"]
    # The same moment, or one field alone, is fine.
    check(
        case_file.FEIR,
        {"transfusion_started_at": "2026-11-20T14:00:00+01:00", "reaction_onset_at": "2026-11-20T13:00:00Z"},
    )
