"""Pre-visit screening: the contraindication questions, their judgement, and the age rule.

Microneedling wounds the skin on purpose, so some patients must not be treated (DOMAIN.md,
"Who must not be treated"). Absolute contraindications block booking and nobody can clear
them; sign-off ones block booking unless a clinician clears that one visit with a reason.
Adults only: under the minimum age never, and below the sign-off age (US device clearances
are for 22 and over) only with a clinician's sign-off. Every number is the clinic's setting,
passed in as a ScreeningPolicy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from clinic.patients.rules import age_on


class Severity(StrEnum):
    ABSOLUTE = "absolute"
    SIGN_OFF = "sign_off"


class Contraindication(StrEnum):
    """The screening codes of API.md, in the order the questions are asked."""

    ACTIVE_ACNE = "active_acne"
    ORAL_HERPES = "oral_herpes"
    KELOID_SCARS = "keloid_scars"
    COLLAGEN_VASCULAR_DISEASE = "collagen_vascular_disease"
    PREGNANT = "pregnant"
    IMMUNOSUPPRESSED = "immunosuppressed"
    ISOTRETINOIN_6_MONTHS = "isotretinoin_6_months"
    SKIN_INFECTION_OR_WOUND = "skin_infection_or_wound"
    SKIN_CANCER_IN_AREA = "skin_cancer_in_area"
    NEEDLE_OR_ANAESTHETIC_ALLERGY = "needle_or_anaesthetic_allergy"
    BLEEDING_DISORDER_OR_ANTICOAGULANTS = "bleeding_disorder_or_anticoagulants"
    RECENT_SUNBURN = "recent_sunburn"
    RECENT_PROCEDURE_IN_AREA = "recent_procedure_in_area"
    SKIN_FLARE = "skin_flare"
    POOR_WOUND_HEALING = "poor_wound_healing"

    @property
    def question(self) -> str:
        """The yes/no question a patient answers; "yes" means the contraindication applies."""
        return _QUESTIONS[self]

    @property
    def finding(self) -> str:
        """What a "yes" found, in the staff's words: "sunburn in the area"."""
        return _FINDINGS[self]

    @property
    def severity(self) -> Severity:
        return Severity.SIGN_OFF if self in SIGN_OFF else Severity.ABSOLUTE

    @property
    def is_absolute(self) -> bool:
        return self not in SIGN_OFF


SIGN_OFF = frozenset(
    {
        Contraindication.BLEEDING_DISORDER_OR_ANTICOAGULANTS,
        Contraindication.RECENT_SUNBURN,
        Contraindication.RECENT_PROCEDURE_IN_AREA,
        Contraindication.SKIN_FLARE,
        Contraindication.POOR_WOUND_HEALING,
    }
)
"""The codes a clinician may clear for one visit; every other code is absolute."""

_QUESTIONS: dict[Contraindication, str] = {
    Contraindication.ACTIVE_ACNE: "Do you have active acne in the area to be treated?",
    Contraindication.ORAL_HERPES: "Do you have a cold sore right now?",
    Contraindication.KELOID_SCARS: "Do you have keloid scars, or do your scars tend to grow "
    "raised and thick?",
    Contraindication.COLLAGEN_VASCULAR_DISEASE: "Do you have a collagen or connective tissue "
    "disease, such as lupus or scleroderma?",
    Contraindication.PREGNANT: "Are you pregnant or breastfeeding?",
    Contraindication.IMMUNOSUPPRESSED: "Is your immune system weakened, for example by "
    "chemotherapy, high-dose steroids or other medicines that suppress it?",
    Contraindication.ISOTRETINOIN_6_MONTHS: "Are you taking isotretinoin (Accutane), or did "
    "you stop less than six months ago?",
    Contraindication.SKIN_INFECTION_OR_WOUND: "Do you have an open wound, sore, infection or "
    "irritated skin in the area to be treated?",
    Contraindication.SKIN_CANCER_IN_AREA: "Do you have skin cancer, or a mole or spot being "
    "checked for it, in the area to be treated?",
    Contraindication.NEEDLE_OR_ANAESTHETIC_ALLERGY: "Are you allergic to stainless steel, "
    "metals or numbing (anaesthetic) creams?",
    Contraindication.BLEEDING_DISORDER_OR_ANTICOAGULANTS: "Do you have a bleeding disorder, "
    "or take blood thinners? (Do not stop a prescribed medicine; just tell us.)",
    Contraindication.RECENT_SUNBURN: "Do you have sunburn in the area to be treated?",
    Contraindication.RECENT_PROCEDURE_IN_AREA: "In the last two weeks, have you had filler, "
    "toxin (Botox), a peel or laser in the area to be treated?",
    Contraindication.SKIN_FLARE: "Do you have an eczema, psoriasis or rosacea flare right now?",
    Contraindication.POOR_WOUND_HEALING: "Do your wounds heal slowly or poorly, for example "
    "because of diabetes?",
}


