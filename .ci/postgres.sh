#!/usr/bin/env bash
# Make PostgreSQL's server binaries available for the integration tests (Debian/Ubuntu).
# Non-interactive and idempotent: does nothing when /usr/lib/postgresql/*/bin/initdb exists.
# The tests start their own throw-away cluster; this script starts nothing.
set -euo pipefail

have_initdb() {
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

if have_initdb; then
    echo "postgres.sh: found $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The package also creates and starts a default cluster; the tests do not use it.
$SUDO apt-get install -y -q --no-install-recommends postgresql

if ! have_initdb; then
    echo "postgres.sh: postgresql installed but no /usr/lib/postgresql/*/bin/initdb" >&2
    exit 1
fi
echo "postgres.sh: installed $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
