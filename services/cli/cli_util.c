/* cli_util: options, configuration, calling intake, bilingual names,
 * times and tables shared by the rongyu commands. */
#include "cli_util.h"
#include "cli_wait.h"

#include "ry_error.h"
#include "ry_json.h"
#include "ry_keys.h"
#include "ry_reply.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cli_common_help[] =
    "通用选项 Common options:\n"
    "  --config FILE      配置文件 configuration file (default: $RONGYU_CONFIG,\n"
    "                     $RONGYU_HOME/rongyu.conf, built-in defaults)\n"
    "  --endpoint URL     intake 地址 intake endpoint, e.g. tcp://127.0.0.1:7701\n"
    "  --timeout SECONDS  每次尝试的超时 timeout per attempt (default 5)\n"
    "  --retries N        尝试次数 attempts in all (default 3)\n"
    "  --org ORG          以该组织身份 act as organisation ORG (default:\n"
    "                     $RONGYU_ORG; submit: the file's applicant_org;\n"
    "                     list: also lists only ORG's cases)\n"
    "  --as ORG           操作者组织 the principal's organisation when it\n"
    "                     differs from --org (e.g. a unit listing a union)\n"
    "  --role ROLE        角色 grassroots|branch|group|unit|city|platform\n"
    "                     ($RONGYU_ROLE,\n"
    "                     default grassroots)\n"
    "  --user NAME        操作人 user name recorded in the audit log ($USER)\n"
    "  --key FILE         本客户端的密钥 this client's CURVE key pair\n"
    "                     (default: $RONGYU_KEY, else $RONGYU_HOME/keys/\n"
    "                     admin.cert, the administrator's key)\n"
    "  --json             输出 JSON, for scripts\n"
    "  --wait[=SECONDS]   等待本命令启动的处理完成（资格审查、名额答复）\n"
    "                     wait until the work the command started is done\n"
    "                     (the verdict, quota's answer), at most SECONDS\n"
    "                     (default 60); a warning if it is not\n"
    "  --help             显示帮助 show this help\n"
    "退出状态 Exit status: 0 成功 ok; 1 错误应答/用法 error reply or usage;\n"
    "  2 输入文件有误 bad input file; 3 服务无应答 service unreachable;\n"
    "  4 服务拒绝了密钥 the service refused the key.\n";

static const char *
s_env(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && v[0] ? v : dflt;
}

void
cli_ctx_init(cli_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
    ctx->attempts = CLI_DEFAULT_ATTEMPTS;
    ctx->env_org = s_env("RONGYU_ORG", NULL);
    ctx->role = s_env("RONGYU_ROLE", "");
    ctx->key_file = s_env("RONGYU_KEY", NULL);
    ctx->role_given = s_env("RONGYU_ROLE", NULL) != NULL;
    ctx->user = s_env("USER", "");
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *en = strchr(msg, CLI_BI[0]);
    if (en)
        *en++ = '\0';
    fprintf(stderr, "rongyu %s：%s\n", cmd, msg);
    if (en)
        fprintf(stderr, "rongyu %s: %s\n", cmd, en);
    fprintf(stderr, "用法见 'rongyu %s --help'。\nSee 'rongyu %s --help'.\n",
            cmd, cmd);
    return CLI_EXIT_ERROR;
}

int
cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *opt = optind > 0 ? argv[optind - 1] : "?";
    if (c == ':')
        return cli_usage_error(cmd,
                               "选项“%1$s”缺少参数。" CLI_BI
                               "Option '%1$s' needs a "
                               "value.",
                               opt);
    return cli_usage_error(
        cmd, "未知选项“%1$s”。" CLI_BI "Unknown option '%1$s'.", opt);
}

void
cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

int
cli_other_opt(cli_ctx_t *ctx, const char *cmd, int c, const char *arg,
              char **argv)
{
    int r = cli_common_opt(ctx, c, arg);
    if (r < 0)
        return CLI_EXIT_ERROR;
    if (r == 0)
        return cli_bad_option(cmd, c, argv);
    return CLI_EXIT_OK;
}

