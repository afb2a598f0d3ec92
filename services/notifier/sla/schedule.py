"""The order of a clock's SLA events: warnings, then the breach, then escalations while overdue.

Warning and due instants come from the API (carried in the event that started the clock);
escalations are every N Working Days past due, counted on the shared calendar.
"""

from dataclasses import dataclass
from datetime import datetime

from shared.calendar import WorkingDayCalendar
from shared.schemas import SlaEventKind

K = SlaEventKind


@dataclass(frozen=True)
class Step:
    kind: SlaEventKind
    ordinal: int
    at: datetime


class ClockPlan:
    def __init__(
        self,
        due_at: datetime,
        warnings: list[datetime],
        calendar: WorkingDayCalendar,
        escalate_every: int,
    ) -> None:
        self.due_at = due_at
        self.warnings = warnings
        self.calendar = calendar
        self.escalate_every = escalate_every

    def first(self) -> Step:
        if self.warnings:
            return Step(K.warning, 1, self.warnings[0])
        return Step(K.breach, 1, self.due_at)

    def after(self, step: Step) -> Step:
        if step.kind is K.warning and step.ordinal < len(self.warnings):
            return Step(K.warning, step.ordinal + 1, self.warnings[step.ordinal])
        if step.kind is K.warning:
            return Step(K.breach, 1, self.due_at)
        ordinal = step.ordinal + 1 if step.kind is K.escalation else 1
        at = self.calendar.escalation_at(self.due_at, self.escalate_every, ordinal)
        return Step(K.escalation, ordinal, at)

    def catch_up(self, step: Step, now: datetime) -> Step:
        """The step to record now: a warning or escalation already overtaken by the next one is
        skipped (a late warning is noise once the breach is due), the breach never is."""
        while step.kind is not K.breach:
            following = self.after(step)
            if following.at > now:
                break
            step = following
        return step
