"""What the benchmarks share: their development secret, tokens, Device ids, the two parties."""

import httpx

from shared.tokens import mint_dev_token

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - bench only


def token(subject: str, scopes: tuple[str, ...]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(SECRET, subject, scopes, ttl_seconds=7200)}"}


def device(n: int) -> str:
    return "00-DB-" + "-".join(f"{b:02X}" for b in n.to_bytes(6, "big"))


def add_parties(client: httpx.Client) -> None:
    """GSUP (gaining) and ISUP (installing), through a client holding an admin token."""
    for party, category in (("GSUP", "large_supplier"), ("ISUP", "small_supplier")):
        client.post(
            "/v1/parties",
            json={
                "party_id": party,
                "name": party,
                "category": category,
                "ops_contact_email": "ops@example.com",
                "escalation_contact_email": "esc@example.com",
            },
        ).raise_for_status()
