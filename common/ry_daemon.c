/* ry_daemon: arguments, configuration and signals of a service's main. */
#define _GNU_SOURCE /* SCHED_BATCH */
#include "ry_daemon.h"

#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>

volatile sig_atomic_t ry_daemon_stop = 0;

static void
s_on_signal(int sig)
{
    (void)sig;
    ry_daemon_stop = 1;
}

void
ry_daemon_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void
s_usage(int svc, const char *about)
{
    const char *name = ry_service_name(svc);
    printf(
        "usage: rongyu-%s [--config FILE]\n\n%s\n\n"
        "Runs in the foreground and logs to stderr; SIGTERM or SIGINT "
        "stops it cleanly.\n"
        "在前台运行，日志写到标准错误；收到 SIGTERM 或 SIGINT 时正常退出。\n\n"
        "Configuration (file: --config, $RONGYU_CONFIG or "
        "$RONGYU_HOME/rongyu.conf):\n"
        "  RONGYU_HOME               data directory (default ./var); the "
        "store is $RONGYU_HOME/%s\n"
        "  RONGYU_<SERVICE>_ENDPOINT where a service is reached "
        "(default tcp://127.0.0.1:7701..7704)\n"
        "  RONGYU_<SERVICE>_BIND     what a service binds (default: its "
        "endpoint)\n"
        "  RONGYU_MAP_SIZE           LMDB map size (default 1G; grows to "
        "RONGYU_MAX_MAP_SIZE, 16G)\n"
        "  RONGYU_<SERVICE>_ROUND_MS shortest interval between rounds "
        "(group commits), ms\n"
        "                            (default: validation 10, "
        "notification 20, others 0)\n"
        "  RONGYU_<SERVICE>_CPU      normal|batch: batch yields the CPU "
        "to intake\n"
        "                            (default: intake normal, others "
        "batch)\n"
        "  RONGYU_LOG_LEVEL          error|warn|info|debug (default "
        "info)\n"
        "See deploy/README.md for every key.\n",
        name, about, name);
}

int
ry_daemon_init(int argc, char **argv, int svc, const char *about,
               ry_config_t *cfg)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_usage(svc, about);
            return 1;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            path = argv[++i];
        } else {
            fprintf(stderr,
                    "rongyu-%s: unknown argument '%s' (try --help)\n"
                    "rongyu-%s: 无法识别的参数 '%s'（见 --help）\n",
                    ry_service_name(svc), argv[i], ry_service_name(svc),
                    argv[i]);
            return RY_ECONFIG;
        }
    }
    ry_log_init(ry_service_name(svc));
    char err[600];
    if (ry_config_load(cfg, path, err, sizeof err) != 0) {
        fprintf(stderr, "rongyu-%s: %s\nrongyu-%s: 配置错误：%s\n",
                ry_service_name(svc), err, ry_service_name(svc), err);
        return RY_ECONFIG;
    }
    /* One process per store: a second instance of the service on the
     * same home stops here, before it touches what the first uses. */
    char dir[600];
    long holder;
    int rc = ry_config_store_dir(cfg, svc, dir, sizeof dir);
    if (!rc)
        rc = ry_store_claim(dir, &holder);
    if (rc == RY_EEXIST) {
        /* The holder's pid, or "?" when it has not written it yet. */
        char pid[24] = "?";
        if (holder > 0)
            snprintf(pid, sizeof pid, "%ld", holder);
        fprintf(stderr,
                "rongyu-%s: another rongyu-%s (pid %s) runs on store %s: "
                "not started\n"
                "rongyu-%s: 另一个 rongyu-%s 进程（pid %s）正在使用存储 %s："
                "未启动\n",
                ry_service_name(svc), ry_service_name(svc), pid, dir,
                ry_service_name(svc), ry_service_name(svc), pid, dir);
        return rc;
    }
    if (rc)
        return rc;
    ry_daemon_cpu(cfg->cpu[svc]);
    ry_daemon_files();
    return 0;
}

unsigned long
ry_daemon_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    /* No hard limit: as many as the kernel's default most a process may
     * open (fs.nr_open). */
    rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit up = {.rlim_cur = want, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = want;
        else
            ry_warn(NULL, "file descriptors not raised to %lu: %s",
                    (unsigned long)want, strerror(errno));
    }
    unsigned long n =
        rl.rlim_cur == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_cur;
    ry_info(NULL,
            "file descriptors: up to %lu (the hard limit; a client "
            "connection takes one)",
            n);
    return n;
}

void
ry_daemon_cpu(int policy)
{
    if (policy != RY_CPU_BATCH)
        return;
    struct sched_param none = {.sched_priority = 0};
    if (sched_setscheduler(0, SCHED_BATCH, &none) != 0)
        ry_warn(NULL, "CPU policy batch not set (%s): runs as any process",
                strerror(errno));
    else
        ry_info(NULL, "CPU policy batch: yields the CPU to intake");
}

