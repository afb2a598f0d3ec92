"""`/reports/sla`: the notifier's SLA compliance report for a period, as a table, a chart drawn
here as inline SVG (no script, no library), and the same rows as CSV (`/reports/sla.csv`).

The notifier decides whose rows a person sees: every party's for operators, a supplier's own
otherwise. A period is two London dates, both included; the notifier's `to` is exclusive, so it
is sent the day after the last one.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from ssi_client.notifier.api.reports import get_sla_report
from ssi_client.notifier.models import SlaReport, SlaReportRow

from portal.dependencies import Me, RuntimeDep, ServicesDep
from portal.rendering import LONDON, render
from portal.services import ServiceProblem, Services, ok, problem_of, refused

router = APIRouter()
DEFAULT_DAYS = 30
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DateParam = Annotated[str | None, Query(max_length=40)]
FromParam = Annotated[str | None, Query(alias="from", max_length=40)]


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    """The last day included."""

    def link(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def notifier(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": (self.end + timedelta(days=1)).isoformat()}


def _day(value: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        day = date.fromisoformat(value) if DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        errors[name] = "Give a date such as 2026-11-01."
    elif not 2000 <= day.year <= 2099:
        errors[name] = "Give a date in the years 2000 to 2099."
        day = None
    return day


def chosen_period(
    from_: str | None, to: str | None, today: date
) -> tuple[Period | None, dict[str, str], dict[str, str]]:
    """The period asked for (the last 30 days by default), the form's values and its errors."""
    values = {
        "from": (from_ or "").strip() or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "to": (to or "").strip() or today.isoformat(),
    }
    errors: dict[str, str] = {}
    start, end = _day(values["from"], "from", errors), _day(values["to"], "to", errors)
    if start is None or end is None:
        return None, values, errors
    if end < start:
        errors["to"] = "The last day must be on or after the first."
        return None, values, errors
    return Period(start, end), values, errors


@dataclass(frozen=True)
class Segment:
    kind: str
    """Its class, `bar-<kind>`, and its place in the legend."""
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    party_id: str
    received: int
    y: int
    """The bar's top; its labels sit on `baseline`."""
    baseline: int
    segments: list[Segment]

    @property
    def end(self) -> float:
        return round(self.segments[-1].x + self.segments[-1].width, 1) if self.segments else 0.0


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    label: str
    description: str


PARTS = {
    "met": "resolved within SLA",
    "breached": "resolved late (SLA missed)",
    "open": "still open",
    "other": "cancelled or ended",
}
"""Each part of a bar, as a count reads: "3 still open"."""
LEGEND = {kind: words[0].upper() + words[1:] for kind, words in PARTS.items()}
LABEL_WIDTH, BAR_WIDTH, CHART_WIDTH = 56, 520, 640
ROW_HEIGHT, BAR_HEIGHT = 28, 18


def _parts(row: SlaReportRow) -> dict[str, int]:
    """The row's clocks in four parts that do not overlap and add up to `received`. The report's
    `breached` also counts clocks still open (or cancelled) after a breach, which the bar shows
    as open: its red part is the clocks resolved late alone."""
    late = max(row.resolved - row.resolved_within_sla, 0)
    other = max(row.received - row.resolved - row.open_, 0)
    return {"met": row.resolved_within_sla, "breached": late, "open": row.open_, "other": other}


