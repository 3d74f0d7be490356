#!/usr/bin/env bash
# bench/subscribers.sh: bytes each store holds per application when the
# notices have subscribers. See --help.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/subscribers.sh [--n N] [--window W] [--help]

Starts the four services as plain processes in a temporary RONGYU_HOME
(tests/lib/services.sh) with three subscribers in the operator's file:
the union of the example (webhook and mail), its organising unit 萧山区
(feed, webhook and mail) and the city (mail); the webhooks and the mail
server point at a closed port, so every delivery is stored and retried.
Submits N applications with rongyu-load at window W and prints, for each
service, the bytes its store holds per application (rongyu-load's store
counts; `bench/run.sh` measures the same without subscribers). Prints
figures; asserts nothing.

  --n N        applications (default 2000)
  --window W   rongyu-load's window (default 64)
  --help       this text

Needs a build (build/bin, or $RY_BIN) and jq.

用法：bench/subscribers.sh [--n N] [--window W]
在临时目录中启动四个服务，运维订阅文件中有三个订阅者（示例的基层工会：
webhook 与邮件；萧山区：订阅推送、webhook 与邮件；市总工会：邮件；
webhook 与邮件服务器都指向关闭的端口，每条送达记录都会保存并重试），
用 rongyu-load 以窗口 W 提交 N 份申报，打印每个服务的存储每份申报占用
的字节数。只打印数字，不作断言。
EOF
}

N=2000
WINDOW=64
while [ $# -gt 0 ]; do
    case $1 in
    --n) N=${2:?--n needs a number}; shift 2 ;;
    --window) WINDOW=${2:?--window needs a number}; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case $N$WINDOW in *[!0-9]*) echo "--n and --window take numbers" >&2; exit 2 ;; esac
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
pids=()
for s in intake validation quota notification; do
    pids+=(--pid "$s=${RY_PID[$s]}")
done
"$RY_BIN/rongyu-load" -n "$N" -w "$WINDOW" -c 4 --run "subs-$$" --json \
    "${pids[@]}" >"$RY_TMP/load.json" 2>"$RY_TMP/load.err" ||
    { cat "$RY_TMP/load.err" >&2; ry_fail "rongyu-load failed"; }
printf 'bytes stored per application with three subscribers, %s UTC (N = %s, window %s):\n' \
    "$(date -u '+%Y-%m-%d %H:%M')" "$N" "$WINDOW"
jq -r '.stores[] | "\(.service)\t\(.stored_bytes_per_app | floor)"' "$RY_TMP/load.json" |
    awk -F'\t' '{ printf "%-14s %8d\n", $1, $2 }'
