#!/usr/bin/env bash
# One-time machine set-up for tests, demo and benchmarks on Debian 12 (run as root).
# Idempotent: each step is skipped when its result is already present, so `make test`
# stays quick on a prepared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.setup-stamp"
REQS=requirements-dev.txt

need_apt() {
    command -v qgis_process >/dev/null 2>&1 || return 0
    qgis_process --version 2>/dev/null | grep -q "^QGIS 3\.4" || return 0
    command -v Xvfb >/dev/null 2>&1 || return 0
    command -v lrelease >/dev/null 2>&1 || return 0
    command -v pylupdate5 >/dev/null 2>&1 || return 0  # make translations
    command -v pdftoppm >/dev/null 2>&1 || return 0  # tests look at evidence PDFs as images
    fc-list 2>/dev/null | grep -qi "noto sans cjk" || return 0
    # Qt's own translations: standard buttons (确定/取消/是/否) in the Chinese UI of QGIS desktop.
    [ -f /usr/share/qt5/translations/qtbase_zh_CN.qm ] || return 0
    # The plugin's run-time packages, for QGIS's own Python (qgis_process, desktop).
    /usr/bin/python3 -c "import openpyxl, PIL" 2>/dev/null || return 0
    # PostgreSQL + PostGIS for tests/pg_cluster.py (a private throw-away cluster per session).
    [ -x /usr/lib/postgresql/15/bin/initdb ] || return 0
    [ -f /usr/share/postgresql/15/extension/postgis.control ] || return 0
    return 1
}

enable_backports() {
    # Reuse the mirror this machine already uses: never name a registry host here.
    local src=/etc/apt/sources.list.d/debian.sources
    local target=/etc/apt/sources.list.d/bookworm-backports.sources
    [ -f "$target" ] && return 0
    local uri=""
    if [ -f "$src" ]; then
        uri=$(awk '/^URIs:/ {print $2; exit}' "$src")
    elif [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    fi
    if [ -z "$uri" ]; then
        echo "setup: cannot find the Debian mirror in the apt sources" >&2
        exit 1
    fi
    cat > "$target" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

if need_apt; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: QGIS 3.40 is missing; run 'make setup' as root once" >&2
        exit 1
    fi
    enable_backports
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -t bookworm-backports \
        qgis python3-qgis qgis-providers
    apt-get install -y -qq --no-install-recommends \
        xvfb xauth fonts-noto-cjk python3-venv qttools5-dev-tools pyqt5-dev-tools zip poppler-utils \
        python3-openpyxl python3-pil postgresql-15 postgresql-15-postgis-3 qttranslations5-l10n
fi

if [ ! -x "$VENV/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
if [ ! -f "$STAMP" ] || ! cmp -s "$REQS" "$STAMP"; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$REQS"
    cp "$REQS" "$STAMP"
fi
