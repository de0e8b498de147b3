"""`nidb --help` and each command's help at 80 columns: nothing cut, one example each."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from nidb.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)
BOX = re.compile(r"[\s│╭╮╰╯─]")


def help_at(width: int, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width), "TERMINAL_WIDTH": ""})
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    """Text without whitespace and box lines, so that wrapped help reads as one string."""
    return BOX.sub("", text)


def test_help_is_80_columns_wide():
    assert max(len(line) for line in help_at(80).splitlines()) <= 80


def test_command_list_shows_each_summary_whole_at_80_columns():
    out = help_at(80)
    assert "…" not in out
    for name, command in typer.main.get_command(app).commands.items():
        summary = command.help.split("\n\n")[0]
        assert flat(summary) in flat(out), name
        assert len(summary) <= 32, f"{name}: keep the summary to one line of the command list"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_is_whole_at_80_columns(name):
    out = help_at(80, name)
    assert "…" not in out
    command = typer.main.get_command(app).commands[name]
    for param in command.params:
        if param.help:
            assert flat(param.help) in flat(out), f"{name} {param.opts}: help cut"
    assert all(len(line) <= 80 for line in out.splitlines())


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_help_gives_one_example_of_itself(name):
    out = help_at(120, name)
    examples = [line.strip() for line in out.splitlines() if line.strip().startswith("示例：")]
    assert len(examples) == 1, out
    assert examples[0].startswith(f"示例：nidb {name}")


@pytest.mark.parametrize("args", [[], ["select"], ["cases"], ["cases", "template"]], ids=" ".join)
def test_help_speaks_chinese_throughout(args):
    out = help_at(100, *args)
    assert "显示本帮助并退出" in out and "选项" in out
    assert "用法：nidb" in out
    for english in ("Show this message and exit", "[required]", "─ Options", "─ Commands", "Usage:"):
        assert english not in out, f"{english!r} in the help of nidb {' '.join(args)}"


@pytest.mark.parametrize(("args", "expected"), [
    (["evaluate", "--year", "2025"], "缺少必填选项 --out"),
    (["evaluate", "--year", "abc", "--out", "x.csv"], "--year 的值「abc」不是整数"),
    (["evaluate", "--year", "2025", "--out"], "选项 --out 后面须给出一个值"),
    (["evaluate", "--year", "2025", "--out", "x.csv", "--forc"], "没有选项 --forc（是否想用 --force？）"),
    (["evaluat"], "没有命令 evaluat（是否想用 'evaluate'"),
    (["demo", "--seed", "-1"], "--seed 的值 -1 超出允许范围"),
    (["validate"], "缺少参数 paths"),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_usage_errors_are_in_chinese(args, expected):
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120", "TERMINAL_WIDTH": ""})
    assert result.exit_code == 2
    assert flat(expected) in flat(result.output), result.output
    assert "错误" in result.output
    for english in ("Missing", "No such", "Invalid value", "Error", "Usage:", "Try "):
        assert english not in result.output, f"{english!r} in: {result.output}"


def test_an_unknown_usage_message_is_kept_as_it_is():
    from nidb.cli import chinese_usage_message

    assert chinese_usage_message("Something new.") == "Something new."


def test_the_command_line_gives_arrow_the_system_allocator_unless_told_otherwise():
    """`nidb` sets Arrow's allocator before pyarrow loads (mimalloc was slow to start here);
    a user's ARROW_DEFAULT_MEMORY_POOL wins."""
    import os
    import subprocess
    import sys

    probe = "import nidb.cli, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    default = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert default.stdout.strip() == "system"
    chosen = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            env={**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"})
    assert chosen.stdout.strip() == "mimalloc"
