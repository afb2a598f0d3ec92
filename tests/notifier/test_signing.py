"""Standard Webhooks signatures as a receiver checks them."""

from datetime import datetime, timedelta, timezone

from standardwebhooks.webhooks import Webhook

from services.notifier.transports import signing


def test_a_signature_made_at_a_local_time_verifies() -> None:
    # The same instant written with a +09:00 offset: the signature must cover the instant the
    # webhook-timestamp header carries, whatever zone the notifier's clock speaks.
    secret = signing.new_secret()
    local = datetime.now(timezone(timedelta(hours=9)))
    headers = signing.headers([secret], "evt_1_x", local, '{"type":"incident.raised"}')
    assert headers["webhook-timestamp"] == str(int(local.timestamp()))
    body = Webhook(secret).verify('{"type":"incident.raised"}', headers)
    assert body == {"type": "incident.raised"}


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    headers = signing.headers([new, old], "evt_2_x", datetime.now().astimezone(), "{}")
    assert Webhook(old).verify("{}", headers) == {}
    assert Webhook(new).verify("{}", headers) == {}
