"""The keys torchsetup.toml may hold, their types and value rules: data, checked by config.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

__all__ = ["SCHEMA", "Key", "normal_version"]

COMPANIONS = ("torchvision", "torchaudio")
SHELL_NAMES = ("bash", "zsh", "fish", "tcsh", "sh", "github")
_VARIANT = re.compile(r"auto|cpu|mps|cu\d{3}|rocm\d+(\.\d+)+")
_PREFIX = re.compile(r"\d+(\.\d+){0,2}(\.\*)?")
_PYTHON = re.compile(r"3\.\d+(\.\d+)?")

#: A rule returns None when the value is fine, else what is wrong with it.
Rule = Callable[[object], "str | None"]


@dataclass(frozen=True)
class Key:
    """One key: its TOML type ('string', 'boolean', 'list of strings') and a value rule."""

    kind: str
    rule: Rule | None = None
    example: str = ""


def normal_version(text: str) -> str | None:
    """'latest' → None; '2.13.*' → '2.13'; '2.13.0' stays; a specifier stays as written."""
    if text == "latest":
        return None
    return text[:-2] if text.endswith(".*") else text


def _torch_version(value: object) -> str | None:
    text = str(value).strip()
    if text == "latest" or _PREFIX.fullmatch(text):
        return None
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return f"{text!r} is not a version, a specifier or 'latest' (e.g. \"2.13.*\")"
    return None


def _variant(value: object) -> str | None:
    if _VARIANT.fullmatch(str(value)):
        return None
    return f"{value!r} is not auto, cpu, cuXYZ (cu126) or rocmX.Y (rocm6.2)"


def _variants(value: object) -> str | None:
    bad = [v for v in _as_list(value) if v == "auto" or _variant(v)]
    return f"{bad[0]!r} is not a concrete variant (cpu, cu126, rocm6.2)" if bad else None


def _companions(value: object) -> str | None:
    bad = [v for v in _as_list(value) if v not in COMPANIONS]
    return f"{bad[0]!r}: torchsetup pins only {', '.join(COMPANIONS)}" if bad else None


def _python(value: object) -> str | None:
    text = str(value)
    if _PYTHON.fullmatch(text) or text.startswith("/"):
        return None
    return f"{text!r} is not a Python version (3.11) or an interpreter's absolute path"


def _requirements(value: object) -> str | None:
    for item in _as_list(value):
        try:
            Requirement(item)
        except InvalidRequirement as err:
            return f"{item!r} is not a requirement ({err})"
    return None


def _shells(value: object) -> str | None:
    bad = [v for v in _as_list(value) if v not in SHELL_NAMES]
    return f"{bad[0]!r} is not one of {', '.join(SHELL_NAMES)}" if bad else None


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


STRING, BOOLEAN, STRINGS = "string", "boolean", "list of strings"

SCHEMA: dict[str, dict[str, Key]] = {
    "torch": {
        "version": Key(STRING, _torch_version, '"2.13.*"'),
        "variant": Key(STRING, _variant, '"auto"'),
        "with": Key(STRINGS, _companions, '["torchvision"]'),
    },
    "python": {"version": Key(STRING, _python, '"3.11"')},
    "venv": {
        "path": Key(STRING, None, '".venv"'),
        "requirements": Key(STRINGS, _requirements, '["numpy"]'),
    },
    "env": {"shells": Key(STRINGS, _shells, '["bash", "zsh"]')},
    "doctor": {
        "require_gpu": Key(BOOLEAN, None, "false"),
        "strict": Key(BOOLEAN, None, "false"),
        "checks": Key(STRINGS, None, '["torch.autograd"]'),
    },
    "lock": {
        "file": Key(STRING, None, '"torch.lock"'),
        "variants": Key(STRINGS, _variants, '["cpu", "cu130"]'),
    },
}
