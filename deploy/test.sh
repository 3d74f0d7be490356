#!/usr/bin/env bash
# deploy/test.sh: install what is missing, build, and run every test; then
# run the unit and crash tests again under ASan+UBSan. CI runs this.
set -uo pipefail

usage() {
    cat <<'EOF'
Usage: deploy/test.sh [--quick] [--help]

  1. installs missing Debian packages (as root; otherwise prints the sudo
     command and exits 1),
  2. builds build/ with -DRY_WERROR=ON and runs all tests there
     (ctest --test-dir build --output-on-failure -j4: four at a time,
     most of them waiting on services rather than running),
  3. unless --quick: builds build-asan/ with -DRY_SANITIZE=ON (ASan+UBSan)
     and runs the tests labelled unit, crash or leak there (leak: some
     integration tests, the services under the sanitizers, a report at
     their clean stop fails the test; the crash tests with 1000
     applications instead of 2000, RY_CRASH_N), with
     ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 (detect_leaks=0 when
     LeakSanitizer cannot work on this machine, e.g. under ptrace);
  4. unless --quick: tests/fuzz/run.sh: every libFuzzer target (clang,
     build-fuzz/) on its regression cases, then RY_FUZZ_SECONDS (default
     20) seconds each from its committed corpus, two at a time.

Works from any directory and without standard input. Exits non-zero when a
build or a test fails; the last line is "rongyu: N passed, M failed, K
skipped"; a skipped test (one that cannot run here, e.g. network namespaces
without root) is listed with its reason above it, never counted as passed.
Build logs: <builddir>/configure.log, <builddir>/build.log; test output:
<builddir>/ctest.log.

  --quick   skip the sanitizer and fuzz passes (steps 3 and 4)
  --help    this text

用法：deploy/test.sh [--quick] [--help]
安装缺少的软件包；以 -DRY_WERROR=ON 编译 build/ 并运行全部测试；除非指定
--quick，再以 -DRY_SANITIZE=ON（ASan+UBSan）编译 build-asan/ 并运行 unit、
crash 和 leak 标签的测试（崩溃测试此时用 1000 份申报），并对每个模糊测试目标运行
回归用例和限时模糊测试。
任何编译、测试或模糊测试失败时以非零状态退出。
EOF
}

QUICK=0
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --quick) QUICK=1 ;;
    *) printf 'unknown option: %s / 未知选项：%s\n\n' "$1" "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
# shellcheck source=deploy/common.sh
. deploy/common.sh
exec </dev/null

START=$SECONDS
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
SKIP_LINES=()
FAILED_STEPS=()
STEP_LINES=()
NO_TESTS=()

# shellcheck disable=SC2086
ry_need_packages $RY_BUILD_PACKAGES $RY_TEST_PACKAGES

# run_ctest BUILDDIR NAME [CTEST ARGS...]: runs ctest, output also in
# BUILDDIR/ctest.log, and adds its counts to the totals.
run_ctest() {
    local dir=$1 name=$2 log rc line passed failed total skipped=0 skip_name reason
    shift 2
    log="$dir/ctest.log"
    ry_say "Running tests: $name" "正在运行测试：$name"
    ctest --test-dir "$dir" --output-on-failure -j4 "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
        total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
        # A skipped test (exit 77: it says why) is neither passed nor failed.
        skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)' "$log" || true)
        passed=$((total - failed - skipped))
        TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
        while read -r skip_name; do
            [ -n "$skip_name" ] || continue
            # Its own reason: the first SKIPPED line of its block in
            # LastTest.log (from "N/M Test: NAME" to its "<end of output>").
            reason=$(awk -v t="$skip_name" '
                $2 == "Test:" && $3 == t { mine = 1; next }
                mine && /^<end of output>$/ { exit }
                mine && /^SKIPPED: / { sub(/^SKIPPED: /, ""); print; exit }
            ' "$dir/Testing/Temporary/LastTest.log" 2>/dev/null)
            SKIP_LINES+=("$name: $skip_name skipped: ${reason:-see $log}")
        done < <(grep -E '^[[:space:]]*[0-9]+ - .*\(Skipped\)' "$log" | sed -E 's/^[[:space:]]*[0-9]+ - ([^ ]+).*/\1/')
    elif grep -q 'No tests were found' "$log"; then
        passed=0 failed=0
        NO_TESTS+=("$name")
    else
        passed=0 failed=0
        # No summary line: ctest itself failed.
        if [ "$rc" -eq 0 ]; then rc=1; fi
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    STEP_LINES+=("tests $name: $passed passed, $failed failed, ${skipped:-0} skipped (exit $rc)")
    if [ "$rc" -ne 0 ]; then
        FAILED_STEPS+=("tests $name")
    fi
}

