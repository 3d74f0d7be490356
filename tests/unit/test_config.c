/* Tests of ry_config: defaults, the file, environment overrides and the
 * errors that name the file and line. Every test runs in its own mkdtemp()
 * directory (also the working directory, so the default home "./var" is
 * empty) with the RONGYU_* variables cleared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_channel.h"
#include "ry_config.h"
#include "ry_error.h"
#include "ut_util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_vars[] = {"RONGYU_HOME",
                                     "RONGYU_CONFIG",
                                     "RONGYU_MAP_SIZE",
                                     "RONGYU_MAX_MAP_SIZE",
                                     "RONGYU_MAX_REQUEST",
                                     "RONGYU_MAX_ATTACHMENT",
                                     "RONGYU_CLIENT_QUEUE_BYTES",
                                     "RONGYU_OUTBOX_LIMIT",
                                     "RONGYU_CAMPAIGNS_DIR",
                                     "RONGYU_INTAKE_ENDPOINT",
                                     "RONGYU_INTAKE_BIND",
                                     "RONGYU_VALIDATION_ENDPOINT",
                                     "RONGYU_VALIDATION_BIND",
                                     "RONGYU_QUOTA_ENDPOINT",
                                     "RONGYU_QUOTA_BIND",
                                     "RONGYU_NOTIFICATION_ENDPOINT",
                                     "RONGYU_NOTIFICATION_BIND",
                                     "RONGYU_INTAKE_ROUND_MS",
                                     "RONGYU_VALIDATION_ROUND_MS",
                                     "RONGYU_QUOTA_ROUND_MS",
                                     "RONGYU_NOTIFICATION_ROUND_MS",
                                     "RONGYU_INTAKE_CPU",
                                     "RONGYU_VALIDATION_CPU",
                                     "RONGYU_QUOTA_CPU",
                                     "RONGYU_NOTIFICATION_CPU",
                                     "RONGYU_CLIENT_CONNECTIONS_PER_KEY",
                                     NULL};

typedef struct {
    char dir[256];
    char cwd[PATH_MAX];
    char conf[320];
    ry_config_t cfg;
    char err[512];
} fx_t;

static void
s_clear_env(void)
{
    for (int i = 0; s_vars[i]; i++)
        unsetenv(s_vars[i]);
}

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "config"), 0);
    assert_non_null(getcwd(fx->cwd, sizeof fx->cwd));
    assert_int_equal(chdir(fx->dir), 0);
    snprintf(fx->conf, sizeof fx->conf, "%s/test.conf", fx->dir);
    s_clear_env();
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    s_clear_env();
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

static int
s_load(fx_t *fx, const char *path)
{
    return ry_config_load(&fx->cfg, path, fx->err, sizeof fx->err);
}

static int
s_load_text(fx_t *fx, const char *text)
{
    assert_int_equal(ut_write_file(fx->conf, text), 0);
    return s_load(fx, fx->conf);
}

/* ------------------------------------------------------------ defaults */

