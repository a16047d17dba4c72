"""Text from files on its way out: to a terminal without control sequences, to a CSV without formulas.

Class names, feature names and paths can come from a file someone else made. On a terminal, a control
character (ESC, BEL, CR, the C1 range...) could move the cursor, recolour or rewrite what is shown, so
:func:`for_terminal` writes each as a visible escape (``\\x1b``) and escapes rich's ``[markup]``. In a CSV
that a spreadsheet opens, a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula; :func:`csv_cell` prefixes such a cell with ``'`` (as spreadsheet-export libraries do),
unless the cell is a plain number such as ``-1.5``.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_controls(text: str) -> str:
    """Every control character of ``text`` as a visible ``\\xNN`` escape."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


def for_terminal(text: str) -> str:
    """``text`` safe to hand to a rich console: controls escaped, ``[markup]`` shown as written."""
    from rich.markup import escape

    return escape(escape_controls(text))


def csv_cell(text: str) -> str:
    """A text cell for a CSV file: controls escaped, and a formula-leading cell prefixed with ``'``."""
    text = escape_controls(text)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def fits(stream: TextIO, text: str) -> bool:
    """Whether ``stream``'s encoding can write ``text`` (an ASCII terminal cannot write ``R²``)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def r_squared(stream: TextIO | None = None) -> str:
    """``R²``, or ``R2`` where the output stream cannot encode the superscript."""
    return "R²" if fits(stream or sys.stdout, "R²") else "R2"


def forgiving_streams() -> None:
    """Make stdout and stderr replace what their encoding cannot write instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - a stream that refuses; output then stays as it was
                pass
