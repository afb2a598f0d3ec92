"""The notifier as real processes: killed mid-delivery, and two replicas side by side."""

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.database import on_postgres
from tests.notifier.fleet import add_endpoint, raise_incidents, seed
from tests.processes import API_APP, NOTIFIER_APP, base_env, migrated_databases, running, start
from tests.receiver import Answer, running_receiver
from tests.tokens import Tokens


def test_sigkill_during_delivery_loses_nothing(tmp_path: Path, tokens: Tokens) -> None:
    with (
        migrated_databases(tmp_path, "p") as (api_db, notifier_db),
        running_receiver() as receiver,
    ):
        log = tmp_path / "services.log"
        api_env = base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db)
        with running(API_APP, api_env, log) as api:
            notifier_env = base_env(
                tmp_path,
                NOTIFIER_DATABASE_URL=notifier_db,
                NOTIFIER_INCIDENT_API_URL=api.url,
                NOTIFIER_CLAIM_LEASE_SECONDS="1",
                NOTIFIER_ATTEMPT_TIMEOUT_SECONDS="0.8",
            )
            seed(api.url, tokens, 1)
            notifier = start(NOTIFIER_APP, notifier_env, log)
            add_endpoint(notifier.url, tokens, receiver.url)
            # The receiver holds the first request open; the notifier dies while waiting.
            receiver.answers.append(Answer(status=204, delay=3))
            raise_incidents(api.url, tokens, 1)
            [inflight] = receiver.wait_for(1)
            notifier.kill()
            with running(NOTIFIER_APP, notifier_env, log):
                received = receiver.wait_for(2, timeout=20)
        assert received[1].headers["webhook-id"] == inflight.headers["webhook-id"]


@pytest.mark.skipif(not on_postgres(), reason="replicas share work through PostgreSQL")
def test_two_notifiers_deliver_each_event_once(tmp_path: Path, tokens: Tokens) -> None:
    count = 60
    with (
        migrated_databases(tmp_path, "p") as (api_db, notifier_db),
        running_receiver() as receiver,
    ):
        log = tmp_path / "services.log"
        with running(API_APP, base_env(tmp_path, INCIDENT_API_DATABASE_URL=api_db), log) as api:
            env = base_env(
                tmp_path, NOTIFIER_DATABASE_URL=notifier_db, NOTIFIER_INCIDENT_API_URL=api.url
            )
            seed(api.url, tokens, count)
            with running(NOTIFIER_APP, env, log) as one, running(NOTIFIER_APP, env, log):
                add_endpoint(one.url, tokens, receiver.url)
                raise_incidents(api.url, tokens, count)
                received = receiver.wait_for(count, timeout=30)
                time.sleep(1)  # anything sent twice would arrive by now
                received = list(receiver.received)
    ids = Counter(r.headers["webhook-id"] for r in received)
    assert len(ids) == count
    assert max(ids.values()) == 1