_FINDINGS: dict[Contraindication, str] = {
    Contraindication.ACTIVE_ACNE: "active acne in the area to be treated",
    Contraindication.ORAL_HERPES: "a cold sore now",
    Contraindication.KELOID_SCARS: "keloid scars, or scars that grow raised",
    Contraindication.COLLAGEN_VASCULAR_DISEASE: "a collagen or connective tissue disease",
    Contraindication.PREGNANT: "pregnant or breastfeeding",
    Contraindication.IMMUNOSUPPRESSED: "a weakened immune system",
    Contraindication.ISOTRETINOIN_6_MONTHS: "isotretinoin now or in the last six months",
    Contraindication.SKIN_INFECTION_OR_WOUND: "an open wound, sore or infection in the area",
    Contraindication.SKIN_CANCER_IN_AREA: "skin cancer, or a spot being checked, in the area",
    Contraindication.NEEDLE_OR_ANAESTHETIC_ALLERGY: "allergic to steel or numbing cream",
    Contraindication.BLEEDING_DISORDER_OR_ANTICOAGULANTS: "a bleeding disorder or blood thinners",
    Contraindication.RECENT_SUNBURN: "sunburn in the area",
    Contraindication.RECENT_PROCEDURE_IN_AREA: "filler, toxin, a peel or laser in the last "
    "two weeks",
    Contraindication.SKIN_FLARE: "an eczema, psoriasis or rosacea flare",
    Contraindication.POOR_WOUND_HEALING: "wounds that heal slowly or poorly",
}


@dataclass(frozen=True)
class ScreeningPolicy:
    """The clinic's screening and age settings (Clinic.screening_valid_months and kin)."""

    valid_months: int = 12
    check_in_days: int = 7
    minimum_age: int = 18
    sign_off_below_age: int = 22


@dataclass(frozen=True)
class ScreeningJudgement:
    """What a set of answers means: any "yes" makes the patient not eligible."""

    contraindications: tuple[Contraindication, ...]

    @property
    def eligible(self) -> bool:
        return not self.contraindications

    @property
    def absolute(self) -> tuple[Contraindication, ...]:
        return tuple(code for code in self.contraindications if code.is_absolute)

    @property
    def sign_off(self) -> tuple[Contraindication, ...]:
        return tuple(code for code in self.contraindications if not code.is_absolute)


class IncompleteAnswers(ValueError):
    """Answers that do not say yes or no to every code (a 422 naming each bad one)."""

    def __init__(
        self, missing: tuple[Contraindication, ...], not_yes_or_no: tuple[str, ...] = ()
    ) -> None:
        self.missing = missing
        self.not_yes_or_no = not_yes_or_no
        super().__init__("Answer every screening question with yes or no.")

    @property
    def fields(self) -> dict[str, str]:
        """One sentence per bad answer, keyed by its code, for the error body."""
        problems: dict[str, str] = {code.value: "Answer this question." for code in self.missing}
        problems.update({key: "Answer yes (true) or no (false)." for key in self.not_yes_or_no})
        return problems


def judge_answers(answers: Mapping[str, object]) -> ScreeningJudgement:
    """Judge a patient's answers; every code must be answered with a bool.

    A missing answer is refused rather than read as "no": an unanswered question about
    pregnancy or blood thinners must not let a booking through. Keys that are not codes are
    ignored (a newer form may ask more). Raises IncompleteAnswers naming the missing codes.
    """
    missing = tuple(code for code in Contraindication if code.value not in answers)
    not_yes_or_no = tuple(
        code.value
        for code in Contraindication
        if code.value in answers and not isinstance(answers[code.value], bool)
    )
    if missing or not_yes_or_no:
        raise IncompleteAnswers(missing, not_yes_or_no)
    return ScreeningJudgement(tuple(code for code in Contraindication if answers[code.value]))


def valid_until(taken_on: date, policy: ScreeningPolicy) -> date:
    """The last visit day a screening taken on `taken_on` covers (inclusive).

    Calendar months, so a screening of 31 January valid 1 month covers until 28 or 29
    February: health changes, and the clinic asks again after its set time.
    """
    return taken_on + relativedelta(months=policy.valid_months)


@dataclass(frozen=True)
class Screening:
    """A patient's latest screening: its clinic-local date and the codes she said yes to."""

    taken_on: date
    contraindications: frozenset[Contraindication]


