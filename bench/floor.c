/* rongyu-floor: the floor under the pipeline's throughput. One hop, a
 * ZeroMQ DEALER to a ROUTER over tcp loopback (CURVE, as every rongyu
 * socket), where the ROUTER's thread stores each message as one record
 * under an ordered key in LMDB through ry_store (group commit: what
 * waits is put in one transaction, committed with the environment's
 * default sync) and acknowledges each after the commit. Prints msgs/s,
 * the acks' latencies and how long the commits took (the slowest say
 * what the disk's own stalls add to any latency here). With --disk, the
 * disk under it instead: how long a sync takes after pages written at
 * scattered places or in one run. A benchmark: it asserts nothing about
 * speed. */
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_BATCH 1024 /* messages per group commit, as ry_channel's default */
#define S_MAX_COMMITS (1 << 20) /* commit times kept for the percentiles */

typedef struct {
    void *ctx;
    char endpoint[256];
    char server_public[41], server_secret[41];
    const char *dir;
    size_t map_size;
    int rc;
    ry_store_stats_t stats;
    int64_t *commit_us; /* each commit's duration, S_MAX_COMMITS at most */
    int ncommits;
    pthread_mutex_t mu;
    pthread_cond_t bound;
    bool ready;
} s_floor_t;

static void
s_usage(void)
{
    printf(
        "用法 Usage: rongyu-floor [-n N] [-w W] [--rate R] [--size BYTES]\n"
        "                    [--dir DIR] [--plain] [--json]\n"
        "       rongyu-floor --disk [--dir DIR] [--json]\n"
        "\n"
        "  本项目自己的下限：一跳 ZeroMQ DEALER -> ROUTER（tcp 回环，CURVE），\n"
        "  ROUTER 端把每条消息作为一条有序键记录写入 LMDB（成组提交，默认同步\n"
        "  即 fsync），提交后才确认。打印每秒消息数。\n"
        "  The project's own floor: one hop, ZeroMQ DEALER -> ROUTER over tcp\n"
        "  loopback (CURVE), where the ROUTER side stores each message as one\n"
        "  record under an ordered key in LMDB (group commit, the default\n"
        "  sync: fsync), and acknowledges it after the commit. Prints msgs/s,\n"
        "  the acks' p50/p99 and the commits' p50/p99/slowest (the disk's\n"
        "  stalls). 打印每秒消息数、确认延迟与提交耗时（含最慢一次）。\n"
        "\n"
        "  -n N          messages (default 20000)\n"
        "  -w W          messages in flight (default 256)\n"
        "  --rate R      send R messages per second on a fixed schedule\n"
        "                (message i at i / R s), W still capping what is in\n"
        "                flight; latencies count from each one's scheduled\n"
        "                time, as rongyu-load --rate (default: as fast as W\n"
        "                allows) 按固定速率发送\n"
        "  --size BYTES  bytes per message and per record (default 4096;\n"
        "                bench/run.sh passes the bytes a stored case takes)\n"
        "  --dir DIR     the LMDB directory (default: a new one under\n"
        "                $TMPDIR or /tmp, removed at the end)\n"
        "  --plain       no CURVE\n"
        "  --json        one JSON object for scripts\n"
        "  --disk        measure the disk instead: in a 64 MiB file written\n"
        "                in 256 KiB runs (as LMDB grows its file) and\n"
        "                synced, write K pages (1, 16, 64, 128) at scattered\n"
        "                places, then fdatasync, 50 times each; then 128\n"
        "                pages in one run. Prints each sync's p50 and p90:\n"
        "                what a commit of K pages costs on this disk, where\n"
        "                LMDB reuses freed pages wherever they lie.\n"
        "                测量磁盘：在 64 MiB 文件中分散写入 K 页（或连续写入\n"
        "                128 页）后 fdatasync 的耗时（p50、p90）。\n");
}

/* --------------------------------------------------------------- disk */

#define S_DISK_FILE (64u << 20)
#define S_DISK_RUN (256u << 10)
#define S_DISK_REPEATS 50

typedef struct {
    int pages;
    bool scattered;
    double p50_ms, p90_ms;
} s_sync_cost_t;

