"""What the benchmarks share: their development secret, tokens, Device ids, the two parties."""

from shared.tokens import mint_dev_token
from tests.notifier.fleet import add_parties

__all__ = ["SECRET", "add_parties", "device", "token"]

SECRET = "bench-secret-not-for-production-0123456789"  # noqa: S105 - bench only


def token(subject: str, scopes: tuple[str, ...]) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(SECRET, subject, scopes, ttl_seconds=7200)}"}


def device(n: int) -> str:
    return "00-DB-" + "-".join(f"{b:02X}" for b in n.to_bytes(6, "big"))
