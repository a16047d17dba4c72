"""Untrusted JSON from model, estimator and checkpoint files: bounded parsing and small declarative schemas.

:func:`parse_json` refuses, before the parser recurses or converts, text nested deeper than
``MAX_DEPTH`` and integer literals longer than ``MAX_DIGITS``, and refuses ``NaN``/``Infinity``.
:func:`validate` checks a parsed value against a schema built from the combinators below (types,
ranges, list and string lengths); every failure is one :class:`ModelFileError` naming the file, the
field and what was expected::

    validate(path, "training", value, record({"epoch": integer(0, MAX_COUNT), "history": list_of(history_record, MAX_ITEMS)}))
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from glassnet.errors import ModelFileError

#: deepest nesting of lists and tables a file's JSON may have (configs need about 6)
MAX_DEPTH = 32
#: longest integer literal (in digits) a file's JSON may hold; 30 digits cover every count and seed state here
MAX_DIGITS = 60
#: the largest count (epochs, steps, rows) a file may declare
MAX_COUNT = 2**53
#: longest list a field may hold, unless its schema says otherwise
MAX_ITEMS = 1_000_000
#: longest string a field may hold
MAX_STRING = 4096

_STRING_LITERAL = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


class Invalid(Exception):
    """Raised by a schema check: ``where`` (a field path) holds ``value``, but ``expected`` was expected."""

    def __init__(self, where: str, expected: str, value: Any) -> None:
        super().__init__(where, expected, value)
        self.where, self.expected, self.value = where, expected, value


Spec = Callable[[Any, str], Any]


def nesting_depth(text: str | bytes) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, ignoring brackets inside string literals (vectorised)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    codes = np.frombuffer(_STRING_LITERAL.sub(b'""', data), dtype=np.uint8)
    steps = (codes == ord("[")).astype(np.int32) + (codes == ord("{")) - (codes == ord("]")) - (codes == ord("}"))
    return int(np.cumsum(steps).max(initial=0))


def parse_json(path: str | Path, what: str, text: str | bytes) -> Any:
    """``json.loads`` of file text with the depth, digit and constant limits above; failures are :class:`ModelFileError`."""
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ModelFileError(f"{path}: {what} is nested {depth} levels deep; at most {MAX_DEPTH} are read.")

    def integer_literal(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_DIGITS:
            raise ModelFileError(f"{path}: {what} holds a {len(literal.lstrip('-'))}-digit integer; at most {MAX_DIGITS} digits are read.")
        return int(literal)

    def constant(name: str) -> float:
        raise ModelFileError(f"{path}: {what} holds {name}; only finite numbers are allowed.")

    try:
        return json.loads(text, parse_int=integer_literal, parse_constant=constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: {what} is not valid JSON ({error}).") from None


def validate(path: str | Path, what: str, value: Any, spec: Spec) -> Any:
    """``spec(value)``, turning a schema failure into a :class:`ModelFileError` that names ``path`` and the field."""
    try:
        return spec(value, what)
    except Invalid as problem:
        raise ModelFileError(f"{path}: {problem.where} must be {problem.expected}. Received: {_shown(problem.value)}") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ------------------------------------------------------------------------------------------- combinators
def integer(low: int | None = None, high: int | None = MAX_COUNT) -> Spec:
    """An int (not a bool) in ``[low, high]``."""
    expected = f"an integer{_range(low, high)}"

    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(where, expected, value)
        return value

    return check


def number(low: float | None = None, high: float | None = None) -> Spec:
    """A finite int or float (not a bool) in ``[low, high]``, returned as it is."""
    expected = f"a finite number{_range(low, high)}"

    def check(value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Invalid(where, expected, value)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(where, expected, value)
        return value

    return check


def string(max_length: int = MAX_STRING) -> Spec:
    """A string of at most ``max_length`` characters."""

    def check(value: Any, where: str) -> str:
        if not isinstance(value, str) or len(value) > max_length:
            raise Invalid(where, f"a string of at most {max_length} characters", value)
        return value

    return check


def boolean(value: Any, where: str) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise Invalid(where, "true or false", value)
    return value


def one_of(*choices: Any) -> Spec:
    """One of ``choices`` (compared with ``==`` and the same type)."""

    def check(value: Any, where: str) -> Any:
        if not any(type(value) is type(choice) and value == choice for choice in choices):
            raise Invalid(where, f"one of {list(choices)}", value)
        return value

    return check


def optional(spec: Spec) -> Spec:
    """None, or a value ``spec`` accepts."""
    return lambda value, where: None if value is None else spec(value, where)


def any_of(*specs: Spec, expected: str) -> Spec:
    """A value that one of ``specs`` accepts (tried in order)."""

    def check(value: Any, where: str) -> Any:
        for spec in specs:
            try:
                return spec(value, where)
            except Invalid:
                continue
        raise Invalid(where, expected, value)

    return check


def list_of(spec: Spec, max_length: int = MAX_ITEMS, min_length: int = 0) -> Spec:
    """A list of ``min_length`` to ``max_length`` items, each accepted by ``spec``."""

    def check(value: Any, where: str) -> list[Any]:
        if not isinstance(value, list) or not min_length <= len(value) <= max_length:
            raise Invalid(where, f"a list of {min_length} to {max_length} items", value)
        return [spec(item, f"{where}[{index}]") for index, item in enumerate(value)]

    return check


def table_of(spec: Spec, max_length: int = MAX_ITEMS, key: Spec = string()) -> Spec:
    """A table (JSON object) of at most ``max_length`` entries, each value accepted by ``spec``."""

    def check(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict) or len(value) > max_length:
            raise Invalid(where, f"a table of at most {max_length} entries", value)
        return {key(name, f"{where} key"): spec(item, f"{where}.{name}") for name, item in value.items()}

    return check


def record(required: Mapping[str, Spec], optional_fields: Mapping[str, Spec] | None = None, other: Spec | None = None) -> Spec:
    """A table with every key of ``required``, any of ``optional_fields``; other keys only if ``other`` accepts them."""
    optional_fields = optional_fields or {}

    def check(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(where, f"a table with keys {sorted(required)}", value)
        missing = [name for name in required if name not in value]
        if missing:
            raise Invalid(where, f"a table with keys {sorted(required)} (missing {missing})", value)
        checked = {}
        for name, item in value.items():
            spec = required.get(name) or optional_fields.get(name) or other
            if spec is None:
                raise Invalid(where, f"a table with keys {sorted({*required, *optional_fields})} (unexpected {name!r})", value)
            checked[name] = spec(item, f"{where}.{name}")
        return checked

    return check


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" ≥ {low}"
    return "" if high is None else f" ≤ {high}"
