"""Where newswatch finds its registry and keeps its store, unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

# The registry shipped with newswatch (the real CQC and cspress sites); it stays in crawler/.
BUNDLED_CONFIG = Path(__file__).resolve().parent.parent / "sites.toml"


def user_config_path() -> Path:
    """~/.config/newswatch/sites.toml (or under XDG_CONFIG_HOME), whether it exists or not."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "newswatch" / "sites.toml"


def default_config_path() -> Path:
    """NEWSWATCH_CONFIG, else ~/.config/newswatch/sites.toml if present, else the bundled registry."""
    if env := os.environ.get("NEWSWATCH_CONFIG"):
        return Path(env).expanduser()
    user = user_config_path()
    return user if user.exists() else BUNDLED_CONFIG


def default_db_path() -> Path:
    """NEWSWATCH_DB, else ~/.local/share/newswatch/newswatch.db."""
    if env := os.environ.get("NEWSWATCH_DB"):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "newswatch" / "newswatch.db"
