#!/bin/sh
# mpi-wrapper.sh: LOG_COMPILER for the integration tests (tests/test_*.sh).
# Exports what the scripts need: GB_BUILDDIR, GB_SRCDIR (from make), MPIRUN_CMD (an mpirun
# prefix to which the script appends a rank count) and PYTHON. Ranks are oversubscribed
# (this suite runs up to 8 ranks on a 2-core machine) and unbound; -q keeps mpirun's own
# notices out of the output the tests inspect.
if [ "$(id -u)" = 0 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
: "${MPIRUN:=mpirun}"
: "${GB_BUILDDIR:=$(pwd)}"
: "${GB_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
MPIRUN_CMD="$MPIRUN --oversubscribe --bind-to none -q -n"
PYTHON=python3
# Under AddressSanitizer (make distcheck), Open MPI's own allocations that live until exit
# would be reported as leaks; leak checking stays on for the unit tests.
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export GB_BUILDDIR GB_SRCDIR MPIRUN_CMD PYTHON ASAN_OPTIONS
exec sh "$1"