@dataclass(frozen=True)
class MicroneedlingVerdict:
    """May she book microneedling that day? `blocking` reasons no clearance can lift;
    `needs_sign_off` reasons a clinician's clearance lifts (empty once cleared)."""

    blocking: tuple[str, ...]
    needs_sign_off: tuple[str, ...]
    clearance_used: bool
    """True when a clearance was given and lifted something (record its reason)."""
    too_young: bool = False
    """Under the minimum age on the visit day: one of the blocking reasons, which no new
    screening lifts."""
    needs_new_screening: bool = False
    """No screening, or none that covers the day: one of the blocking reasons, which the
    patient lifts herself by answering the questions."""

    @property
    def screening_may_help(self) -> bool:
        """Whether answering the screening again may lift what blocks her (none taken, too
        old, or a "yes" that may have passed, such as a cold sore); never under the
        minimum age, which no screening lifts."""
        return bool(self.blocking) and not self.too_young

    @property
    def only_needs_new_screening(self) -> bool:
        """Whether answering the questions again is all she needs (the reminder asks her;
        she can do it herself in the portal)."""
        return self.needs_new_screening and len(self.reasons) == 1

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.blocking + self.needs_sign_off

    @property
    def allowed(self) -> bool:
        return not self.reasons


def age_rule(born_on: date, visit_on: date, policy: ScreeningPolicy) -> tuple[str, str]:
    """What her age on the visit day says, as (too young, needs a sign-off): the sentence
    of the one that applies, "" for the other (both "" from `sign_off_below_age` on)."""
    age = age_on(born_on, visit_on)
    if age < policy.minimum_age:
        return (
            f"The patient will be {age} on the visit day; microneedling is for patients "
            f"aged {policy.minimum_age} and over.",
            "",
        )
    if age < policy.sign_off_below_age:
        return (
            "",
            f"The patient will be {age} on the visit day; under "
            f"{policy.sign_off_below_age} a clinician must sign off the visit.",
        )
    return "", ""


def judge_microneedling(
    *,
    screening: Screening | None,
    born_on: date,
    visit_on: date,
    is_cleared: bool,
    policy: ScreeningPolicy,
) -> MicroneedlingVerdict:
    """Whether a patient may book microneedling on `visit_on` (her clinic-local visit day).

    She needs a screening that still covers the day, no absolute contraindication (never
    cleared: device labelling), and no sign-off one unless `is_cleared`. Age is on the visit
    day: under `minimum_age` never; under `sign_off_below_age` only when cleared.
    """
    blocking: list[str] = []
    sign_off: list[str] = []
    lifted = False
    too_young, needs_sign_off = age_rule(born_on, visit_on, policy)
    if too_young:
        blocking.append(too_young)
    elif needs_sign_off:
        if is_cleared:
            lifted = True
        else:
            sign_off.append(needs_sign_off)
    if screening is None:
        blocking.append(
            "The patient has no screening; the screening questions must be answered first."
        )
    elif visit_on > valid_until(screening.taken_on, policy):
        blocking.append(
            f"The screening of {screening.taken_on:%A %-d %B %Y} does not cover the visit day; "
            "the screening questions must be answered again."
        )
    else:
        found = [code for code in Contraindication if code in screening.contraindications]
        absolute = [code for code in found if code.is_absolute]
        clearable = [code for code in found if not code.is_absolute]
        if absolute:
            blocking.append(
                "The screening found what rules out microneedling: "
                f"{'; '.join(code.finding for code in absolute)}. No sign-off can clear it."
            )
        if clearable and is_cleared:
            lifted = True
        elif clearable:
            sign_off.append(
                "The screening found what needs a clinician's sign-off: "
                f"{'; '.join(code.finding for code in clearable)}."
            )
    return MicroneedlingVerdict(
        tuple(blocking),
        tuple(sign_off),
        lifted and not blocking,
        too_young=bool(too_young),
        needs_new_screening=screening is None or visit_on > valid_until(screening.taken_on, policy),
    )


def screening_allows_check_in(
    taken_on: date | None, visit_on: date, policy: ScreeningPolicy
) -> bool:
    """True when a screening was taken in the `check_in_days` days up to the visit day.

    Health changes between booking and visit (a new cold sore, a sunburn), so microneedling
    checks in only with a fresh screening: taken on the visit day or up to N days before.
    """
    if taken_on is None:
        return False
    return check_in_screening_from(visit_on, policy) <= taken_on <= visit_on


def check_in_screening_from(visit_on: date, policy: ScreeningPolicy) -> date:
    """The first day a screening counts for checking in a visit on `visit_on`."""
    return visit_on - timedelta(days=policy.check_in_days)


def check_in_screening_sentence(taken_on: date | None, check_in_days: int) -> str:
    """Why a microneedling visit cannot be checked in for want of a fresh screening. A
    screening that allows booking (months) may still be too old for the visit (days): the
    sentence says which rule, and when they were last answered."""
    last = (
        f"they were last answered on {taken_on:%A} {taken_on.day} {taken_on:%B %Y}"
        if taken_on is not None
        else "they have not been answered yet"
    )
    return (
        "Before microneedling the patient answers the screening questions again in the "
        f"{check_in_days} days before the visit; {last}."
    )
