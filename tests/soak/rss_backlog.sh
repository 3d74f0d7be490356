#!/usr/bin/env bash
# tests/soak/rss_backlog.sh [-n N] [-w W]: a measurement, not a test: builds
# a backlog of N messages (default 1,000,000 applications, each a message
# to validation) toward a stopped validation, then starts it and prints
# the anonymous and total RSS of every service before, while the backlog
# grows, with the whole backlog waiting, during the drain and after it.
# The goal: flat RSS under 64 MiB per service. Needs a build (build/bin).
#
# 用法：tests/soak/rss_backlog.sh [-n N] [-w W]：测量脚本（非测试）：在验证服务
# 停止时积压 N 条消息，再启动它，打印各服务积压前、积压中、排空中、排空后的
# 常驻内存。
set -euo pipefail
N=1000000
W=64
while [ $# -gt 0 ]; do
    case $1 in
    -n) N=$2; shift ;;
    -w) W=$2; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export RY_BIN=${RY_BIN:-$ROOT/build/bin} RY_SOURCE_DIR=$ROOT
. "$ROOT/tests/lib/services.sh"
export RONGYU_OUTBOX_LIMIT=$((N + 1000))
export RONGYU_LOG_LEVEL=warn

rss_line() {
    local when=$1 svc out="" anon total
    for svc in intake validation quota notification; do
        if [ -n "${RY_PID[$svc]:-}" ] && [ -r "/proc/${RY_PID[$svc]}/status" ]; then
            anon=$(awk '/^RssAnon:/ {print int($2 / 1024)}' "/proc/${RY_PID[$svc]}/status")
            total=$(awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/${RY_PID[$svc]}/status")
            out+=$(printf ' %s %s/%s' "$svc" "$anon" "$total")
        else
            out+=$(printf ' %s -' "$svc")
        fi
    done
    printf '%-28s outbox=%-8s anon/total MiB:%s\n' "$when" "${2:-}" "$out"
}
outbox() { ry status --json 2>/dev/null | jq '[.links[]? | select(.peer == "validation") | .outbox] | add // 0'; }

ry_pick_ports
for svc in quota notification intake; do ry_start "$svc"; done
rss_line "before"
"$RY_BIN/rongyu-load" -n "$N" -w "$W" --timeout 7200 >"$RY_TMP/load.out" 2>&1 &
LOAD=$!
start=$SECONDS
while :; do
    o=$(outbox)
    rss_line "backlog growing ($((SECONDS - start)) s)" "$o"
    [ "$o" -ge "$N" ] && break
    kill -0 $LOAD 2>/dev/null || { cat "$RY_TMP/load.out"; ry_fail "load generator stopped"; }
    sleep 15
done
rss_line "backlog of $N waiting" "$(outbox)"
ry_start validation
start=$SECONDS
while :; do
    o=$(outbox)
    rss_line "draining ($((SECONDS - start)) s)" "$o"
    [ "$o" = 0 ] && break
    sleep 15
done
wait $LOAD || true
rss_line "after the drain" "$(outbox)"
tail -n 5 "$RY_TMP/load.out"
