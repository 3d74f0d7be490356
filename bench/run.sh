#!/usr/bin/env bash
# bench/run.sh: the benchmark, in one go on this machine. See --help.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/run.sh [--n N] [--windows "16 256 1024"] [--connections C]
                    [--repeat K] [--help]

Runs, on this machine, without standard input, and prints every figure
(speed is never asserted):
  0. the disk under the stores (rongyu-floor --disk): how long fdatasync
     takes after 1, 16, 64 and 128 pages written at scattered places,
     and after 128 pages written in one run;
  1. the services as plain processes in a temporary RONGYU_HOME (the clock
     inside the 2018 campaign, as the tests run them); rongyu-load fills
     the empty store with N applications (window 256): the rate on the
     empty store, and the bytes each store holds per application;
  2. rongyu-floor, the project's own floor (one ZeroMQ DEALER -> ROUTER
     hop over tcp loopback with CURVE, LMDB group commit with fsync, ack
     after the commit), N records of the bytes intake stores per case, at
     each window;
  3. the whole pipeline at each window (default 16, 256 and 1024): N more
     applications on a store that already holds the N of step 1 (the
     stores are copied back before each window, so each starts at N,
     and written out with sync before the services start, so that the
     copy's writeback is not measured);
     each submission is answered briefly (the case's id and state) and
     the verdicts are awaited by brief waits on many cases at once
     (WaitRequest.case_ids: the cases acknowledged since the last wait,
     up to 256 in one; the answer gives the new state of each that moved);
     then once more at window 256 with whole cases in the answers
     (--full-waits: the submission's with its application, the wait's
     with application, verdict with its texts, audit), what a client
     that shows the case to a person gets;
  4. at half the peak (the best verdicts/s of step 3): N applications
     submitted at that fixed rate (rongyu-load --rate, window 1024) on
     the prefilled store, for the latencies at half the peak; then the
     floor at the same rate (rongyu-floor --rate), whose latencies and
     commit times (p50, p99, the slowest) show what the hop and the
     disk alone give;
  5. with idempotency keys as 'rongyu submit' makes them (rongyu-load
     --keys hashed: a SHA-256, scattered over intake's key table, where
     the counted keys of steps 1 to 4 arrive nearly in order): N
     applications on empty stores, then N more on those, at window 256;
  6. bounds without the disk, a measurement only (the services never run
     so): the prefilled window-256 run and the half-peak run once more
     with every store in /dev/shm (tmpfs, where fdatasync writes
     nothing), to tell what the CPU alone allows from what the disk
     adds; skipped, with a note, when /dev/shm is missing or has less
     free than 10 KiB per application and 64 MiB;
  7. a summary: each figure, the ratio pipeline / floor, fsyncs, bytes
     written and time spent committing (and its share of the run) per
     application per store, pages written and time spent per commit per
     store (and the floor's pages per commit), bytes stored per application per store, RSS
     and CPU time per application per service (user and system apart
     too), rongyu-load's CPU and the wait requests it sent per
     application, and the rate on the empty store against the prefilled one
     (at window 256); and the CPU budget of the throughput goal: the CPU
     the services and rongyu-load use together per application at
     window 256, against what a quarter of the floor leaves on this
     machine's cores (cores x 1 s / (0.25 x the window-256 floor's
     msgs/s)), which the pipeline could reach only with every core busy
     all the time, and the rate the CPU used would allow at most (cores x
     1 s / the CPU used) with its share of the floor; and the cases whose
     wait had to queue in rongyu-load, per run (their verdict times are
     late).
     CPU times are counted in the kernel's ticks (1/CLK_TCK s, 10 ms
     here): over the default N a run lasts seconds and a tick is a
     fraction of a per cent; with a small --n they, the floor and the
     budget are coarse (the bench_run test's N = 200 checks only that
     every line is printed).

  --n N          applications per run (default 100000)
  --windows LIST windows of step 3 (default "16 256 1024")
  --connections C  rongyu-load's DEALER connections (default 8; each
                 may have client_queue_bytes / max_request requests
                 queued in intake, 256 by default)
  --repeat K     steps 1 to 6 K times over (1 to 9, default 1), each
                 time from empty stores; the summary then gives each
                 figure as the median of the K (figure by figure: the
                 lower middle one for an even K), then each headline
                 figure's spread (min - max); the raw runs carry 'rep'.
                 On a shared machine one run's figures move by 15%.
  --help         this text