int
cli_common_opt(cli_ctx_t *ctx, int c, const char *arg)
{
    char *end;
    switch (c) {
    case CLI_OPT_CONFIG: ctx->config_path = arg; return 1;
    case CLI_OPT_ENDPOINT: ctx->endpoint = arg; return 1;
    case CLI_OPT_JSON: ctx->json = 1; return 1;
    case CLI_OPT_ORG: ctx->org = arg; return 1;
    case CLI_OPT_AS: ctx->as = arg; return 1;
    case CLI_OPT_ROLE:
        ctx->role = arg;
        ctx->role_given = 1;
        return 1;
    case CLI_OPT_USER: ctx->user = arg; return 1;
    case CLI_OPT_WAIT: {
        ctx->wait_s = 60;
        if (!arg)
            return 1;
        errno = 0;
        long s = strtol(arg, &end, 10);
        if (errno || end == arg || *end || s < 1 || s > 3600) {
            fprintf(stderr, "错误：--wait 应为 1 到 3600 之间的秒数\n"
                            "error: --wait wants seconds in 1..3600, got "
                            "'%s'\n", arg);
            return -1;
        }
        ctx->wait_s = (int)s;
        return 1;
    }
    case CLI_OPT_KEY: ctx->key_file = arg; return 1;
    case CLI_OPT_TIMEOUT: {
        errno = 0;
        double s = strtod(arg, &end);
        if (errno || end == arg || *end || !(s > 0) || s > 3600) {
            fprintf(stderr, "错误：--timeout 应为 0 到 3600 之间的秒数\n"
                            "error: --timeout wants seconds in (0, 3600], "
                            "got '%s'\n", arg);
            return -1;
        }
        ctx->timeout_ms = (int)(s * 1000 + 0.5);
        if (ctx->timeout_ms < 1)
            ctx->timeout_ms = 1;
        return 1;
    }
    case CLI_OPT_RETRIES: {
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (errno || end == arg || *end || n < 1 || n > 100) {
            fprintf(stderr, "错误：--retries 应为 1 到 100\n"
                            "error: --retries wants 1..100, got '%s'\n",
                    arg);
            return -1;
        }
        ctx->attempts = (int)n;
        return 1;
    }
    default: return 0;
    }
}

int
cli_load_config(cli_ctx_t *ctx)
{
    char err[512] = "";
    if (ry_config_load(&ctx->cfg, ctx->config_path, err, sizeof err) != 0) {
        fprintf(stderr, "错误：配置有误 error: bad configuration: %s\n", err);
        return CLI_EXIT_ERROR;
    }
    return 0;
}