static void
test_defaults_without_file_or_environment(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load(fx, NULL), 0);
    const ry_config_t *c = &fx->cfg;
    assert_string_equal(c->home, "./var");
    assert_string_equal(c->endpoint[RY_SVC_INTAKE], "tcp://127.0.0.1:7701");
    assert_string_equal(c->endpoint[RY_SVC_VALIDATION], "tcp://127.0.0.1:7702");
    assert_string_equal(c->endpoint[RY_SVC_QUOTA], "tcp://127.0.0.1:7703");
    assert_string_equal(c->endpoint[RY_SVC_NOTIFICATION],
                        "tcp://127.0.0.1:7704");
    for (int i = 0; i < RY_SVC_COUNT; i++)
        assert_string_equal(c->bind[i], c->endpoint[i]);
    assert_true(c->map_size == (size_t)1 << 30);
    assert_true(c->max_map_size == (size_t)16 << 30);
    assert_true(c->max_request == (size_t)1 << 20);
    assert_true(c->max_attachment == (size_t)32 << 20);
    assert_true(c->client_queue_bytes == (size_t)256 << 20);
    assert_int_equal(c->client_conns_per_key, 32);
    assert_int_equal(c->outbox_limit, 100000);
    /* Only the services no client waits on space their rounds. */
    assert_int_equal(c->round_ms[RY_SVC_INTAKE], 0);
    assert_int_equal(c->round_ms[RY_SVC_VALIDATION], 10);
    assert_int_equal(c->round_ms[RY_SVC_QUOTA], 0);
    assert_int_equal(c->round_ms[RY_SVC_NOTIFICATION], 20);
    /* And only intake, on which clients wait, preempts on waking. */
    assert_int_equal(c->cpu[RY_SVC_INTAKE], RY_CPU_NORMAL);
    assert_int_equal(c->cpu[RY_SVC_VALIDATION], RY_CPU_BATCH);
    assert_int_equal(c->cpu[RY_SVC_QUOTA], RY_CPU_BATCH);
    assert_int_equal(c->cpu[RY_SVC_NOTIFICATION], RY_CPU_BATCH);
    assert_string_equal(c->campaigns_dir, "./var/campaigns");
    assert_string_equal(c->source, "");

    char dir[600];
    assert_int_equal(ry_config_store_dir(c, RY_SVC_QUOTA, dir, sizeof dir), 0);
    assert_string_equal(dir, "./var/quota");
    char tiny[8];
    assert_int_equal(
        ry_config_store_dir(c, RY_SVC_NOTIFICATION, tiny, sizeof tiny),
        RY_ECONFIG);
}

static void
test_service_names_and_indexes_match(void **state)
{
    (void)state;
    const char *names[] = {"intake", "validation", "quota", "notification"};
    for (int i = 0; i < RY_SVC_COUNT; i++) {
        assert_string_equal(ry_service_name(i), names[i]);
        assert_int_equal(ry_service_index(names[i]), i);
    }
    assert_int_equal(ry_service_index("billing"), -1);
    assert_string_equal(ry_service_name(RY_SVC_COUNT), "?");
    assert_string_equal(ry_service_name(-1), "?");
}

/* ------------------------------------------------------------ file */

static void
test_file_keys_are_applied(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "# rongyu test\n"
                                     "\n"
                                     "home = /srv/rongyu   # data\n"
                                     "  intake_endpoint=tcp://10.0.0.1:9001\n"
                                     "quota_bind = tcp://*:9003\n"
                                     "map_size = 2G\n"
                                     "max_map_size = 4G\n"
                                     "max_request = 512K\n"
                                     "max_attachment = 8M\n"
                                     "client_queue_bytes = 64M\n"
                                     "client_connections_per_key = 0\n"
                                     "outbox_limit = 500\n"
                                     "campaigns_dir = /etc/rongyu/campaigns\n"),
                     0);
    const ry_config_t *c = &fx->cfg;
    assert_string_equal(c->home, "/srv/rongyu");
    assert_string_equal(c->endpoint[RY_SVC_INTAKE], "tcp://10.0.0.1:9001");
    /* No bind given: the service binds where peers connect. */
    assert_string_equal(c->bind[RY_SVC_INTAKE], "tcp://10.0.0.1:9001");
    assert_string_equal(c->bind[RY_SVC_QUOTA], "tcp://*:9003");
    assert_string_equal(c->endpoint[RY_SVC_QUOTA], "tcp://127.0.0.1:7703");
    assert_true(c->map_size == (size_t)2 << 30);
    assert_true(c->max_map_size == (size_t)4 << 30);
    assert_true(c->max_request == (size_t)512 << 10);
    assert_true(c->max_attachment == (size_t)8 << 20);
    assert_true(c->client_queue_bytes == (size_t)64 << 20);
    assert_int_equal(c->client_conns_per_key, 0); /* no bound */
    assert_int_equal(c->outbox_limit, 500);
    assert_string_equal(c->campaigns_dir, "/etc/rongyu/campaigns");
    assert_string_equal(c->source, fx->conf);
    /* The home of the file decides the stores' place. */
    char dir[600];
    assert_int_equal(ry_config_store_dir(c, RY_SVC_INTAKE, dir, sizeof dir), 0);
    assert_string_equal(dir, "/srv/rongyu/intake");
}

