"""A plan after it is made: changed (what it treats, how many sessions), paused, resumed,
cancelled, its outcome recorded, renewed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from clinic.audit.reasons import reason_problem
from clinic.audit.service import Actor, record
from clinic.errors import RuleBroken
from clinic.plans.creation import PlanRequest, planned_session
from clinic.plans.models import Outcome, Plan, PlanOutcome, PlanStatus
from clinic.plans.rules import (
    CannotResize,
    SessionTarget,
    count_problem,
    resized_targets,
    session_limit,
    shift_for_pause,
)
from clinic.plans.service import plan_policy, settled_numbers
from clinic.practice.models import Clinic
from clinic.scheduling.status import AppointmentStatus


def _targets_of(plan: Plan) -> list[SessionTarget]:
    return [
        SessionTarget(s.number, s.target_date, s.window_start, s.window_end) for s in plan.sessions
    ]


@dataclass(frozen=True)
class PlanChange:
    indications: tuple[str, ...]
    sessions_per_year: int
    override_reason: str | None = None  # a clinician's, for more sessions than the usual


def change_plan(
    plan: Plan, change: PlanChange, *, clinic: Clinic, actor: Actor, today: date, now: datetime
) -> Plan:
    """What an open plan treats and how many sessions a year, by the rules of a new plan:
    sessions already planned keep their targets, fewer drops the last (never one done or
    booked), more are spread over what is left of the plan year (plans.rules.resized_targets).
    A nudge to book a dropped session is not sent (the dispatcher finds it gone). The
    clinician's reason for more sessions is kept until a change no longer needs it."""
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.PAUSED):
        raise RuleBroken("Only an open plan can be changed.", {"status": "Closed."})
    policy = plan_policy(clinic)
    # The clinician's reason covers the count it allowed: raising it needs a new one.
    kept = plan.override_reason if change.sessions_per_year <= plan.sessions_per_year else None
    given = (change.override_reason or "").strip()
    if given and (unkept := reason_problem(given)) is not None:
        raise RuleBroken(unkept, {"override_reason": unkept})
    reason = given or kept
    problem = count_problem(
        change.indications, change.sessions_per_year, has_override=bool(reason), policy=policy
    )
    if problem is not None:
        field, sentence = problem
        raise RuleBroken(sentence, {field: sentence})
    targets, settled = _targets_of(plan), settled_numbers(plan, today)
    try:
        resized = resized_targets(
            targets,
            change.sessions_per_year,
            settled,
            plan.start_date,
            plan.end_date,
            policy,
            today=today,
        )
    except CannotResize as refusal:
        raise RuleBroken(refusal.sentence, {"sessions_per_year": refusal.sentence}) from refusal
    before = {"indications": sorted(plan.indications), "sessions_per_year": plan.sessions_per_year}
    del plan.sessions[len(resized) :]  # delete-orphan: the dropped sessions go
    plan.sessions.extend(planned_session(target) for target in resized[len(plan.sessions) :])
    limit, _ = session_limit(change.indications, policy)
    plan.indications = sorted(set(change.indications))
    plan.sessions_per_year = change.sessions_per_year
    plan.override_reason = reason if change.sessions_per_year > limit else None
    after = {"indications": plan.indications, "sessions_per_year": plan.sessions_per_year}
    record(
        actor,
        "change",
        "plan",
        plan.id,
        f"Changed plan #{plan.id}",
        now=now,
        changes={key: [before[key], after[key]] for key in before if before[key] != after[key]},
    )
    return plan


def pause_plan(plan: Plan, reason: str, *, actor: Actor, today: date, now: datetime) -> Plan:
    if plan.status is not PlanStatus.ACTIVE:
        raise RuleBroken("Only an active plan can be paused.", {"status": "Not active."})
    if not reason.strip():
        raise RuleBroken("Say why the plan is paused.", {"reason": "Enter a reason."})
    plan.status = PlanStatus.PAUSED
    plan.paused_on = today
    plan.pause_reason = reason.strip()[:300]
    record(
        actor,
        "pause",
        "plan",
        plan.id,
        f"Paused plan #{plan.id}",
        now=now,
    )
    return plan


