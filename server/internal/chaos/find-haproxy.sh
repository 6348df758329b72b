#!/usr/bin/env bash
# find-haproxy.sh prints the haproxy executable `make chaos` runs:
# CHAOS_HAPROXY when set; else haproxy on PATH, or in /usr/sbin or
# /usr/local/sbin (Debian installs it there, which is not on a normal
# user's PATH). Only when it is in none of them does it install haproxy
# from Debian's packages: as root with apt-get, otherwise with sudo if
# there is one; without either it says what to do and fails.
# CHAOS_HAPROXY_DIRS replaces the directories looked in (for testing).
set -euo pipefail

if [ -n "${CHAOS_HAPROXY:-}" ]; then
  echo "$CHAOS_HAPROXY"
  exit 0
fi

find_haproxy() {
  command -v haproxy 2>/dev/null && return 0
  local d
  for d in ${CHAOS_HAPROXY_DIRS-/usr/sbin /usr/local/sbin}; do
    if [ -x "$d/haproxy" ]; then
      echo "$d/haproxy"
      return 0
    fi
  done
  return 1
}

find_haproxy && exit 0

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "make chaos: haproxy is not installed (not on PATH, nor in ${CHAOS_HAPROXY_DIRS-/usr/sbin /usr/local/sbin})," \
    "and installing it needs root, but you are not root and there is no sudo:" \
    "run 'apt-get install haproxy' as root, or set CHAOS_HAPROXY=/path/to/haproxy" >&2
  exit 1
fi
echo "--- installing haproxy from Debian's packages${sudo:+ with sudo}" >&2
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >&2
find_haproxy || { echo "make chaos: haproxy was installed but is not on PATH nor in /usr/sbin or /usr/local/sbin" >&2; exit 1; }
