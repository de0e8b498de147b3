"""Reading the YAML files that hold rules and methods, with user-facing errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nidb.errors import ConfigError


def read_yaml(path: str | Path) -> Any:
    """The parsed content of a YAML file; `ConfigError` naming the file when it is missing,
    unreadable or not valid YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}：文件不存在（无法读取）") from None
    except OSError as exc:
        raise ConfigError(f"{path}：无法读取：{exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}：无法读取：不是 UTF-8 编码的文本") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}：YAML 语法错误：{exc}") from None
