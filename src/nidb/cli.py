"""The `nidb` command line. Each command is a thin wrapper over a package function."""

from __future__ import annotations

import sys
from functools import wraps
from typing import Callable

import typer

from nidb.errors import NidbError

app = typer.Typer(
    name="nidb",
    help="国家新型工业化产业示范基地评价工作台 (nidb)",
    no_args_is_help=True,
    add_completion=False,
)


def user_errors(func: Callable) -> Callable:
    """Turn a NidbError into a message on stderr and exit code 1, without a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NidbError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(code=1) from None

    return wrapper


@app.callback()
def main() -> None:
    """国家新型工业化产业示范基地评价工作台。"""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