static uint64_t
s_next_rand(uint64_t *x)
{
    /* xorshift64: a fixed sequence, so that runs are comparable */
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int s_cmp(const void *a, const void *b);

/* One measurement: S_DISK_REPEATS times, c->pages pages written (each at
 * a page of its own, distinct, or in one run at a random place), then
 * fdatasync, timed from the first write to the sync's return. */
static int
s_sync_cost(int fd, const uint8_t *buf, size_t page, uint64_t *seed,
            s_sync_cost_t *c)
{
    int64_t us[S_DISK_REPEATS];
    size_t npages = S_DISK_FILE / page;
    for (int r = 0; r < S_DISK_REPEATS; r++) {
        uint64_t at[128];
        int n = c->pages;
        for (int i = 0; c->scattered && i < n; i++) {
            bool again;
            do {
                at[i] = s_next_rand(seed) % npages;
                again = false;
                for (int j = 0; j < i; j++)
                    again |= at[j] == at[i];
            } while (again);
        }
        uint64_t start = s_next_rand(seed) % (npages - (size_t)n);
        int64_t t0 = ry_clock_mono_us();
        if (c->scattered) {
            for (int i = 0; i < n; i++)
                if (pwrite(fd, buf, page, (off_t)(at[i] * page)) !=
                    (ssize_t)page)
                    return -1;
        } else if (pwrite(fd, buf, page * (size_t)n, (off_t)(start * page)) !=
                   (ssize_t)(page * (size_t)n)) {
            return -1;
        }
        if (fdatasync(fd) != 0)
            return -1;
        us[r] = ry_clock_mono_us() - t0;
    }
    qsort(us, S_DISK_REPEATS, sizeof *us, s_cmp);
    c->p50_ms = us[S_DISK_REPEATS / 2] / 1000.0;
    c->p90_ms = us[S_DISK_REPEATS * 9 / 10] / 1000.0;
    return 0;
}

/* --disk: the file in dir, the measurements, the file removed. */
static int
s_disk(const char *dir, bool json)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;
    char path[1100];
    snprintf(path, sizeof path, "%s/disk.test", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fprintf(stderr, "rongyu-floor: 无法创建 cannot create %s: %s\n", path,
                strerror(errno));
        return 1;
    }
    uint8_t *buf = malloc(S_DISK_RUN);
    if (!buf)
        abort();
    for (size_t i = 0; i < S_DISK_RUN; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    int rc = 0;
    for (size_t off = 0; !rc && off < S_DISK_FILE; off += S_DISK_RUN)
        if (pwrite(fd, buf, S_DISK_RUN, (off_t)off) != (ssize_t)S_DISK_RUN)
            rc = -1;
    if (!rc)
        rc = fsync(fd);
    s_sync_cost_t c[] = {{1, true, 0, 0},
                         {16, true, 0, 0},
                         {64, true, 0, 0},
                         {128, true, 0, 0},
                         {128, false, 0, 0}};
    int nc = (int)(sizeof c / sizeof c[0]);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int i = 0; !rc && i < nc; i++)
        rc = s_sync_cost(fd, buf, page, &seed, &c[i]);
    int err = errno; /* of the write or sync that failed */
    close(fd);
    unlink(path);
    free(buf);
    if (rc) {
        fprintf(stderr,
                "rongyu-floor: 写入或同步失败 writing or syncing %s failed: "
                "%s\n",
                path, strerror(err));
        return 1;
    }
    if (json) {
        printf("{\"disk\":true,\"page_bytes\":%zu,\"file_bytes\":%u,"
               "\"repeats\":%d,\"syncs\":[",
               page, S_DISK_FILE, S_DISK_REPEATS);
        for (int i = 0; i < nc; i++)
            printf("%s{\"pages\":%d,\"layout\":\"%s\",\"p50_ms\":%.3f,"
                   "\"p90_ms\":%.3f}",
                   i ? "," : "", c[i].pages,
                   c[i].scattered ? "scattered" : "contiguous", c[i].p50_ms,
                   c[i].p90_ms);
        printf("]}\n");
        return 0;
    }
    printf("磁盘 disk: fdatasync after pages of %zu bytes written in a %u MiB "
           "file (%d times each):\n",
           page, S_DISK_FILE >> 20, S_DISK_REPEATS);
    for (int i = 0; i < nc; i++)
        printf("  %3d %-10s p50 %7.3f ms, p90 %7.3f ms\n", c[i].pages,
               c[i].scattered ? "scattered" : "contiguous", c[i].p50_ms,
               c[i].p90_ms);
    return 0;
}

