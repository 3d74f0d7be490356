# shellcheck shell=bash disable=SC2034
# deploy/common.sh: shared functions for the deploy scripts (up.sh, down.sh,
# test.sh) and the Dockerfile's build stage. Source it, do not run it:
#     . "$(dirname "$0")/common.sh"
# It only defines variables and functions; nothing runs on sourcing.

# --- package lists (Debian 12 "bookworm" names) -----------------------------

# To build the project (cmake finds these with pkg-config; cmocka is needed
# because the unit tests are always part of the build). zlib1g-dev: Debian's
# xlsxwriter.pc links -lz but libxlsxwriter-dev does not depend on it.
# libgoogle-perftools-dev: tcmalloc_minimal, the programs' malloc
# (CMakeLists.txt, RY_TCMALLOC).
RY_BUILD_PACKAGES="build-essential cmake pkg-config libzmq3-dev libczmq-dev \
libprotobuf-c-dev protobuf-c-compiler liblmdb-dev lmdb-utils libjansson-dev \
libxlsxwriter-dev zlib1g-dev libcurl4-openssl-dev libsodium-dev libcmocka-dev \
protobuf-compiler libgoogle-perftools-dev"

# Extra tools the tests use (receivers, xlsx checks, pgrep/pkill, ss, curl;
# python3-zmq, python3-protobuf and protobuf-compiler for the reference
# client and the traffic generators; ip netns for the several-hosts test;
# clang and its runtime for the libFuzzer targets; the summary tables
# printed to PDF by headless LibreOffice and read back with poppler's
# pdfinfo/pdftotext/pdftoppm, with a CJK font to print in).
RY_TEST_PACKAGES="python3 python3-zmq python3-protobuf protobuf-compiler unzip \
procps iproute2 curl jq clang libclang-rt-14-dev libreoffice-calc-nogui \
poppler-utils fonts-wqy-microhei"

# What the built binaries need at run time (the Dockerfile's runtime stage).
RY_RUNTIME_PACKAGES="libzmq5 libczmq4 libprotobuf-c1 liblmdb0 libjansson4 \
libxlsxwriter4 libcurl4 libsodium23 libtcmalloc-minimal4 ca-certificates"

# The four services, in start order (intake last: it connects to the rest).
RY_SERVICES="validation quota notification intake"

# --- messages ----------------------------------------------------------------

# ry_say EN ZH: one step, in English then Chinese.
ry_say() {
    printf '==> %s\n    %s\n' "$1" "$2"
}

# ry_warn EN ZH: a warning on stderr.
ry_warn() {
    printf 'WARNING: %s\n警告：%s\n' "$1" "$2" >&2
}

# ry_die EN ZH: an error on stderr, then exit 1.
ry_die() {
    printf 'ERROR: %s\n错误：%s\n' "$1" "$2" >&2
    exit 1
}

# ry_repo_root: prints the repository root (the parent of deploy/).
ry_repo_root() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
}

# --- packages ------------------------------------------------------------------

# ry_package_installed PKG: true when dpkg knows PKG as fully installed.
ry_package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
        grep -q '^install ok installed$'
}

RY_APT_UPDATED=${RY_APT_UPDATED:-0}

# ry_need_packages PKG...: installs the missing ones. As root it runs
# 'apt-get update' (once per process) and 'apt-get install'; otherwise it
# prints the sudo command to run and exits 1. Without dpkg (not Debian) it
# warns and carries on: cmake will say what is missing.
ry_need_packages() {
    local missing=() p
    if ! command -v dpkg-query >/dev/null 2>&1; then
        ry_warn "dpkg not found: cannot check packages ($*); assuming they are installed." \
            "找不到 dpkg，无法检查软件包（$*），假定已经安装。"
        return 0
    fi
    for p in "$@"; do
        ry_package_installed "$p" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        {
            printf 'Missing Debian packages: %s\n' "${missing[*]}"
            printf '缺少以下 Debian 软件包：%s\n' "${missing[*]}"
            printf 'Install them with / 请运行以下命令安装：\n\n'
            printf '    sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n\n' \
                "${missing[*]}"
            printf 'then run this script again. / 然后重新运行本脚本。\n'
        } >&2
        exit 1
    fi
    ry_say "Installing missing packages: ${missing[*]}" \
        "正在安装缺少的软件包：${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$RY_APT_UPDATED" != 1 ]; then
        if ! apt-get -o DPkg::Lock::Timeout=300 update -q </dev/null; then
            ry_die "apt-get update failed." "apt-get update 失败。"
        fi
        RY_APT_UPDATED=1
    fi
    if ! apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        --no-install-recommends "${missing[@]}" </dev/null; then
        ry_die "apt-get install failed for: ${missing[*]}" \
            "apt-get install 失败：${missing[*]}"
    fi
    for p in "${missing[@]}"; do
        ry_package_installed "$p" ||
            ry_die "package $p is still not installed." "软件包 $p 仍未安装。"
    done
}

# --- build ---------------------------------------------------------------------

