#!/usr/bin/env bash
# tests/soak/soak.sh [--minutes M] [--rate R] [--limit L]: a soak, not a
# test in the suite: submissions at R per second (default 200) while
# validation is down for M minutes (default 10), intake's outbox bound at
# L (default 20000). Prints every 30 s the anonymous RSS of each service,
# the outbox and the E_BUSY count; then brings validation back, waits for
# the full drain and checks the stores with rongyu-inspect verify. Expect:
# E_BUSY once the bound is reached, flat RSS, a full drain, verify clean.
#
# 用法：tests/soak/soak.sh [--minutes M] [--rate R] [--limit L]：浸泡测试脚本：
# 验证服务停止 M 分钟期间按每秒 R 份持续提交；打印内存、积压与 E_BUSY 计数；
# 恢复后等待完全排空，并用 rongyu-inspect verify 检查存储。
set -euo pipefail
MINUTES=10 RATE=200 LIMIT=20000
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) MINUTES=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --limit) LIMIT=$2; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export RY_BIN=${RY_BIN:-$ROOT/build/bin} RY_SOURCE_DIR=$ROOT
. "$ROOT/tests/lib/services.sh"
export RONGYU_OUTBOX_LIMIT=$LIMIT RONGYU_LOG_LEVEL=warn

anon() { awk '/^RssAnon:/ {print int($2 / 1024)}' "/proc/${RY_PID[$1]}/status" 2>/dev/null || echo -; }
report() {
    local svc line="$1:"
    for svc in intake validation quota notification; do
        line+=" $svc=$([ -n "${RY_PID[$svc]:-}" ] && anon "$svc" || echo -)"
    done
    line+=" MiB anon; outbox=$(ry status --json 2>/dev/null | jq '[.links[]?.outbox] | add // 0')"
    line+="; $(tail -n 1 "$RY_TMP/steady.out" 2>/dev/null)"
    echo "$line"
}

ry_start_all
ry_stop validation
PYTHONPATH=$ROOT/tests/lib /usr/bin/python3 "$ROOT/tests/lib/steady.py" "$ROOT" \
    "$RONGYU_INTAKE_ENDPOINT" "$RATE" "$RY_TMP/acked.txt" "$RY_TMP/stop" \
    >"$RY_TMP/steady.out" 2>&1 &
STEADY=$!
end=$((SECONDS + MINUTES * 60))
while [ $SECONDS -lt $end ]; do
    report "validation down ($((MINUTES * 60 - end + SECONDS)) s)"
    sleep 30
done
ry_start validation
# The load goes on for a minute with validation back, then stops; then the
# whole backlog must drain.
for _ in 1 2; do
    report "validation back"
    sleep 30
done
touch "$RY_TMP/stop"
wait "$STEADY"
ry_wait_drained 1800
report "drained"
cat "$RY_TMP/steady.out" | tail -n 2
ry_stop_all
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt"
