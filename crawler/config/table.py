"""Reading one TOML table key by key, so every wrong value is an error that says where and how to fix it."""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .model import ConfigError


def describe(value: Any) -> str:
    """A value as the user wrote it in TOML, with its kind: the string "fast", the boolean true."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return f"the list {json.dumps(value, ensure_ascii=False, default=str)}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return f"the date/time {value.isoformat()}"
    return repr(value)


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word a typo most likely meant, if any is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


class Table:
    """One table of the registry (a [[sites]] entry, [monitor], ...) and where it is, for error messages."""

    def __init__(self, path: Path, where: str, data: Mapping[str, Any]):
        self.path = path
        self.where = where
        self.data = data

    def error(self, key: str | None, problem: str, fix: str) -> ConfigError:
        """An error naming the file, this table, the key, what is wrong and how to fix it."""
        where = f"{self.where}: {key}" if key else self.where
        return ConfigError(f"{self.path}: {where} {problem}. Fix: {fix}.")

    def check_keys(self, known: Iterable[str], required: Mapping[str, str] | None = None) -> None:
        """Every key must be known (a typo is an error with a suggestion) and every required key present.

        required maps each required key to an example value for the fix.
        """
        known = list(known)
        for key in self.data:
            if key not in known:
                meant = closest(key, known)
                hint = f' Did you mean "{meant}"?' if meant else ""
                fix = f'rename "{key}" to "{meant}"' if meant else f'remove "{key}" or correct its spelling'
                raise self.error(None, f'has an unknown key "{key}".{hint} Known keys: {", ".join(known)}', fix)
        for key, example in (required or {}).items():
            if key not in self.data:
                raise self.error(None, f'is missing the key "{key}"', f"add {key} = {example}")

    def text(self, key: str, example: str) -> str:
        """A non-empty string; the key must be present (check_keys ensures it)."""
        value = self.optional_text(key, example)
        if value is None:
            raise self.error(None, f'is missing the key "{key}"', f"add {key} = {example}")
        return value

    def optional_text(self, key: str, example: str) -> str | None:
        """A non-empty string, or None when the key is absent."""
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, str):
            raise self.error(key, f"must be a string in quotes, not {describe(value)}", f"write {key} = {example}")
        if not value.strip():
            raise self.error(key, "is empty", f"write {key} = {example}, or remove the key")
        return value

    def number(self, key: str, default: float, example: str, *, zero_ok: bool) -> float:
        """A finite number ≥ 0 (> 0 unless zero_ok), or default when the key is absent."""
        value = self.optional_number(key, example, zero_ok=zero_ok)
        return default if value is None else value

    def optional_number(self, key: str, example: str, *, zero_ok: bool, minimum: float = 0.0) -> float | None:
        """A finite number ≥ minimum (> minimum unless zero_ok), or None when the key is absent."""
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number without quotes, not {describe(value)}", f"write {key} = {example}")
        if not math.isfinite(value):
            raise self.error(key, f"must be a finite number, not {value}", f"write {key} = {example}")
        if value < minimum or (value == minimum and not zero_ok):
            bound = f"at least {minimum:g}" if zero_ok else f"more than {minimum:g}"
            raise self.error(key, f"must be {bound}, not {value}", f"write {key} = {example}")
        return float(value)

    def integer(self, key: str, default: int, example: str, *, minimum: int) -> int:
        """A whole number ≥ minimum, or default when the key is absent."""
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                key, f"must be a whole number without quotes, not {describe(value)}", f"write {key} = {example}"
            )
        if value < minimum:
            raise self.error(key, f"must be at least {minimum}, not {value}", f"write {key} = {example}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """true or false (without quotes), or default when the key is absent."""
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false without quotes, not {describe(value)}", f"write {key} = true")
        return value

    def texts(self, key: str, default: tuple[str, ...], example: str, *, single_ok: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings (or one string when single_ok), or default when the key is absent."""
        if key not in self.data:
            return default
        value = self.data[key]
        if single_ok and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            if isinstance(value, str) and value.strip():
                example = json.dumps([value], ensure_ascii=False)  # the usual slip: one string, no brackets
            raise self.error(
                key, f"must be a list of strings in quotes, not {describe(value)}", f"write {key} = {example}"
            )
        return tuple(value)

    def table(self, key: str, header: str) -> Table | None:
        """The sub-table at key, or None when absent; header names it in messages, e.g. [monitor.email]."""
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, dict):
            raise self.error(
                key, f"must be a table, not {describe(value)}", f"write the settings under a {header} line"
            )
        return Table(self.path, header, value)