# ry_build [BUILDDIR] [CMAKE ARGS...]: configures (RelWithDebInfo unless the
# arguments say otherwise) and builds the repository in the current
# directory into BUILDDIR (default: build). Output goes to
# BUILDDIR/configure.log and BUILDDIR/build.log; on failure the errors and
# the log's tail are printed and it returns 1.
ry_build() {
    local dir=${1:-build}
    if [ $# -gt 0 ]; then shift; fi
    local src jobs start log cached
    src=$(pwd -P)
    jobs=$(nproc 2>/dev/null || echo 2)
    start=$(date +%s)
    mkdir -p "$dir" || return 1
    # A cache made from another source tree (a copied or moved checkout)
    # makes cmake refuse to run: drop it and configure afresh.
    if [ -f "$dir/CMakeCache.txt" ]; then
        cached=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
        if [ -n "$cached" ] && [ "$(cd "$cached" 2>/dev/null && pwd -P)" != "$src" ]; then
            ry_say "$dir/ was configured for $cached; configuring it again for $src." \
                "$dir/ 原先配置的源码目录是 $cached，现在为 $src 重新配置。"
            rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
        fi
    fi
    ry_say "Configuring and building in $dir/ (cmake $*) ..." \
        "正在 $dir/ 中配置并编译（cmake $*）……"
    log="$dir/configure.log"
    if ! cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" \
        >"$log" 2>&1 </dev/null; then
        printf 'ERROR: cmake configure failed in %s/ (log: %s)\n' "$dir" "$log" >&2
        printf '错误：%s/ 的 cmake 配置失败（日志：%s）\n' "$dir" "$log" >&2
        ry_show_errors "$log"
        return 1
    fi
    log="$dir/build.log"
    if ! cmake --build "$dir" -j "$jobs" >"$log" 2>&1 </dev/null; then
        printf 'ERROR: build failed in %s/ (log: %s)\n' "$dir" "$log" >&2
        printf '错误：%s/ 编译失败（日志：%s）\n' "$dir" "$log" >&2
        ry_show_errors "$log"
        return 1
    fi
    ry_say "Built $dir/ in $(($(date +%s) - start)) s." \
        "$dir/ 编译完成，用时 $(($(date +%s) - start)) 秒。"
}

# ry_show_errors LOG: the error lines of a build log (at most 40), then its
# last 25 lines, on stderr.
ry_show_errors() {
    {
        echo "----- errors / 错误 -----"
        grep -E '(error:|Error [0-9]+|CMake Error|undefined reference|cannot find|not found|No such file)' "$1" |
            head -n 40
        echo "----- last lines of $1 / 日志末尾 -----"
        tail -n 25 "$1"
        echo "-------------------------"
    } >&2
}

# --- data directory and services ------------------------------------------------

# ry_resolve_home: sets and exports RONGYU_HOME as an absolute path: the
# environment's, else 'home' from $RONGYU_CONFIG, else <repo>/var. Relative
# paths are taken from the directory the script was started in
# ($RY_START_DIR, default: the current one). Also makes RONGYU_CONFIG
# absolute so the services, started elsewhere, read the same file.
ry_resolve_home() {
    local base=${RY_START_DIR:-$PWD} h=
    if [ -n "${RONGYU_CONFIG:-}" ]; then
        case $RONGYU_CONFIG in /*) ;; *) RONGYU_CONFIG="$base/$RONGYU_CONFIG" ;; esac
        export RONGYU_CONFIG
    fi
    if [ -n "${RONGYU_HOME:-}" ]; then
        h=$RONGYU_HOME
    elif [ -n "${RONGYU_CONFIG:-}" ] && [ -f "$RONGYU_CONFIG" ]; then
        h=$(sed -n 's/^[[:space:]]*home[[:space:]]*=[[:space:]]*//p' "$RONGYU_CONFIG" |
            tail -n 1 | sed 's/[[:space:]]*$//')
        case $h in /*) ;; ?*) h="$(dirname "$RONGYU_CONFIG")/$h" ;; esac
    fi
    if [ -z "$h" ]; then
        h="$(ry_repo_root)/var"
    fi
    case $h in /*) ;; *) h="$base/$h" ;; esac
    mkdir -p "$h" || ry_die "cannot create the data directory $h" "无法创建数据目录 $h"
    RONGYU_HOME=$(cd "$h" && pwd -P)
    export RONGYU_HOME
}

# ry_alive PID: true while PID exists and is not a zombie (an exited child
# that its new parent has not reaped yet still answers kill -0).
ry_alive() {
    local state=
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null || true)
    fi
    [ "$state" != Z ]
}

# ry_pid_of SVC: prints the pid of rongyu-SVC running on $RONGYU_HOME: the
# one in $RONGYU_HOME/SVC.pid, or else the one that holds its claim on its
# store ($RONGYU_HOME/SVC/owner, locked while it runs: a service whose pid
# file was lost is still found), when that process is alive and is
# rongyu-SVC; returns 1 otherwise.
ry_pid_of() {
    local svc=$1 pidfile="$RONGYU_HOME/$1.pid" owner="$RONGYU_HOME/$1/owner"
    local pid cands=() exe arg0
    [ -f "$pidfile" ] && cands+=("$(tr -dc '0-9' <"$pidfile")")
    if [ -f "$owner" ] && command -v flock >/dev/null &&
        ! flock -n "$owner" true 2>/dev/null; then
        cands+=("$(tr -dc '0-9' <"$owner")")
    fi
    for pid in "${cands[@]}"; do
        [ -n "$pid" ] && ry_alive "$pid" || continue
        if [ -r "/proc/$pid/cmdline" ]; then
            arg0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)
            exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
            exe=${exe% (deleted)}
        else
            arg0=$(ps -p "$pid" -o args= 2>/dev/null | awk '{print $1}')
            exe=
        fi
        if [ "$(basename -- "${arg0:-x}")" = "rongyu-$svc" ] ||
            [ "$(basename -- "${exe:-x}")" = "rongyu-$svc" ]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}
