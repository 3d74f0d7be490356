#!/usr/bin/env bash
# deploy/down.sh: stop the services started by deploy/up.sh.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: deploy/down.sh [--help]

Stops the rongyu services recorded in the pid files of the data directory
(RONGYU_HOME, default ./var in the repository), intake first: sends SIGTERM,
waits up to 10 s for each to exit, then sends SIGKILL with a warning.
Removes the pid files. Only processes whose pid file names them, or that
hold their store's claim (RONGYU_HOME/SERVICE/owner: one whose pid file
was lost), are touched; logs and stores are kept.

用法：deploy/down.sh [--help]
按数据目录（RONGYU_HOME，默认为仓库下的 ./var）中的 pid 文件停止 rongyu 服务
（先停 intake）：发送 SIGTERM，每个最多等 10 秒，仍未退出则发送 SIGKILL 并给出
警告。删除 pid 文件；只处理 pid 文件所记载的进程，或持有其数据库占用锁
（RONGYU_HOME/服务/owner，即 pid 文件丢失的服务）的进程；日志和数据库保留。
EOF
}

while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    *) printf 'unknown option: %s / 未知选项：%s\n\n' "$1" "$1" >&2; usage >&2; exit 2 ;;
    esac
done

RY_START_DIR=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=deploy/common.sh
. deploy/common.sh
WAIT_SECONDS=${RY_DOWN_WAIT:-10}

ry_resolve_home
ry_say "Data directory: $RONGYU_HOME" "数据目录：$RONGYU_HOME"

# Reverse start order: intake first, so no request reaches a stopped peer.
order=
for svc in $RY_SERVICES; do
    order="$svc $order"
done

stopped=()
killed=()
status=0
for svc in $order; do
    pidfile="$RONGYU_HOME/$svc.pid"
    if ! pid=$(ry_pid_of "$svc"); then
        if [ -f "$pidfile" ]; then
            ry_say "$svc is not running (stale pid file removed)." \
                "$svc 未在运行（已删除过期的 pid 文件）。"
            rm -f "$pidfile"
        fi
        continue
    fi
    ry_say "Stopping $svc (pid $pid) ..." "正在停止 $svc（pid $pid）……"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + WAIT_SECONDS))
    while ry_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
    done
    if ry_alive "$pid"; then
        ry_warn "$svc (pid $pid) did not exit within ${WAIT_SECONDS} s of SIGTERM; sending SIGKILL. See $RONGYU_HOME/log/$svc.log" \
            "$svc（pid $pid）在 SIGTERM 后 ${WAIT_SECONDS} 秒内未退出，发送 SIGKILL。请查看 $RONGYU_HOME/log/$svc.log"
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 25); do
            ry_alive "$pid" || break
            sleep 0.2
        done
        if ry_alive "$pid"; then
            ry_warn "$svc (pid $pid) is still alive after SIGKILL." \
                "$svc（pid $pid）在 SIGKILL 之后仍然存活。"
            status=1
            continue
        fi
        killed+=("$svc")
    else
        stopped+=("$svc")
    fi
    rm -f "$pidfile"
done

if [ ${#stopped[@]} -eq 0 ] && [ ${#killed[@]} -eq 0 ]; then
    ry_say "Nothing was running." "没有正在运行的服务。"
else
    if [ ${#stopped[@]} -gt 0 ]; then
        ry_say "Stopped: ${stopped[*]}." "已停止：${stopped[*]}。"
    fi
    if [ ${#killed[@]} -gt 0 ]; then
        ry_say "Killed (SIGKILL): ${killed[*]}." "已强制结束（SIGKILL）：${killed[*]}。"
    fi
fi
ry_say "Logs and stores are kept under $RONGYU_HOME." "日志和数据库保留在 $RONGYU_HOME 下。"
exit "$status"
