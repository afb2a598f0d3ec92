"""The SLA report page: the notifier's figures as a table and a chart, and its CSV, for the
person's own party or, for operators, every party."""

import re
from datetime import date, timedelta
from itertools import pairwise

from ssi_client.notifier.models import SlaReportRow

from portal.pages.reports import BAR_WIDTH, LABEL_WIDTH, Period, chart
from portal.rendering import LONDON
from tests.portal.world import CODE, Portal, field_errors

DEVICE_2 = "00-DB-12-34-56-78-90-A1"
DEVICE_3 = "00-DB-12-34-56-78-90-A2"
COLUMNS = ("received", "resolved", "within", "breached", "open", "cancelled", "median")


def table(html: str) -> dict[str, dict[str, str]]:
    """The report's rows (and its total) by their header cell, each column by name."""
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S)
    return {
        name: dict(zip(COLUMNS, re.findall(r'<td class="num">([^<]*)</td>', cells), strict=True))
        for name, cells in rows
    }


def today(portal: Portal) -> date:
    return portal.clock.now().astimezone(LONDON).date()


async def world(portal: Portal) -> None:
    """GSUP asks ISUP twice and SSUP once; ISUP answers one of its two."""
    await portal.register()
    await portal.device(DEVICE_2, installer="SSUP")
    await portal.device(DEVICE_3)
    gaining = await portal.sign_in("GSUP", "gail")
    answered = await portal.raise_incident(gaining)
    await portal.raise_incident(gaining, DEVICE_2)
    await portal.raise_incident(gaining, DEVICE_3)
    installing = await portal.sign_in("ISUP", "ivan")
    response = await installing.post(
        f"/incidents/{answered}/respond",
        data={"outcome": "install_code_provided", "install_code": CODE},
    )
    assert response.status_code == 303
    await portal.harness.sync()


async def test_a_supplier_sees_its_own_row_and_an_operator_every_party(portal: Portal) -> None:
    await world(portal)

    installing = await portal.sign_in("ISUP")
    page = await installing.get("/reports/sla")
    assert page.status_code == 200
    rows = table(page.text)
    assert set(rows) == {"ISUP"}
    assert rows["ISUP"] == {
        "received": "2",
        "resolved": "1",
        "within": "1",
        "breached": "0",
        "open": "1",
        "cancelled": "0",
        "median": "0",
    }

    gaining = table((await (await portal.sign_in("GSUP")).get("/reports/sla")).text)
    assert set(gaining) == {"GSUP"}  # nothing addressed to it: its own row, with zeros
    assert gaining["GSUP"]["received"] == "0"

    operator = table((await (await portal.sign_in("DCCO")).get("/reports/sla")).text)
    assert set(operator) == {"ISUP", "SSUP", "Total"}
    assert operator["SSUP"]["received"] == operator["SSUP"]["open"] == "1"
    assert operator["Total"]["received"] == "3"
    assert operator["Total"]["within"] == "1"
    assert operator["Total"]["open"] == "2"


async def test_the_chart_is_drawn_on_the_server_and_labelled(portal: Portal) -> None:
    await world(portal)
    page = (await (await portal.sign_in("DCCO")).get("/reports/sla")).text

    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart
    assert re.search(r'aria-label="SLA clocks per addressed party[^"]+"', chart)
    assert "<title>SLA clocks per addressed party" in chart
    description = re.search(r'<desc id="sla-chart-desc">([^<]*)</desc>', chart)
    assert description is not None
    assert "ISUP: 2 received (1 resolved within SLA, 0 resolved late" in description.group(1)
    assert "SSUP: 1 received" in description.group(1)
    assert chart.count('class="bar-met"') == 1
    assert chart.count('class="bar-open"') == 2
    assert "bar-breached" not in chart
    for legend in ("Resolved within SLA", "Resolved late (SLA missed)", "Still open"):
        assert legend in page
    assert "style=" not in page
    assert "<script>" not in page
    assert table(page)["ISUP"]["within"] == "1"  # the chart is not the only way to read it


