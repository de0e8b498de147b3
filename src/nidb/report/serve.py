"""`nidb serve`: the built site over HTTP on this machine (search needs HTTP, not file://)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nidb.errors import NidbError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class SiteMissingError(NidbError):
    """There is no built site to serve."""


def site_server(site: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """An HTTP server for the files under `site` (port 0 picks a free port); call `serve_forever()`."""
    if not (site / "index.html").is_file():
        raise SiteMissingError(f"{site} 中没有已生成的网站（缺少 index.html）：请先运行 `nidb report`")
    handler = functools.partial(_QuietHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request to the terminal."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        return None
