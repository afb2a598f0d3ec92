"""Tokens for tests: development HS256 tokens, and helpers for the malformed ones."""

from shared.tokens import ADMIN_SCOPE, OPERATOR_SCOPES, PARTY_SCOPES, SERVICE_SCOPES, mint_dev_token

TEST_SECRET = "test-secret-for-the-suite-only-0123456789"


class Tokens:
    def mint(self, subject: str, scopes: tuple[str, ...] | list[str], **kwargs: object) -> str:
        return mint_dev_token(TEST_SECRET, subject, scopes, **kwargs)  # type: ignore[arg-type]

    def headers(self, subject: str, scopes: tuple[str, ...] | list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(subject, scopes)}"}

    def party(self, party_id: str) -> dict[str, str]:
        return self.headers(party_id, PARTY_SCOPES)

    def operator(self, party_id: str = "DCCO") -> dict[str, str]:
        return self.headers(party_id, OPERATOR_SCOPES)

    def service(self, name: str = "notifier") -> dict[str, str]:
        return self.headers(f"svc:{name}", SERVICE_SCOPES)

    def admin(self) -> dict[str, str]:
        return self.headers("admin", [ADMIN_SCOPE])
