"""Scale-out on loopback PostgreSQL: two incident APIs and two notifiers, 500 incidents raised
concurrently across both APIs, a receiver that fails the first attempt of every fifth webhook,
retries set to sub-second. Every (event, endpoint) arrives; a webhook-id arrives twice only as the
retry of a failure; each breach is recorded once. A second wave kills one notifier with SIGKILL
halfway: nothing is lost, and duplicates stay within what was in flight at the kill.

The figures (time to drain, retries, duplicates) are printed: `pytest -s` shows them.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.database import on_postgres
from tests.notifier.fleet import add_endpoint, raise_incidents, seed, sla_events
from tests.processes import (
    API_APP,
    NOTIFIER_APP,
    Service,
    base_env,
    migrated_databases,
    running,
    start,
)
from tests.receiver import Answer, Received, Receiver, running_receiver
from tests.smtp import smtp_server
from tests.tokens import Tokens

pytestmark = pytest.mark.skipif(not on_postgres(), reason="replicas share work through PostgreSQL")

WAVE = 500
TOTAL_CONCURRENCY = 16
NOTIFIER_SETTINGS = {
    "NOTIFIER_RETRY_SCHEDULE_SECONDS": "[0.2, 0.5, 1, 2]",
    "NOTIFIER_RETRY_JITTER": "0",
    "NOTIFIER_ATTEMPT_TIMEOUT_SECONDS": "1",
    "NOTIFIER_CLAIM_LEASE_SECONDS": "3",
    "NOTIFIER_TOTAL_CONCURRENCY": str(TOTAL_CONCURRENCY),
}


def flaky_every_fifth(receiver: Receiver) -> Counter[str]:
    """Fail the first attempt of every webhook whose event seq is a multiple of 5."""
    failed: Counter[str] = Counter()

    def decide(request: Received) -> Answer:  # called under the receiver's lock
        webhook_id = request.headers["webhook-id"]
        seq = int(webhook_id.split("_")[1])
        if seq % 5 == 0 and webhook_id not in failed:
            failed[webhook_id] += 1
            return Answer(status=503)
        return Answer(status=204)

    receiver.decide = decide
    return failed


def delivered(receiver: Receiver, failed: Counter[str]) -> Counter[str]:
    """Successful receipts per webhook-id (a receipt answered 503 is not one)."""
    with receiver._lock:
        receipts = Counter(r.headers["webhook-id"] for r in receiver.received)
        failures = Counter(failed)
    return receipts - failures


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextmanager
def fleet(tmp_path: Path, receiver: Receiver, tokens: Tokens) -> Iterator[dict[str, list[Service]]]:
    with migrated_databases(tmp_path, "x") as (api_db, notifier_db), ExitStack() as stack:
        log = tmp_path / "services.log"
        api_env = base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db)
        apis = [stack.enter_context(running(API_APP, api_env, log)) for _ in range(2)]
        seed(apis[0].url, tokens, 2 * WAVE)
        notifiers = [
            start(
                NOTIFIER_APP,
                base_env(
                    tmp_path,
                    NOTIFIER_DATABASE_URL=notifier_db,
                    NOTIFIER_INCIDENT_API_URL=api.url,
                    **NOTIFIER_SETTINGS,
                ),
                log,
            )
            for api in apis
        ]
        for notifier in notifiers:
            stack.callback(notifier.stop)
        add_endpoint(notifiers[0].url, tokens, receiver.url)
        yield {"apis": apis, "notifiers": notifiers}
        assert "Traceback" not in log.read_text()


def test_two_apis_two_notifiers_deliver_everything_once(tmp_path: Path, tokens: Tokens) -> None:
    with running_receiver() as receiver, fleet(tmp_path, receiver, tokens) as services:
        apis, notifiers = services["apis"], services["notifiers"]
        failed = flaky_every_fifth(receiver)

        # Wave 1: 500 incidents raised concurrently across both APIs.
        started = time.monotonic()
        ids = raise_incidents([a.url for a in apis], tokens, WAVE, concurrency=16)
        wait_until(lambda: len(delivered(receiver, failed)) >= WAVE, 120, "wave 1")
        drained = time.monotonic() - started
        retries = sum(failed.values())
        time.sleep(1)  # anything sent twice would have arrived by now
        got = delivered(receiver, failed)
        assert len(got) == WAVE
        assert max(got.values()) == 1, got.most_common(3)
        assert sum(failed.values()) == WAVE // 5  # every fifth event's first attempt, once

        # Each breach recorded once, however many notifiers watch the clock.
        first = httpx.get(f"{apis[0].url}/v1/incidents/{ids[0]}", headers=tokens.party("GSUP"))
        due = datetime.fromisoformat(first.json()["due_at"]) + timedelta(minutes=1)
        moved = httpx.post(
            f"{notifiers[0].url}/v1/test-clock",
            headers=tokens.admin(),
            json={"now": due.isoformat()},
        )
        assert moved.status_code == 200, moved.text
        wait_until(lambda: len(delivered(receiver, failed)) >= 2 * WAVE, 120, "the breaches")
        breaches = sla_events(apis[1].url, tokens)
        assert set(breaches) == {(i, 1, "breach", 1) for i in ids}
        assert max(breaches.values()) == 1
        time.sleep(1)
        got = delivered(receiver, failed)
        assert len(got) == 2 * WAVE
        assert max(got.values()) == 1

        # Back to real time for wave 2 (each replica reads the shared offset within a second).
        httpx.delete(f"{notifiers[0].url}/v1/test-clock", headers=tokens.admin())
        time.sleep(2)

        # Wave 2: one notifier killed with SIGKILL halfway through.
        before = len(got)
        started = time.monotonic()
        raising = threading.Thread(
            target=raise_incidents,
            args=([a.url for a in apis], tokens, WAVE),
            kwargs={"concurrency": 16, "first": WAVE},
        )
        raising.start()
        wait_until(lambda: len(delivered(receiver, failed)) >= before + WAVE // 2, 120, "half")
        notifiers[1].kill()
        raising.join()
        wait_until(lambda: len(delivered(receiver, failed)) >= before + WAVE, 120, "wave 2")
        drained_after_kill = time.monotonic() - started
        time.sleep(4)  # past the lease: a lost claim would be sent again by now
        got = delivered(receiver, failed)
        duplicates = sum(n - 1 for n in got.values())
        assert len(got) == 3 * WAVE  # nothing lost
        # A duplicate is a webhook the killed replica sent but had not recorded: at most what it
        # had in flight.
        assert duplicates <= TOTAL_CONCURRENCY
        print(
            f"\nscale-out: wave 1 drained in {drained:.1f} s ({WAVE} webhooks, "
            f"{retries} first attempts failed and retried); wave 2 with a SIGKILL drained in "
            f"{drained_after_kill:.1f} s; duplicates after the kill: {duplicates}"
        )


MAILED = 200


def test_two_notifiers_mail_each_message_once(tmp_path: Path, tokens: Tokens) -> None:
    """ISUP has no endpoint: every raise goes to its ops contact, through a real SMTP server
    (STARTTLS, a trustme CA) shared by two notifier processes."""
    with smtp_server() as smtp, migrated_databases(tmp_path, "m") as (api_db, notifier_db):
        log = tmp_path / "services.log"
        api_env = base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db)
        with running(API_APP, api_env, log) as api, ExitStack() as stack:
            seed(api.url, tokens, MAILED)
            env = base_env(
                tmp_path,
                NOTIFIER_DATABASE_URL=notifier_db,
                NOTIFIER_INCIDENT_API_URL=api.url,
                NOTIFIER_SMTP_URL=smtp.url(),
                NOTIFIER_SMTP_CA_FILE=str(smtp.ca_file),
                **NOTIFIER_SETTINGS,
            )
            for _ in range(2):
                stack.enter_context(running(NOTIFIER_APP, env, log))
            raise_incidents(api.url, tokens, MAILED, concurrency=8)
            wait_until(lambda: len(smtp.received) >= MAILED, 120, "the messages")
            time.sleep(1)  # anything sent twice would have arrived by now
            ids = Counter(str(r.message["Message-ID"]) for r in smtp.received)
            assert len(ids) == MAILED
            assert max(ids.values()) == 1, ids.most_common(3)
            assert {tuple(r.rcpt_tos) for r in smtp.received} == {("ops@isup.example",)}
        assert "Traceback" not in log.read_text()
