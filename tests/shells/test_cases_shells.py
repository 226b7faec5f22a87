"""shared/reference/shell.md §(c), rows about the shells and HOME: 20-27 (real shells)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.shells import apply_env, env_of, need_program, run_shell, show_command
from torchsetup.errors import UsageError
from torchsetup.shellenv import EnvRequest, plan_env

LIB = "/usr/lib"  # an existing directory to put on LD_LIBRARY_PATH


def _zsh_sees(home: Path, tmp_path: Path, environ: dict[str, str]) -> str | None:
    zsh = need_program("zsh")
    return run_shell([zsh, "-i", "-c", show_command(tmp_path)], environ, home)["LD_LIBRARY_PATH"]


def test_c20_zdotdir_from_the_environment_is_used(home: Path, tmp_path: Path) -> None:
    need_program("zsh")
    (home / "zd").mkdir()
    environ = env_of(home, ZDOTDIR=str(home / "zd"))
    apply_env("zsh", environ, ld_library_path=(LIB,))
    assert (home / "zd" / ".zshrc").exists()
    assert not (home / ".zshrc").exists()
    assert _zsh_sees(home, tmp_path, environ) == LIB


def test_c20_zdotdir_set_inside_zshenv_is_followed(home: Path, tmp_path: Path) -> None:
    need_program("zsh")
    (home / "zconf").mkdir()
    (home / ".zshenv").write_text('ZDOTDIR="$HOME/zconf"\n', encoding="utf-8")
    environ = env_of(home)
    apply_env("zsh", environ, ld_library_path=(LIB,))
    assert (home / "zconf" / ".zshrc").exists()
    assert not (home / ".zshrc").exists()
    assert _zsh_sees(home, tmp_path, environ) == LIB


def test_c20_missing_zdotdir_directory_is_created(home: Path, tmp_path: Path) -> None:
    need_program("zsh")
    environ = env_of(home, ZDOTDIR=str(home / "not-yet"))
    apply_env("zsh", environ, ld_library_path=(LIB,))
    assert _zsh_sees(home, tmp_path, environ) == LIB


def test_c21_fish_conf_d_is_created_under_xdg_config_home(home: Path, tmp_path: Path) -> None:
    fish = need_program("fish")
    environ = env_of(home, XDG_CONFIG_HOME=str(home / "xdg"))
    apply_env("fish", environ, ld_library_path=(LIB,))
    assert (home / "xdg" / "fish" / "conf.d" / "torchsetup.fish").is_file()
    seen = run_shell([fish, "-c", show_command(tmp_path)], environ, home)
    assert seen["LD_LIBRARY_PATH"] == LIB


@pytest.mark.parametrize("value", [None, "", "relative/home", "/no/such/home"])
def test_c22_unusable_home_is_refused(home: Path, value: str | None) -> None:
    environ = env_of(home)
    if value is None:
        del environ["HOME"]
    else:
        environ["HOME"] = value
    with pytest.raises(UsageError, match="HOME"):
        plan_env(EnvRequest(shell="bash", ld_library_path=(LIB,)), environ)
    assert list(home.iterdir()) == []


STATES = {
    "unset": (None, "{d}", "{d}"),
    "empty": ("", "{d}", "{d}"),
    "double_colon": ("/a::/b", "{d}:/a::/b", "{d}:/a:/b"),  # fish drops empty entries
    "already_there": ("/x:{d}", "/x:{d}", "/x:{d}"),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("shell", ["bash", "fish"])
def test_c23_variable_state_gives_no_empty_entry_and_one_copy(
    home: Path, tmp_path: Path, shell: str, state: str
) -> None:
    exe = need_program(shell)
    start, expect_posix, expect_fish = STATES[state]
    environ = env_of(home)
    if start is not None:
        environ["LD_LIBRARY_PATH"] = start.format(d=LIB)
    snippet = tmp_path / "snippet"
    result = apply_env(shell, environ, ld_library_path=(LIB,), mode="print")
    snippet.write_text("\n".join(result.plan.snippet) + "\n", encoding="utf-8")
    src = f"source {snippet}" if shell == "fish" else f". {snippet}"
    cmd = f"{src}; {src}; {show_command(tmp_path)}"
    seen = run_shell([exe, "-c", cmd], environ, home)["LD_LIBRARY_PATH"]
    assert seen == (expect_fish if shell == "fish" else expect_posix).format(d=LIB)


NAMES = {
    "space": "a b",
    "single_quote": "it's",
    "double_quote": 'say "hi"',
    "dollar": "$HOME x",
    "backslash": "back\\slash",
    "bang": "wow!",
    "backtick": "`id`",
    "semicolon_amp": "a;b&c",
    "tab": "a\tb",
    "tilde": "~x",
    "non_ascii": "données é",
}
SOURCE = {
    "bash": ". {f}",
    "dash": ". {f}",
    "zsh": ". {f}",
    "fish": "source {f}",
    "tcsh": "source {f}",
}
SNIPPET_SHELL = {"dash": "sh"}


@pytest.mark.parametrize("name", list(NAMES))
@pytest.mark.parametrize("shell", list(SOURCE))
def test_c24_awkward_directory_names_round_trip_exactly(
    home: Path, tmp_path: Path, shell: str, name: str
) -> None:
    exe = need_program(shell)
    directory = tmp_path / NAMES[name]
    directory.mkdir()
    environ = env_of(home)
    result = apply_env(
        SNIPPET_SHELL.get(shell, shell), environ, ld_library_path=(str(directory),), mode="print"
    )
    snippet = tmp_path / "snippet"
    snippet.write_text("\n".join(result.plan.snippet) + "\n", encoding="utf-8")
    src = SOURCE[shell].format(f=snippet)
    cmd = f"{src}; {src}; {show_command(tmp_path)}"
    assert run_shell([exe, "-c", cmd], environ, home)["LD_LIBRARY_PATH"] == str(directory)


@pytest.mark.parametrize("char", [":", "\n"])
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "tcsh", "sh"])
def test_c24_colon_and_newline_are_refused_in_every_shell(
    home: Path, tmp_path: Path, shell: str, char: str
) -> None:
    directory = tmp_path / f"a{char}b"
    directory.mkdir()
    with pytest.raises(UsageError, match="cannot hold"):
        apply_env(shell, env_of(home), ld_library_path=(str(directory),))
    assert list(home.iterdir()) == []


@pytest.mark.parametrize("char", ["*", "?", "["])
def test_c24_glob_characters_are_refused_for_tcsh(home: Path, tmp_path: Path, char: str) -> None:
    directory = tmp_path / f"a{char}b"
    directory.mkdir()
    with pytest.raises(UsageError, match="glob character"):
        apply_env("tcsh", env_of(home), ld_library_path=(str(directory),))


DEBIAN_BASHRC = "case $- in\n    *i*) ;;\n      *) return;;\nesac\n"
DEBIAN_PROFILE = 'if [ -n "$BASH_VERSION" ]; then\n    . "$HOME/.bashrc"\nfi\n'


def test_c25_debian_guard_still_reaches_bash_login_non_interactive(
    home: Path, tmp_path: Path
) -> None:
    bash = need_program("bash")
    (home / ".bashrc").write_text(DEBIAN_BASHRC, encoding="utf-8")
    (home / ".profile").write_text(DEBIAN_PROFILE, encoding="utf-8")
    environ = env_of(home)
    apply_env("bash", environ, ld_library_path=(LIB,))
    seen = run_shell([bash, "-l", "-c", show_command(tmp_path)], environ, home)
    assert seen["LD_LIBRARY_PATH"] == LIB


STRICT = {
    "bash_set_u_e": ("bash", ["-u", "-e", "-c"]),
    "bash_posix": ("bash", ["--posix", "-u", "-c"]),
    "zsh_emulate_sh": ("zsh", ["--emulate", "sh", "-u", "-c"]),
    "dash_set_u": ("dash", ["-u", "-c"]),
}


@pytest.mark.parametrize("case", list(STRICT))
def test_c26_snippet_works_in_strict_and_posix_modes(home: Path, tmp_path: Path, case: str) -> None:
    program, flags = STRICT[case]
    exe = need_program(program)
    environ = env_of(home)
    apply_env("sh", environ, ld_library_path=(LIB,), pythonpath=(LIB,))
    cmd = f". {home / '.profile'}; . {home / '.profile'}; {show_command(tmp_path)}"
    assert run_shell([exe, *flags, cmd], environ, home)["LD_LIBRARY_PATH"] == LIB


def test_c27_dry_run_touches_nothing_and_shows_a_diff(home: Path) -> None:
    rc = home / ".bashrc"
    rc.write_bytes(b"x=1\n")
    before = os.stat(rc)
    result = apply_env("bash", env_of(home), ld_library_path=(LIB,), dry_run=True)
    after = os.stat(rc)
    assert (after.st_ino, after.st_mtime_ns, rc.read_bytes()) == (
        before.st_ino,
        before.st_mtime_ns,
        b"x=1\n",
    )
    assert not (home / ".profile").exists()
    assert "+# >>> torchsetup >>>" in result.files[0].diff
