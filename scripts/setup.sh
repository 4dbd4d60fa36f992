#!/usr/bin/env bash
# Installs what the app needs on a fresh Debian machine, idempotently:
# Debian packages (when missing and we may install them), a Python 3.12+ virtual
# environment in .venv with the project and its dev dependencies as locked in
# requirements/dev.txt, and the compiled translation catalogues. Both `make run` and
# `make test` call it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- Debian packages -------------------------------------------------------------
# libpango/harfbuzz for WeasyPrint, fonts for the PDFs, gettext for the catalogues,
# chromium for plotly's static chart export (kaleido) and the browser tests,
# poppler-utils (pdftotext) for the PDF tests.
APT_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext chromium poppler-utils libreoffice-calc-nogui ${EXTRA_APT_PACKAGES:-}"
missing=""
for pkg in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "Missing Debian packages:$missing (install them with: sudo apt-get install$missing)" >&2
  fi
fi

# --- Python 3.12+ ----------------------------------------------------------------
version_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.13 python3.12 python3)
  local root
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for dir in "$root"/versions/3.13* "$root"/versions/3.12* /usr/local/bin /usr/bin; do
    for exe in "$dir"/bin/python3.13 "$dir"/bin/python3.12 "$dir"/python3.13 "$dir"/python3.12; do
      [ -x "$exe" ] && candidates+=("$exe")
    done
  done
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && version_ok "$c"; then command -v "$c"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! version_ok .venv/bin/python; then
  if ! PY=$(find_python); then
    echo "error: Python 3.12 or newer is required and none was found." >&2
    echo "       Install it (e.g. 'pyenv install 3.13') or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  say "Creating .venv with $PY ($("$PY" --version))"
  rm -rf .venv
  "$PY" -m venv .venv
fi

# Exactly the versions (and files, by hash) of the lock: `make lock` updates it from
# pyproject.toml. The stamp follows the lock, so a changed lock installs again.
stamp=.venv/.installed-$(cat requirements/dev.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "Installing Python dependencies into .venv (requirements/dev.txt)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --require-hashes -r requirements/dev.txt
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# --- Translations ------------------------------------------------------------------
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null && command -v msgfmt >/dev/null; then
  .venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
fi
