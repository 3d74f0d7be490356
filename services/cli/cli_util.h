/* cli_util: what every rongyu command shares: common options, the
 * configuration, calling intake, bilingual names and messages, times and
 * tables that line up with Chinese text. */
#ifndef CLI_UTIL_H
#define CLI_UTIL_H

#include "cli_client.h"
#include "rongyu.pb-c.h"
#include "ry_config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses of every command. */
enum {
    CLI_EXIT_OK = 0,          /* done */
    CLI_EXIT_ERROR = 1,       /* an error reply, bad usage or config */
    CLI_EXIT_INPUT = 2,       /* the input file is unreadable or invalid */
    CLI_EXIT_UNREACHABLE = 3, /* a service did not answer */
    CLI_EXIT_REFUSED = 4,     /* a service refused our key */
};

#define CLI_DEFAULT_TIMEOUT_MS 5000
#define CLI_DEFAULT_ATTEMPTS 3

/* The options every command takes, parsed by cli_common_opt. */
typedef struct {
    const char *config_path; /* --config */
    const char *endpoint;    /* --endpoint: intake, overrides config */
    int timeout_ms;          /* --timeout SECONDS (per attempt) */
    int attempts;            /* --retries N: attempts in all */
    int json;                /* --json */
    const char *org;         /* --org (list: also the applicant filter) */
    const char *as;          /* --as: the principal's organisation */
    const char *env_org;     /* $RONGYU_ORG */
    const char *role;        /* --role, $RONGYU_ROLE, "grassroots" */
    const char *user;        /* --user, $USER */
    int role_given;          /* --role or $RONGYU_ROLE was given */
    int wait_s;              /* --wait[=SECONDS]: 0 no, else at most so
                                long for the work a request started */
    const char *key_file;    /* --key, $RONGYU_KEY: our key pair */
    ry_config_t cfg;         /* filled by cli_load_config */
} cli_ctx_t;

/* getopt_long entries of the common options; end a command's table with
 * CLI_COMMON_OPTIONS, {0, 0, 0, 0}. Their short codes are >= 1000. */
enum {
    CLI_OPT_CONFIG = 1000,
    CLI_OPT_ENDPOINT,
    CLI_OPT_TIMEOUT,
    CLI_OPT_RETRIES,
    CLI_OPT_JSON,
    CLI_OPT_ORG,
    CLI_OPT_AS,
    CLI_OPT_ROLE,
    CLI_OPT_USER,
    CLI_OPT_HELP,
    CLI_OPT_WAIT,
    CLI_OPT_KEY,
};
#define CLI_COMMON_OPTIONS                                                   \
    {"config", required_argument, 0, CLI_OPT_CONFIG},                        \
        {"endpoint", required_argument, 0, CLI_OPT_ENDPOINT},                \
        {"timeout", required_argument, 0, CLI_OPT_TIMEOUT},                  \
        {"retries", required_argument, 0, CLI_OPT_RETRIES},                  \
        {"json", no_argument, 0, CLI_OPT_JSON},                              \
        {"org", required_argument, 0, CLI_OPT_ORG},                          \
        {"as", required_argument, 0, CLI_OPT_AS},                            \
        {"role", required_argument, 0, CLI_OPT_ROLE},                        \
        {"user", required_argument, 0, CLI_OPT_USER},                        \
        {"help", no_argument, 0, CLI_OPT_HELP},                              \
        {"wait", optional_argument, 0, CLI_OPT_WAIT},                        \
        {"key", required_argument, 0, CLI_OPT_KEY}

/* Help text for the common options, to append to a command's help. */
extern const char cli_common_help[];

/* Sets the defaults (environment included). */
void cli_ctx_init(cli_ctx_t *ctx);

/* Handles one common option returned by getopt_long. Returns 1 when
 * handled, 0 when 'c' is not a common option, -1 after printing an error
 * for a bad value. CLI_OPT_HELP is not handled (the command prints its
 * own help). */
int cli_common_opt(cli_ctx_t *ctx, int c, const char *arg);

/* The 'default:' of every command's option loop: handles a common option
 * for command 'cmd', or reports a bad value or an unknown option. Returns
 * CLI_EXIT_OK when handled, else CLI_EXIT_ERROR after printing why. */
int cli_other_opt(cli_ctx_t *ctx, const char *cmd, int c, const char *arg,
                  char **argv);

/* Separates the Chinese and the English text of one message: "中文。"
 * CLI_BI "English." Each half is complete in its language; a half may
 * use the same arguments by position ("%1$s"). */
#define CLI_BI "\x1f"

/* Prints a usage error, fmt being "中文" CLI_BI "English": the Chinese line,
 * the English line, then where the help is. Returns CLI_EXIT_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports what getopt_long (with optstring ":") refused: c is ':' for a
 * missing value, else an unknown option. Returns CLI_EXIT_ERROR. */
int cli_bad_option(const char *cmd, int c, char **argv);

/* Writes s as a JSON string literal (quoted, escaped) to out. */
void cli_json_string(FILE *out, const char *s);

/* Loads the configuration (--config, else the usual places). Returns 0,
 * or CLI_EXIT_ERROR after printing the error. */
