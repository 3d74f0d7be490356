#!/usr/bin/env bash
# deploy/up.sh: build rongyu and start its four services on this machine.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: deploy/up.sh [--no-build] [--help]

Installs missing Debian packages (as root; otherwise prints the sudo
command), builds the project into build/, creates the data directory
(RONGYU_HOME, default ./var in the repository) and starts the services that
are not running yet, in the background, in this order: validation, quota,
notification, intake. Then waits (up to 20 s each) until every service
answers 'rongyu ping'. Running it again starts only what is not running.

  --no-build   use the binaries already in build/bin (no install, no build)
  --help       this text

Data directory layout ($RONGYU_HOME):
  keys/           CURVE key pairs ('rongyu keys init' on the first start:
                  the four services' and the city administrator's admin.cert)
  <svc>/          LMDB store of each service
  <svc>.pid       pid of each running service
  log/<svc>.log   its log (stderr), appended to
  campaigns/      extra campaign files (the default campaign is built in)

Configuration: RONGYU_CONFIG or $RONGYU_HOME/rongyu.conf, and the RONGYU_*
environment variables (see deploy/README.md); they are passed on to the
services. Stop everything with deploy/down.sh.

用法：deploy/up.sh [--no-build] [--help]
安装缺少的软件包、编译到 build/、创建数据目录（RONGYU_HOME，默认为仓库下的
./var），按 validation、quota、notification、intake 的顺序在后台启动尚未运行的
服务，并等待每个服务响应 'rongyu ping'（每个最多 20 秒）。再次运行只启动未运行的
服务。用 deploy/down.sh 停止。
EOF
}

BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --no-build) BUILD=0 ;;
    *) printf 'unknown option: %s / 未知选项：%s\n\n' "$1" "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

RY_START_DIR=$PWD
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=deploy/common.sh
. deploy/common.sh
ROOT=$(pwd -P)
BIN="$ROOT/build/bin"
WAIT_SECONDS=${RY_UP_WAIT:-20}

if [ "$BUILD" = 1 ]; then
    # shellcheck disable=SC2086
    ry_need_packages $RY_BUILD_PACKAGES procps jq
    # Plain build: warnings do not stop a local start (test.sh checks
    # them), and no sanitizers, whatever build/ was configured with before.
    ry_build build -DRY_WERROR=OFF -DRY_SANITIZE=OFF || ry_die "the build failed; nothing was started." \
        "编译失败，没有启动任何服务。"
fi
for svc in $RY_SERVICES; do
    [ -x "$BIN/rongyu-$svc" ] || ry_die "$BIN/rongyu-$svc is missing: build first." \
        "缺少 $BIN/rongyu-$svc，请先编译。"
done
[ -x "$BIN/rongyu" ] || ry_die "$BIN/rongyu is missing: build first." "缺少 $BIN/rongyu，请先编译。"

ry_resolve_home
mkdir -p "$RONGYU_HOME/log"
ry_say "Data directory: $RONGYU_HOME" "数据目录：$RONGYU_HOME"
# Every socket is CURVE-authenticated: the first start makes the services'
# key pairs and the city administrator's (kept, never remade, afterwards).
"$BIN/rongyu" keys init >/dev/null ||
    ry_die "cannot create the keys (rongyu keys init)." "无法生成密钥（rongyu keys init）。"
ry_say "Keys: ${RONGYU_KEYS_DIR:-$RONGYU_HOME/keys} (secret files 0600; admin.cert is the city administrator's)" \
    "密钥：${RONGYU_KEYS_DIR:-$RONGYU_HOME/keys}（私钥文件 0600；admin.cert 为市总工会管理员密钥）"

# ping SVC: true when the service answers.
ping_svc() {
    timeout 10 "$BIN/rongyu" ping "$1" >/dev/null 2>&1 </dev/null
}

# show_log SVC: the tail of its log, on stderr.
show_log() {
    local log="$RONGYU_HOME/log/$1.log"
    {
        echo "----- last lines of $log / 日志末尾 -----"
        tail -n 30 "$log" 2>/dev/null || echo "(no log / 没有日志)"
        echo "------------------------------------------"
    } >&2
}

# wait_ready SVC PID: waits until SVC answers; fails early if PID dies.
wait_ready() {
    local svc=$1 pid=$2 deadline
    deadline=$((SECONDS + WAIT_SECONDS))
    while :; do
        # Alive before and after the answer: a ping answered by something
        # else on the endpoint must not pass for this process.
        if ry_alive "$pid" && ping_svc "$svc" && ry_alive "$pid"; then
            return 0
        fi
        if ! ry_alive "$pid"; then
            printf 'ERROR: rongyu-%s exited during start-up.\n错误：rongyu-%s 在启动过程中退出了。\n' \
                "$svc" "$svc" >&2
            rm -f "$RONGYU_HOME/$svc.pid"
            show_log "$svc"
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            printf 'ERROR: rongyu-%s (pid %s) did not answer "rongyu ping %s" within %s s.\n' \
                "$svc" "$pid" "$svc" "$WAIT_SECONDS" >&2
            printf '错误：rongyu-%s（pid %s）在 %s 秒内没有响应 "rongyu ping %s"。\n' \
                "$svc" "$pid" "$WAIT_SECONDS" "$svc" >&2
            show_log "$svc"
            printf 'It is left running; stop it with ./deploy/down.sh\n仍在运行，可用 ./deploy/down.sh 停止。\n' >&2
            return 1
        fi
        sleep 0.5
    done
}

