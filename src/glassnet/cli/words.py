"""Library errors in command-line words.

Below the CLI, errors name Python parameters the way :mod:`glassnet._validation` does —
``load_data(target=...)``, ``Received: text='0.6,0.5'`` — so a Python user reads what to change in
Python. The CLI shows the same messages with its flags instead: :func:`cli_words` rewrites the
calls listed in :data:`FLAGS` (``load_data(target=...)`` → ``--target``) wherever they appear.
"""

from __future__ import annotations

import re

#: how each library parameter that the command line exposes is spelled there
FLAGS = {
    "parse_layers(text=...)": "--layers",
    "parse_split(text=...)": "--split",
    "load_data(target=...)": "--target",
    "load_data(drop=...)": "--drop",
    "load_data(task='regression')": "--task regression",
    "parse_param(text=...)": "--param",
    "search(scheduler=...)": "--scheduler",
    "search(resume=...)": "--resume",
}
_CALL = re.compile("|".join(re.escape(call) for call in FLAGS))
#: ``load_data(drop=['Unnamed: 0'])`` → ``--drop 'Unnamed: 0'``
_DROP_ONE = re.compile(r"load_data\(drop=\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]\)")


def cli_words(message: str) -> str:
    """``message`` with every library call of :data:`FLAGS` replaced by its flag (and ``Received: text=`` by ``Received:``)."""
    if not any(call.split("(")[0] + "(" in message for call in FLAGS):
        return message
    message = _DROP_ONE.sub(lambda match: f"--drop {match.group(1)}", message)
    message = _CALL.sub(lambda match: FLAGS[match.group(0)], message)
    return message.replace("Received: text=", "Received: ")