int
cli_curve(const cli_ctx_t *ctx, const char *service, cli_curve_t *out)
{
    char dir[600], path[700], mine[700];
    if (ry_keys_dir(ctx->cfg.home, dir, sizeof dir) != 0) {
        fprintf(stderr, "错误：密钥目录路径过长 error: key directory path too "
                        "long\n");
        return CLI_EXIT_ERROR;
    }
    snprintf(mine, sizeof mine, "%s", ctx->key_file ? ctx->key_file : "");
    if (!mine[0])
        snprintf(mine, sizeof mine, "%s/admin.cert", dir);
    int rc = ry_keys_read_pair(mine, out->public_key, out->secret_key);
    if (rc) {
        fprintf(stderr,
                "错误：无法读取本客户端的密钥 %s（%s）：用 --key FILE 或 "
                "RONGYU_KEY 指定；运维人员可用 rongyu keys init / rongyu keys "
                "gen 生成\n"
                "error: cannot read this client's key pair '%s' (%s): give "
                "--key FILE or set RONGYU_KEY; an operator makes keys with "
                "'rongyu keys init' or 'rongyu keys gen'\n",
                mine, rc == RY_ENOTFOUND ? "不存在 missing" : "无私钥 no "
                                                            "secret key",
                mine, rc == RY_ENOTFOUND ? "missing" : "no secret key in it");
        return CLI_EXIT_ERROR;
    }
    char var[64];
    snprintf(var, sizeof var, "RONGYU_%s_KEY", service);
    for (char *p = var; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    const char *spec = s_env(var, NULL);
    snprintf(path, sizeof path, "%s/%s.cert", dir, service);
    rc = ry_keys_read_public(spec ? spec : path, out->server_public);
    if (rc) {
        fprintf(stderr,
                "错误：找不到 %s 的公钥 %s：请设置 %s（公钥或证书文件）\n"
                "error: no public key of %s at '%s': set %s (the key or "
                "its certificate file)\n",
                service, spec ? spec : path, var, service,
                spec ? spec : path, var);
        return CLI_EXIT_ERROR;
    }
    return 0;
}

int
cli_print_call_error(const cli_ctx_t *ctx, const char *service,
                     const char *endpoint, int rc)
{
    const char *key = ctx->key_file ? ctx->key_file : "admin.cert";
    if (rc == RY_EPERM) {
        fprintf(stderr,
                "错误：%s（%s）拒绝了本客户端的密钥 %s：该密钥未登记、已吊销或"
                "无权访问此服务；请市总工会用 rongyu keys add 登记（rongyu "
                "keys list 可查看），或检查 %s 的公钥\n"
                "error: %s at %s refused this client's key '%s': the key is "
                "not registered, was revoked, or may not use this service; "
                "the city registers it with 'rongyu keys add' (see 'rongyu "
                "keys list'), or check %s's public key\n",
                service, endpoint, key, service, service, endpoint, key,
                service);
        return CLI_EXIT_REFUSED;
    }
    if (rc == RY_EINVAL) {
        fprintf(stderr, "错误：%s 地址无效 error: bad %s endpoint '%s'\n",
                service, service, endpoint);
        return CLI_EXIT_ERROR;
    }
    if (rc == RY_EMALFORMED) {
        fprintf(stderr, "错误：%s 的应答无法解码（版本不一致？）\n"
                        "error: the answer from %s does not decode "
                        "(version mismatch?)\n", endpoint, endpoint);
        return CLI_EXIT_UNREACHABLE;
    }
    cli_print_unreachable(service, endpoint);
    return CLI_EXIT_UNREACHABLE;
}

const char *
cli_intake_endpoint(const cli_ctx_t *ctx)
{
    return ctx->endpoint ? ctx->endpoint : ctx->cfg.endpoint[RY_SVC_INTAKE];
}

void
cli_print_unreachable(const char *service, const char *endpoint)
{
    fprintf(stderr,
            "错误：%s 在 %s 无应答（服务是否已启动？./deploy/up.sh）\n"
            "error: %s not answering at %s (is it running? ./deploy/up.sh)\n",
            service, endpoint, service, endpoint);
}

void
cli_print_json(char *text)
{
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
}

const char *
cli_principal_org(const cli_ctx_t *ctx, const char *fallback)
{
    if (ctx->as)
        return ctx->as;
    if (ctx->org)
        return ctx->org;
    if (ctx->env_org)
        return ctx->env_org;
    return fallback ? fallback : "";
}

void
cli_default_principal(cli_ctx_t *ctx, const char *role, const char *org)
{
    /* Naming no one, a request acts as its key's principal; naming an
     * organisation, it names the role the command acts in. */
    (void)org;
    if (!ctx->role_given && role && (ctx->as || ctx->org || ctx->env_org))
        ctx->role = role;
}

void
cli_principal_fill(const cli_ctx_t *ctx, const char *org,
                   Rongyu__Principal *p)
{
    rongyu__principal__init(p);
    p->org_id = (char *)cli_principal_org(ctx, org);
    p->role = (char *)ctx->role;
    /* An organisation named without a role applies: a grassroots union
     * (the platform acting for one, or the union's own key). */
    if (*p->org_id && !*p->role)
        p->role = "grassroots";
    p->user = (char *)ctx->user;
    /* Unnamed, the organisation and role are the key's. */
}

int
cli_call(cli_ctx_t *ctx, Rongyu__Request *req, const char *org,
         Rongyu__Reply **reply)
{
    Rongyu__Principal principal;
    if (!req->principal) {
        cli_principal_fill(ctx, org, &principal);
        req->principal = &principal;
    }
    const char *ep = cli_intake_endpoint(ctx);
    /* ZeroMQ drops a connection that sends a frame over max_request, so
     * intake could not answer it: refuse it here with intake's code. */
    size_t size = protobuf_c_message_get_packed_size(&req->base) + 64;
    if (size > ctx->cfg.max_request) {
        if (req->principal == &principal)
            req->principal = NULL;
        Rongyu__Reply big = RONGYU__REPLY__INIT;
        char detail[300];
        snprintf(detail, sizeof detail,
                 "请求为 %zu 字节，至多 %zu 字节（max_request）。the request "
                 "is %zu bytes, at most %zu (max_request)",
                 size, ctx->cfg.max_request, size, ctx->cfg.max_request);
        big.code = RONGYU__ERROR_CODE__E_TOO_LARGE;
        big.message_zh = (char *)ry_reply_text(big.code, true);
        big.message_en = (char *)ry_reply_text(big.code, false);
        big.detail = detail;
        if (ctx->json) {
            char *txt;
            if (ry_json_reply_to_string(&big, RY_JSON_PRETTY, &txt) == 0)
                cli_print_json(txt);
        }
        cli_print_reply_error(&big);
        return CLI_EXIT_ERROR;
    }
    cli_client_t *client = NULL;
    cli_curve_t curve;
    int rc = cli_curve(ctx, "intake", &curve);
    if (rc) {
        if (req->principal == &principal)
            req->principal = NULL;
        return rc;
    }
    rc = cli_client_new(ep, &curve, &client);
    sodium_memzero(&curve, sizeof curve);
    if (rc == 0) {
        rc = cli_client_call(client, req, ctx->timeout_ms, ctx->attempts,
                             reply);
        if (rc == 0 && ctx->wait_s) {
            rc = cli_wait_settle(ctx, client, req->principal, reply);
            if (rc == RY_ETIMEOUT)
                rc = 0; /* warned; the reply holds the case as it is */
        }
        cli_client_destroy(&client);
    }
    if (req->principal == &principal)
        req->principal = NULL;
    if (rc != 0)
        return cli_print_call_error(ctx, "intake", ep, rc);
    if ((*reply)->code != RONGYU__ERROR_CODE__OK) {
        if (ctx->json) {
            char *txt;
            if (ry_json_reply_to_string(*reply, RY_JSON_PRETTY, &txt) == 0)
                cli_print_json(txt);
        }
        cli_print_reply_error(*reply);
        cli_client_reply_free(reply);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ names */

static const struct {
    int code;
    const char *name, *zh, *en;
} s_errors[] = {
    {RONGYU__ERROR_CODE__OK, "OK", "成功", "ok"},
    {RONGYU__ERROR_CODE__E_MALFORMED, "E_MALFORMED", "请求无法解码",
     "the request does not decode"},
    {RONGYU__ERROR_CODE__E_MISSING_FIELD, "E_MISSING_FIELD", "缺少必填字段",
     "a required field is missing"},
    {RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "E_OUT_OF_RANGE", "数值超出范围",
     "a value is out of range"},
    {RONGYU__ERROR_CODE__E_NOT_FOUND, "E_NOT_FOUND", "未找到", "not found"},
    {RONGYU__ERROR_CODE__E_FORBIDDEN, "E_FORBIDDEN", "无权进行此操作",
     "not allowed for this principal"},
    {RONGYU__ERROR_CODE__E_BAD_STATE, "E_BAD_STATE", "案件当前状态不允许此操作",
     "not allowed in the case's current state"},
    {RONGYU__ERROR_CODE__E_TOO_LARGE, "E_TOO_LARGE", "数据过大", "too large"},
    {RONGYU__ERROR_CODE__E_BUSY, "E_BUSY", "服务繁忙，请稍后重试",
     "busy, try again later"},
    {RONGYU__ERROR_CODE__E_CONFLICT, "E_CONFLICT",
     "幂等键已用于另一个请求（可用 --idem 指定新键）",
     "idempotency key already used for another request (give --idem)"},
    {RONGYU__ERROR_CODE__E_INTERNAL, "E_INTERNAL", "服务内部错误",
     "internal error in the service"},
    {RONGYU__ERROR_CODE__E_UNSUPPORTED, "E_UNSUPPORTED", "不支持的请求",
     "unsupported request"},
    {RONGYU__ERROR_CODE__E_INVALID, "E_INVALID", "申请内容不符合格式要求",
     "the request is not valid"},
    {RONGYU__ERROR_CODE__E_DEADLINE_PASSED, "E_DEADLINE_PASSED", "截止日期已过",
     "the deadline has passed"},
    {RONGYU__ERROR_CODE__E_UNAUTHENTICATED, "E_UNAUTHENTICATED",
     "此密钥未登记或已吊销（请市总工会用 rongyu keys add 登记）",
     "this key is not registered, or was revoked (the city registers keys "
     "with 'rongyu keys add')"},
    {RONGYU__ERROR_CODE__E_DUPLICATE, "E_DUPLICATE",
     "已有案件推荐了同一申报单位的同一荣誉（同一人选），不能重复推荐",
     "another case already put the same applicant's honour (the same "
     "nominee) forward in this campaign"},
};
#define S_NERRORS ((int)(sizeof s_errors / sizeof s_errors[0]))

static int
s_error_index(int code)
{
    for (int i = 0; i < S_NERRORS; i++)
        if (s_errors[i].code == code)
            return i;
    return -1;
}

const char *
cli_error_name(int code)
{
    int i = s_error_index(code);
    return i >= 0 ? s_errors[i].name : "E_UNKNOWN";
}

const char *
cli_error_zh(int code)
{
    int i = s_error_index(code);
    return i >= 0 ? s_errors[i].zh : "未知错误";
}

const char *
cli_error_en(int code)
{
    int i = s_error_index(code);
    return i >= 0 ? s_errors[i].en : "unknown error";
}

void
cli_print_reply_error(const Rongyu__Reply *r)
{
    int code = (int)r->code;
    /* One line: the code and its meaning, as the service words it (the
     * client's own words when the reply has none). */
    const char *zh = r->message_zh[0] ? r->message_zh : cli_error_zh(code);
    const char *en = r->message_en[0] ? r->message_en : cli_error_en(code);
    fprintf(stderr, "错误 error: %s", cli_error_name(code));
    if (s_error_index(code) < 0)
        fprintf(stderr, " (%d)", code);
    fprintf(stderr, " — %s / %s\n", zh, en);
    if (r->detail[0]) {
        char *d = cli_escape_controls(r->detail);
        fprintf(stderr, "  详情 detail: %s\n", d);
        free(d);
    }
    if (code == RONGYU__ERROR_CODE__E_BUSY && r->retry_after_ms)
        fprintf(stderr, "  请 %u 毫秒后重试。Retry after %u ms.\n",
                r->retry_after_ms, r->retry_after_ms);
}

void
cli_format_time(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    /* China has kept UTC+8 without daylight saving since 1991. */
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "%lld", (long long)ms);
        return;
    }
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void
cli_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* ------------------------------------------------------------ width */

/* Decodes one UTF-8 sequence; returns its length (1 for a bad byte). */
static int
s_utf8(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (n == 0) {
        *cp = '?';
        return 1;
    }
    unsigned v = s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = '?';
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

static int
s_cp_width(unsigned cp)
{
    if (cp == 0x200B || (cp >= 0x0300 && cp <= 0x036F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

int
cli_display_width(const char *s)
{
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p && *p != '\n') {
        unsigned cp;
        p += s_utf8(p, &cp);
        w += s_cp_width(cp);
    }
    return w;
}

/* ------------------------------------------------------------ tables */

struct cli_table {
    int ncols, nrows, cap;
    char **cells; /* (nrows + 1) * ncols, row 0 the headings */
    int *wrap;    /* per column: wrap width, 0 for none */
};

/* A copy of s with '\n' inserted so no line is wider than 'width'. */
static char *
s_wrap(const char *s, int width)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 1);
    if (!out)
        abort();
    size_t o = 0, line_start = 0, last_space = (size_t)-1;
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        int len = s_utf8(p, &cp);
        int cw = s_cp_width(cp);
        if (cp == '\n') {
            out[o++] = '\n';
            p++;
            line_start = o;
            last_space = (size_t)-1;
            w = 0;
            continue;
        }
        if (w + cw > width && o > line_start) {
            if (last_space != (size_t)-1 && last_space > line_start) {
                /* Break at the last space: it becomes the newline. */
                out[last_space] = '\n';
                line_start = last_space + 1;
                out[o] = '\0';
                w = cli_display_width(out + line_start);
            } else {
                out[o++] = '\n';
                line_start = o;
                w = 0;
            }
            last_space = (size_t)-1;
        }
        if (cp == ' ')
            last_space = o;
        memcpy(out + o, p, (size_t)len);
        o += (size_t)len;
        p += len;
        w += cw;
    }
    out[o] = '\0';
    return out;
}

char *
cli_escape_controls(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    char *out = malloc(4 * n + 1); /* a byte becomes at most "\xHH" */
    if (!out)
        abort();
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        int len = s_utf8(p, &cp);
        bool c0 = cp < 0x20 && cp != '\n';
        bool c1 = cp >= 0x80 && cp < 0xA0; /* CSI and friends, as UTF-8 */
        if (len == 1 && *p >= 0x80) {
            /* Not UTF-8: a raw byte (0x9B is an 8-bit CSI). */
            o += (size_t)sprintf(out + o, "\\x%02X", *p);
        } else if (c0 || cp == 0x7F || c1) {
            o += (size_t)sprintf(out + o, "\\x%02X", cp);
        } else {
            memcpy(out + o, p, (size_t)len);
            o += (size_t)len;
        }
        p += len;
    }
    out[o] = '\0';
    return out;
}

static char *
s_dup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        abort();
    return p;
}