async def test_the_csv_is_the_notifiers_as_an_attachment(portal: Portal) -> None:
    await world(portal)
    operator = await portal.sign_in("DCCO")
    start, end = today(portal) - timedelta(days=6), today(portal)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    page = (await operator.get("/reports/sla", params=period)).text
    link = f'href="/reports/sla.csv?from={start}&amp;to={end}"'
    assert link in page

    download = await operator.get("/reports/sla.csv", params=period)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        download.headers["content-disposition"]
        == f'attachment; filename="sla-report-{start}-{end}.csv"'
    )
    direct = await portal.harness.notifier.get(
        "/v1/reports/sla",
        params={"from": start.isoformat(), "to": (end + timedelta(days=1)).isoformat()},
        headers={**portal.harness.tokens.operator(), "Accept": "text/csv"},
    )
    assert direct.status_code == 200
    assert download.text == direct.text
    lines = download.text.splitlines()
    assert lines[0].startswith("addressed_party_id,received,")
    assert [line.split(",")[0] for line in lines[1:]] == ["ISUP", "SSUP"]

    own = await (await portal.sign_in("ISUP")).get("/reports/sla.csv", params=period)
    assert [line.split(",")[0] for line in own.text.splitlines()[1:]] == ["ISUP"]


async def test_bad_dates_are_shown_beside_their_fields(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("DCCO")

    for params in ({"from": "2026-13-01", "to": "tomorrow"}, {"from": "1999-01-01", "to": ""}):
        bad = await browser.get("/reports/sla", params=params)
        assert bad.status_code == 422
        assert 'id="from-error"' in bad.text
        assert "<svg" not in bad.text
    both = await browser.get("/reports/sla", params={"from": "2026-13-01", "to": "tomorrow"})
    assert len(field_errors(both.text)) == 2
    assert 'value="tomorrow"' in both.text  # kept in the form to be corrected

    backwards = await browser.get("/reports/sla", params={"from": "2026-11-02", "to": "2026-11-01"})
    assert backwards.status_code == 422
    assert 'id="to-error"' in backwards.text
    assert 'aria-invalid="true" aria-describedby="to-error"' in backwards.text

    # The notifier's own refusal (its `to` is the day after, past its range) beside the field.
    beyond = await browser.get("/reports/sla", params={"from": "2099-01-01", "to": "2099-12-31"})
    assert beyond.status_code == 422
    assert 'id="to-error"' in beyond.text

    csv = await browser.get("/reports/sla.csv", params={"from": "someday"})
    assert csv.status_code == 422
    assert csv.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in csv.headers


async def test_the_period_defaults_to_the_last_30_days(portal: Portal) -> None:
    await portal.register()
    page = await (await portal.sign_in("ISUP")).get("/reports/sla")
    start = today(portal) - timedelta(days=29)
    assert f'value="{start}"' in page.text
    assert f'value="{today(portal)}"' in page.text
    assert "No SLA clock started in this period." in page.text


async def test_signed_out_is_sent_to_sign_in(portal: Portal) -> None:
    async with portal.browser() as browser:
        for path in ("/reports/sla", "/reports/sla.csv"):
            answer = await browser.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/signin")


def report_row(party_id: str, received: int, met: int, late: int, open_: int) -> SlaReportRow:
    return SlaReportRow(
        addressed_party_id=party_id,
        received=received,
        resolved=met + late,
        resolved_within_sla=met,
        breached=late + 1,
        open_=open_,
        cancelled=received - met - late - open_,
        median_working_days_to_resolve=None,
    )


def test_the_bars_split_each_party_into_parts_that_add_up() -> None:
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    drawn = chart([report_row("ISUP", 7, 3, 2, 1), report_row("SSUP", 3, 0, 0, 3)], period)
    assert drawn is not None
    isup, ssup = drawn.bars
    assert [(s.kind, s.count) for s in isup.segments] == [
        ("met", 3),
        ("breached", 2),
        ("open", 1),
        ("other", 1),
    ]
    assert isup.segments[0].x == LABEL_WIDTH
    assert isup.end == LABEL_WIDTH + BAR_WIDTH  # the largest fills the width
    for left, right in pairwise(isup.segments):
        assert round(left.x + left.width, 1) == right.x  # no gap, no overlap
    assert [(s.kind, s.count) for s in ssup.segments] == [("open", 3)]
    assert ssup.end == round(LABEL_WIDTH + BAR_WIDTH * 3 / 7, 1)
    assert "ISUP: 7 received (3 resolved within SLA, 2 resolved late" in drawn.description
    assert ssup.y > isup.y
    assert chart([report_row("GSUP", 0, 0, 0, 0)], period) is None  # nothing to draw