Needs a build (build/bin, or $RY_BIN) and jq. The log level of the
services is $RONGYU_LOG_LEVEL (default info, as deployed).

用法：bench/run.sh [--n N] [--windows "16 256 1024"] [--connections C]
                    [--repeat K] [--help]
在本机一次运行完毕（不读标准输入，只打印数字，不断言速度）：
  0. 磁盘（rongyu-floor --disk）：分散写入 1、16、64、128 页与连续写入
     128 页后 fdatasync 的耗时；
  1. 以临时 RONGYU_HOME 启动各服务（普通进程），以窗口 256 向空存储写入
     N 份申报：空存储的速率、每份申报在各存储占用的字节；
  2. 本项目的下限程序 rongyu-floor：一跳 DEALER -> ROUTER（tcp 回环，
     CURVE），LMDB 成组提交并 fsync、提交后确认，记录大小取 intake 每份
     案件的字节数，按各窗口运行；
  3. 在已有 N 份的存储上按各窗口（默认 16、256、1024）各再提交 N 份
     （每次先复制回存储并 sync 落盘，不让复制的回写干扰测量；提交应答与
     长轮询只取状态，一次长轮询等待多个案件，WaitRequest.case_ids，
     每次至多 256 个），再以窗口 256 取完整案件（--full-waits）运行一次；
  4. 以第 3 步最佳速率的一半按固定速率（rongyu-load --rate，窗口 1024）
     提交 N 份以测延迟，并以同一速率运行下限程序（rongyu-floor --rate），
     给出其延迟与提交耗时（p50、p99、最慢）；
  5. 以 rongyu submit 那样的幂等键（--keys hashed，SHA-256，分散在 intake
     的键表中）在空存储上写入 N 份、再在其上写入 N 份（窗口 256）；
  6. 只作测量：把所有存储放在 /dev/shm（tmpfs，fdatasync 不写盘）重跑
     窗口 256 与半峰值两项，以区分 CPU 本身的上限与磁盘带来的部分（服务
     从不如此运行；/dev/shm 不存在或可用空间不足每份申报 10 KiB 加 64 MiB
     时跳过并说明）；
  7. 汇总：各项数字、流水线与下限之比、每份申报各存储的 fsync 次数、
     写入字节与提交耗时（及其占运行时间的比例）、每次提交写入的页数与
     耗时、每份申报占用的存储字节、各服务常驻内存与每份申报的 CPU 时间
     （用户态与内核态分列，主线程及其等待 CPU 的时间）、rongyu-load 的
     CPU 时间及每份申报发出的等待请求数、空存储与已有 N
     份时的速率对比；吞吐目标的 CPU 预算：窗口 256 时各服务与
     rongyu-load 每份申报共用的 CPU 时间，对比下限四分之一的速率在本机
     各核上留给每份申报的时间（核数 x 1 秒 / (0.25 x 窗口 256 下限的
     msgs/s)，且须每个核始终满载才够），以及所用 CPU 至多允许的速率
     （核数 x 1 秒 / 所用 CPU）及其占下限的比例；并列出各次运行中
     rongyu-load 中等待须排队的案件数（其判定时间偏晚）。CPU 时间按内核的时钟
     节拍计（1/CLK_TCK 秒，此处 10 毫秒）：默认 N 下每次运行持续数秒，
     误差不足百分之一；--n 很小时它、下限与预算都很粗略（bench_run 测试
     的 N = 200 只检查每一行都已打印）。
--repeat K 将第 1 至 6 步从空存储起重复 K 次（1 至 9），汇总中每个数字取
K 次的中位数，并给出主要数字的范围（最小 - 最大）：在共用的机器上，单次
运行的数字可相差达 15%。
EOF
}