cli_table_t *
cli_table_new(int ncols, const char *const *headings)
{
    cli_table_t *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->ncols = ncols;
    t->wrap = calloc((size_t)ncols, sizeof(int));
    if (!t->wrap)
        abort();
    t->cap = 16;
    t->cells = calloc((size_t)(t->cap + 1) * (size_t)ncols, sizeof(char *));
    if (!t->cells)
        abort();
    for (int c = 0; c < ncols; c++)
        t->cells[c] = s_dup(headings[c]);
    return t;
}

void
cli_table_add(cli_table_t *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap *= 2;
        t->cells = realloc(t->cells, (size_t)(t->cap + 1) *
                                         (size_t)t->ncols * sizeof(char *));
        if (!t->cells)
            abort();
    }
    char **row = t->cells + (size_t)(t->nrows + 1) * (size_t)t->ncols;
    for (int c = 0; c < t->ncols; c++) {
        /* Stored text never reaches the terminal raw (ESC sequences). */
        char *safe = cli_escape_controls(cells[c]);
        if (t->wrap[c] > 0) {
            row[c] = s_wrap(safe, t->wrap[c]);
            free(safe);
        } else {
            row[c] = safe;
        }
    }
    t->nrows++;
}

void
cli_table_wrap(cli_table_t *t, int col, int width)
{
    if (t && col >= 0 && col < t->ncols && width > 1)
        t->wrap[col] = width;
}