def resume_plan(plan: Plan, *, clinic: Clinic, actor: Actor, today: date, now: datetime) -> Plan:
    if plan.status is not PlanStatus.PAUSED or plan.paused_on is None:
        raise RuleBroken("Only a paused plan can be resumed.", {"status": "Not paused."})
    targets, settled = _targets_of(plan), settled_numbers(plan, today)
    moved, new_end = shift_for_pause(
        targets, plan.paused_on, today, plan.start_date, plan.end_date, plan_policy(clinic), settled
    )
    for planned, target in zip(plan.sessions, moved, strict=True):
        planned.target_date = target.target_on
        planned.window_start = target.window_start
        planned.window_end = target.window_end
    paused_days = (today - plan.paused_on).days
    plan.end_date = new_end
    plan.status = PlanStatus.ACTIVE
    plan.paused_on = None
    record(
        actor,
        "resume",
        "plan",
        plan.id,
        f"Resumed plan #{plan.id} after {paused_days} day(s); later sessions moved",
        now=now,
    )
    return plan


def cancel_plan(plan: Plan, reason: str, *, actor: Actor, now: datetime) -> Plan:
    if plan.status in (PlanStatus.CANCELLED, PlanStatus.COMPLETED):
        raise RuleBroken("This plan is already closed.", {"status": "Closed."})
    plan.status = PlanStatus.CANCELLED
    record(
        actor,
        "cancel",
        "plan",
        plan.id,
        f"Cancelled plan #{plan.id}",
        now=now,
    )
    return plan


@dataclass(frozen=True)
class OutcomeInput:
    results: dict[str, str]
    patient_rating: int
    notes: str
    renew: bool


def record_outcome(plan: Plan, entry: OutcomeInput, *, actor: Actor, now: datetime) -> PlanOutcome:
    problems: dict[str, str] = {}
    for indication in plan.indications:
        if entry.results.get(indication) not in {o.value for o in Outcome}:
            problems[f"results.{indication}"] = "Choose a lot, some or none."
    if not 1 <= entry.patient_rating <= 5:
        problems["patient_rating"] = "Rate from 1 to 5."
    if plan.outcome is not None:
        problems["plan"] = "The outcome is already recorded."
    elif not any(
        session.appointment is not None
        and session.appointment.status is AppointmentStatus.COMPLETED
        for session in plan.sessions
    ):
        problems["plan"] = (
            "No session of this plan has been done yet: the outcome is recorded at the "
            "results check-in, after the treatment."
        )
    if problems:
        raise RuleBroken(problems.get("plan", "Some of the outcome needs correcting."), problems)
    outcome = PlanOutcome(
        recorded_at=now,
        recorded_by_label=actor.label,
        results={i: entry.results[i] for i in plan.indications},
        patient_rating=entry.patient_rating,
        notes=entry.notes.strip(),
        renew=entry.renew,
    )
    plan.outcome = outcome
    plan.status = PlanStatus.COMPLETED
    record(
        actor,
        "outcome",
        "plan",
        plan.id,
        f"Recorded the results of plan #{plan.id}",
        now=now,
        changes={"renew": entry.renew},
    )
    return outcome


def renewal_request(plan: Plan, clinic: Clinic, today: date) -> PlanRequest:
    """Next year's plan with the same indications: from the end of this plan year (or
    today, if that has passed), with at least the default number of sessions."""
    policy = plan_policy(clinic)
    sessions = max(policy.default_sessions, min(plan.sessions_per_year, policy.max_sessions))
    if count_problem(plan.indications, sessions, has_override=False, policy=policy):
        sessions = policy.default_sessions
    return PlanRequest(
        plan.patient_id,
        tuple(plan.indications),
        max(plan.end_date, today),
        sessions,
        renewed_from_id=plan.id,
    )