N=100000
WINDOWS="16 256 1024"
CONNS=8
REPEAT=1
while [ $# -gt 0 ]; do
    case $1 in
    --n) N=${2:?--n needs a number}; shift ;;
    --windows) WINDOWS=${2:?--windows needs a list}; shift ;;
    --connections) CONNS=${2:?--connections needs a number}; shift ;;
    --repeat) REPEAT=${2:?--repeat needs a number}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'unknown option: %s / 未知选项：%s\n\n' "$1" "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case $N in '' | *[!0-9]* | 0) echo "--n wants a positive number" >&2; exit 2 ;; esac
case $CONNS in '' | *[!0-9]* | 0) echo "--connections wants a positive number" >&2; exit 2 ;; esac
case $REPEAT in [1-9]) ;; *) echo "--repeat wants a number from 1 to 9" >&2; exit 2 ;; esac
exec </dev/null

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RY_BIN=${RY_BIN:-$ROOT/build/bin} RY_SOURCE_DIR=$ROOT
for prog in rongyu rongyu-load rongyu-floor rongyu-intake; do
    [ -x "$RY_BIN/$prog" ] || { echo "no $RY_BIN/$prog: build first" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }
# Temporary RONGYU_HOME, free ports, the 2018 clock, keys; everything is
# stopped and removed at the end, whatever happens.
# shellcheck source=tests/lib/services.sh
. "$ROOT/tests/lib/services.sh"
EXAMPLE=$ROOT/examples/advanced_home.valid.json
STORES="intake validation quota notification"
RAW=$RY_TMP/raw.jsonl
: >"$RAW"

note() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# settle: writes out what the benchmark itself left dirty (copied or
# removed stores), so the disk's writeback of hundreds of megabytes does
# not stall the commits of the run that follows: measured, a copy left
# dirty doubled the ack p99 at half the peak.
settle() { sync -f "$RONGYU_HOME" 2>/dev/null || sync; }

# keep RUN LOADAVG: the JSON on standard input, with the run's name, the
# load average at its start and the repetition, goes to $RAW.
keep() {
    jq -c --arg run "$1" --arg la "$2" --argjson rep "$REP" \
        '. + {run: $run, loadavg: $la, rep: $rep}' >>"$RAW"
}

# load RUN W [ARG...]: one rongyu-load run on the running services.
load() {
    local run=$1 w=$2 out la
    shift 2
    la=$(loadavg)
    note "pipeline: $run, $N applications, window $w $* (load average $la)"
    out=$("$RY_BIN/rongyu-load" -n "$N" -w "$w" -c "$CONNS" "$@" --run "bench-$run-$$" \
        --timeout $((600 + N / 10)) --example "$EXAMPLE" --json \
        --pid "intake=${RY_PID[intake]}" \
        --pid "validation=${RY_PID[validation]}" \
        --pid "quota=${RY_PID[quota]}" \
        --pid "notification=${RY_PID[notification]}" 2>"$RY_TMP/load-$run.err") ||
        { cat "$RY_TMP/load-$run.err" >&2; ry_fail "rongyu-load $run failed"; }
    keep "$run" "$la" <<<"$out"
}

# restore [DIR]: the stores as the last fill left them ($SNAP), copied
# into RONGYU_HOME, or into DIR and linked from RONGYU_HOME.
restore() {
    local dir=${1:-$RONGYU_HOME}
    for s in $STORES; do
        rm -rf "${RONGYU_HOME:?}/$s" "${dir:?}/$s"
        cp -a --reflink=auto "$SNAP/$s" "$dir/$s"
        [ "$dir" = "$RONGYU_HOME" ] || ln -s "$dir/$s" "$RONGYU_HOME/$s"
    done
    settle
}

# prefilled RUN W [ARG...]: one rongyu-load run on the restored stores.
prefilled() {
    restore
    ry_start_services
    load "$@"
    ry_stop_all
}

# MEM: where in /dev/shm the stores go for the bounds without the disk
# (step 6), or empty when that step is skipped: no /dev/shm, or less free
# there than 10 KiB per application and 64 MiB (the four stores of the
# 200,000 applications of N = 100,000 used 641 MiB, 3.3 KiB each).
MEM=
MEM_NEED_KIB=$((N * 10 + 65536))
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')" -ge "$MEM_NEED_KIB" ] 2>/dev/null; then
    MEM=$(mktemp -d /dev/shm/rongyu-bench.XXXXXX)
    # Removed first, then tests/lib/services.sh's clean-up (which exits
    # with the status it is given).
    mem_cleanup() {
        local rc=$?
        rm -rf "${MEM:?}"
        (exit "$rc")
        ry_it_cleanup
    }
    trap mem_cleanup EXIT
