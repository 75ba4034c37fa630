#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs redis-server if missing, starts a standalone Redis and a
# three-primary Redis Cluster on free loopback ports, runs every test project, and stops the servers again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis-server not found: installing it from Debian's packages" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

REDIS_DIR="$(mktemp -d -t objectos-redis.XXXXXX)"
cleanup() { scripts/redis.sh stop "$REDIS_DIR" || true; rm -rf "$REDIS_DIR"; }
trap cleanup EXIT
eval "$(scripts/redis.sh start "$REDIS_DIR")"

# The package test packs every library and installs it into a fresh console app (about 30 s); on by default here.
export OBJECTOS_PACKAGE_TEST="${OBJECTOS_PACKAGE_TEST:-1}"

dotnet build ObjectOS.Storage.slnx -c Release -nologo -v q
LOG="$(mktemp -t objectos-test.XXXXXX)"
set +e
dotnet test ObjectOS.Storage.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
cleanup; trap - EXIT
# One closing line for the whole run, summed over the test assemblies.
awk '/(Passed|Failed)! +- +Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$LOG"
rm -f "$LOG"
exit "$status"