int
cli_table_rows(const cli_table_t *t)
{
    return t ? t->nrows : 0;
}

/* The k-th line of a cell, or "" past its last line; sets *len. */
static const char *
s_line(const char *cell, int k, size_t *len)
{
    const char *p = cell;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        if (!p) {
            *len = 0;
            return "";
        }
        p++;
    }
    const char *nl = strchr(p, '\n');
    *len = nl ? (size_t)(nl - p) : strlen(p);
    return p;
}

static int
s_lines(const char *cell)
{
    int n = 1;
    for (const char *p = cell; *p; p++)
        n += *p == '\n';
    return n;
}

void
cli_table_print(const cli_table_t *t, FILE *out, int indent)
{
    int *w = calloc((size_t)t->ncols, sizeof(int));
    if (!w)
        abort();
    for (int r = 0; r <= t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[(size_t)r * t->ncols + c];
            for (int k = 0, n = s_lines(cell); k < n; k++) {
                size_t len;
                const char *line = s_line(cell, k, &len);
                int cw = cli_display_width(line);
                if (cw > w[c])
                    w[c] = cw;
            }
        }
    for (int r = 0; r <= t->nrows; r++) {
        char **row = t->cells + (size_t)r * t->ncols;
        int height = 1;
        for (int c = 0; c < t->ncols; c++)
            if (s_lines(row[c]) > height)
                height = s_lines(row[c]);
        for (int k = 0; k < height; k++) {
            fprintf(out, "%*s", indent, "");
            for (int c = 0; c < t->ncols; c++) {
                size_t len;
                const char *line = s_line(row[c], k, &len);
                fwrite(line, 1, len, out);
                if (c + 1 < t->ncols)
                    fprintf(out, "%*s", w[c] - cli_display_width(line) + 2,
                            "");
            }
            fputc('\n', out);
        }
        if (r == 0) {
            fprintf(out, "%*s", indent, "");
            for (int c = 0; c < t->ncols; c++) {
                for (int i = 0; i < w[c]; i++)
                    fputc('-', out);
                if (c + 1 < t->ncols)
                    fputs("  ", out);
            }
            fputc('\n', out);
        }
    }
    free(w);
}

void
cli_table_destroy(cli_table_t **t_p)
{
    if (!t_p || !*t_p)
        return;
    cli_table_t *t = *t_p;
    for (size_t i = 0; i < (size_t)(t->nrows + 1) * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->wrap);
    free(t);
    *t_p = NULL;
}