else
    note "/dev/shm missing or with less than $((MEM_NEED_KIB / 1024)) MiB free: the bounds without the disk (step 6) are skipped"
fi

# in_memory RUN W [ARG...]: prefilled, with the stores in $MEM (tmpfs: its
# syncs write nothing). A measurement only; the stores are removed after
# the run.
in_memory() {
    restore "$MEM"
    ry_start_services
    load "$@"
    ry_stop_all
    for s in $STORES; do rm -rf "${RONGYU_HOME:?}/$s" "${MEM:?}/$s"; done
}

# fill RUN W [ARG...]: one rongyu-load run on empty stores, kept in $SNAP
# for the prefilled runs that follow.
fill() {
    for s in $STORES; do rm -rf "${RONGYU_HOME:?}/$s" "${SNAP:?}/$s"; done
    settle
    ry_start_services
    load "$@"
    ry_stop_all
    mkdir -p "$SNAP"
    for s in $STORES; do
        cp -a --reflink=auto "$RONGYU_HOME/$s" "$SNAP/$s"
    done
    settle
}

# floor_run RUN W [ARG...]: one rongyu-floor run of N records of $REC bytes
# in a store of its own, removed (and written out) after it.
floor_run() {
    local run=$1 w=$2 out la
    shift 2
    la=$(loadavg)
    note "floor: $N records of $REC bytes, window $w $* (load average $la)"
    mkdir -p "$RY_TMP/floor"
    out=$("$RY_BIN/rongyu-floor" -n "$N" -w "$w" "$@" --size "$REC" \
        --dir "$RY_TMP/floor" --json) || ry_fail "rongyu-floor failed"
    rm -rf "$RY_TMP/floor"
    settle
    keep "$run" "$la" <<<"$out"
}

# disk_run: what a sync costs on the stores' disk after pages written at
# scattered places or in one run (rongyu-floor --disk).
disk_run() {
    local out la
    la=$(loadavg)
    note "disk: fdatasync after scattered and contiguous pages (load average $la)"
    mkdir -p "$RY_TMP/floor"
    out=$("$RY_BIN/rongyu-floor" --disk --dir "$RY_TMP/floor" --json) ||
        ry_fail "rongyu-floor --disk failed"
    rm -rf "$RY_TMP/floor"
    keep disk "$la" <<<"$out"
}

# measure: steps 1 to 4 once, their runs tagged with repetition $REP.
measure() {
    SNAP=$RY_TMP/snapshot
    disk_run
    fill empty 256

    # The floor's records: what intake stores per application.
    REC=$(jq -r --argjson rep "$REP" 'select(.run == "empty" and .rep == $rep) |
        .stores[] | select(.service == "intake") | .stored_bytes_per_app | floor' "$RAW")
    [ "${REC:-0}" -ge 8 ] 2>/dev/null || REC=4096
    for w in $WINDOWS; do
        floor_run "floor-$w" "$w"
    done

    for w in $WINDOWS; do
        prefilled "w$w" "$w"
    done
    case " $WINDOWS " in
    *" 256 "*) prefilled w256-full 256 --full-waits ;;
    esac

    PEAK=$(jq -r --slurp --argjson rep "$REP" '[.[] | select(.rep == $rep and
        (.run | test("^w[0-9]+$"))) | .verdicts_per_second] | max // 0' "$RAW")
    HALF=$(jq -rn --argjson p "$PEAK" '$p / 2 | floor')
    if [ "${HALF:-0}" -gt 0 ]; then
        prefilled half 1024 --rate "$HALF"
        # The floor at the same rate: what the one hop and the disk alone
        # give the latencies, and how slow their commits get.
        floor_run floor-half 1024 --rate "$HALF"
    fi

    # Bounds without the disk (step 6): what the CPU alone allows.
    if [ -n "$MEM" ]; then
        case " $WINDOWS " in
        *" 256 "*) in_memory w256-memory 256 ;;
        esac
        if [ "${HALF:-0}" -gt 0 ]; then
            in_memory half-memory 1024 --rate "$HALF"
        fi
    fi

    # Idempotency keys as 'rongyu submit' makes them (a SHA-256): they
    # land all over intake's key table, where the counted keys of the
    # runs above arrive nearly in order. Empty, then prefilled with such
    # keys, at window 256.
    case " $WINDOWS " in
    *" 256 "*)
        SNAP=$RY_TMP/snapshot-hashed
        fill hashed-empty 256 --keys hashed
        prefilled hashed 256 --keys hashed
        ;;
    esac
}