static void
test_file_home_drives_campaigns_dir_default(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "home = /data/ry\n"), 0);
    assert_string_equal(fx->cfg.campaigns_dir, "/data/ry/campaigns");
}

static void
test_map_size_above_max_raises_the_max(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "map_size = 32G\n"), 0);
    assert_true(fx->cfg.map_size == (size_t)32 << 30);
    assert_true(fx->cfg.max_map_size == fx->cfg.map_size);
}

static void
test_missing_file_is_an_error_naming_it(void **state)
{
    fx_t *fx = *state;
    char path[400];
    snprintf(path, sizeof path, "%s/absent.conf", fx->dir);
    assert_int_equal(s_load(fx, path), RY_ECONFIG);
    assert_non_null(strstr(fx->err, path));
}

static void
test_line_without_equals_reports_file_and_line(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(
        s_load_text(fx, "# comment\nhome = /x\nthis is not a setting\n"),
        RY_ECONFIG);
    char want[400];
    snprintf(want, sizeof want, "%s:3:", fx->conf);
    assert_non_null(strstr(fx->err, want));
}

static void
test_unknown_key_is_refused_naming_it(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "home = /x\ncolour = blue\n"), RY_ECONFIG);
    char want[400];
    snprintf(want, sizeof want, "%s:2:", fx->conf);
    assert_non_null(strstr(fx->err, want));
    assert_non_null(strstr(fx->err, "colour"));
    /* A service key of no service, or of no kind. */
    assert_int_equal(s_load_text(fx, "billing_endpoint = tcp://x:1\n"),
                     RY_ECONFIG);
    assert_non_null(strstr(fx->err, ":1:"));
    assert_int_equal(s_load_text(fx, "intake_port = 1\n"), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "intake_port"));
}

static void
test_bad_size_values_are_refused(void **state)
{
    fx_t *fx = *state;
    const char *bad[] = {"map_size = lots\n",
                         "map_size = 0\n",
                         "map_size = -1\n",
                         "map_size = 12X\n",
                         "map_size = 1GB\n",
                         "map_size =\n",
                         "map_size = 1 G\n",
                         "map_size = 99999999999999999999\n",
                         "map_size = 17179869184G\n",
                         "outbox_limit = 200000000\n",
                         "client_connections_per_key = 100001\n",
                         "client_connections_per_key = 4K\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (s_load_text(fx, bad[i]) != RY_ECONFIG)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(fx->err, ":1:"));
    }
}

/* ------------------------------------------------------------ sizes */

static size_t
s_env_size(fx_t *fx, const char *value)
{
    setenv("RONGYU_MAX_REQUEST", value, 1);
    int rc = s_load(fx, NULL);
    if (rc != 0)
        fail_msg("RONGYU_MAX_REQUEST=%s refused: %s", value, fx->err);
    return fx->cfg.max_request;
}

static void
test_sizes_take_k_m_g_suffixes(void **state)
{
    fx_t *fx = *state;
    assert_true(s_env_size(fx, "12345") == 12345);
    assert_true(s_env_size(fx, "64K") == (size_t)64 << 10);
    assert_true(s_env_size(fx, "5k") == (size_t)5 << 10);
    assert_true(s_env_size(fx, "3M") == (size_t)3 << 20);
    assert_true(s_env_size(fx, "7m") == (size_t)7 << 20);
    assert_true(s_env_size(fx, "2G") == (size_t)2 << 30);
    assert_true(s_env_size(fx, "1g") == (size_t)1 << 30);
    assert_true(s_env_size(fx, "1") == 1);
}