int cli_load_config(cli_ctx_t *ctx);

/* Fills 'out' with this client's key pair (--key FILE, else $RONGYU_KEY,
 * else the administrator's "<keys>/admin.cert" of 'rongyu keys init') and
 * the public key of 'service' ($RONGYU_<SERVICE>_KEY, Z85 or a
 * certificate file, else "<keys>/<service>.cert"), <keys> being
 * $RONGYU_KEYS_DIR or $RONGYU_HOME/keys. Call after cli_load_config.
 * Returns 0, or CLI_EXIT_ERROR after printing which key is missing and
 * what to do. */
int cli_curve(const cli_ctx_t *ctx, const char *service, cli_curve_t *out);

/* Prints why a call to 'service' at 'endpoint' failed with rc (from
 * cli_client_call or cli_client_ping), both languages, and returns the
 * exit status: CLI_EXIT_REFUSED for a refused key, CLI_EXIT_ERROR for a
 * bad endpoint, else CLI_EXIT_UNREACHABLE. */
int cli_print_call_error(const cli_ctx_t *ctx, const char *service,
                         const char *endpoint, int rc);

/* The intake endpoint: --endpoint, else the configuration's. */
const char *cli_intake_endpoint(const cli_ctx_t *ctx);

/* The principal's organisation: --as, else --org, else $RONGYU_ORG,
 * else 'fallback' (the application's applicant_org), else "". */
const char *cli_principal_org(const cli_ctx_t *ctx, const char *fallback);

/* For commands that act in one role (a unit reviews, the city decides):
 * when the principal's organisation is named (--as, --org, $RONGYU_ORG),
 * uses 'role' unless --role or $RONGYU_ROLE chose one. Naming no one, the
 * request acts as the key's principal. 'org' (the organisation the role
 * usually belongs to) is not used. */
void cli_default_principal(cli_ctx_t *ctx, const char *role, const char *org);

/* Fills *p with the principal a request names: the organisation
 * cli_principal_org(ctx, org), ctx's role ("grassroots" for an
 * organisation named without one) and user; all empty: the key's. The
 * strings are borrowed from ctx and org. */
void cli_principal_fill(const cli_ctx_t *ctx, const char *org,
                        Rongyu__Principal *p);

/* Sends req to intake (filling the principal from ctx when it has none,
 * its org from cli_principal_org(ctx, org)) and waits for the reply. Returns
 * CLI_EXIT_OK with *reply set and reply->code OK; otherwise prints what
 * went wrong (an error reply with its code name, or which service did
 * not answer where), frees any reply and returns CLI_EXIT_ERROR or
 * CLI_EXIT_UNREACHABLE. With --json an error reply is also printed as
 * JSON on stdout. Free *reply with cli_client_reply_free. */
int cli_call(cli_ctx_t *ctx, Rongyu__Request *req, const char *org,
             Rongyu__Reply **reply);

/* Prints "error: intake not answering at ..." in both languages. */
void cli_print_unreachable(const char *service, const char *endpoint);

/* Prints an error reply: its stable code name, the bilingual meaning of
 * the code, the server's messages and the detail. */
void cli_print_reply_error(const Rongyu__Reply *r);

/* Stable name of an error code ("E_NOT_FOUND"), and its meaning. */
const char *cli_error_name(int code);
const char *cli_error_zh(int code);
const char *cli_error_en(int code);

/* Formats milliseconds since the epoch as "2018-11-20 10:30:05" in China
 * time (UTC+8, the campaign's zone), or "-" for 0. */
void cli_format_time(int64_t ms, char *buf, size_t len);

/* Columns a UTF-8 string takes on a terminal (CJK characters take 2). */
int cli_display_width(const char *s);

/* A malloc'd copy of s (NULL: "") with every terminal control character
 * shown escaped as \xHH: C0 controls but '\n', DEL, and C1 controls
 * (U+0080..U+009F, e.g. a UTF-8 CSI). Stored text goes through this
 * before it reaches a terminal; cli_table_add applies it to every cell. */
char *cli_escape_controls(const char *s);

/* A text table whose columns line up with CJK text. A cell may hold
 * several lines separated by '\n'. */
typedef struct cli_table cli_table_t;

/* Creates a table of 'ncols' columns with these headings (copied). */
cli_table_t *cli_table_new(int ncols, const char *const *headings);
/* Wraps the cells of column 'col' added from now on to 'width' display
 * columns (breaking at a space when one is near, else anywhere). */
void cli_table_wrap(cli_table_t *t, int col, int width);
/* Appends a row of ncols cells (copied; NULL is an empty cell). */
void cli_table_add(cli_table_t *t, const char *const *cells);
/* Prints the table, each line indented by 'indent' spaces. */
void cli_table_print(const cli_table_t *t, FILE *out, int indent);
/* Rows added so far. */
int cli_table_rows(const cli_table_t *t);
/* Frees and nulls *t_p; safe on NULL. */
void cli_table_destroy(cli_table_t **t_p);

/* Writes the hex SHA-256 of data to hex (65 bytes). */
void cli_sha256_hex(const void *data, size_t len, char hex[65]);

/* Prints a JSON string made by ry_json_* and frees it. */
void cli_print_json(char *text);

#endif