ry_pick_ports
for REP in $(seq 1 "$REPEAT"); do
    [ "$REPEAT" = 1 ] || note "repetition $REP of $REPEAT"
    measure
done

# MED: one object per run, in the order of the first repetition, each
# number the median of the repetitions' (the lower of the middle two for
# an even count), stores and services matched by position, the load
# averages listed; with one repetition, the runs themselves.
MED=$RY_TMP/median.jsonl
jq -c --slurp '
    def med: sort | .[(length - 1) / 2 | floor];
    def merge: . as $xs | $xs[0] | with_entries(.key as $k | .value |=
        if type == "number" then ($xs | map(.[$k]) | med)
        elif $k == "loadavg" then ($xs | map(.[$k]) | join("; "))
        elif type == "array" and (.[0] | type) == "object" then
            [range(0; length) as $i | $xs | map(.[$k][$i]) | merge]
        else . end);
    . as $all | map(select(.rep == 1) | .run)[] as $run |
    $all | map(select(.run == $run)) | merge' "$RAW" >"$MED"

# ---------------------------------------------------------------- summary
printf '\nrongyu benchmark, %s; %s cores, %s; N = %s; %s client connection(s); log level %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
    "$N" "$CONNS" "${RONGYU_LOG_LEVEL:-info}"
[ "$REPEAT" = 1 ] || printf 'each figure: the median of %s repetitions (their spread follows the figures)\n' "$REPEAT"
printf '\n%-8s %-6s %10s %11s %16s %18s %9s %14s\n' "run" "window" "acks/s" \
    "verdicts/s" "ack p50/p99 ms" "verdict p50/p99 ms" "floor/s" \
    "pipeline/floor"
for w in $WINDOWS; do
    jq -r --arg w "$w" --slurp '
        (map(select(.run == "floor-" + $w))[0].msgs_per_second) as $f |
        map(select(.run == "w" + $w))[0] |
        [.run, .window, .acks_per_second, .verdicts_per_second,
         "\(.ack_p50_ms)/\(.ack_p99_ms)",
         "\(.verdict_p50_ms)/\(.verdict_p99_ms)", $f,
         (if $f > 0 then (.verdicts_per_second / $f * 1000 | round / 1000)
          else 0 end), .loadavg] |
        @tsv' "$MED" |
        awk -F'\t' '{printf "%-8s %-6s %10.1f %11.1f %16s %18s %9.1f %14.3f   (load %s)\n",
            $1, $2, $3, $4, $5, $6, $7, $8, $9}'
done
jq -r --slurp '
    (map(select(.run == "empty"))[0]) as $e |
    (map(select(.run == "w256"))[0]) as $p |
    "\nempty store (0 -> N cases, window 256): \($e.verdicts_per_second) verdicts/s, \($e.acks_per_second) acks/s\n" +
    (if $p then "prefilled store (N -> 2N cases, window 256): \($p.verdicts_per_second) verdicts/s, \($p.acks_per_second) acks/s; prefilled / empty = \(($p.verdicts_per_second / $e.verdicts_per_second * 1000 | round) / 1000)"
     else "prefilled store at window 256: not run (--windows)" end)' "$MED"
jq -r --slurp '
    (map(select(.run == "w256"))[0]) as $b |
    (map(select(.run == "w256-full"))[0]) as $f |
    if $f then "\nwhole cases in the waits (--full-waits, window 256, the prefilled store): \($f.verdicts_per_second) verdicts/s, submit -> verdict p50/p99 \($f.verdict_p50_ms)/\($f.verdict_p99_ms) ms; whole / brief = \(($f.verdicts_per_second / $b.verdicts_per_second * 1000 | round) / 1000)"
    else "\nwhole cases in the waits: not run (--windows without 256)" end' "$MED"