/* The services behind intake hear only from intake. */
static const char *const s_intake_only[] = {"intake", NULL};

int
ry_daemon_open(const ry_config_t *cfg, int svc, const char *const *tables,
               ry_on_message_fn on_message, ry_on_request_fn on_request,
               void *ctx, ry_store_t **store, ry_channel_t **channel)
{
    *store = NULL;
    *channel = NULL;
    char dir[600];
    int rc = ry_config_store_dir(cfg, svc, dir, sizeof dir);
    if (!rc)
        rc = ry_store_open(store, dir, cfg->map_size, tables);
    /* Intake's client socket admits the registered client keys (added by
     * intake); the others admit intake alone. */
    ry_keys_t *keys = NULL;
    if (!rc)
        rc = ry_keys_serve(cfg->home, ry_service_name(svc),
                           on_request ? NULL : s_intake_only, &keys);
    ry_channel_opts_t o = {
        .self_id = ry_service_name(svc),
        .store = *store,
        .max_map_size = cfg->max_map_size,
        .max_request = cfg->max_request,
        .client_queue_bytes = cfg->client_queue_bytes,
        .client_conns_per_key = cfg->client_conns_per_key,
        .round_ms = cfg->round_ms[svc],
        .on_message = on_message,
        .on_request = on_request,
        .ctx = ctx,
        .peers = on_request ? NULL : s_intake_only,
        .keys = keys,
    };
    if (!rc)
        rc = ry_channel_new(&o, channel);
    if (rc) {
        ry_channel_destroy(channel);
        ry_store_destroy(store);
        return rc;
    }
    ry_info(NULL, "%s: store %s", ry_service_name(svc), dir);
    return 0;
}

void
ry_daemon_backoff(int rc, int *backoff_ms)
{
    if (rc == 0) {
        *backoff_ms = 0;
        return;
    }
    *backoff_ms = *backoff_ms ? *backoff_ms * 2 : RY_DAEMON_BACKOFF_MIN;
    if (*backoff_ms > RY_DAEMON_BACKOFF_MAX)
        *backoff_ms = RY_DAEMON_BACKOFF_MAX;
    ry_debug(NULL, "round failed (%s): waiting %d ms", ry_strerror(rc),
             *backoff_ms);
    ry_clock_sleep_ms(*backoff_ms);
}

void
ry_daemon_loop(ry_channel_t *channel)
{
    int backoff = 0;
    while (!ry_daemon_stop)
        ry_daemon_backoff(ry_channel_run_once(channel, 200), &backoff);
    ry_info(NULL, "stopping");
}

void
ry_daemon_fault_pause(const char *point)
{
    uint64_t ms;
    if (!ry_channel_fault(point, &ms))
        return;
    if (ms > 60000)
        ms = 60000; /* a test's pause, never a hang */
    ry_warn(NULL, "fault injection: pausing %" PRIu64 " ms at %s", ms, point);
    ry_log_flush();
    ry_clock_sleep_ms((int)ms);
}

int
ry_daemon_campaigns(const ry_config_t *cfg, ry_campaigns_t **out)
{
    char err[1024] = "";
    int rc = ry_campaigns_new(out);
    struct stat st;
    if (!rc && stat(cfg->campaigns_dir, &st) == 0 &&
        (rc = ry_campaigns_load_dir(*out, cfg->campaigns_dir, err,
                                    sizeof err)) != 0)
        ry_error(NULL, "campaigns in '%s' refused: %s", cfg->campaigns_dir,
                 err);
    if (rc) {
        ry_campaigns_destroy(out);
        return RY_ECONFIG;
    }
    for (size_t i = 0; i < ry_campaigns_count(*out); i++)
        ry_info(NULL, "campaign %s loaded",
                ry_campaign_id(ry_campaigns_at(*out, i)));
    return 0;
}

static int
s_cmp_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int
s_is_csv(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 &&
           strcmp(d->d_name + n - 4, ".csv") == 0;
}

int
ry_daemon_calendar(const ry_config_t *cfg, ry_calendar_t **out)
{
    int rc = ry_calendar_new(out);
    if (rc)
        return RY_ECONFIG;
    struct dirent **names = NULL;
    int n = scandir(cfg->calendar_dir, &names, s_is_csv, s_cmp_names);
    for (int i = 0; i < n; i++) {
        char path[1100], err[600];
        snprintf(path, sizeof path, "%s/%s", cfg->calendar_dir,
                 names[i]->d_name);
        if (rc == 0 && ry_calendar_load_file(*out, path, err, sizeof err)) {
            ry_error(NULL, "calendar file refused: %s", err);
            rc = RY_ECONFIG;
        } else if (rc == 0) {
            ry_info(NULL, "calendar years loaded from %s", path);
        }
        free(names[i]);
    }
    free(names);
    if (rc)
        ry_calendar_destroy(out);
    return rc;
}