/* ------------------------------------------------------------ environment */

static void
test_environment_overrides_the_file(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(ut_write_file(fx->conf, "home = /from/file\n"
                                             "map_size = 2G\n"
                                             "outbox_limit = 500\n"
                                             "quota_endpoint = tcp://f:1\n"),
                     0);
    setenv("RONGYU_HOME", "/from/env", 1);
    setenv("RONGYU_MAP_SIZE", "3G", 1);
    setenv("RONGYU_MAX_MAP_SIZE", "8G", 1);
    setenv("RONGYU_OUTBOX_LIMIT", "7", 1);
    setenv("RONGYU_CLIENT_CONNECTIONS_PER_KEY", "5", 1);
    setenv("RONGYU_QUOTA_ENDPOINT", "tcp://e:2", 1);
    setenv("RONGYU_NOTIFICATION_BIND", "tcp://*:7999", 1);
    assert_int_equal(s_load(fx, fx->conf), 0);
    const ry_config_t *c = &fx->cfg;
    assert_string_equal(c->home, "/from/env");
    assert_true(c->map_size == (size_t)3 << 30);
    assert_true(c->max_map_size == (size_t)8 << 30);
    assert_int_equal(c->outbox_limit, 7);
    assert_int_equal(c->client_conns_per_key, 5);
    assert_string_equal(c->endpoint[RY_SVC_QUOTA], "tcp://e:2");
    assert_string_equal(c->bind[RY_SVC_QUOTA], "tcp://e:2");
    assert_string_equal(c->bind[RY_SVC_NOTIFICATION], "tcp://*:7999");
    assert_string_equal(c->endpoint[RY_SVC_NOTIFICATION],
                        "tcp://127.0.0.1:7704");
    assert_string_equal(c->campaigns_dir, "/from/env/campaigns");
    assert_string_equal(c->source, fx->conf);

    /* Without the variables the file's values stand. */
    s_clear_env();
    assert_int_equal(s_load(fx, fx->conf), 0);
    assert_string_equal(fx->cfg.home, "/from/file");
    assert_int_equal(fx->cfg.outbox_limit, 500);
    assert_string_equal(fx->cfg.endpoint[RY_SVC_QUOTA], "tcp://f:1");
}

