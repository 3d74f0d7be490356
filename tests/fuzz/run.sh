#!/usr/bin/env bash
# tests/fuzz/run.sh: builds the libFuzzer targets (clang, ASan+UBSan) in
# build-fuzz/ and runs each: first its regression cases, then fuzzing from
# its committed seed corpus for a bounded time. A crash, a leak or a
# timeout fails the run; its input is kept under build-fuzz/artifacts/.
set -uo pipefail

usage() {
    cat <<'TXT'
Usage: tests/fuzz/run.sh [--seconds N | --minutes N] [--jobs J] [TARGET...]

  Builds build-fuzz/ with clang -DRY_FUZZ=ON (libFuzzer, ASan, UBSan) and
  runs every target (or the TARGETs named: request, envelope, application,
  campaign, calendar, subscribers, config, verdict, pb):
    1. each file of tests/fuzz/regressions/TARGET/ once;
    2. fuzzing from tests/fuzz/corpus/TARGET/ for the time given (new
       inputs go to a temporary directory, the committed corpus is not
       changed), with leak detection.
  A failing input is written to build-fuzz/artifacts/TARGET/: commit it to
  tests/fuzz/regressions/TARGET/ with the fix.

  --seconds N   fuzz each target N seconds (default 30)
  --minutes N   fuzz each target N minutes
  --jobs J      targets run at once (default 2)

用法：tests/fuzz/run.sh [--seconds N | --minutes N] [--jobs J] [目标...]
以 clang（libFuzzer、ASan、UBSan）编译 build-fuzz/，对每个目标先运行回归
用例，再从已提交的种子语料库出发模糊测试指定时长。崩溃、泄漏或超时即失败，
触发输入保存在 build-fuzz/artifacts/ 下，修复时将其提交到
tests/fuzz/regressions/目标/。
TXT
}

SECONDS_EACH=30
JOBS=2
TARGETS=()
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --seconds) SECONDS_EACH=${2:?}; shift ;;
    --minutes) SECONDS_EACH=$(( ${2:?} * 60 )); shift ;;
    --jobs) JOBS=${2:?}; shift ;;
    -*) echo "unknown option: $1 / 未知选项：$1" >&2; usage >&2; exit 2 ;;
    *) TARGETS+=("$1") ;;
    esac
    shift
done

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
ROOT=$PWD
BUILD=$ROOT/build-fuzz
if [ ${#TARGETS[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do
        t=${f##*/fuzz_}
        TARGETS+=("${t%.c}")
    done
fi

echo "==> building the fuzz targets in build-fuzz/ (clang)"
mkdir -p "$BUILD"
if ! { CC=clang cmake -S . -B "$BUILD" -DRY_FUZZ=ON -DRY_WERROR=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 &&
        cmake --build "$BUILD" -j"$JOBS" --target fuzz_all >"$BUILD/build.log" 2>&1; }; then
    echo "FAIL: the fuzz build failed (see $BUILD/configure.log, $BUILD/build.log)" >&2
    tail -n 20 "$BUILD/build.log" >&2
    exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LEAKS=1
case $ASAN_OPTIONS in *detect_leaks=0*) LEAKS=0 ;; esac

# run_one TARGET: regressions, then fuzzing; output in build-fuzz/TARGET.log.
run_one() {
    local t=$1 bin=$BUILD/bin/fuzz_$1 log=$BUILD/fuzz-$1.log work scratch art rc
    art=$BUILD/artifacts/$t
    mkdir -p "$art"
    work=$(mktemp -d "${TMPDIR:-/tmp}/ry-fuzz-$t.XXXXXX")
    # The targets' own files (tests/fuzz/fz_util.h: a directory per
    # process, which the fuzzer's hard exit leaves) go under scratch,
    # removed here with the new corpus entries.
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/ry-fuzz-$t-files.XXXXXX")
    : >"$log"
    if [ -d "tests/fuzz/regressions/$t" ] && ls "tests/fuzz/regressions/$t"/* >/dev/null 2>&1; then
        if ! TMPDIR=$scratch "$bin" -detect_leaks=$LEAKS "tests/fuzz/regressions/$t"/* >>"$log" 2>&1; then
            rm -rf "$work" "$scratch"
            echo "FAIL $t: a regression case fails (see $log)"
            return 1
        fi
    fi
    TMPDIR=$scratch "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=$LEAKS -print_final_stats=1 -artifact_prefix="$art/" \
        "$work" "tests/fuzz/corpus/$t" >>"$log" 2>&1
    rc=$?
    rm -rf "$work" "$scratch"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $t: see $log; the input is in $art/ (commit it to tests/fuzz/regressions/$t/ with the fix)"
        return 1
    fi
    echo "ok $t: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s"
}

FAILED=0
running=0
pids=()
for t in "${TARGETS[@]}"; do
    [ -x "$BUILD/bin/fuzz_$t" ] || { echo "FAIL: no target '$t'"; FAILED=1; continue; }
    run_one "$t" &
    pids+=($!)
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || FAILED=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || FAILED=1
    running=$((running - 1))
done
if [ "$FAILED" -ne 0 ]; then
    echo "fuzz: FAILED"
    exit 1
fi
echo "fuzz: ok (${#TARGETS[@]} targets, ${SECONDS_EACH}s each)"
