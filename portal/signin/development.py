"""Development's "sign in as": tokens the portal mints itself, as `ssi token` does.

Only in development (`SSI_ENV=development`), where the services accept HS256 tokens signed with
the development secret; the pages that use this answer 404 anywhere else.
"""

from datetime import datetime, timedelta

from portal.sessions.service import Identity, Tokens
from shared.settings import CommonSettings
from shared.tokens import ADMIN_SCOPE, OPERATOR_SCOPES, PARTY_SCOPES, mint_dev_token

LIFETIME = timedelta(minutes=15)


def identity(person: str, party_id: str, operator: bool, now: datetime) -> Identity:
    scopes = OPERATOR_SCOPES if operator else PARTY_SCOPES
    return Identity(
        person=person,
        party_id=party_id,
        operator=operator,
        scopes=frozenset(scopes),
        auth_time=now,
        via="development",
    )


def tokens(common: CommonSettings, who: Identity, now: datetime) -> Tokens:
    token = mint_dev_token(
        common.dev_jwt_secret(),
        who.person,
        sorted(who.scopes),
        audience=common.jwt_audience,
        issuer=common.jwt_issuer,
        ttl_seconds=int(LIFETIME.total_seconds()),
        now=now.timestamp(),
        party=who.party_id,
    )
    return Tokens(access_token=token, expires_at=now + LIFETIME)


def admin_token(common: CommonSettings, now: datetime) -> str:
    """To list the parties on the "sign in as" page."""
    return mint_dev_token(
        common.dev_jwt_secret(),
        "admin",
        [ADMIN_SCOPE],
        audience=common.jwt_audience,
        issuer=common.jwt_issuer,
        ttl_seconds=60,
        now=now.timestamp(),
    )
