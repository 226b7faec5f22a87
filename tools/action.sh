#!/usr/bin/env bash
# The steps of action.yml, one per argument: install | key | sync | env.
# Reads GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT (and GITHUB_ENV/GITHUB_PATH for `env`).
set -euo pipefail

step=${1:?usage: action.sh install|key|sync|env}
root=${RUNNER_TEMP:?RUNNER_TEMP is not set}/torchsetup
torchsetup=$root/venv/bin/torchsetup
export UV_CACHE_DIR=$root/uv-cache

case $step in
  install)
    # Its own venv: the runner's python3 is externally managed (PEP 668) on Ubuntu 24.04.
    python3 -m venv "$root/venv"
    "$root/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${GITHUB_ACTION_PATH:?}"
    "$torchsetup" --version
    ;;
  key)
    source=${INPUT_LOCK:-torch.lock}
    [[ -f $source ]] || source=${INPUT_CONFIG:-torchsetup.toml}
    hash=$(sha256sum "$source" | cut -c1-16)
    echo "key=torchsetup-uv-${RUNNER_OS:-$(uname -s)}-$(uname -m)-$hash" >>"${GITHUB_OUTPUT:?}"
    echo "path=$UV_CACHE_DIR" >>"$GITHUB_OUTPUT"
    ;;
  sync)
    # shellcheck disable=SC2086 # INPUT_ARGS holds several options, split on purpose
    "$torchsetup" sync --config "${INPUT_CONFIG:-torchsetup.toml}" ${INPUT_ARGS:-}
    venv=$("$torchsetup" --json sync --check --config "${INPUT_CONFIG:-torchsetup.toml}" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["config"]["venv"])')
    echo "venv=$venv" >>"${GITHUB_OUTPUT:?}"
    ;;
  env)
    "$torchsetup" env --github --venv "${VENV:?}"
    ;;
  *)
    echo "error: unknown step $step" >&2
    echo "hint: bash tools/action.sh sync" >&2
    exit 2
    ;;
esac