# LeakSanitizer needs to stop-the-world with ptrace; under a tracer or in
# some containers it cannot and aborts every program. Try it on a small
# leaking program and use detect_leaks=0 if it does not report the leak.
choose_detect_leaks() {
    local tmp out
    tmp=$(mktemp -d) || { echo 0; return; }
    printf '#include <stdlib.h>\nvoid *volatile p;\nint main(void) { p = malloc(16); p = 0; return 0; }\n' \
        >"$tmp/leak.c"
    if ! cc -fsanitize=address -g -o "$tmp/leak" "$tmp/leak.c" >/dev/null 2>&1; then
        rm -rf "$tmp"
        echo 0
        return
    fi
    out=$(ASAN_OPTIONS=detect_leaks=1 "$tmp/leak" 2>&1)
    rm -rf "$tmp"
    if grep -q 'LeakSanitizer: detected memory leaks' <<<"$out"; then
        echo 1
    else
        printf 'LeakSanitizer probe said: %s\n' "$(head -n 3 <<<"$out")" >&2
        echo 0
    fi
}

# --- pass 1: -Werror build, all tests ----------------------------------------
if ry_build build -DRY_WERROR=ON -DRY_SANITIZE=OFF; then
    STEP_LINES+=("build build/ (-DRY_WERROR=ON): ok")
    run_ctest build "build/ (all)"
else
    STEP_LINES+=("build build/ (-DRY_WERROR=ON): FAILED (see build/configure.log, build/build.log)")
    FAILED_STEPS+=("build build/")
fi

# --- pass 2: ASan+UBSan, unit and crash tests --------------------------------
if [ "$QUICK" = 1 ]; then
    STEP_LINES+=("sanitizer pass: skipped (--quick)")
else
    if ry_build build-asan -DRY_SANITIZE=ON; then
        STEP_LINES+=("build build-asan/ (-DRY_SANITIZE=ON): ok")
        leaks=$(choose_detect_leaks)
        if [ "$leaks" = 1 ]; then
            ry_say "LeakSanitizer works here: detect_leaks=1." "LeakSanitizer 可用：detect_leaks=1。"
        else
            ry_warn "LeakSanitizer cannot run here (ptrace/container): detect_leaks=0." \
                "LeakSanitizer 在此环境（ptrace/容器）下无法运行：detect_leaks=0。"
        fi
        export ASAN_OPTIONS="detect_leaks=$leaks:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
        export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
        if [ -f tests/lsan.supp ]; then
            export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
        fi
        ry_say "ASAN_OPTIONS=$ASAN_OPTIONS" "ASAN_OPTIONS=$ASAN_OPTIONS"
        # The crash tests reach all their crash points within 1000
        # applications; under the sanitizers that is enough (the -Werror
        # pass above runs them with 2000).
        RY_CRASH_N=${RY_CRASH_N:-1000} \
            run_ctest build-asan "build-asan/ (unit|crash|leak)" -L 'unit|crash|leak'
        # --- pass 3: the fuzz targets, from their committed corpora -----------
        ry_say "Fuzzing each decoder of outside bytes for ${RY_FUZZ_SECONDS:-20} s" \
            "对每个外部输入解码器进行 ${RY_FUZZ_SECONDS:-20} 秒模糊测试"
        if tests/fuzz/run.sh --seconds "${RY_FUZZ_SECONDS:-20}" --jobs 2; then
            STEP_LINES+=("fuzz (build-fuzz/, ${RY_FUZZ_SECONDS:-20} s per target): ok")
        else
            STEP_LINES+=("fuzz (build-fuzz/): FAILED (see build-fuzz/fuzz-*.log)")
            FAILED_STEPS+=("fuzz")
        fi
    else
        STEP_LINES+=("build build-asan/ (-DRY_SANITIZE=ON): FAILED (see build-asan/configure.log, build-asan/build.log)")
        FAILED_STEPS+=("build build-asan/")
    fi
fi

# --- summary -------------------------------------------------------------------
echo
echo "================ summary / 汇总 ================"
for l in "${STEP_LINES[@]}"; do
    echo "  $l"
done
for n in ${NO_TESTS[@]+"${NO_TESTS[@]}"}; do
    ry_warn "no tests were found in $n." "$n 中没有找到任何测试。"
done
for l in ${SKIP_LINES[@]+"${SKIP_LINES[@]}"}; do
    echo "  SKIPPED / 跳过: $l"
done
echo "  time: $((SECONDS - START)) s"
if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
    echo "FAILED / 失败: ${FAILED_STEPS[*]}"
    echo "rongyu: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
    exit 1
fi
echo "OK / 全部通过"
echo "rongyu: $TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
exit 0
