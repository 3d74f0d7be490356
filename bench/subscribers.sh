#!/usr/bin/env bash
# bench/subscribers.sh: bytes each store holds per application when the
# notices have subscribers. See --help.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/subscribers.sh [--n N] [--window W] [--others K] [--help]

Starts the four services as plain processes in a temporary RONGYU_HOME
(tests/lib/services.sh) with three subscribers in the operator's file:
the union of the example (webhook and mail), its organising unit 萧山区
(feed, webhook and mail) and the city (mail); the webhooks and the mail
server point at a closed port, so every delivery is stored and retried.
Submits N applications with rongyu-load at window W and prints, for each
service, the bytes its store holds per application (rongyu-load's store
counts; `bench/run.sh` measures the same without subscribers), and the
CPU time notification spent per application until it had taken every
event. With --others, K more organisations (none of them the example's
union or unit) subscribe by request first, as the other unions of a
city would: what each notice costs as the subscriptions grow. Prints
figures; asserts nothing.

  --n N        applications (default 2000)
  --window W   rongyu-load's window (default 64)
  --others K   subscriptions by request of K other organisations
               (default 0)
  --help       this text

Needs a build (build/bin, or $RY_BIN) and jq; with --others, python3-zmq
and python3-protobuf.

用法：bench/subscribers.sh [--n N] [--window W]
在临时目录中启动四个服务，运维订阅文件中有三个订阅者（示例的基层工会：
webhook 与邮件；萧山区：订阅推送、webhook 与邮件；市总工会：邮件；
webhook 与邮件服务器都指向关闭的端口，每条送达记录都会保存并重试），
用 rongyu-load 以窗口 W 提交 N 份申报，打印每个服务的存储每份申报占用
的字节数，以及通知服务处理完全部事件时每份申报所用的 CPU 时间。
--others K：先让另外 K 个组织通过请求订阅（如全市其他工会），
看订阅增多时每条通知的代价。只打印数字，不作断言。
EOF
}

N=2000
WINDOW=64
OTHERS=0
while [ $# -gt 0 ]; do
    case $1 in
    --n) N=${2:?--n needs a number}; shift 2 ;;
    --window) WINDOW=${2:?--window needs a number}; shift 2 ;;
    --others) OTHERS=${2:?--others needs a number}; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $N$WINDOW$OTHERS in *[!0-9]*) echo "--n, --window and --others take numbers" >&2; exit 2 ;; esac
if [ "$N" -le 0 ] || [ "$WINDOW" -le 0 ]; then
    echo "--n and --window must be above 0" >&2
    exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RY_BIN=${RY_BIN:-$ROOT/build/bin} RY_SOURCE_DIR=$ROOT
for prog in rongyu rongyu-load rongyu-notification; do
    [ -x "$RY_BIN/$prog" ] || { echo "no $RY_BIN/$prog: build first" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }

# shellcheck source=tests/lib/services.sh
. "$ROOT/tests/lib/services.sh"
# shellcheck source=tests/lib/notify.sh
. "$ROOT/tests/lib/notify.sh"
ry_subscribers 9 # port 9 (discard): nothing listens there
export RONGYU_NOTIFY_SMTP_URL=smtp://127.0.0.1:9
ry_notify_ports
ry_start_all
if [ "$OTHERS" -gt 0 ]; then
    PYTHONPATH=$ROOT/tests/lib /usr/bin/python3 \
        "$ROOT/tests/lib/subscribe.py" "$ROOT" "$RONGYU_NOTIFY_CLIENT_ENDPOINT" \
        other-union http://127.0.0.1:9/other 0123456789abcdef "$OTHERS" >/dev/null ||
        ry_fail "the other organisations could not subscribe"
fi
# notification's CPU seconds (user and system) so far.
cpu_s() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
        "/proc/${RY_PID[notification]}/stat"
}
cpu0=$(cpu_s)
pids=()
for s in intake validation quota notification; do
    pids+=(--pid "$s=${RY_PID[$s]}")
done
"$RY_BIN/rongyu-load" -n "$N" -w "$WINDOW" -c 4 --run "subs-$$" --json \
    "${pids[@]}" >"$RY_TMP/load.json" 2>"$RY_TMP/load.err" ||
    { cat "$RY_TMP/load.err" >&2; ry_fail "rongyu-load failed"; }
ry_wait_drained 600
cpu1=$(cpu_s)
printf 'bytes stored per application with three subscribers and %s other subscriptions, %s UTC (N = %s, window %s):\n' \
    "$OTHERS" "$(date -u '+%Y-%m-%d %H:%M')" "$N" "$WINDOW"
jq -r '.stores[] | "\(.service)\t\(.stored_bytes_per_app | floor)"' "$RY_TMP/load.json" |
    awk -F'\t' '{ printf "%-14s %8d\n", $1, $2 }'
awk -v a="$cpu0" -v b="$cpu1" -v n="$N" \
    'BEGIN { printf "notification CPU until drained: %.2f s, %.0f us per application\n", b - a, (b - a) * 1e6 / n }'
