"""`ssi`: the command line for supplier operations staff (DESIGN §5).

Errors are one readable line on stderr and a non-zero exit, never a traceback.
"""

from typing import Annotated

import typer

from shared.settings import CommonSettings
from shared.tokens import ADMIN_SCOPE, OPERATOR_SCOPES, PARTY_SCOPES, SERVICE_SCOPES, mint_dev_token

app = typer.Typer(
    help="SSI install-code incident route: development tokens, SLA arithmetic and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Configuration comes from flags or the environment (SSI_DATA_DIR, SSI_JWT_SECRET, ...)."""


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def token(
    party: Annotated[str | None, typer.Option(help="Party id, e.g. GSUP")] = None,
    operator: Annotated[bool, typer.Option(help="Operator scopes for --party")] = False,
    service: Annotated[str | None, typer.Option(help="Service name, e.g. notifier")] = None,
    admin: Annotated[bool, typer.Option(help="A bootstrap admin token")] = False,
    scope: Annotated[str | None, typer.Option(help="Space-separated scopes (overrides)")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds")] = 3600,
) -> None:
    """Print a development token (HS256 with SSI_JWT_SECRET, or the one under SSI_DATA_DIR)."""
    chosen = [bool(party), bool(service), admin]
    if sum(chosen) != 1:
        raise fail("give exactly one of --party, --service or --admin")
    if party:
        subject = party
        scopes: tuple[str, ...] = OPERATOR_SCOPES if operator else PARTY_SCOPES
    elif service:
        subject, scopes = f"svc:{service}", SERVICE_SCOPES
    else:
        subject, scopes = "admin", (ADMIN_SCOPE,)
    if scope is not None:
        scopes = tuple(scope.split())
    settings = CommonSettings(env="development")
    secret = settings.dev_jwt_secret()
    typer.echo(
        mint_dev_token(
            secret,
            subject,
            scopes,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            ttl_seconds=ttl,
        )
    )


if __name__ == "__main__":
    app()
