#!/usr/bin/env bash
# bench/callgrind.sh: instructions per application of each service, under
# callgrind. See --help.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/callgrind.sh [--n N] [--window W] [--services "LIST"]
                          [--prefill M] [--keep DIR] [--help]

Counts the instructions each service executes per application, which,
unlike the rate, hardly moves from run to run on a shared machine (about
5%, with the size of the rounds). Starts the four services as plain
processes in a temporary RONGYU_HOME (tests/lib/services.sh), those of
LIST under valgrind --tool=callgrind, submits N applications with
rongyu-load at window W (8 connections), stops the services and prints,
for each service of LIST, its instructions (start-up and stop included)
divided by N. Prints figures; asserts nothing.

  --n N            applications (default 5000)
  --window W       rongyu-load's window (default 256)
  --services LIST  the services to count (default
                   "intake validation notification")
  --prefill M      first fill the stores with M applications, the
                   services running plainly (default 0: empty stores), so
                   that the count is that of a store already holding M
  --keep DIR       copy the callgrind files to DIR (for callgrind_annotate)
  --help           this text

Needs a build (build/bin, or $RY_BIN), valgrind and jq.

用法：bench/callgrind.sh [--n N] [--window W] [--services "列表"] [--prefill M]
                        [--keep 目录]
在临时目录中启动四个服务（列表中的服务在 valgrind callgrind 下运行），
用 rongyu-load 以窗口 W 提交 N 份申报，停止服务后打印列表中每个服务
每份申报执行的指令数（含启动与停止）。指令数不像速率那样随机器负载
波动（同一代码各次相差约 5%）。--prefill M 先在服务正常运行时写入 M 份
申报，得到已有 M 份案件时的指令数。只打印数字，不作断言。
EOF
}

N=5000
WINDOW=256
SERVICES="intake validation notification"
KEEP=
PREFILL=0
while [ $# -gt 0 ]; do
    case $1 in
    --n) N=${2:?--n needs a number}; shift 2 ;;
    --window) WINDOW=${2:?--window needs a number}; shift 2 ;;
    --services) SERVICES=${2:?--services needs a list}; shift 2 ;;
    --prefill) PREFILL=${2:?--prefill needs a number}; shift 2 ;;
    --keep) KEEP=${2:?--keep needs a directory}; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $N$WINDOW$PREFILL in *[!0-9]*) echo "--n, --window and --prefill take numbers" >&2; exit 2 ;; esac
if [ "$N" -le 0 ] || [ "$WINDOW" -le 0 ]; then
    echo "--n and --window must be above 0" >&2
    exit 2
fi
for s in $SERVICES; do
    case $s in intake | validation | quota | notification) ;;
    *) echo "unknown service: $s" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REAL_BIN=${RY_BIN:-$ROOT/build/bin}
for prog in rongyu rongyu-load rongyu-intake; do
    [ -x "$REAL_BIN/$prog" ] || { echo "no $REAL_BIN/$prog: build first" >&2; exit 2; }
done
command -v valgrind >/dev/null ||
    { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }

# shellcheck source=tests/lib/services.sh
export RY_BIN=$REAL_BIN RY_SOURCE_DIR=$ROOT
. "$ROOT/tests/lib/services.sh"
# load N W RUN OUT: rongyu-load's N applications at window W on the
# running services, its JSON in OUT.json (what it says in OUT.err).
load() {
    "$REAL_BIN/rongyu-load" -n "$1" -w "$2" -c 8 --run "$3" \
        --example "$ROOT/examples/advanced_home.valid.json" --json \
        --timeout $((600 + $1 / 10)) >"$4.json" 2>"$4.err" ||
        { cat "$4.err" >&2; ry_fail "rongyu-load ($3) failed"; }
}
ry_pick_ports
if [ "$PREFILL" -gt 0 ]; then
    ry_start_services
    printf '[%s] prefilling: %s applications, services running plainly\n' \
        "$(date -u +%H:%M:%S)" "$PREFILL" >&2
    load "$PREFILL" 256 "cg-fill-$$" "$RY_TMP/fill"
    ry_stop_all
fi
# The services' bin directory: the build's programs, and for each service
# counted a script that runs it under callgrind (exec: the same pid).
WRAP=$RY_TMP/cgbin
mkdir -p "$WRAP/out"
for f in "$REAL_BIN"/*; do
    ln -s "$f" "$WRAP/$(basename "$f")"
done
for s in $SERVICES; do
    rm "$WRAP/rongyu-$s"
    printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/out/%s.%%p.out %s/rongyu-%s "$@"\n' \
        "$WRAP" "$s" "$REAL_BIN" "$s" >"$WRAP/rongyu-$s"
    chmod +x "$WRAP/rongyu-$s"
done
RY_BIN=$WRAP
ry_start_services
printf '[%s] %s applications at window %s; counted: %s\n' \
    "$(date -u +%H:%M:%S)" "$N" "$WINDOW" "$SERVICES" >&2
load "$N" "$WINDOW" "cg-$$" "$WRAP/load"
ry_stop_all

printf '\ninstructions per application under callgrind, %s UTC (N = %s, window %s,\n' \
    "$(date -u '+%Y-%m-%d %H:%M')" "$N" "$WINDOW"
printf 'on stores already holding %s applications;\n' "$PREFILL"
printf 'start-up and stop included; rongyu-load: %s verdicts/s under valgrind):\n' \
    "$(jq -r .verdicts_per_second "$WRAP/load.json")"
for s in $SERVICES; do
    f=
    for g in "$WRAP/out/$s".*.out; do
        [ -f "$g" ] && f=$g && break
    done
    if [ -z "$f" ]; then
        printf '%-13s (no callgrind file)\n' "$s"
        continue
    fi
    total=$(awk '/^totals:/ {print $2; exit}' "$f")
    printf '%-13s %12.0f\n' "$s" "$(echo "$total / $N" | bc -l)"
done
if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"
    cp "$WRAP"/out/*.out "$KEEP"/
    printf '(callgrind files in %s: callgrind_annotate --inclusive=yes FILE)\n' "$KEEP"
fi
