"""The files ``glassnet lesson`` writes: each figure as a PNG, ``results.json``, and one self-contained
``index.html`` (figures embedded as base64 PNG, inline style, no script, nothing fetched from the network).

The page has a header (how many claims hold, the settings mode, seed, time, version), a contents list by
lesson, and one section per experiment: its claim, the verdict and the checks behind it, the table of
measured numbers, the figures, the explanation and the settings it ran with. Every text is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any, Sequence

from glassnet._version import __version__
from glassnet.files.atomic import write_bytes_atomic, write_text_atomic
from glassnet.lessons.base import HOLDS, Result
from glassnet.lessons.registry import LESSONS

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
header { background: #23395d; color: #fff; padding: 1.4rem 2rem; }
header h1 { margin: 0 0 .3rem; font-size: 1.7rem; }
header p { margin: .2rem 0; }
nav { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .8rem 1.2rem; margin: 1.2rem 0; }
nav h2 { font-size: 1.1rem; margin: .2rem 0 .4rem; }
nav ol { margin: .2rem 0 .6rem; padding-left: 1.4rem; }
nav h3 { font-size: .95rem; margin: .3rem 0; }
nav .lessons { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: .2rem 1.2rem; }
nav .fails { color: #d62728; font-weight: bold; }
section.experiment { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem 1.4rem; margin: 1.4rem 0; }
section.experiment h2 { margin: .2rem 0 .4rem; font-size: 1.35rem; }
.lesson-tag { color: #666; font-size: .9rem; font-weight: normal; }
.claim { font-size: 1.05rem; font-style: italic; }
.verdict { display: inline-block; padding: .15rem .6rem; border-radius: 4px; font-weight: bold; color: #fff; }
.verdict.holds { background: #2ca02c; }
.verdict.fails { background: #d62728; }
ul.checks { list-style: none; padding-left: .4rem; }
ul.checks li.pass::before { content: "✓ "; color: #2ca02c; font-weight: bold; }
ul.checks li.fail::before { content: "✗ "; color: #d62728; font-weight: bold; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
details { margin-top: .6rem; color: #444; font-size: .88rem; }
code { background: #f2f2f2; padding: 0 .2rem; border-radius: 3px; }
"""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _table(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_text(row.get(column, '')))}</td>" for column in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(result: Result) -> str:
    verdict_class = "holds" if result.verdict == HOLDS else "fails"
    checks = "".join(f'<li class="{"pass" if check.passed else "fail"}">{html.escape(check.description)}</li>' for check in result.checks)
    figures = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(figure.png).decode("ascii")}" alt="{html.escape(figure.title)}">'
        f"<figcaption>{html.escape(figure.title)}</figcaption></figure>"
        for figure in result.figures
    )
    settings = ", ".join(f"<code>{html.escape(key)} = {html.escape(_text(value))}</code>" for key, value in result.settings.items())
    return (
        f'<section class="experiment" id="{html.escape(result.name)}" data-verdict="{html.escape(result.verdict)}">'
        f'<h2>{html.escape(result.name)} <span class="lesson-tag">lesson {result.lesson}</span></h2>'
        f'<p class="claim">{html.escape(result.claim)}</p>'
        f'<p>Verdict: <span class="verdict {verdict_class}">{html.escape(result.verdict)}</span></p>'
        f'<ul class="checks">{checks}</ul>{_table(result.table)}{figures}'
        f"<p>{html.escape(result.explanation)}</p>"
        f"<details><summary>Settings ({'quick' if result.quick else 'full'} run, seed {result.seed}, {result.seconds:.1f} s)</summary>"
        f"<p>{settings}</p></details></section>"
    )


def _contents(results: Sequence[Result]) -> str:
    parts = ['<nav><h2>Contents</h2><div class="lessons">']
    for lesson, title in LESSONS.items():
        items = [result for result in results if result.lesson == lesson]
        if not items:
            continue
        entries = "".join(
            f'<li><a href="#{html.escape(r.name)}">{html.escape(r.name)}</a> — '
            f'<span class="{"holds" if r.verdict == HOLDS else "fails"}">{html.escape(r.verdict)}</span></li>'
            for r in items
        )
        parts.append(f"<div><h3>Lesson {lesson}: {html.escape(title)}</h3><ol>{entries}</ol></div>")
    return "".join(parts) + "</div></nav>"


def render_html(results: Sequence[Result], seconds: float) -> str:
    """The whole report as one HTML page (figures inside it)."""
    holding = sum(result.verdict == HOLDS for result in results)
    mode = "quick" if results and all(result.quick for result in results) else "full"
    seeds = sorted({result.seed for result in results})
    header = (
        "<header><h1>glassnet lessons: each claim of the course, measured</h1>"
        f"<p>{holding} of {len(results)} claims hold. Settings: {mode}; seed {', '.join(map(str, seeds))}; "
        f"{seconds:.1f} s in all; glassnet {html.escape(__version__)}.</p>"
        "<p>Every verdict is computed from the numbers in its table; the checks say exactly what was compared.</p></header>"
    )
    body = "".join(_section(result) for result in results)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>glassnet lessons</title><style>{STYLE}</style></head>"
        f"<body>{header}<main>{_contents(results)}{body}</main></body></html>\n"
    )


def write_report(results: Sequence[Result], out: str | Path, seconds: float, nested: bool) -> Path:
    """Write the figures (under ``out/NAME/`` when ``nested``, else in ``out``), ``results.json`` and ``index.html``.

    Every file is written atomically; returns the path of ``index.html``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for result in results:
        folder = out / result.name if nested else out
        folder.mkdir(parents=True, exist_ok=True)
        for figure in result.figures:
            write_bytes_atomic(folder / f"{figure.name}.png", figure.png)
    summary = {"seconds": round(seconds, 3), "results": [result.to_dict() for result in results]}
    write_text_atomic(out / "results.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    index = out / "index.html"
    write_text_atomic(index, render_html(results, seconds))
    return index