/* The ROUTER side: binds, then stores and acknowledges until a message of
 * zero bytes comes. */
static void *
s_server(void *arg)
{
    s_floor_t *F = arg;
    ry_store_t *store = NULL;
    static const char *const tables[] = {"records", NULL};
    void *sock = zmq_socket(F->ctx, ZMQ_ROUTER);
    int zero = 0, one = 1, hwm = 100000;
    size_t elen = sizeof F->endpoint;
    int rc = sock ? 0 : RY_ENET;
    if (!rc && (zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) ||
                zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
                zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm)))
        rc = RY_ENET;
    if (!rc && F->server_secret[0] &&
        (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
         zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, F->server_secret, 40)))
        rc = RY_ENET;
    if (!rc && (zmq_bind(sock, "tcp://127.0.0.1:*") ||
                zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, F->endpoint, &elen)))
        rc = RY_ENET;
    if (!rc)
        rc = ry_store_open(&store, F->dir, F->map_size, tables);
    pthread_mutex_lock(&F->mu);
    F->rc = rc;
    F->ready = true;
    pthread_cond_signal(&F->bound);
    pthread_mutex_unlock(&F->mu);

    static zmq_msg_t ids[S_BATCH], bodies[S_BATCH];
    uint64_t seq = 0;
    bool stop = false;
    while (!rc && !stop) {
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, -1) < 0) {
            rc = RY_ENET;
            break;
        }
        int n = 0;
        while (n < S_BATCH) {
            zmq_msg_init(&ids[n]);
            zmq_msg_init(&bodies[n]);
            if (zmq_msg_recv(&ids[n], sock, ZMQ_DONTWAIT) < 0 ||
                zmq_msg_recv(&bodies[n], sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&ids[n]);
                zmq_msg_close(&bodies[n]);
                break;
            }
            if (zmq_msg_size(&bodies[n]) < 8)
                stop = true;
            n++;
        }
        ry_txn_t *txn = NULL;
        rc = ry_txn_begin(store, NULL, true, &txn);
        for (int i = 0; !rc && i < n; i++) {
            if (zmq_msg_size(&bodies[i]) < 8)
                continue;
            uint8_t key[8];
            ry_be64_put(key, ++seq);
            rc = ry_txn_put(txn, "records", key, sizeof key,
                            zmq_msg_data(&bodies[i]), zmq_msg_size(&bodies[i]),
                            RY_PUT_APPEND);
        }
        if (!rc) {
            int64_t c0 = ry_clock_mono_us();
            rc = ry_txn_commit(&txn);
            if (F->ncommits < S_MAX_COMMITS)
                F->commit_us[F->ncommits++] = ry_clock_mono_us() - c0;
        }
        ry_txn_abort(&txn);
        /* Acknowledged only now: each ack names the client's message. */
        for (int i = 0; i < n; i++) {
            if (!rc && zmq_msg_size(&bodies[i]) >= 8) {
                zmq_msg_send(&ids[i], sock, ZMQ_SNDMORE);
                zmq_send(sock, zmq_msg_data(&bodies[i]), 8, 0);
            }
            zmq_msg_close(&ids[i]);
            zmq_msg_close(&bodies[i]);
        }
    }
    if (store)
        ry_store_stats(store, &F->stats);
    ry_store_destroy(&store);
    if (sock)
        zmq_close(sock);
    F->rc = rc;
    return NULL;
}

static int
s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Removes the LMDB files of 'dir' and the directory. */
static void
s_remove(const char *dir)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/data.mdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/lock.mdb", dir);
    unlink(p);
    rmdir(dir);
}

/* When message i is due: i / rate seconds after t0 with --rate, else
 * now (as fast as the window allows). */
static int64_t
s_due(int64_t t0, int i, double rate, int64_t now)
{
    return rate > 0 ? t0 + (int64_t)(i * 1000.0 / rate) : now;
}