jq -r --slurp '
    (map(select(.run == "w256"))[0]) as $c |
    (map(select(.run == "hashed-empty"))[0]) as $he |
    (map(select(.run == "hashed"))[0]) as $h |
    def r(a; b): (a / b * 1000 | round) / 1000;
    if $h then "\nkeys hashed as rongyu submit makes them (--keys hashed, window 256): empty store \($he.verdicts_per_second) verdicts/s, prefilled (N -> 2N) \($h.verdicts_per_second); prefilled / empty = \(r($h.verdicts_per_second; $he.verdicts_per_second)); hashed / counted on the prefilled store = \(r($h.verdicts_per_second; $c.verdicts_per_second))"
    else "\nhashed keys: not run (--windows without 256)" end' "$MED"
jq -r --slurp '
    (map(select(.run == "half"))[0]) as $h |
    (map(select(.run == "floor-half"))[0]) as $fh |
    if $h then "\nat half the peak (\($h.rate) submissions/s on a fixed schedule, window 1024, the prefilled store): \($h.verdicts_per_second) verdicts/s; submit -> ack p50/p99 \($h.ack_p50_ms)/\($h.ack_p99_ms) ms; submit -> verdict p50/p99 \($h.verdict_p50_ms)/\($h.verdict_p99_ms) ms" +
      (if $fh then "\nthe floor at that rate: ack p50/p99 \($fh.ack_p50_ms)/\($fh.ack_p99_ms) ms; its commits p50/p99/slowest \($fh.commit_p50_ms)/\($fh.commit_p99_ms)/\($fh.commit_max_ms) ms" else "" end)
    else "\nat half the peak: not run (no peak measured)" end' "$MED"
jq -r --slurp '
    (map(select(.run == "w256"))[0]) as $d |
    (map(select(.run == "w256-memory"))[0]) as $m |
    (map(select(.run == "floor-256"))[0]) as $f |
    (map(select(.run == "half-memory"))[0]) as $h |
    if $m or $h then "\nwithout the disk (every store in /dev/shm, where fdatasync writes nothing; a bound, never how the services run):" +
      (if $m then "\n  window 256, the prefilled store: \($m.verdicts_per_second) verdicts/s" +
        (if $f then ", \(($m.verdicts_per_second / $f.msgs_per_second * 1000 | round) / 1000) of the floor" else "" end) +
        (if $d then "; on the disk \($d.verdicts_per_second), memory / disk = \(($m.verdicts_per_second / $d.verdicts_per_second * 1000 | round) / 1000)" else "" end)
       else "" end) +
      (if $h then "\n  at half the peak (\($h.rate) submissions/s): submit -> ack p50/p99 \($h.ack_p50_ms)/\($h.ack_p99_ms) ms, submit -> verdict p50/p99 \($h.verdict_p50_ms)/\($h.verdict_p99_ms) ms" else "" end)
    else "\nwithout the disk: not run (no /dev/shm with room for the stores)" end' "$MED"
# What intake's acknowledgements wait for besides the disk: from each
# commit to its sync's start (the sync thread getting a CPU), and from the
# sync's end to the answers beginning to go out (intake's thread noticing).
jq -r --slurp '
    def it(r): r.stores | map(select(.service == "intake"))[0];
    def fig(r): if r and it(r).sync_start_ms != null then "\(it(r).sync_start_ms) ms / \(it(r).answered_ms) ms" else "not run" end;
    (map(select(.run == "w256"))[0]) as $d |
    (map(select(.run == "half"))[0]) as $h |
    "\nintake'"'"'s commits synced apart, per commit: from the commit to the start of its sync / from the end of the sync to its answers beginning to go out: window 256 \(fig($d)); at half the peak \(fig($h))"' "$MED"
