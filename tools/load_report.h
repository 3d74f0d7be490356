/* load_report: what rongyu-load reads besides its own timings: the
 * services' store counters (intake's StatusReply), their resident memory
 * (/proc/PID/status) and CPU time (/proc/PID/stat), and the report it
 * prints from them. */
#ifndef LOAD_REPORT_H
#define LOAD_REPORT_H

#include "cli_client.h"
#include "ry_channel.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOAD_SERVICES 4

/* One service's store counters as intake's status reported them
 * (ry_channel_stats_from_pb); 'seen' false when it reported none (then
 * only s.service is set). */
typedef struct {
    bool seen;
    ry_channel_stats_t s;
} load_store_t;

typedef struct {
    load_store_t store[LOAD_SERVICES]; /* intake, validation, quota,
                                          notification */
    uint64_t outbox;                   /* intake's rows not yet acked */
    int64_t intake_at_ms;
} load_snapshot_t;

/* One service as /proc shows it: resident memory (/proc/PID/status, in
 * KiB) and CPU time (user + system, and user alone, /proc/PID/stat, in
 * seconds), and its main thread's (/proc/PID/task/PID/stat: the thread
 * that applies and commits the rounds; ZeroMQ's I/O thread has the
 * rest), with the time that thread was ready to run but waited for a
 * CPU (/proc/PID/task/PID/schedstat, its second figure). */
typedef struct {
    long pid;      /* 0: unknown */
    long anon_kib, file_kib, anon_max_kib;
    double cpu_start, cpu_end; /* at the run's start and end; < 0 unknown */
    double user_start, user_end; /* the user part of those */
    double main_start, main_end; /* the main thread's user + system */
    double ready_start, ready_end; /* its time ready but not running */
} load_proc_t;

/* Waits (at most 'seconds') until intake's outbox is empty and every
 * peer's counters (all three) were taken after that, and fills *out with
 * the last status. Asks every 50 ms; each status request brings intake's
 * next pings forward (ry_channel_hello_soon), so the peers' counters come
 * within about 100 ms. Returns 0, RY_ETIMEOUT with *out as it last was, or
 * RY_EPERM at once when intake refuses the key. */
int load_snapshot_settled(cli_client_t *cl, int seconds,
                          load_snapshot_t *out);

/* Finds each service's pid: 'pids' may name them ("intake=123", from
 * --pid), else $home/<service>.pid (deploy/up.sh writes those). */
void load_proc_init(load_proc_t rss[LOAD_SERVICES], const char *home,
                    char **pids, int npids);

/* Reads each known service's RSS now and keeps the largest anonymous
 * figure seen. */
void load_proc_sample(load_proc_t rss[LOAD_SERVICES]);

/* Reads each known service's CPU time, and its main thread's CPU time
 * and time ready to run, into the *_start fields (start: true) or the
 * *_end fields. */
void load_proc_cpu(load_proc_t rss[LOAD_SERVICES], bool start);

/* The run's figures, filled by rongyu-load. */
typedef struct {
    int submitted, acked, failed, judged, window;
    int waits_delayed; /* cases whose wait queued behind the cap */
    int wait_requests; /* WaitRequests sent, each send counted */
    int connections; /* DEALER connections the requests went over */
    bool hashed_keys; /* --keys hashed: SHA-256 idempotency keys */
    double rate;     /* --rate: submissions per second; 0: as fast as the
                        window allows */
    double ack_seconds, verdict_seconds;
    double cpu_seconds; /* rongyu-load's own user + system time */
    int64_t ack_p50, ack_p99, verdict_p50, verdict_p99;
} load_figures_t;

/* Prints the figures, the counters' growth from 'before' to 'after' per
 * acknowledged application, bytes stored per application (used size /
 * intake's cases), the RSS and each service's CPU time per acknowledged
 * application, as text or as one JSON object. */
void load_report_print(FILE *out, bool json, const load_figures_t *f,
                       const load_snapshot_t *before,
                       const load_snapshot_t *after,
                       const load_proc_t rss[LOAD_SERVICES]);

#endif
