"""`/incidents/upload`: a CSV raises or answers incidents through the API's bulk routes, each
row with its result, the results downloadable; a file the portal will not send changes nothing."""

import asyncio
import csv
import html
import io
import json
import re
from collections.abc import AsyncIterator

import httpx

from tests.portal.world import CODE, DEVICE, Portal, alerts, field_errors

OTHER_DEVICE = "00-DB-12-34-56-78-90-A1"
UNKNOWN_DEVICE = "00-DB-12-34-56-78-90-FF"
OTHER_CODE = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"


async def upload(
    browser: httpx.AsyncClient, kind: str, content: bytes, name: str = "incidents.csv"
) -> httpx.Response:
    return await browser.post(
        "/incidents/upload",
        data={"kind": kind},
        files={"file": (name, content, "text/csv")},
    )


def result_rows(page: str) -> list[list[str]]:
    """The results table's rows, as the cells' text."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def posted_results(page: str) -> str:
    found = re.search(r'name="results" value="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


async def download(browser: httpx.AsyncClient, results: str) -> httpx.Response:
    return await browser.post("/incidents/upload/results.csv", data={"results": results})


async def references(browser: httpx.AsyncClient, *filters: str) -> set[str]:
    page = (await browser.get("/incidents?" + "&".join(filters))).text
    return set(re.findall(r">(INC-\d+)</a>", page))


async def test_a_csv_raises_its_good_rows_and_says_why_the_others_failed(portal: Portal) -> None:
    await portal.register()
    await portal.device(OTHER_DEVICE)
    gaining = await portal.sign_in("GSUP", "gail")
    file = (
        "client_ref,device_id,group_ref\r\n"
        f"ok-1,{DEVICE},november\r\n"
        "bad-id,not-a-device,november\r\n"
        f"unknown,{UNKNOWN_DEVICE},november\r\n"
        f"ok-2,{OTHER_DEVICE.lower()},november\r\n"
        f"twice,{DEVICE},november\r\n"
    ).encode()

    answer = await upload(gaining, "raise", file)
    assert answer.status_code == 200, answer.text
    assert "2 ok, 3 failed" in answer.text
    rows = result_rows(answer.text)
    assert [r[:3] for r in rows] == [
        ["1", "ok-1", "OK"],
        ["2", "bad-id", "Failed"],
        ["3", "unknown", "Failed"],
        ["4", "ok-2", "OK"],
        ["5", "twice", "Failed"],
    ]
    assert "device_id" in rows[1][4]
    assert "installing supplier" in rows[2][4].lower() or "addressed_party_id" in rows[2][4]
    assert "open incident" in rows[4][4]
    links = re.findall(r'href="/incidents/([0-9a-f-]{36})">(INC-\d+)</a>', answer.text)
    assert len(links) == 2
    await portal.harness.sync()
    raised = await references(gaining, "role=requester")
    assert raised == {reference for _, reference in links}
    for incident_id, reference in links:
        assert reference in (await gaining.get(f"/incidents/{incident_id}")).text

    again = await upload(gaining, "raise", file)  # sent twice: the client_refs replay
    assert again.status_code == 200
    assert "2 ok, 3 failed" in again.text
    assert again.text.count("already done before") == 2
    assert await references(gaining, "role=requester") == raised


async def test_an_answer_csv_resolves_and_its_codes_appear_nowhere(portal: Portal) -> None:
    await portal.register()
    await portal.device(OTHER_DEVICE)
    gaining = await portal.sign_in("GSUP", "gail")
    first = await portal.raise_incident(gaining)
    second = await portal.raise_incident(gaining, OTHER_DEVICE)
    installing = await portal.sign_in("ISUP", "ivan")
    file = (
        "client_ref,reference,outcome,install_code,reason\r\n"
        f"-answer-1,{first},install_code_provided,{CODE},\r\n"
        f"answer-2,{second},install_code_provided,{OTHER_CODE},\r\n"
        f"answer-3,INC-999999,rejected,,Not ours.\r\n"
    ).encode()

    answer = await upload(installing, "respond", file)
    assert answer.status_code == 200, answer.text
    assert "2 ok, 1 failed" in answer.text
    assert [r[:3] for r in result_rows(answer.text)] == [
        ["1", "-answer-1", "OK"],
        ["2", "answer-2", "OK"],
        ["3", "answer-3", "Failed"],
    ]
    results = posted_results(answer.text)
    csv_answer = await download(installing, results)
    assert csv_answer.status_code == 200
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.headers["content-disposition"] == 'attachment; filename="results.csv"'
    for code in (CODE, OTHER_CODE):
        assert code not in answer.text
        assert code not in results
        assert code not in csv_answer.text
    table = list(csv.reader(io.StringIO(csv_answer.text)))
    assert table[0] == [
        "row", "client_ref", "ok", "incident_id", "reference", "replayed", "error_type", "error"
    ]  # fmt: skip
    assert table[1][:3] == ["1", "'-answer-1", "true"]  # a formula cell neutralised
    assert table[1][4] == first
    assert table[3][2] == "false"
    assert table[3][6] == "incident-not-found"

    for reference in (first, second):
        page = (await gaining.get(f"/incidents/{reference}")).text
        assert "resolved" in page
        assert "Reveal the install code" in page
    resent = await upload(installing, "respond", file)  # the same answers again: nothing changes
    assert "2 ok, 1 failed" in resent.text
    assert resent.text.count("already done before") == 2


async def test_another_party_cannot_answer_what_is_not_addressed_to_it(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    reference = await portal.raise_incident(gaining)
    stranger = await portal.sign_in("SSUP")
    file = (
        f"reference,outcome,install_code\r\n{reference},install_code_provided,{CODE}\r\n"
    ).encode()
    answer = await upload(stranger, "respond", file)
    assert answer.status_code == 200
    assert "0 ok, 1 failed" in answer.text
    [row] = result_rows(answer.text)
    assert row[2] == "Failed"
    assert row[4] == "No such incident."
    assert reference not in answer.text
    assert CODE not in answer.text
    page = (await gaining.get(f"/incidents/{reference}")).text
    assert "Reveal the install code" not in page


async def test_a_file_over_the_limit_is_refused_and_nothing_is_raised(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    line = f"{DEVICE},{'x' * 80}\r\n".encode()
    big = b"device_id,note\r\n" + line * (16 * 1024**2 // len(line) + 1)
    answer = await upload(gaining, "raise", big)
    assert answer.status_code == 413
    assert "The file is larger than 16 MB" in html.unescape(answer.text)
    assert field_errors(answer.text)

    portal.app.state.runtime.settings.max_upload_bytes = 4096
    lines = b"device_id\r\n" + f"{DEVICE}\r\n".encode() * 8000
    over = await upload(gaining, "raise", lines[:5000])
    assert over.status_code == 413
    assert "The file is larger than 4 KB" in html.unescape(over.text)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut off while streaming
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nraise\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for start in range(0, len(lines), 1000):
            sent += 1000
            yield lines[start : start + 1000]
        yield b"\r\n--b--\r\n"

    streamed = await gaining.post(
        "/incidents/upload",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert streamed.status_code == 413
    assert sent < 80_000 < len(lines)  # the bound (4 KB and the form around it): no more read
    assert "The file is larger than 4 KB" in html.unescape(streamed.text)
    await portal.harness.sync()
    assert await references(gaining) == set()


async def test_a_file_that_is_not_utf8_text_or_is_empty_is_refused(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    latin1 = f"device_id,note\r\n{DEVICE},Café\r\n".encode("latin-1")
    answer = await upload(gaining, "raise", latin1)
    assert answer.status_code == 422
    assert any("UTF-8" in e for e in field_errors(answer.text))
    empty = await upload(gaining, "raise", b"")
    assert empty.status_code == 422
    assert any("empty" in e for e in field_errors(empty.text))
    header_only = await upload(gaining, "raise", b"device_id\r\n")
    assert header_only.status_code == 422
    assert any("no rows" in a for a in alerts(header_only.text))
    unknown_column = await upload(
        gaining, "raise", f"device_id,colour\r\n{DEVICE},red\r\n".encode()
    )
    assert unknown_column.status_code == 422
    assert any("unknown or repeated" in a for a in alerts(unknown_column.text))
    no_choice = await upload(gaining, "", f"device_id\r\n{DEVICE}\r\n".encode())
    assert no_choice.status_code == 422
    assert any("raises incidents or answers" in e for e in field_errors(no_choice.text))
    await portal.harness.sync()
    assert await references(gaining) == set()


async def test_the_form_says_what_to_send(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    page = await gaining.get("/incidents/upload")
    assert page.status_code == 200
    text = page.text
    assert 'enctype="multipart/form-data"' in text
    assert '<label for="file">' in text
    for words in ("Raise incidents", "Answer incidents addressed to me", "recommend"):
        assert words in text
    assert "client_ref,device_id" in text
    assert "client_ref,reference,outcome" in text
    assert "16 MB" in text
    assert CODE not in text
    operator = await portal.sign_in("DCCO")
    refused = await upload(operator, "raise", f"device_id\r\n{DEVICE}\r\n".encode())
    # Refused whole (no incidents:raise) or row by row (not a supplier): nothing is raised.
    assert refused.status_code == 403 or "0 ok, 1 failed" in refused.text
    await portal.harness.sync()
    assert await references(gaining) == set()


async def test_forged_results_are_refused_and_formulas_neutralised(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    good = {"row": 1, "client_ref": "-1", "ok": False, "error": '=HYPERLINK("x")'}
    answer = await download(gaining, json.dumps({"items": [good]}))
    assert answer.status_code == 200
    [_, row] = list(csv.reader(io.StringIO(answer.text)))
    assert row[1] == "'-1"
    assert row[7] == '\'=HYPERLINK("x")'
    forged = [
        "not json",
        json.dumps([good]),
        json.dumps({"items": [good | {"install_code": CODE}]}),
        json.dumps({"items": [good | {"row": "1"}]}),
        json.dumps({"items": [good | {"incident_id": "../../v1/parties"}]}),
        json.dumps({"items": [good | {"client_ref": "a,b"}]}),
        json.dumps({"items": [good] * 10_001}),
        "[" * 100_000,
    ]
    for results in forged:
        refused = await download(gaining, results)
        assert refused.status_code == 422, results[:80]
        assert refused.headers["content-type"].startswith("text/html")
    assert (await gaining.post("/incidents/upload/results.csv")).status_code == 422


async def test_a_slow_upload_does_not_hold_up_other_pages(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    installing = await portal.sign_in("ISUP")
    halfway = asyncio.Event()
    finish = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nraise\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        yield b"client_ref,device_id\r\n"
        halfway.set()
        await finish.wait()
        yield f"slow-1,{DEVICE}\r\n\r\n--b--\r\n".encode()

    sending = asyncio.create_task(
        gaining.post(
            "/incidents/upload",
            content=slow(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    )
    await asyncio.wait_for(halfway.wait(), 10)
    meanwhile = await asyncio.wait_for(installing.get("/incidents/upload"), 10)
    assert meanwhile.status_code == 200
    finish.set()
    sent = await sending
    assert "1 ok, 0 failed" in sent.text
