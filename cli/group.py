"""The `ssi` root command: click's usage errors, and a service that cannot be reached, as the
one line every other error is.

Click prints a usage error as three lines (usage, a hint, the error) and typer, with rich, as a
box; a script reading stderr, or a person, should see `ssi: error: ...` like any other failure.
"""

import sys
from collections.abc import Sequence
from typing import Any

import typer

# typer carries its own copy of click; these two it does not re-export.
from typer._click.core import Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from cli.client import unreachable


class OneLineErrors(TyperGroup):
    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            # Not standalone: click hands errors back instead of printing them itself, and
            # returns the exit code of a `typer.Exit` (None when a command simply returned).
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()  # `ssi incidents` alone: the help, as click shows it
            code = exc.exit_code
        except UsageError as exc:
            typer.echo(f"ssi: error: {exc.format_message()}{_help_hint(exc.ctx)}", err=True)
            code = exc.exit_code
        except typer.TyperException as exc:  # click's other errors, such as a file not found
            typer.echo(f"ssi: error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except typer.Abort:
            typer.echo("ssi: error: aborted", err=True)
            code = 1
        except Exception as exc:
            # A call that got no answer (refused, timed out) is named here, once for every
            # command: the generated operations raise httpx's own errors.
            line = unreachable(exc)
            if line is None:
                raise
            typer.echo(f"ssi: error: {line}", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _help_hint(ctx: Context | None) -> str:
    if ctx is None:
        return ""
    # The program's own name, whatever click was told it is (tests invoke it as "root").
    words = ["ssi", *ctx.command_path.split()[1:], "--help"]
    return f" (see `{' '.join(words)}`)"
