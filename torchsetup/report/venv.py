"""Human rendering of venvs: one line each in a list, a short block for info/create."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from torchsetup.venv import VenvInfo, activation_line

__all__ = ["render_venv", "render_venvs"]


def render_venv(info: VenvInfo) -> RenderableType:
    """Path, Python, torch, who made it, and how to activate it."""
    made = "torchsetup" if info.created_by_torchsetup else "not torchsetup"
    return Group(
        Text(str(info.path), style="bold"),
        Text(f"  python   {info.python or 'not a venv'}"),
        Text(
            f"  torch    {info.torch or 'not installed'}"
            + (f" ({info.variant})" if info.variant else "")
        ),
        Text(f"  made by  {made}"),
        _state(info),
    )


def _state(info: VenvInfo) -> Text:
    if info.complete:
        return Text(f"  activate {activation_line(info.path)}")
    return Text(
        f"  state    incomplete (an interrupted run): torchsetup venv remove {info.path}"
        f"  or  torchsetup install --venv {info.path}",
        style="yellow",
    )


def render_venvs(infos: list[VenvInfo]) -> RenderableType:
    """A table of venvs, or a line saying there are none."""
    if not infos:
        return Text("no venvs yet: torchsetup install (or torchsetup venv create DIR)")
    table = Table(box=None, pad_edge=False)
    for col in ("venv", "python", "torch", "state"):
        table.add_column(col, overflow="fold")
    for info in infos:
        state = "ok" if info.complete else "incomplete (interrupted)"
        table.add_row(str(info.path), info.python or "?", info.torch or "-", state)
    return table
