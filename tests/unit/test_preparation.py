"""Preparation for the days left: the whole protocol a week ahead, what can still be done
at shorter notice (DOMAIN.md: "a visit booked at shorter notice tells the front desk and
the patient what can still be done")."""

from __future__ import annotations

import pytest

from clinic.scheduling.preparation import is_short_notice, preparation_steps


def test_a_week_ahead_gives_the_whole_protocol() -> None:
    actives, painkillers, waxing, skin = preparation_steps(7)
    assert actives == "Stop retinoids, acids (AHA/BHA) and exfoliants five to seven days before."
    assert painkillers.startswith("Avoid aspirin") and "for three days before" in painkillers
    assert waxing == "No waxing or hair removal on the area for five to seven days before."
    assert skin == "Come with clean skin: no makeup or lotion."
    assert not is_short_notice(7)


@pytest.mark.parametrize(
    ("days", "actives", "painkillers"),
    [
        (6, "exfoliants today.", "for three days before"),
        (5, "exfoliants today.", "for three days before"),
        (4, "tell us at your visit if you used any in the last week.", "for three days before"),
        (3, "tell us at your visit if you used any in the last week.", "for three days before"),
        (2, "tell us at your visit if you used any in the last week.", "from now"),
        (0, "tell us at your visit if you used any in the last week.", "from now"),
    ],
)
def test_shorter_notice_asks_only_what_can_still_be_done(
    days: int, actives: str, painkillers: str
) -> None:
    steps = preparation_steps(days)
    assert is_short_notice(days)
    assert steps[0].endswith(actives)
    assert painkillers in steps[1]
    assert "Never stop a prescribed blood thinner." in steps[1]
    assert not any("five to seven days before" in step for step in steps)