static void
test_bad_environment_value_is_refused_naming_the_variable(void **state)
{
    fx_t *fx = *state;
    setenv("RONGYU_MAP_SIZE", "huge", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_MAP_SIZE"));
    unsetenv("RONGYU_MAP_SIZE");
    /* A negative number is no size, with or without leading blanks. */
    setenv("RONGYU_OUTBOX_LIMIT", "-3", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    setenv("RONGYU_OUTBOX_LIMIT", " -3", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    setenv("RONGYU_MAX_REQUEST", " -1", 1);
    unsetenv("RONGYU_OUTBOX_LIMIT");
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_MAX_REQUEST"));
}

static void
test_attachment_and_queue_sizes_from_the_environment(void **state)
{
    fx_t *fx = *state;
    setenv("RONGYU_MAX_ATTACHMENT", "1G", 1);
    setenv("RONGYU_CLIENT_QUEUE_BYTES", "16M", 1);
    assert_int_equal(s_load(fx, NULL), 0);
    assert_true(fx->cfg.max_attachment == (size_t)1 << 30);
    assert_true(fx->cfg.client_queue_bytes == (size_t)16 << 20);
    /* One attachment is assembled in memory: at most 1 GiB. */
    setenv("RONGYU_MAX_ATTACHMENT", "1025M", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_MAX_ATTACHMENT"));
    setenv("RONGYU_MAX_ATTACHMENT", "0", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    unsetenv("RONGYU_MAX_ATTACHMENT");
    setenv("RONGYU_CLIENT_QUEUE_BYTES", "lots", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_CLIENT_QUEUE_BYTES"));
}

/* A client connection's queue in messages: client_queue_bytes over
 * max_request, within [4, 4096]. */
static void
test_client_queue_depth_follows_the_bytes(void **state)
{
    (void)state;
    size_t mib = (size_t)1 << 20;
    assert_int_equal(ry_channel_client_hwm(256 * mib, mib), 256);
    assert_int_equal(ry_channel_client_hwm(256 * mib, 64 * mib), 4);
    assert_int_equal(ry_channel_client_hwm(256 * mib, 128 * mib),
                     RY_CHANNEL_HWM_MIN);
    assert_int_equal(ry_channel_client_hwm(5 * mib - 1, mib), 4);
    assert_int_equal(ry_channel_client_hwm(5 * mib, mib), 5);
    assert_int_equal(ry_channel_client_hwm(8192 * mib, mib),
                     RY_CHANNEL_HWM_MAX);
    assert_int_equal(ry_channel_client_hwm(4097 * mib, mib),
                     RY_CHANNEL_HWM_MAX);
    assert_int_equal(ry_channel_client_hwm(4096 * mib, mib), 4096);
}

static void
test_rongyu_home_drives_campaigns_dir_and_config_file(void **state)
{
    fx_t *fx = *state;
    setenv("RONGYU_HOME", fx->dir, 1);
    assert_int_equal(s_load(fx, NULL), 0);
    char want[400];
    snprintf(want, sizeof want, "%s/campaigns", fx->dir);
    assert_string_equal(fx->cfg.home, fx->dir);
    assert_string_equal(fx->cfg.campaigns_dir, want);
    assert_string_equal(fx->cfg.source, "");
    char dir[600];
    assert_int_equal(
        ry_config_store_dir(&fx->cfg, RY_SVC_VALIDATION, dir, sizeof dir), 0);
    snprintf(want, sizeof want, "%s/validation", fx->dir);
    assert_string_equal(dir, want);

    /* $RONGYU_HOME/rongyu.conf is read when it exists. */
    char conf[400];
    snprintf(conf, sizeof conf, "%s/rongyu.conf", fx->dir);
    assert_int_equal(ut_write_file(conf, "outbox_limit = 42\n"), 0);
    assert_int_equal(s_load(fx, NULL), 0);
    assert_int_equal(fx->cfg.outbox_limit, 42);
    assert_string_equal(fx->cfg.source, conf);

    /* An explicit campaigns dir wins over the home's. */
    setenv("RONGYU_CAMPAIGNS_DIR", "/opt/campaigns", 1);
    assert_int_equal(s_load(fx, NULL), 0);
    assert_string_equal(fx->cfg.campaigns_dir, "/opt/campaigns");
}

static void
test_rongyu_config_names_the_file(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(ut_write_file(fx->conf, "outbox_limit = 9\n"), 0);
    setenv("RONGYU_CONFIG", fx->conf, 1);
    assert_int_equal(s_load(fx, NULL), 0);
    assert_int_equal(fx->cfg.outbox_limit, 9);
    assert_string_equal(fx->cfg.source, fx->conf);
    /* An explicit path wins over the variable. */
    char other[400];
    snprintf(other, sizeof other, "%s/other.conf", fx->dir);
    assert_int_equal(ut_write_file(other, "outbox_limit = 10\n"), 0);
    assert_int_equal(s_load(fx, other), 0);
    assert_int_equal(fx->cfg.outbox_limit, 10);
}

/* ------------------------------------------------------------ rounds */

static void
test_round_ms_per_service_from_file_and_environment(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "validation_round_ms = 0\n"
                                     "notification_round_ms = 1000\n"
                                     "quota_round_ms = 5\n"),
                     0);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_VALIDATION], 0);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_NOTIFICATION], 1000);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_QUOTA], 5);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_INTAKE], 0);
    setenv("RONGYU_INTAKE_ROUND_MS", "3", 1);
    setenv("RONGYU_NOTIFICATION_ROUND_MS", "7", 1);
    assert_int_equal(s_load(fx, fx->conf), 0);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_INTAKE], 3);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_NOTIFICATION], 7);
    assert_int_equal(fx->cfg.round_ms[RY_SVC_QUOTA], 5);
}