int
main(int argc, char **argv)
{
    int n = 20000, window = 256;
    double rate = 0;
    long size = 4096;
    const char *dir = NULL;
    bool plain = false, json = false, disk = false;
    const char *hop_opt = NULL; /* an option of the hop, not of --disk */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            s_usage();
            return 0;
        } else if (!strcmp(a, "-n") && more) {
            n = atoi(argv[++i]);
            hop_opt = a;
        } else if (!strcmp(a, "-w") && more) {
            window = atoi(argv[++i]);
            hop_opt = a;
        } else if (!strcmp(a, "--rate") && more) {
            char *end;
            rate = strtod(argv[++i], &end);
            hop_opt = a;
            if (*end || !(rate > 0))
                rate = -1; /* refused below */
        } else if (!strcmp(a, "--size") && more) {
            size = atol(argv[++i]);
            hop_opt = a;
        } else if (!strcmp(a, "--dir") && more) {
            dir = argv[++i];
        } else if (!strcmp(a, "--plain")) {
            plain = true;
            hop_opt = a;
        } else if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--disk")) {
            disk = true;
        } else {
            fprintf(stderr,
                    "rongyu-floor: 未知参数 unknown argument '%s' (--help)\n",
                    a);
            return 2;
        }
    }
    if (disk && hop_opt) {
        fprintf(stderr,
                "rongyu-floor: --disk 只接受 --dir 与 --json；"
                "--disk takes only --dir and --json, not %s\n",
                hop_opt);
        return 2;
    }
    if (n <= 0 || window <= 0 || size < 8 || size > (64L << 20) ||
        !(rate >= 0) || rate > 1e7) {
        fprintf(stderr, "rongyu-floor: 需要 need N > 0, W > 0, "
                        "0 < R <= 10000000, 8 <= BYTES <= 64 MiB\n");
        return 2;
    }
    char tmp[600];
    bool made = false;
    if (!dir) {
        const char *t = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/rongyu-floor.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmp)) {
            perror("rongyu-floor: mkdtemp");
            return 1;
        }
        dir = tmp;
        made = true;
    }
    if (disk) {
        int drc = s_disk(dir, json);
        if (made)
            rmdir(dir);
        return drc;
    }
    s_floor_t F = {.dir = dir, .ctx = zmq_ctx_new()};
    F.commit_us = calloc(S_MAX_COMMITS, sizeof *F.commit_us);
    if (!F.commit_us)
        abort();
    /* Room for every record and LMDB's own pages, with a margin. */
    F.map_size = (size_t)n * ((size_t)size + 64) * 2 + (64u << 20);
    pthread_mutex_init(&F.mu, NULL);
    pthread_cond_init(&F.bound, NULL);
    char cpub[41] = "", csec[41] = "";
    if (!plain && (zmq_curve_keypair(F.server_public, F.server_secret) ||
                   zmq_curve_keypair(cpub, csec))) {
        fprintf(stderr, "rongyu-floor: no CURVE in this libzmq (--plain)\n");
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, s_server, &F);
    pthread_mutex_lock(&F.mu);
    while (!F.ready)
        pthread_cond_wait(&F.bound, &F.mu);
    pthread_mutex_unlock(&F.mu);
    if (F.rc) {
        fprintf(stderr, "rongyu-floor: cannot start the server: %s\n",
                ry_strerror(F.rc));
        return 1;
    }

    void *sock = zmq_socket(F.ctx, ZMQ_DEALER);
    int zero = 0, hwm = 100000;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (!plain && (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, F.server_public,
                                  40) ||
                   zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, cpub, 40) ||
                   zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, csec, 40))) {
        fprintf(stderr, "rongyu-floor: cannot set the CURVE keys\n");
        return 1;
    }
    if (zmq_connect(sock, F.endpoint) != 0) {
        fprintf(stderr, "rongyu-floor: cannot connect to %s\n", F.endpoint);
        return 1;
    }
    uint8_t *msg = calloc(1, (size_t)size);
    int64_t *sent_at = calloc((size_t)n, sizeof *sent_at);
    int64_t *lat = calloc((size_t)n, sizeof *lat);
    if (!msg || !sent_at || !lat)
        abort();
    for (long i = 8; i < size; i++)
        msg[i] = (uint8_t)(i * 131 + 7); /* not all zero bytes */
    int sent = 0, acked = 0;
    int64_t t0 = ry_clock_mono_ms();
    while (acked < n) {
        int64_t now = ry_clock_mono_ms();
        while (sent < n && sent - acked < window &&
               s_due(t0, sent, rate, now) <= now) {
            ry_be64_put(msg, (uint64_t)sent);
            sent_at[sent] = s_due(t0, sent, rate, now);
            if (zmq_send(sock, msg, (size_t)size, 0) < 0) {
                fprintf(stderr, "rongyu-floor: send failed\n");
                return 1;
            }
            sent++;
        }
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        /* Waits for an ack, or until the next message is due (with room
         * in the window, only a schedule holds it back). */
        bool due = sent < n && sent - acked < window;
        int wait = due ? (int)(s_due(t0, sent, rate, now) - now) : 30000;
        int ready = zmq_poll(&it, 1, wait);
        if (ready < 0 || (ready == 0 && !due)) {
            fprintf(stderr, "rongyu-floor: no ack for 30 s (%d of %d)\n",
                    acked, n);
            return 1;
        }
        uint8_t ack[8];
        while (zmq_recv(sock, ack, sizeof ack, ZMQ_DONTWAIT) == 8) {
            uint64_t i = ry_be64_get(ack);
            if (i < (uint64_t)n)
                lat[acked] = ry_clock_mono_ms() - sent_at[i];
            acked++;
        }
    }
    int64_t ms = ry_clock_mono_ms() - t0;
    zmq_send(sock, "", 0, 0); /* the server stops */
    pthread_join(th, NULL);
    zmq_close(sock);
    zmq_ctx_term(F.ctx);
    if (made)
        s_remove(dir);
    qsort(lat, (size_t)n, sizeof *lat, s_cmp);
    int nc = F.ncommits ? F.ncommits : 1; /* commit_us is zeroed */
    qsort(F.commit_us, (size_t)nc, sizeof *F.commit_us, s_cmp);
    double c50 = F.commit_us[nc / 2] / 1000.0,
           c99 = F.commit_us[(int64_t)nc * 99 / 100] / 1000.0,
           cmax = F.commit_us[nc - 1] / 1000.0;
    double secs = ms > 0 ? ms / 1000.0 : 0.001;
    double got = n / secs;
    const ry_store_stats_t *s = &F.stats;
    double pages_per_commit = 0; /* per commit that wrote */
    if (s->syncs && s->page_size)
        pages_per_commit =
            (double)s->bytes_written / (double)s->syncs / (double)s->page_size;
    if (json)
        printf("{\"messages\":%d,\"window\":%d,\"rate\":%g,"
               "\"record_bytes\":%ld,"
               "\"curve\":%s,\"seconds\":%.3f,\"msgs_per_second\":%.1f,"
               "\"ack_p50_ms\":%" PRId64 ",\"ack_p99_ms\":%" PRId64 ","
               "\"commit_p50_ms\":%.1f,\"commit_p99_ms\":%.1f,"
               "\"commit_max_ms\":%.1f,"
               "\"commits\":%" PRIu64 ",\"syncs\":%" PRIu64
               ",\"bytes_written\":%" PRIu64 ",\"bytes_known\":%s,"
               "\"used_bytes\":%" PRIu64 ",\"pages_per_commit\":%.1f}\n",
               n, window, rate, size, plain ? "false" : "true", secs, got,
               lat[n / 2], lat[n * 99 / 100], c50, c99, cmax, s->commits,
               s->syncs, s->bytes_written, s->bytes_known ? "true" : "false",
               s->used_bytes, pages_per_commit);
    else
        printf("floor: %d messages of %ld bytes, %d in flight, %s: "
               "%.1f msgs/s (%.2f s)\n"
               "  ack p50 %" PRId64 " ms, p99 %" PRId64 " ms; "
               "commit p50 %.1f ms, p99 %.1f ms, slowest %.1f ms\n"
               "  %" PRIu64 " commits, %" PRIu64 " syncs (%.3f per message), "
               "%.0f bytes written per message, %.1f pages per commit%s\n",
               n, size, window, plain ? "plain" : "CURVE", got, secs,
               lat[n / 2], lat[n * 99 / 100], c50, c99, cmax, s->commits,
               s->syncs, (double)s->syncs / n, (double)s->bytes_written / n,
               pages_per_commit,
               s->bytes_known ? "" : " (unknown: no /proc/thread-self/io)");
    free(msg);
    free(sent_at);
    free(lat);
    free(F.commit_us);
    return F.rc ? 1 : 0;
}
