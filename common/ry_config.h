/* ry_config: endpoints, data directory and map size, from a file with
 * environment overrides. */
#ifndef RY_CONFIG_H
#define RY_CONFIG_H

#include <stddef.h>

/* The four services, in start order. */
enum { RY_SVC_INTAKE, RY_SVC_VALIDATION, RY_SVC_QUOTA, RY_SVC_NOTIFICATION,
       RY_SVC_COUNT };

typedef struct {
    char home[512];                       /* data directory */
    char endpoint[RY_SVC_COUNT][256];     /* where peers/clients connect */
    char bind[RY_SVC_COUNT][256];         /* what each service binds */
    size_t map_size;                      /* LMDB map size, bytes */
    size_t max_map_size;                  /* growth limit, bytes */
    size_t max_request;                   /* client frame cap, bytes */
    size_t max_attachment;                /* one attachment, bytes */
    size_t client_queue_bytes;            /* one client connection's queue
                                             in ZeroMQ, bytes */
    unsigned client_conns_per_key;        /* client connections one key
                                             may have served (0: no
                                             bound) */
    unsigned outbox_limit;                /* back-pressure bound, rows */
    unsigned round_ms[RY_SVC_COUNT];      /* each service's shortest
                                             interval between rounds
                                             (ry_channel_opts_t) */
    int cpu[RY_SVC_COUNT];                /* each service's CPU policy:
                                             RY_CPU_NORMAL or RY_CPU_BATCH */
    char campaigns_dir[512];              /* extra campaign files */
    char calendar_dir[512];               /* extra calendar years (CSV) */
    char source[512];                     /* file read, or "" */
} ry_config_t;

/* How the kernel schedules a service's threads: as any process, or as
 * a batch one (SCHED_BATCH), which does not preempt a thread that runs
 * when it wakes: for a service no client waits on, so that intake's
 * thread, on which every acknowledgement waits, gets a CPU first. */
enum { RY_CPU_NORMAL, RY_CPU_BATCH };

/* "intake", "validation", ... */
const char *ry_service_name(int svc);
/* Returns the RY_SVC_* index of a name, or -1. */
int ry_service_index(const char *name);

/* Fills 'cfg' with defaults, then the file (path, or $RONGYU_CONFIG, or
 * $RONGYU_HOME/rongyu.conf when it exists), then the environment
 * (RONGYU_HOME, RONGYU_<SERVICE>_ENDPOINT, RONGYU_<SERVICE>_BIND,
 * RONGYU_<SERVICE>_ROUND_MS, RONGYU_<SERVICE>_CPU,
 * RONGYU_MAP_SIZE, RONGYU_MAX_MAP_SIZE, RONGYU_MAX_REQUEST,
 * RONGYU_MAX_ATTACHMENT, RONGYU_CLIENT_QUEUE_BYTES,
 * RONGYU_CLIENT_CONNECTIONS_PER_KEY, RONGYU_OUTBOX_LIMIT,
 * RONGYU_CAMPAIGNS_DIR, RONGYU_CALENDAR_DIR). On error writes a message naming
 * the file, line and key to 'err' and returns RY_ECONFIG. */
int ry_config_load(ry_config_t *cfg, const char *path, char *err,
                   size_t errlen);

/* Writes "<home>/<service>" to out. Returns 0 or RY_ECONFIG if too long. */
int ry_config_store_dir(const ry_config_t *cfg, int svc, char *out,
                        size_t len);

#endif