static void
test_bad_round_ms_is_refused(void **state)
{
    fx_t *fx = *state;
    const char *bad[] = {"validation_round_ms = 1001\n",
                         "validation_round_ms = -1\n",
                         "validation_round_ms = 10ms\n",
                         "validation_round_ms = 1K\n",
                         "validation_round_ms =\n",
                         "validation_round_ms = 99999999999999999999\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (s_load_text(fx, bad[i]) != RY_ECONFIG)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(fx->err, "validation_round_ms"));
    }
    setenv("RONGYU_QUOTA_ROUND_MS", " 5", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_QUOTA_ROUND_MS"));
    assert_non_null(strstr(fx->err, "' 5'"));
}

/* ------------------------------------------------------------ CPU */

static void
test_cpu_policy_per_service_from_file_and_environment(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_load_text(fx, "validation_cpu = normal\n"
                                     "intake_cpu = batch\n"),
                     0);
    assert_int_equal(fx->cfg.cpu[RY_SVC_VALIDATION], RY_CPU_NORMAL);
    assert_int_equal(fx->cfg.cpu[RY_SVC_INTAKE], RY_CPU_BATCH);
    assert_int_equal(fx->cfg.cpu[RY_SVC_QUOTA], RY_CPU_BATCH);
    setenv("RONGYU_INTAKE_CPU", "normal", 1);
    setenv("RONGYU_NOTIFICATION_CPU", "normal", 1);
    assert_int_equal(s_load(fx, fx->conf), 0);
    assert_int_equal(fx->cfg.cpu[RY_SVC_INTAKE], RY_CPU_NORMAL);
    assert_int_equal(fx->cfg.cpu[RY_SVC_NOTIFICATION], RY_CPU_NORMAL);
    assert_int_equal(fx->cfg.cpu[RY_SVC_VALIDATION], RY_CPU_NORMAL);
    assert_int_equal(fx->cfg.cpu[RY_SVC_QUOTA], RY_CPU_BATCH);
}

static void
test_bad_cpu_policy_is_refused(void **state)
{
    fx_t *fx = *state;
    const char *bad[] = {"quota_cpu = idle\n", "quota_cpu = Batch\n",
                         "quota_cpu =\n", "quota_cpu = batch x\n",
                         "quota_cpu = 3\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (s_load_text(fx, bad[i]) != RY_ECONFIG)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(fx->err, "quota_cpu"));
    }
    setenv("RONGYU_QUOTA_CPU", "fifo", 1);
    assert_int_equal(s_load(fx, NULL), RY_ECONFIG);
    assert_non_null(strstr(fx->err, "RONGYU_QUOTA_CPU"));
    assert_non_null(strstr(fx->err, "'fifo'"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_defaults_without_file_or_environment),
        T(test_service_names_and_indexes_match),
        T(test_file_keys_are_applied),
        T(test_file_home_drives_campaigns_dir_default),
        T(test_map_size_above_max_raises_the_max),
        T(test_missing_file_is_an_error_naming_it),
        T(test_line_without_equals_reports_file_and_line),
        T(test_unknown_key_is_refused_naming_it),
        T(test_bad_size_values_are_refused),
        T(test_sizes_take_k_m_g_suffixes),
        T(test_environment_overrides_the_file),
        T(test_bad_environment_value_is_refused_naming_the_variable),
        T(test_attachment_and_queue_sizes_from_the_environment),
        T(test_client_queue_depth_follows_the_bytes),
        T(test_rongyu_home_drives_campaigns_dir_and_config_file),
        T(test_rongyu_config_names_the_file),
        T(test_round_ms_per_service_from_file_and_environment),
        T(test_bad_round_ms_is_refused),
        T(test_cpu_policy_per_service_from_file_and_environment),
        T(test_bad_cpu_policy_is_refused),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
