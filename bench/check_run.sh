#!/usr/bin/env bash
# bench/check_run.sh: runs bench/run.sh with a tiny N, twice over
# (--repeat 2), only to check that it works and prints every figure, the
# medians and their spread; asserts the figures are there, never their
# values (speed is not asserted).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(mktemp "${TMPDIR:-/tmp}/rongyu-bench-check.XXXXXX")
trap 'rm -f "$OUT"' EXIT
"$ROOT/bench/run.sh" --n "${RY_BENCH_CHECK_N:-200}" --repeat 2 >"$OUT" 2>&1 ||
    { cat "$OUT" >&2; echo "FAIL: bench/run.sh failed" >&2; exit 1; }
fail() { cat "$OUT" >&2; echo "FAIL: $*" >&2; exit 1; }
# A kind of key rongyu-load does not know is refused before anything runs.
rc=0
msg=$("${RY_BIN:-$ROOT/build/bin}/rongyu-load" --keys sorted -n 1 --timeout 1 \
    --endpoint tcp://127.0.0.1:1 2>&1) || rc=$?
[ "$rc" = 2 ] && [[ $msg == *"--keys"*"counted or hashed, not 'sorted'"* ]] ||
    fail "rongyu-load --keys sorted: exit $rc, '$msg'"
# --disk measures the disk alone: an option of the hop is refused.
rc=0
msg=$("${RY_BIN:-$ROOT/build/bin}/rongyu-floor" --disk -n 5 2>&1) || rc=$?
[ "$rc" = 2 ] && [[ $msg == *"--disk takes only --dir and --json, not -n"* ]] ||
    fail "rongyu-floor --disk -n 5: exit $rc, '$msg'"
# A directory it cannot write in: exit 1, naming the file and the reason.
rc=0
msg=$("${RY_BIN:-$ROOT/build/bin}/rongyu-floor" --disk --dir "$OUT.none/x" 2>&1) || rc=$?
[ "$rc" = 1 ] && [[ $msg == *"cannot create $OUT.none/x/disk.test: No such file or directory"* ]] ||
    fail "rongyu-floor --disk in a missing directory: exit $rc, '$msg'"
for w in 16 256 1024; do
    grep -qE "^w$w +$w +[0-9.]+ +[0-9.]+ +[0-9]+/[0-9]+ +[0-9]+/[0-9]+ +[0-9.]+ +[0-9.]+" "$OUT" ||
        fail "no pipeline/floor row for window $w"
    grep -qE "^floor-$w: [0-9.]+ msgs/s, ack p50/p99 [0-9]+/[0-9]+ ms, commit p50/p99/slowest [0-9.]+/[0-9.]+/[0-9.]+ ms" "$OUT" ||
        fail "no floor figure at window $w"
done
grep -qE '^at half the peak \([0-9.]+ submissions/s .*: [0-9.]+ verdicts/s; submit -> ack p50/p99 [0-9]+/[0-9]+ ms' "$OUT" ||
    fail "no run at half the peak"
grep -qE '^the floor at that rate: ack p50/p99 [0-9]+/[0-9]+ ms; its commits p50/p99/slowest [0-9.]+/[0-9.]+/[0-9.]+ ms' "$OUT" ||
    fail "no floor run at half the peak"
grep -qE '^whole cases in the waits .*: [0-9.]+ verdicts/s, .*whole / brief = [0-9.]+' "$OUT" ||
    fail "no run with whole cases in the waits"
# What intake's acknowledgements wait for besides the disk, per commit, at
# window 256 and at half the peak (never "not run": intake syncs apart).
grep -qE "^intake's commits synced apart, per commit: .*: window 256 [0-9.]+ ms / [0-9.]+ ms; at half the peak [0-9.]+ ms / [0-9.]+ ms$" "$OUT" ||
    fail "no counters of intake's commits synced apart"
# The bounds without the disk run when /dev/shm has room for the stores
# (bench/run.sh says which); then they print their figures too.
RUNS="empty w16 w256 w1024 w256-full half hashed-empty hashed"
if grep -qx 'without the disk: not run (no /dev/shm with room for the stores)' "$OUT"; then
    per_rep=13
else
    per_rep=15
    RUNS="$RUNS w256-memory half-memory"
    grep -qx 'without the disk (every store in /dev/shm, where fdatasync writes nothing; a bound, never how the services run):' "$OUT" ||
        fail "no heading of the bounds without the disk"
    grep -qE '^  window 256, the prefilled store: [0-9.]+ verdicts/s, [0-9.]+ of the floor; on the disk [0-9.]+, memory / disk = [0-9.]+$' "$OUT" ||
        fail "no rate without the disk"
    grep -qE '^  at half the peak \([0-9.]+ submissions/s\): submit -> ack p50/p99 [0-9]+/[0-9]+ ms, submit -> verdict p50/p99 [0-9]+/[0-9]+ ms$' "$OUT" ||
        fail "no latencies without the disk"
    grep -qE '^without the disk, window 256: pipeline/floor [0-9.]+ - [0-9.]+$' "$OUT" ||
        fail "no spread of the rate without the disk"
    grep -qE '^without the disk, at half the peak: submit -> ack p99 [0-9]+ - [0-9]+ ms$' "$OUT" ||
        fail "no spread of the latencies without the disk"
fi
for run in $RUNS; do
    grep -qE "^$run: [0-9.]+ s of CPU over [0-9.]+ s, [0-9]+ us/app; [0-9.]+ wait requests per application$" "$OUT" ||
        fail "no CPU figure of rongyu-load for run $run"
done
# Its verdicts were awaited by waits, fewer than one per application.
awk '/^w256: .* wait requests per application$/ { w = $(NF - 4); ok = w > 0 && w < 1 }
     END { exit !ok }' "$OUT" || fail "no waits, or a wait per application or more, at window 256"
grep -qE '^empty store .*: [0-9.]+ verdicts/s' "$OUT" || fail "no empty-store rate"
grep -qE '^keys hashed as rongyu submit makes them .*: empty store [0-9.]+ verdicts/s, prefilled \(N -> 2N\) [0-9.]+; prefilled / empty = [0-9.]+; hashed / counted on the prefilled store = [0-9.]+$' "$OUT" ||
    fail "no runs with hashed keys"
grep -qE '^prefilled store .*prefilled / empty = [0-9.]+' "$OUT" ||
    fail "no prefilled-store rate"
# The CPU budget: the total is the sum of its parts, and the budget is the
# cores' time over a quarter of the floor printed beside it.
cpu_line=$(grep -E '^CPU per application at window 256 \(the prefilled store\), the services and rongyu-load together: [0-9]+ us \(intake [0-9]+, validation [0-9]+, quota [0-9]+, notification [0-9]+, rongyu-load [0-9]+\)(; without the disk [0-9]+ us)?$' "$OUT") ||
    fail "no CPU per application at window 256"
read -r total parts < <(sed -E 's/.*together: ([0-9]+) us \(intake ([0-9]+), validation ([0-9]+), quota ([0-9]+), notification ([0-9]+), rongyu-load ([0-9]+)\).*/\1 \2+\3+\4+\5+\6/' <<<"$cpu_line")
[ $((total - (parts))) -le 1 ] && [ $(((parts) - total)) -le 1 ] ||
    fail "the CPU total $total is not the sum of its parts ($parts)"
budget_line=$(grep -E '^a quarter of the floor \(0\.25 x [0-9.]+ msgs/s\) on [0-9]+ cores leaves at most [0-9.]+ us of CPU per application for all of them, every core busy all the time; the [0-9]+ us used would allow at most [0-9]+ verdicts/s, [0-9.]+ of the floor$' "$OUT") ||
    fail "no CPU budget of the throughput goal"
# The budget is the cores' time over a quarter of the floor; the ceiling
# the cores' time over the CPU used (printed rounded: within 2%), and its
# share of the floor.
awk -v total="$total" '{f = $8; c = $11; b = $16; u = $33; r = $40; q = $42;
      want = c * 1e6 / (0.25 * f); ceil = c * 1e6 / u;
      exit !(b > want - 0.1 && b < want + 0.1 && u == total &&
             r > ceil * 0.98 && r < ceil * 1.02 &&
             q > r / f - 0.002 && q < r / f + 0.002)}' <<<"$budget_line" ||
    fail "the CPU budget or ceiling does not follow from the figures beside it: $budget_line"
