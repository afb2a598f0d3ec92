"""`ssi --help` describes everything, and a usage error is one line like every other error."""

from collections.abc import Iterator

import pytest
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from cli.main import MAX_TOKEN_SECONDS, app
from shared.tokens import MAX_LIFETIME_SECONDS

runner = CliRunner()


def commands() -> Iterator[tuple[list[str], object]]:
    """Every command and group below `ssi`, with the words that invoke it."""

    def walk(command: object, path: list[str]) -> Iterator[tuple[list[str], object]]:
        yield path, command
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])

    yield from walk(get_command(app), [])


COMMANDS = list(commands())


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_and_parameter_is_described(path: list[str], command: object) -> None:
    assert getattr(command, "help", None), f"ssi {' '.join(path)} has no help"
    for param in getattr(command, "params", []):
        assert isinstance(param, TyperOption | TyperArgument)
        assert param.help, f"ssi {' '.join(path)}: {param.name} has no help"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_boolean_options_are_flags(path: list[str], command: object) -> None:
    for param in getattr(command, "params", []):
        if isinstance(param, TyperOption) and param.is_flag:
            # A plain --flag, or --flag/--no-flag: never a flag that takes a value.
            assert all(opt.startswith("--no-") for opt in param.secondary_opts), param.opts
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output  # a flag shown as if it took true or false
    assert "╭" not in result.output


def test_token_flags_take_no_value() -> None:
    help_text = runner.invoke(app, ["token", "--help"]).output
    assert "--operator " in help_text
    assert "--no-operator" not in help_text
    assert "--admin " in help_text
    assert "--no-admin" not in help_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incidents", "list", "--status", "nope"], "Invalid value for '--status'"),
        (["listen"], "Missing option '--port'"),
        (["nope"], "No such command 'nope'"),
        (
            ["sla", "due", "--raised-at", "2026-06-10T09:00:00Z", "--working-days", "0"],
            "--working-days",
        ),
        (["token", "--ttl", str(MAX_TOKEN_SECONDS + 1), "--admin"], "--ttl"),
        (["incidents", "respond", "--file", "/no/such/file.csv"], "does not exist"),
        (["parties", "add", "ABCD", "--name", "A", "--category", "x"], "--category"),
        (["incidents", "list", "--role", "x"], "Invalid value for '--role'"),
        (["deliveries", "list", "--status", "x"], "Invalid value for '--status'"),
    ],
    ids=[
        "bad choice",
        "missing option",
        "no such command",
        "range",
        "ttl",
        "file",
        "enum",
        "role",
        "delivery status",
    ],
)
def test_a_usage_error_is_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ssi: error: "), lines[0]
    assert message in lines[0], lines[0]
    assert lines[0].endswith("--help`)"), lines[0]  # where to read more, on the same line
    assert "Usage:" not in result.output
    assert "╭" not in result.output
    assert result.stdout == ""


def test_a_group_alone_prints_its_help() -> None:
    result = runner.invoke(app, ["incidents"])
    assert "Commands:" in result.output
    assert "raise" in result.output


def test_the_token_lifetime_bound_is_the_services_own() -> None:
    assert MAX_TOKEN_SECONDS == MAX_LIFETIME_SECONDS
