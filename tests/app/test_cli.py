"""The ``vigilance`` command line."""

from app.cli import cli


def test_classify_prints_decision_explanation_and_deadlines(runner):
    result = runner.invoke(cli, ["classify", "Concentré de globules rouges", "--grade", "2"])
    assert result.exit_code == 0, result.output
    assert "labile_blood_product" in result.output
    assert "haemovigilance → ANSM" in result.output
    assert "48 heures ouvrables" in result.output
    assert "R.1221-49-2" in result.output
    # French typography in French, English in English.
    assert "Catégorie\u00a0: labile_blood_product" in result.output


def test_classify_in_english_for_an_unknown_product(runner):
    result = runner.invoke(cli, ["classify", "Produit inconnu Z-17", "--lang", "en"])
    assert result.exit_code == 0
    assert "unclassified" in result.output
    assert "qualification" in result.output
    assert "Category: unclassified" in result.output


def test_classify_refuses_an_unknown_event_kind(runner):
    result = runner.invoke(cli, ["classify", "CGR", "--event-kind", "explosion"])
    assert result.exit_code != 0
    assert "explosion" in result.output