grep -qE '^cases whose wait had to queue( \(their verdict times are late\): [a-z0-9-]+ [0-9]+(, [a-z0-9-]+ [0-9]+)*|: none)$' "$OUT" ||
    fail "no count of the cases whose wait had to queue"
# The time ready to run comes from schedstat, which a kernel without
# CONFIG_SCHED_INFO lacks: there it is -1 (unknown), elsewhere a figure.
READY='[0-9]+' ready_min=0
[ -r "/proc/self/task/$$/schedstat" ] || READY='-1' ready_min=-1
for run in $RUNS; do
    for s in intake validation quota notification; do
        grep -qE "^$run +$s +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+% +[0-9.]+ +[0-9.]+$" "$OUT" ||
            fail "no store figures for $s in run $run"
        grep -qE "^$run +$s +anon +[0-9]+ +file +[0-9]+ +anon max +[0-9]+ +cpu +[0-9]+ us/app \(user [0-9]+, system [0-9]+; main thread [0-9]+, waited for a CPU $READY\)$" "$OUT" ||
            fail "no RSS or CPU for $s in run $run"
    done
done
grep -qx 'each figure: the median of 2 repetitions (their spread follows the figures)' "$OUT" ||
    fail "no word that the figures are medians"
for w in 16 256 1024; do
    grep -qE "^w$w: verdicts/s [0-9.]+ - [0-9.]+; floor msgs/s [0-9.]+ - [0-9.]+; pipeline/floor [0-9.]+ - [0-9.]+$" "$OUT" ||
        fail "no spread at window $w"