# The CPU budget of the throughput goal: what a quarter of the floor leaves
# per application on this machine's cores, against what the services and
# rongyu-load use together at window 256.
jq -r --slurp --argjson cores "$(nproc)" '
    # The CPU per application of rongyu-load; a process whose CPU time could
    # not be read has -1 (load_report), and then no sum is made.
    def load(r): if r.acknowledged > 0 then r.load_cpu_seconds * 1e6 / r.acknowledged else 0 end;
    def known(r): r.rss and all(r.rss[]; .cpu_us_per_app >= 0) and r.load_cpu_seconds != null;
    def used(r): (r.rss | map(.cpu_us_per_app) | add) + load(r);
    (map(select(.run == "w256"))[0]) as $d |
    (map(select(.run == "w256-memory"))[0]) as $m |
    (map(select(.run == "floor-256"))[0]) as $f |
    if ($d | not) or ($f | not) then "\nCPU budget at window 256: not run (--windows without 256)"
    elif known($d) | not then "\nCPU budget at window 256: not known (a process'"'"'s CPU time could not be read)"
    else used($d) as $u |
      "\nCPU per application at window 256 (the prefilled store), the services and rongyu-load together: \($u | round) us (\($d.rss | map("\(.service) \(.cpu_us_per_app)") | join(", ")), rongyu-load \(load($d) | round))" +
      (if $m and known($m) then "; without the disk \(used($m) | round) us" else "" end) +
      "\na quarter of the floor (0.25 x \($f.msgs_per_second) msgs/s) on \($cores) cores leaves at most \($cores * 1e6 / (0.25 * $f.msgs_per_second) * 10 | round / 10) us of CPU per application for all of them, every core busy all the time; the \($u | round) us used would allow at most \($cores * 1e6 / $u | round) verdicts/s, \(($cores * 1e6 / $u / $f.msgs_per_second) * 1000 | round / 1000) of the floor"
    end' "$MED"
# A case whose wait had to queue (rongyu-load keeps at most 1000 waits
# parked) has its verdict time late: say so for each run that had any.
jq -r --slurp 'map(select((.waits_delayed // 0) > 0) | "\(.run) \(.waits_delayed)") |
    if length > 0 then "\ncases whose wait had to queue (their verdict times are late): " + join(", ")
    else "\ncases whose wait had to queue: none" end' "$MED"
printf '\nrongyu-load'"'"'s own CPU (user + system) per run, and the wait requests it sent:\n'
jq -r 'select(.load_cpu_seconds != null) |
    "\(.run): \(.load_cpu_seconds) s of CPU over \(.verdict_seconds) s, \(if .acknowledged > 0 then (.load_cpu_seconds * 1e6 / .acknowledged | round) else 0 end) us/app; \(if .acknowledged > 0 then ((.wait_requests // 0) / .acknowledged * 1000 | round / 1000) else 0 end) wait requests per application"' "$MED"
printf '\nper application, per store (fsyncs and bytes written: the run named;\n'
printf 'bytes stored: used size / applications in intake, after the run;\n'
printf 'commit us/app, in commit: the time its service spent inside its commits\n'
printf '(writing pages, syncing), per application and as a share of the run;\n'
printf 'pages/commit, ms/commit: pages written and time inside, per commit that wrote):\n'
printf '%-12s %-13s %11s %14s %14s %10s %14s %10s %13s %10s\n' run store fsyncs/app "written B/app" \
    "stored B/app" "used MiB" "commit us/app" "in commit" "pages/commit" "ms/commit"
jq -r '. as $r | select(.stores) | .stores[] |
    [$r.run, .service, .fsyncs_per_app, .bytes_written_per_app,
     .stored_bytes_per_app, (.used_bytes / 1048576), .commit_us_per_app,
     (.commit_share * 100), .pages_per_commit, .ms_per_commit] | @tsv' "$MED" |
    awk -F'\t' '{printf "%-12s %-13s %11.3f %14.0f %14.0f %10.1f %14.1f %9.0f%% %13.1f %10.3f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
