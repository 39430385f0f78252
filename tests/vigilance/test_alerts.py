"""Which deadlines are urgent enough for an alert on arrival, and the reporter's progress words."""

import pytest

from routing import shipped_rulebooks
from vigilance.alerts import is_urgent

RULEBOOK = "fr-2024-01-02"


def policy(policy_id):
    return next(p for p in shipped_rulebooks().get(RULEBOOK).deadlines if p.id == policy_id)


@pytest.mark.parametrize(
    ("policy_id", "urgent"),
    [
        ("d-hv-eir-signalee", True),  # ANSM: 48 working hours, the longest that counts
        ("d-bv-serious", True),  # "sans délai"
        ("d-pv-crpv", True),
        ("d-qualification", True),  # one working day to qualify the product
        ("d-hv-eir", False),  # 15 working days
        ("d-hv-incident", False),
    ],
)
def test_a_deadline_is_urgent_when_without_delay_or_at_most_48_working_hours(policy_id, urgent):
    assert is_urgent(policy(policy_id)) is urgent