done
grep -qE '^prefilled / empty: [0-9.]+ - [0-9.]+$' "$OUT" || fail "no spread of prefilled / empty"
grep -qE '^hashed keys, prefilled / empty: [0-9.]+ - [0-9.]+$' "$OUT" ||
    fail "no spread of prefilled / empty with hashed keys"
grep -qE '^hashed / counted keys on the prefilled store: [0-9.]+ - [0-9.]+$' "$OUT" ||
    fail "no spread of hashed / counted keys"
grep -qE '^at half the peak: submit -> ack p99 [0-9]+ - [0-9]+ ms, submit -> verdict p99 [0-9]+ - [0-9]+ ms$' "$OUT" ||
    fail "no spread at half the peak"
grep -qE '^bytes stored per application in intake after the empty-store run: [0-9]+ - [0-9]+$' "$OUT" ||
    fail "no spread of the bytes stored"
grep -qE "^floor runs \(records of [0-9]+ bytes" "$OUT" || fail "no record size of the floor runs"
grep -qE "^floor-256: .* B written per message, [0-9.]+ pages per commit \(load" "$OUT" ||
    fail "no pages per commit of the floor"
grep -qE '^the disk \(rongyu-floor --disk: fdatasync after pages of [0-9]+ bytes, p50 / p90 of [0-9]+\): 1 scattered [0-9.]+ / [0-9.]+ ms; 16 scattered [0-9.]+ / [0-9.]+ ms; 64 scattered [0-9.]+ / [0-9.]+ ms; 128 scattered [0-9.]+ / [0-9.]+ ms; 128 contiguous [0-9.]+ / [0-9.]+ ms$' "$OUT" ||
    fail "no sync costs of the disk"
# Every run's raw figures, in both repetitions: all stores seen, every pid
# known, all judged.
n=$(grep -c '^{' "$OUT")
[ "$n" = $((2 * per_rep)) ] || fail "$n raw runs, not $((2 * per_rep))"
for r in 1 2; do
    m=$(grep '^{' "$OUT" | jq -s --argjson r "$r" 'map(select(.rep == $r)) | length')
    [ "$m" = "$per_rep" ] || fail "repetition $r: $m raw runs, not $per_rep"
done
# The disk's measurement, each repetition: every sync timed (on tmpfs a
# sync takes microseconds, so 0.000 ms is a possible figure).
grep '^{"disk"' "$OUT" | jq -s -e 'length == 2 and all(.run == "disk" and
    (.syncs | length == 5 and all(.p50_ms >= 0 and .p90_ms >= .p50_ms)))' >/dev/null ||
    fail "the disk's raw figures are incomplete"
# The hashed runs sent hashed keys, the others counted ones.
grep '^{"submitted"' "$OUT" | jq -s -e --argjson n $((2 * per_rep - 10)) '
    length == $n and all(.keys == (if (.run | startswith("hashed")) then "hashed" else "counted" end))' >/dev/null ||
    fail "a run sent keys of the wrong kind"
# (Every run, not only the last: jq -s. CPU time comes in ticks of 10 ms,
# which a short run of intake may not reach: some run must.)
# The main thread's time is read apart from the process's: each may be a
# tick (10 ms) off: at most two ticks over the run's applications apart.
grep '^{"submitted"' "$OUT" | jq -s -e --argjson ready_min "$ready_min" '
    all(.acknowledged as $n | .judged == .acknowledged and .acknowledged == .submitted and
        (.stores | length == 4 and all(.seen and .bytes_known)) and
        (.stores[] | select(.service == "intake") | .fsyncs > 0 and .bytes_written > 0 and
            .commit_us_per_app > 0 and .commit_share > 0 and
            .pages_per_commit > 0 and .ms_per_commit > 0) and
        (.rss | all(.pid > 0 and .anon_kib > 0 and .cpu_us_per_app >= 0 and
            .user_us_per_app >= 0 and .system_us_per_app >= 0 and
            .user_us_per_app + .system_us_per_app <= .cpu_us_per_app + 1 and
            .main_us_per_app >= 0 and
            .main_us_per_app <= .cpu_us_per_app + 2e4 / $n + 1 and
            .main_ready_us_per_app >= $ready_min))) and
    any(.rss[] | select(.service == "intake") | .cpu_us_per_app > 0)' >/dev/null ||
    fail "a run's raw figures are incomplete"
grep '^{"submitted"' "$OUT" | jq -s -e --argjson n $((per_rep == 15 ? 4 : 2)) '
    map(select(.rate > 0)) | length == $n and
    all((.run == "half" or .run == "half-memory") and .window == 1024)' >/dev/null ||
    fail "the run at half the peak did not run at a fixed rate"
echo "ok - bench/run.sh printed every figure"
