#!/usr/bin/env bash
# setup.sh: install what is missing (Debian packages only), then configure and build
# gossipbench in the source tree. Idempotent: a second run only rebuilds what changed.
# Used by run-default.sh and run-tests.sh; safe to run on its own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
PKGS=(build-essential autoconf automake libtool pkg-config openmpi-bin libopenmpi-dev
      libhwloc-dev hwloc libpapi-dev papi-tools libcunit1-dev librandom123-dev libjansson-dev
      python3 python3-matplotlib python3-numpy valgrind iproute2 ${GB_EXTRA_PKGS:-})
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    ./autogen.sh
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    ./configure ${GB_CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)"