def chart(rows: list[SlaReportRow], period: Period) -> Chart | None:
    """One horizontal stacked bar per addressed party, to the scale of the largest; none when
    no clock started in the period."""
    largest = max((r.received for r in rows), default=0)
    if largest == 0:
        return None
    scale = BAR_WIDTH / largest
    bars: list[Bar] = []
    lines: list[str] = []
    for index, row in enumerate(rows):
        parts = _parts(row)
        segments: list[Segment] = []
        done = 0
        for kind, count in parts.items():
            if count:
                # From the running total, so rounding never leaves a gap between segments.
                x = round(LABEL_WIDTH + done * scale, 1)
                done += count
                end = round(LABEL_WIDTH + done * scale, 1)
                segments.append(Segment(kind, count, x, round(end - x, 1)))
        top = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        baseline = top + BAR_HEIGHT // 2 + 4
        bars.append(Bar(row.addressed_party_id, row.received, top, baseline, segments))
        counts = ", ".join(f"{parts[k]} {words}" for k, words in PARTS.items())
        lines.append(f"{row.addressed_party_id}: {row.received} received ({counts}).")
    label = (
        f"SLA clocks per addressed party, {period.start.isoformat()} to {period.end.isoformat()}:"
        " a bar per party, split into resolved within SLA, resolved late, still open, and"
        " cancelled or ended. The same figures are in the table."
    )
    return Chart(bars, len(rows) * ROW_HEIGHT, label, " ".join(lines))


@dataclass(frozen=True)
class Totals:
    received: int
    resolved: int
    resolved_within_sla: int
    breached: int
    open_: int
    cancelled: int


def totals(rows: list[SlaReportRow]) -> Totals:
    return Totals(
        received=sum(r.received for r in rows),
        resolved=sum(r.resolved for r in rows),
        resolved_within_sla=sum(r.resolved_within_sla for r in rows),
        breached=sum(r.breached for r in rows),
        open_=sum(r.open_ for r in rows),
        cancelled=sum(r.cancelled for r in rows),
    )


def _today(runtime: RuntimeDep) -> date:
    return runtime.clock.now().astimezone(LONDON).date()


def _page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    period: Period | None = None,
    report: SlaReport | None = None,
    status_code: int | None = None,
) -> Response:
    rows = report.items if report else []
    return render(
        request,
        "reports/sla.html",
        status_code or (422 if errors else 200),
        values=values,
        errors=errors,
        period=period,
        report=report,
        rows=rows,
        totals=totals(rows),
        chart=chart(rows, period) if period else None,
        legend=LEGEND,
        parts=PARTS,
        sizes={"width": CHART_WIDTH, "bar": BAR_HEIGHT},
    )


def _refused(request: Request, values: dict[str, str], problem: ServiceProblem) -> Response:
    refused(problem)
    errors = dict(problem.fields) or {"_": problem.detail}
    return _page(request, values, errors, status_code=problem.status)


@router.get("/reports/sla", name="sla_report")
async def sla_report(
    request: Request,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    from_: FromParam = None,
    to: DateParam = None,
) -> Response:
    period, values, errors = chosen_period(from_, to, _today(runtime))
    if period is None:
        return _page(request, values, errors)
    answer = await get_sla_report.asyncio_detailed(
        client=services.notifier, from_=period.notifier()["from"], to=period.notifier()["to"]
    )
    try:
        report = ok(answer, SlaReport)
    except ServiceProblem as problem:
        return _refused(request, values, problem)
    return _page(request, values, errors, period=period, report=report)


async def _csv(services: Services, period: Period) -> bytes:
    """The notifier's own CSV (the generated client reads JSON only), as the person."""
    http = services.notifier.get_async_httpx_client()
    answer = await http.get(
        "/v1/reports/sla", params=period.notifier(), headers={"Accept": "text/csv"}
    )
    if answer.status_code != 200:
        raise problem_of(answer.status_code, answer.content)
    if not answer.headers.get("content-type", "").startswith("text/csv"):
        raise problem_of(502, b"")
    return answer.content


@router.get("/reports/sla.csv", name="sla_report_csv")
async def sla_report_csv(
    request: Request,
    me: Me,
    services: ServicesDep,
    runtime: RuntimeDep,
    from_: FromParam = None,
    to: DateParam = None,
) -> Response:
    period, values, errors = chosen_period(from_, to, _today(runtime))
    if period is None:
        return _page(request, values, errors)
    try:
        content = await _csv(services, period)
    except ServiceProblem as problem:
        return _refused(request, values, problem)
    name = f"sla-report-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
