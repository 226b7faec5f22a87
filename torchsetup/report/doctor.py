"""flutter-doctor style rendering: a line per check (✓ ! ✗ -), indented details and fixes."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from torchsetup.envcheck.model import CheckResult, CheckSpec, DoctorReport, Status

__all__ = ["command_line", "render_check_list", "render_doctor"]

_MARK = {
    Status.OK: ("✓", "green"),
    Status.WARN: ("!", "yellow"),
    Status.FAIL: ("✗", "red"),
    Status.SKIP: ("-", "dim"),
}
_GROUP_TITLES = {
    "seed": "PyTorch works (real computation on CPU)",
    "install": "Install integrity",
    "environment": "Environment",
    "gpu": "GPU",
    "perf": "Performance (information only)",
}


def _group_of(check_id: str) -> str:
    head = check_id.split(".")[0]
    return {"torch": "seed", "env": "environment"}.get(head, head)


def _check_lines(result: CheckResult, verbose: bool) -> list[Text]:
    mark, style = _MARK[result.status]
    line = Text.assemble(
        (f"[{mark}] ", style),
        (result.title, "bold"),
        f": {result.summary}",
        no_wrap=True,
        overflow="ignore",
    )
    if verbose:
        line.append(f"  [{result.id}, {result.duration_s * 1000:.0f}ms]", style="dim")
    out = [line]
    show_details = verbose or result.status in (Status.FAIL, Status.WARN)
    if show_details:
        out += [
            _line(f"    • {d}", "dim" if result.status is Status.OK else "") for d in result.details
        ]
    if result.fix is not None and result.status in (Status.FAIL, Status.WARN):
        out.append(
            Text.assemble(("    fix: ", style), result.fix.text, no_wrap=True, overflow="ignore")
        )
        out += [command_line(f"      $ {cmd}", "bold") for cmd in result.fix.commands]
    return out


def _line(text: str, style: str) -> Text:
    """A detail line."""
    return Text(text, style=style)


def command_line(text: str, style: str = "") -> Text:
    """A line holding a command: never wrapped, so it can be copied as printed."""
    return Text(text, style=style, no_wrap=True, overflow="ignore")


def render_doctor(
    report: DoctorReport,
    verbose: bool = False,
    *,
    again: Sequence[str] = (),
    note: str | None = None,
) -> RenderableType:
    """The report as text: a header, grouped check lines, and a summary line.

    `again` holds the doctor options that select the same interpreter and checks, so the
    "details" command printed in the header checks what this report checked.
    """
    torch = f"torch {report.torch_version}" if report.torch_version else "no torch found"
    header = command_line(f"Doctor summary for {report.python} ({torch})")
    if not verbose:
        details = shlex.join(["torchsetup", "doctor", *again, "-v"])
        header.append(f" — details: {details}", style="dim")
    parts: list[RenderableType] = [header]
    if note:
        parts.append(Text(f"note: {note}", style="dim"))
    group = None
    for result in report.results:
        current = _group_of(result.id)
        if current != group:
            group = current
            parts.append(Text(f"\n{_GROUP_TITLES.get(current, current)}", style="underline"))
        parts.extend(_check_lines(result, verbose))
    parts.append(_summary(report))
    return Group(*parts)


def _summary(report: DoctorReport) -> Text:
    count = {s: sum(r.status is s for r in report.results) for s in Status}
    tally = (
        f"{count[Status.OK]} ok, {count[Status.WARN]} warning(s), "
        f"{count[Status.FAIL]} failed, {count[Status.SKIP]} skipped "
        f"in {report.duration_s:.1f}s"
    )
    if count[Status.FAIL]:
        return Text(f"\n✗ Doctor found {count[Status.FAIL]} failed check(s): {tally}", style="red")
    if count[Status.WARN]:
        return Text(f"\n! Doctor found issues: {tally}", style="yellow")
    return Text(f"\n• No issues found: {tally}", style="green")


def render_check_list(specs: tuple[CheckSpec, ...]) -> RenderableType:
    """--list-checks: id, group, core, title."""
    table = Table(box=None, pad_edge=False)
    for column in ("id", "group", "core", "title"):
        table.add_column(column, no_wrap=column == "id")
    for spec in specs:
        table.add_row(spec.id, spec.group, "yes" if spec.core else "", spec.title)
    return table
