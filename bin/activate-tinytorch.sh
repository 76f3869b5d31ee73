# Source me (bash or zsh): `source bin/activate-tinytorch.sh`
# Creates .venv with Python >= 3.11 when missing, installs tinytorch + tito with the dev tools
# (`pip install -e ".[dev]"`), and activates it. Re-running is quick: pip runs again only when
# pyproject.toml changed since the last successful install.
_tt_root="$(cd "$(dirname "${BASH_SOURCE[0]:-${(%):-%x}}")/.." && pwd)"
_tt_setup() {
    local py="${PYTHON:-python3}"
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "activate-tinytorch: need Python >= 3.11; '$py' is $("$py" --version 2>&1). Set PYTHON=/path/to/python3.11" >&2
        return 1
    fi
    if [ ! -x "$_tt_root/.venv/bin/python" ]; then
        echo "activate-tinytorch: creating $_tt_root/.venv" >&2
        "$py" -m venv "$_tt_root/.venv" || return 1
    fi
    local stamp="$_tt_root/.venv/.tinytorch-installed"
    local want
    want="$(cat "$_tt_root/pyproject.toml" | cksum)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "activate-tinytorch: installing tinytorch and the dev tools (2 to 3 minutes the first time)" >&2
        "$_tt_root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return 1
        "$_tt_root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$_tt_root[dev]" || return 1
        printf '%s' "$want" > "$stamp"
        _tt_hint=1
    fi
    # shellcheck disable=SC1091
    . "$_tt_root/.venv/bin/activate"
    _tt_sandbox
}
# bubblewrap: the sandbox `tito grade autograde` runs every student kernel in; postgresql: the server the
# tests run a course gradebook on (`--db`). Instructors only: students never need either.
_tt_sandbox() {
    local missing=""
    command -v bwrap >/dev/null 2>&1 || missing="bubblewrap"
    [ -n "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" ] || command -v initdb >/dev/null 2>&1 ||
        missing="$missing postgresql"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "activate-tinytorch: installing$(printf ' %s' $missing) (grading sandbox, test gradebook server)" >&2
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1; } ||
            echo "activate-tinytorch: could not install them; run: apt-get install -y$(printf ' %s' $missing)" >&2
    elif [ -n "${_tt_hint:-}" ]; then  # once, after the first install: students never need them
        echo "activate-tinytorch: instructors grading with tito need: sudo apt-get install -y$(printf ' %s' $missing)" >&2
    fi
    return 0
}
_tt_setup
_tt_status=$?
unset -f _tt_setup _tt_sandbox
unset _tt_root _tt_hint
(exit $_tt_status)
