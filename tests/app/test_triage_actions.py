"""Each triage action is described once at the doors and once in the domain, under one name."""

from app.triage_actions import ACTIONS, BY_NAME, ITEM_PAGE_ACTIONS
from vigilance.actions import RULES


def test_every_rule_of_the_domain_has_one_description_at_the_doors():
    assert len(BY_NAME) == len(ACTIONS)  # no name described twice
    assert set(BY_NAME) == set(RULES)


def test_the_api_and_the_pages_serve_the_described_actions(app):
    routes = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    for action in ACTIONS:
        if action.target == "item":
            assert f"/api/v1/queue-items/<int:item_id>/{action.api_path}" in routes, action.name
    assert "/queue-items/<int:item_id>/<action>" in routes
    # The item's page also waives its deadlines (their id in the form).
    assert {a.name for a in ITEM_PAGE_ACTIONS.values()} == {a.name for a in ACTIONS if a.target == "item"} | {
        "waive_deadline"
    }
    assert all(action.button for action in ITEM_PAGE_ACTIONS.values())