started=()
already=()
for svc in $RY_SERVICES; do
    pidfile="$RONGYU_HOME/$svc.pid"
    log="$RONGYU_HOME/log/$svc.log"
    if pid=$(ry_pid_of "$svc"); then
        ry_say "$svc is already running (pid $pid); not starting it again." \
            "$svc 已在运行（pid $pid），不再重复启动。"
        already+=("$svc")
    else
        if [ -f "$pidfile" ]; then
            ry_say "Removing stale pid file $pidfile." "删除过期的 pid 文件 $pidfile。"
            rm -f "$pidfile"
        fi
        ry_say "Starting $svc (log: $log) ..." "正在启动 $svc（日志：$log）……"
        printf '\n===== %s up.sh: starting rongyu-%s =====\n' \
            "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$svc" >>"$log"
        # The shell writes its own pid, then execs nohup, which execs the
        # service: the pid in the file is the service's, whether or not
        # setsid had to fork. setsid detaches it from this terminal. A pid
        # file that cannot be written (a full disk) starts nothing: a
        # service down.sh could not find would go on serving.
        # shellcheck disable=SC2016
        setsid sh -c 'echo $$ > "$1" || { rm -f "$1"; echo "cannot write the pid file $1 / 无法写入 pid 文件 $1" >&2; exit 1; }; shift; exec nohup "$@"' sh \
            "$pidfile" "$BIN/rongyu-$svc" >>"$log" 2>&1 </dev/null &
        # Wait for the pid file (written at once by the child).
        for _ in $(seq 1 50); do
            [ -s "$pidfile" ] && break
            sleep 0.1
        done
        [ -s "$pidfile" ] || { show_log "$svc"; ry_die "rongyu-$svc did not start." "rongyu-$svc 未能启动。"; }
        started+=("$svc")
        pid=$(tr -dc '0-9' <"$pidfile")
    fi
    ry_say "Waiting for $svc to answer (up to ${WAIT_SECONDS} s) ..." \
        "等待 $svc 响应（最多 ${WAIT_SECONDS} 秒）……"
    if ! wait_ready "$svc" "$pid"; then
        exit 1
    fi
    ry_say "$svc is up (pid $pid)." "$svc 已就绪（pid $pid）。"
done
"$BIN/rongyu" org import "$ROOT/examples/orgs.csv" >/dev/null || ry_warn "could not import examples/orgs.csv (rongyu org import)." "未能导入 examples/orgs.csv（rongyu org import）。"

echo
if [ ${#started[@]} -gt 0 ]; then
    ry_say "Started: ${started[*]}." "已启动：${started[*]}。"
fi
if [ ${#already[@]} -gt 0 ]; then
    ry_say "Already running: ${already[*]}." "原本已在运行：${already[*]}。"
fi
# The platform's key file as 'rongyu keys gen' writes it, shown from $ROOT
# when it lies there.
keyfile=${RONGYU_KEYS_DIR:-$RONGYU_HOME/keys}/platform.cert
keyfile=${keyfile#"$ROOT"/}
envhint=
if [ "$RONGYU_HOME" != "$ROOT/var" ] || [ -n "${RONGYU_CONFIG:-}" ]; then
    envhint="export RONGYU_HOME=$RONGYU_HOME${RONGYU_CONFIG:+ RONGYU_CONFIG=$RONGYU_CONFIG}"
fi
clockhint=
if [ -z "${RONGYU_CLOCK:-}" ] && [ -z "${RONGYU_CLOCK_FILE:-}" ]; then
    clockhint="
Note: the default campaign (hangzhou-2018) closed on 2018-11-30, so today
every application naming it also fails R_DEADLINE. To try it inside its window:
  ./deploy/down.sh && RONGYU_CLOCK=2018-11-20T10:00 ./deploy/up.sh
注意：默认评选活动（hangzhou-2018）已于 2018-11-30 截止，今天提交的该活动申报都会
因 R_DEADLINE 不合格。如需在申报期内试用，请用上面的命令设定时钟后重新启动。
"
fi
cat <<EOF

All four services answer. / 四个服务均已就绪。
$clockhint
Try next / 接下来可以试试（在 $ROOT 下）。The CLI uses the administrator's key
(the city department's) unless --key or RONGYU_KEY names another; register the
platform backend's key first / 先登记平台后端的密钥:
${envhint:+    $envhint
}    build/bin/rongyu keys gen platform                          # its key pair / 生成密钥对
    build/bin/rongyu keys add --org platform --role platform --label "platform backend" \\
        $(printf '%-56s' "$keyfile") # register it / 登记
    $(printf '%-60s' "export RONGYU_KEY=$keyfile") # act as the platform / 以平台身份
    build/bin/rongyu submit examples/advanced_home.valid.json   # submit a case / 提交一份申报
    build/bin/rongyu show <id> --org xiaoshan-hengyi-textile     # <id> printed by submit / submit 输出的编号
    build/bin/rongyu list --org xiaoshan-hengyi-textile          # that union's cases / 该工会的申报
    build/bin/rongyu status                                      # intake's view / intake 的状态
    ./deploy/down.sh                                             # stop everything / 停止全部服务

Logs / 日志:        $RONGYU_HOME/log/<service>.log
Stores / 数据库:     $RONGYU_HOME/<service>/   (LMDB)
Pid files / pid 文件: $RONGYU_HOME/<service>.pid
EOF