printf '\nRSS per service at the end of each run (KiB; anon max while running),\n'
printf 'and its CPU time per application over the run (user + system, then each;\n'
printf 'then its main thread'"'"'s, which applies and commits the rounds, and the time\n'
printf 'that thread was ready to run but waited for a CPU):\n'
jq -r '. as $r | select(.rss) | .rss[] |
    [$r.run, .service, .anon_kib, .file_kib, .anon_max_kib, .cpu_us_per_app,
     .user_us_per_app, .system_us_per_app, .main_us_per_app,
     .main_ready_us_per_app] | @tsv' "$MED" |
    awk -F'\t' '{printf "%-12s %-13s anon %8d  file %8d  anon max %8d  cpu %6d us/app (user %d, system %d; main thread %d, waited for a CPU %d)\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
jq -r --slurp 'map(select(.run == "disk"))[0] as $d |
    if $d then "\nthe disk (rongyu-floor --disk: fdatasync after pages of \($d.page_bytes) bytes, p50 / p90 of \($d.repeats)): " +
        ([$d.syncs[] | "\(.pages) \(.layout) \(.p50_ms) / \(.p90_ms) ms"] | join("; "))
    else "\nthe disk: not measured" end' "$MED"
printf '\nfloor runs (records of %s bytes: intake'"'"'s stored bytes per application):\n' \
    "$(jq -r 'select(.record_bytes) | .record_bytes' "$MED" | head -n 1)"
jq -r 'select(.msgs_per_second) |
    "\(.run): \(.msgs_per_second) msgs/s, ack p50/p99 \(.ack_p50_ms)/\(.ack_p99_ms) ms, commit p50/p99/slowest \(.commit_p50_ms)/\(.commit_p99_ms)/\(.commit_max_ms) ms, \(.syncs) fsyncs, \((.bytes_written / .messages) | floor) B written per message, \(.pages_per_commit) pages per commit (load \(.loadavg))"' "$MED"
if [ "$REPEAT" != 1 ]; then
    printf '\nspread over %s repetitions (min - max of each repetition'"'"'s figure):\n' "$REPEAT"
    jq -r --slurp --arg windows "$WINDOWS" '
        def range_of(f): map(f) | "\(min) - \(max)";
        # the figure f(pipeline run, other run) of each repetition
        def per_rep(a; b; f): . as $all | [.[] | select(.run == a) as $x |
            $all[] | select(.run == b and .rep == $x.rep) | [$x, .] | f];
        def ratio: .[0].verdicts_per_second / .[1].msgs_per_second * 1000 | round / 1000;
        (($windows | split(" ") | map(select(. != "")))[] as $w |
         "w\($w): verdicts/s \(map(select(.run == "w" + $w)) | range_of(.verdicts_per_second)); floor msgs/s \(map(select(.run == "floor-" + $w)) | range_of(.msgs_per_second)); pipeline/floor \(per_rep("w" + $w; "floor-" + $w; ratio) | range_of(.))"),
        (per_rep("w256"; "empty"; .[0].verdicts_per_second / .[1].verdicts_per_second * 1000 | round / 1000) |
         if length > 0 then "prefilled / empty: \(range_of(.))" else empty end),
        (per_rep("hashed"; "hashed-empty"; .[0].verdicts_per_second / .[1].verdicts_per_second * 1000 | round / 1000) |
         if length > 0 then "hashed keys, prefilled / empty: \(range_of(.))" else empty end),
        (per_rep("hashed"; "w256"; .[0].verdicts_per_second / .[1].verdicts_per_second * 1000 | round / 1000) |
         if length > 0 then "hashed / counted keys on the prefilled store: \(range_of(.))" else empty end),
        (map(select(.run == "half")) |
         if length > 0 then "at half the peak: submit -> ack p99 \(range_of(.ack_p99_ms)) ms, submit -> verdict p99 \(range_of(.verdict_p99_ms)) ms" else empty end),
        (per_rep("w256-memory"; "floor-256"; ratio) |
         if length > 0 then "without the disk, window 256: pipeline/floor \(range_of(.))" else empty end),
        (map(select(.run == "half-memory")) |
         if length > 0 then "without the disk, at half the peak: submit -> ack p99 \(range_of(.ack_p99_ms)) ms" else empty end),
        (map(select(.run == "empty")) | map(.stores[] | select(.service == "intake")) |
         "bytes stored per application in intake after the empty-store run: \(range_of(.stored_bytes_per_app))")' "$RAW"
fi
printf '\nraw (one JSON object per run):\n'
cat "$RAW"
