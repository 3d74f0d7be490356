/* ry_daemon: what every service's main shares: arguments, configuration,
 * signals and the store's directory. */
#ifndef RY_DAEMON_H
#define RY_DAEMON_H

#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_config.h"
#include "ry_store.h"

#include <signal.h>

/* Set by SIGTERM or SIGINT once ry_daemon_signals has run. */
extern volatile sig_atomic_t ry_daemon_stop;

/* Parses "--config FILE" and "--help" for service 'svc', loads the
 * configuration into 'cfg', starts logging, claims the service's store
 * (ry_store_claim) and sets the service's CPU policy (ry_daemon_cpu),
 * before any thread is made, so that every thread of the service has it.
 * Returns 0 to run, 1 when help was printed (exit 0), RY_ECONFIG after
 * printing why, RY_EEXIST after printing that another process of the
 * service runs on the same store, or RY_EIO (exit 2 for each). */
int ry_daemon_init(int argc, char **argv, int svc, const char *about,
                   ry_config_t *cfg);

/* Puts the calling thread, and the threads it makes afterwards, under
 * 'policy' (RY_CPU_NORMAL: left alone; RY_CPU_BATCH: SCHED_BATCH, which
 * any process may choose). A refusal is logged, not fatal. */
void ry_daemon_cpu(int policy);

/* Raises the process's soft limit on file descriptors to its hard limit
 * (2^20 when there is none): each client connection holds one, and a
 * shell's soft limit (often 1024) would refuse connections long before
 * the machine must. Called by ry_daemon_init. Returns the limit now (0
 * when it cannot be read). */
unsigned long ry_daemon_files(void);

/* Installs the SIGTERM/SIGINT handlers and ignores SIGPIPE. */
void ry_daemon_signals(void);

/* Opens service svc's store under cfg->home with 'tables' (NULL-ended, the
 * channel's included), starts its ZAP handler (ry_keys_serve) and creates
 * its channel with the handlers, unbound: the service binds it
 * (ry_channel_bind_clients or _peers, at cfg->bind[svc]) once it can
 * answer, intake only after listing the client keys its ZAP handler
 * admits, so that no client that reconnects meets an empty list. On
 * failure nothing is left open. Returns 0, RY_EIO or RY_ENET; *store and
 * *channel are the caller's. */
int ry_daemon_open(const ry_config_t *cfg, int svc, const char *const *tables,
                   ry_on_message_fn on_message, ry_on_request_fn on_request,
                   void *ctx, ry_store_t **store, ry_channel_t **channel);

/* For tests: when RONGYU_FAULT is "<point>:<ms>" (ry_channel_fault),
 * logs it and sleeps ms milliseconds (at most a minute), so that a test
 * can hold a service at that point of its start (intake's "keys_pause":
 * before it lists the keys its ZAP handler admits, its client socket
 * still unbound). Otherwise does nothing. */
void ry_daemon_fault_pause(const char *point);

/* Creates the campaign registry: the default campaign plus every file in
 * cfg->campaigns_dir when that directory exists. A bad file is logged with
 * its file, field and reason. Returns 0 or RY_ECONFIG; *out is the
 * caller's. */
int ry_daemon_campaigns(const ry_config_t *cfg, ry_campaigns_t **out);

/* Creates the working-day calendar: the built-in years plus every *.csv
 * in cfg->calendar_dir (date,kind,name; kind off|work), in name order, when
 * that directory exists. A bad file is logged with its file, line and
 * reason. Returns 0 or RY_ECONFIG; *out is the caller's. */
int ry_daemon_calendar(const ry_config_t *cfg, ry_calendar_t **out);

/* After a round that returned rc: when rc is an error (the store failed,
 * a socket failed), sleeps *backoff_ms, doubled each time from
 * RY_DAEMON_BACKOFF_MIN up to RY_DAEMON_BACKOFF_MAX, so a persistent
 * error does not spin; a round that worked resets it. */
#define RY_DAEMON_BACKOFF_MIN 20
#define RY_DAEMON_BACKOFF_MAX 1000
void ry_daemon_backoff(int rc, int *backoff_ms);

/* Runs the channel until SIGTERM or SIGINT, backing off after failed
 * rounds. */
void ry_daemon_loop(ry_channel_t *channel);

#endif
