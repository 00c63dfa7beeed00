"""Screening: the questions, judging answers, validity, the age rule and check-in."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.scheduling.screening import (
    SIGN_OFF,
    Contraindication,
    IncompleteAnswers,
    MicroneedlingVerdict,
    Screening,
    ScreeningPolicy,
    Severity,
    check_in_screening_sentence,
    judge_answers,
    judge_microneedling,
    screening_allows_check_in,
    valid_until,
)

C = Contraindication
POLICY = ScreeningPolicy()
ABSOLUTE_CODES = {
    "active_acne",
    "oral_herpes",
    "keloid_scars",
    "collagen_vascular_disease",
    "pregnant",
    "immunosuppressed",
    "isotretinoin_6_months",
    "skin_infection_or_wound",
    "skin_cancer_in_area",
    "needle_or_anaesthetic_allergy",
}
SIGN_OFF_CODES = {
    "bleeding_disorder_or_anticoagulants",
    "recent_sunburn",
    "recent_procedure_in_area",
    "skin_flare",
    "poor_wound_healing",
}


def all_no() -> dict[str, object]:
    return {code.value: False for code in Contraindication}


def test_codes_and_severities_are_those_of_the_api() -> None:
    assert {c.value for c in Contraindication} == ABSOLUTE_CODES | SIGN_OFF_CODES
    assert {c.value for c in Contraindication if c.is_absolute} == ABSOLUTE_CODES
    assert {c.value for c in SIGN_OFF} == SIGN_OFF_CODES
    assert C.PREGNANT.severity is Severity.ABSOLUTE
    assert C.RECENT_SUNBURN.severity is Severity.SIGN_OFF


def test_every_code_has_a_plain_yes_no_question() -> None:
    assert C.ACTIVE_ACNE.question == "Do you have active acne in the area to be treated?"
    for code in Contraindication:
        assert code.question.endswith("?") or code.question.endswith(".)")
        assert "_" not in code.question


def test_all_no_is_eligible() -> None:
    judgement = judge_answers(all_no())
    assert judgement.eligible and judgement.contraindications == ()


@pytest.mark.parametrize(
    ("yes", "absolute", "sign_off"),
    [
        ({"pregnant"}, (C.PREGNANT,), ()),
        ({"recent_sunburn"}, (), (C.RECENT_SUNBURN,)),
        (
            {"skin_flare", "active_acne", "oral_herpes"},
            (C.ACTIVE_ACNE, C.ORAL_HERPES),
            (C.SKIN_FLARE,),
        ),
    ],
)
def test_yes_answers_are_listed_and_split_by_severity(
    yes: set[str], absolute: tuple[C, ...], sign_off: tuple[C, ...]
) -> None:
    answers = all_no() | dict.fromkeys(yes, True)
    judgement = judge_answers(answers)
    assert not judgement.eligible
    assert set(judgement.contraindications) == {C(code) for code in yes}
    assert judgement.absolute == absolute
    assert judgement.sign_off == sign_off


def test_missing_and_non_boolean_answers_are_named() -> None:
    answers = all_no()
    del answers["pregnant"]
    del answers["skin_flare"]
    answers["recent_sunburn"] = "no"
    answers["something_new"] = True  # ignored
    with pytest.raises(IncompleteAnswers) as refused:
        judge_answers(answers)
    assert refused.value.missing == (C.PREGNANT, C.SKIN_FLARE)
    assert refused.value.not_yes_or_no == ("recent_sunburn",)
    assert set(refused.value.fields) == {"pregnant", "skin_flare", "recent_sunburn"}


@given(st.dictionaries(st.sampled_from(list(Contraindication)), st.booleans()))
def test_judgement_needs_every_answer(partial: dict[Contraindication, bool]) -> None:
    answers = {code.value: value for code, value in partial.items()}
    if len(answers) < len(Contraindication):
        with pytest.raises(IncompleteAnswers) as refused:
            judge_answers(answers)
        assert set(refused.value.missing) == set(Contraindication) - set(partial)
    else:
        judgement = judge_answers(answers)
        assert judgement.eligible == (not any(answers.values()))
        assert set(judgement.absolute) | set(judgement.sign_off) == {
            code for code, value in partial.items() if value
        }


@pytest.mark.parametrize(
    ("taken", "months", "until"),
    [
        (date(2027, 6, 2), 12, date(2028, 6, 2)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 12, 31), 1, date(2028, 1, 31)),
    ],
)
def test_valid_until_counts_calendar_months(taken: date, months: int, until: date) -> None:
    assert valid_until(taken, ScreeningPolicy(valid_months=months)) == until


CLEAN = Screening(date(2027, 6, 1), frozenset())
ADULT = date(1990, 5, 5)


def verdict(
    *,
    screening: Screening | None = CLEAN,
    born: date = ADULT,
    visit: date = date(2027, 6, 10),
    cleared: bool = False,
) -> MicroneedlingVerdict:
    return judge_microneedling(
        screening=screening, born_on=born, visit_on=visit, is_cleared=cleared, policy=POLICY
    )


def test_a_screened_adult_may_book() -> None:
    result = verdict()
    assert result.allowed and result.reasons == () and not result.clearance_used


def test_no_screening_or_an_expired_one_blocks() -> None:
    assert verdict(screening=None).blocking
    assert verdict(visit=date(2028, 6, 1)).allowed  # the last day it covers
    expired = verdict(visit=date(2028, 6, 2), cleared=True)
    assert not expired.allowed and "Tuesday 1 June 2027" in expired.blocking[0]


def test_absolute_contraindications_are_never_cleared() -> None:
    screening = Screening(date(2027, 6, 1), frozenset({C.PREGNANT, C.RECENT_SUNBURN}))
    result = verdict(screening=screening, cleared=True)
    assert not result.allowed
    assert "pregnant" in result.blocking[0] and result.needs_sign_off == ()
    assert not result.clearance_used


def test_sign_off_contraindications_need_a_clearance() -> None:
    screening = Screening(date(2027, 6, 1), frozenset({C.SKIN_FLARE}))
    refused = verdict(screening=screening)
    assert not refused.allowed and refused.blocking == ()
    assert "an eczema, psoriasis or rosacea flare" in refused.needs_sign_off[0]
    cleared = verdict(screening=screening, cleared=True)
    assert cleared.allowed and cleared.clearance_used


@pytest.mark.parametrize(
    ("born", "visit", "allowed", "allowed_when_cleared"),
    [
        (date(2009, 6, 10), date(2027, 6, 9), False, False),  # 17 the day before
        (date(2009, 6, 10), date(2027, 6, 10), False, True),  # 18 today: sign-off
        (date(2005, 6, 11), date(2027, 6, 10), False, True),  # 21 until tomorrow
        (date(2005, 6, 10), date(2027, 6, 10), True, True),  # 22 today
        # Born on 29 February: 18 on 1 March in common years, on 29 February in leap years.
        (date(2008, 2, 29), date(2026, 2, 28), False, False),
        (date(2008, 2, 29), date(2026, 3, 1), False, True),
        (date(2008, 2, 29), date(2030, 2, 28), False, True),  # still 21
        (date(2008, 2, 29), date(2030, 3, 1), True, True),  # 22
        (date(2004, 2, 29), date(2026, 2, 28), False, True),  # 21, and 22 tomorrow
        (date(2004, 2, 29), date(2028, 2, 29), True, True),
    ],
)
def test_age_rule_on_the_visit_day(
    born: date, visit: date, allowed: bool, allowed_when_cleared: bool
) -> None:
    screening = Screening(visit, frozenset())
    assert verdict(screening=screening, born=born, visit=visit).allowed is allowed
    cleared = verdict(screening=screening, born=born, visit=visit, cleared=True)
    assert cleared.allowed is allowed_when_cleared
    assert cleared.clearance_used is (allowed_when_cleared and not allowed)


def test_under_minimum_age_is_blocking_not_a_sign_off() -> None:
    result = verdict(born=date(2010, 1, 1))
    assert result.blocking and "18" in result.blocking[0]
    assert all(reason.endswith(".") for reason in verdict(born=date(2007, 1, 1)).reasons)


@pytest.mark.parametrize(
    ("taken", "allowed"),
    [
        (None, False),
        (date(2027, 6, 10), True),  # on the visit day
        (date(2027, 6, 3), True),  # seven days before
        (date(2027, 6, 2), False),  # eight days before
        (date(2027, 6, 11), False),  # after the visit day
    ],
)
def test_check_in_needs_a_recent_screening(taken: date | None, allowed: bool) -> None:
    assert screening_allows_check_in(taken, date(2027, 6, 10), POLICY) is allowed


def test_what_may_help_a_patient_held_off_microneedling() -> None:
    """Under 18, nothing: not even a missing screening is worth asking for; a screening
    that only needs answering again is hers to do; a sign-off is a clinician's."""
    policy = ScreeningPolicy()
    visit_on = date(2027, 3, 20)

    def verdict(born_on: date, screening: Screening | None):
        return judge_microneedling(
            screening=screening, born_on=born_on, visit_on=visit_on, is_cleared=False, policy=policy
        )

    child = verdict(date(2011, 1, 1), None)
    assert child.too_young and not child.screening_may_help and not child.only_needs_new_screening
    unscreened = verdict(date(1990, 1, 1), None)
    assert unscreened.screening_may_help and unscreened.only_needs_new_screening
    young = verdict(date(2006, 1, 1), None)  # 21, no screening: a new one and a sign-off
    assert young.screening_may_help and not young.only_needs_new_screening


def test_the_check_in_refusal_says_the_rule_and_when_she_last_answered() -> None:
    """A screening good for booking (12 months) may be too old to check in (7 days): the
    desk is told which rule, not that the screening is "too old or missing"."""
    old = check_in_screening_sentence(date(2027, 3, 1), 7)
    assert old == (
        "Before microneedling the patient answers the screening questions again in the "
        "7 days before the visit; they were last answered on Monday 1 March 2027."
    )
    assert check_in_screening_sentence(None, 3).endswith(
        "in the 3 days before the visit; they have not been answered yet."
    )
