/* cli_status: 'rongyu status' (intake's links and counters) and
 * 'rongyu ping' (is each service answering?). */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_error.h"
#include "ry_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_status_help[] =
    "用法 Usage: rongyu status [options]\n"
    "\n"
    "  显示 intake 的状态：与各服务的链路（待确认消息、下一序号、已确认序号）、\n"
    "  案件数与死信数，客户端连接数与超出每密钥连接上限被拒的请求数，\n"
    "  以及各服务存储的计数（启动以来的提交、同步、写入字节，\n"
    "  已用大小与案件行数；其他服务的数据来自最近一次心跳，至多约 1 秒前）。\n"
    "  Shows intake's status: its links to the other services (outbox rows\n"
    "  not yet acknowledged, next sequence number, highest acknowledged),\n"
    "  the number of cases and of dead letters, the client connections it\n"
    "  serves and the requests refused over a key's connection bound\n"
    "  (client_connections_per_key), and each service's store:\n"
    "  commits, syncs and bytes written since the service started, used\n"
    "  size and rows of its case table (the other services' as their last\n"
    "  answer to intake's once-a-second ping carried them).\n"
    "\n";

static const char s_ping_help[] =
    "用法 Usage: rongyu ping [SERVICE|all] [options]\n"
    "\n"
    "  检查服务是否应答。SERVICE: intake | validation | quota | notification\n"
    "  (default: all). intake is asked for its status; the others get an\n"
    "  Envelope PING and must answer PONG. Every socket is CURVE: a\n"
    "  service that refuses this client's key during the handshake (peer\n"
    "  sockets admit only the services' keys) still answers, and is shown\n"
    "  as 'answering, refuses this key' (应答，但不接受此密钥).\n"
    "  退出状态 Exit status: 0 when every service asked answered, 1 when\n"
    "  one did not (each is named with its endpoint).\n"
    "  --endpoint URL overrides the endpoint of the one SERVICE named (of\n"
    "  intake with 'all').\n"
    "\n";

static int
s_help(const char *text)
{
    fputs(text, stdout);
    fputs(cli_common_help, stdout);
    return CLI_EXIT_OK;
}

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cli_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == CLI_OPT_HELP)
            return s_help(s_status_help);
        int r = cli_other_opt(&ctx, "status", c, optarg, argv);
        if (r)
            return r;
    }
    if (optind != argc)
        return cli_usage_error("status",
                               "多余的参数“%1$s”。" CLI_BI
                               "Unexpected argument "
                               "'%1$s'.",
                               argv[optind]);
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_STATUS;
    req.status = &sr;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_STATUS) {
        fprintf(stderr, "错误：应答中没有状态 error: the answer holds no "
                        "status\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    const Rongyu__StatusReply *s = reply->status;
    if (ctx.json) {
        char *txt;
        if (ry_json_status_reply_to_string(s, RY_JSON_PRETTY, &txt) == 0)
            cli_print_json(txt);
        cli_client_reply_free(&reply);
        return CLI_EXIT_OK;
    }
    printf("服务 Service: %s  (%s)\n", s->service[0] ? s->service : "intake",
           cli_intake_endpoint(&ctx));
    printf("案件 Cases: %llu    死信 Dead letters: %llu (超出上限未保留 "
           "refused past the bounds: %llu; rongyu dead list)\n",
           (unsigned long long)s->cases, (unsigned long long)s->dead,
           (unsigned long long)s->dead_refused);
    printf("客户端连接 Client connections: %llu (每个密钥的上限之外被拒的请求 "
           "requests refused over a key's bound: %llu)\n",
           (unsigned long long)s->client_connections,
           (unsigned long long)s->connections_refused);
    if (s->store_failures)
        printf("存储故障 Store failing: %s（连续 %llu 轮 rounds in a row）\n",
               s->store_error, (unsigned long long)s->store_failures);
    printf("链路 Links:%s\n", s->n_links ? "" : " 无 none");
    static const char *heads[] = {"对端 Peer", "待确认 Outbox",
                                  "下一序号 Next seq", "已确认 Acked seq"};
    cli_table_t *tab = cli_table_new(4, heads);
    for (size_t i = 0; i < s->n_links; i++) {
        const Rongyu__LinkStatus *l = s->links[i];
        char o[32], n[32], a[32];
        snprintf(o, sizeof o, "%llu", (unsigned long long)l->outbox);
        snprintf(n, sizeof n, "%llu", (unsigned long long)l->next_seq);
        snprintf(a, sizeof a, "%llu", (unsigned long long)l->acked_seq);
        const char *row[] = {l->peer, o, n, a};
        cli_table_add(tab, row);
    }
    if (s->n_links)
        cli_table_print(tab, stdout, 2);
    cli_table_destroy(&tab);
    printf("存储 Stores:%s\n", s->n_stores ? "" : " 无 none");
    static const char *sheads[] = {"服务 Service",        "提交 Commits",
                                   "同步 Syncs",          "写入 Written",
                                   "提交耗时 In commits", "已用 Used",
                                   "案件行 Case rows"};
    tab = cli_table_new(7, sheads);
    for (size_t i = 0; i < s->n_stores; i++) {
        const Rongyu__StoreStats *t = s->stores[i];
        char cm[32], y[32], w[32], ct[32], u[32], k[32];
        snprintf(cm, sizeof cm, "%llu", (unsigned long long)t->commits);
        snprintf(y, sizeof y, "%llu", (unsigned long long)t->syncs);
        if (t->bytes_known)
            snprintf(w, sizeof w, "%.1f MiB", t->bytes_written / 1048576.0);
        else
            snprintf(w, sizeof w, "?");
        if (t->commit_us < 1000000)
            snprintf(ct, sizeof ct, "%.1f ms", t->commit_us / 1e3);
        else
            snprintf(ct, sizeof ct, "%.1f s", t->commit_us / 1e6);
        snprintf(u, sizeof u, "%.1f MiB", t->used_bytes / 1048576.0);
        snprintf(k, sizeof k, "%llu", (unsigned long long)t->cases);
        const char *row[] = {t->service, cm, y, w, ct, u, k};
        cli_table_add(tab, row);
    }
    if (s->n_stores)
        cli_table_print(tab, stdout, 2);
    cli_table_destroy(&tab);
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}

/* Asks intake for its status; any decoded reply means it answers. */
static int
s_ping_intake(cli_ctx_t *ctx, const char *endpoint, char *who, size_t len)
{
    cli_client_t *client = NULL;
    cli_curve_t curve;
    if (cli_curve(ctx, "intake", &curve) != 0)
        return RY_ECONFIG;
    int rc = cli_client_new(endpoint, &curve, &client);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__StatusRequest sr = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    p.org_id = (char *)cli_principal_org(ctx, NULL);
    p.role = (char *)ctx->role;
    p.user = (char *)ctx->user;
    req.principal = &p;
    req.body_case = RONGYU__REQUEST__BODY_STATUS;
    req.status = &sr;
    Rongyu__Reply *reply = NULL;
    rc = cli_client_call(client, &req, ctx->timeout_ms, 1, &reply);
    if (rc == 0) {
        snprintf(who, len, "%s",
                 reply->body_case == RONGYU__REPLY__BODY_STATUS &&
                         reply->status->service[0]
                     ? reply->status->service
                     : "intake");
        cli_client_reply_free(&reply);
    }
    cli_client_destroy(&client);
    return rc;
}

int
cli_cmd_ping(int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == CLI_OPT_HELP)
            return s_help(s_ping_help);
        int r = cli_other_opt(&ctx, "ping", c, optarg, argv);
        if (r)
            return r;
    }
    if (optind < argc - 1)
        return cli_usage_error(
            "ping", "多余的参数“%1$s”。" CLI_BI "Unexpected argument '%1$s'.",
            argv[optind + 1]);
    int only = -1;
    if (optind == argc - 1 && strcmp(argv[optind], "all") != 0) {
        only = ry_service_index(argv[optind]);
        if (only < 0)
            return cli_usage_error("ping",
                                   "未知服务“%1$s”（可用 intake、validation、"
                                   "quota、notification、all）。" CLI_BI
                                   "Unknown "
                                   "service '%1$s' (intake, validation, quota, "
                                   "notification, all).",
                                   argv[optind]);
    }
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;

    static const char *heads[] = {"服务 Service", "地址 Endpoint",
                                  "状态 Status"};
    cli_table_t *tab = cli_table_new(3, heads);
    int failed = 0, first = 1;
    if (ctx.json)
        printf("[");
    for (int svc = 0; svc < RY_SVC_COUNT; svc++) {
        if (only >= 0 && svc != only)
            continue;
        const char *name = ry_service_name(svc);
        const char *ep = ctx.cfg.endpoint[svc];
        if (ctx.endpoint && (only == svc || (only < 0 &&
                                             svc == RY_SVC_INTAKE)))
            ep = ctx.endpoint;
        char who[64] = "";
        int64_t t0 = s_now_ms();
        cli_curve_t curve;
        int r = svc == RY_SVC_INTAKE
                    ? s_ping_intake(&ctx, ep, who, sizeof who)
                : cli_curve(&ctx, name, &curve) != 0
                    ? RY_ECONFIG
                    : cli_client_ping(ep, &curve, ctx.timeout_ms, who,
                                      sizeof who);
        long ms = (long)(s_now_ms() - t0);
        char status[256];
        /* A refused key still shows the service's ZAP handler at work:
         * peer sockets admit the services' keys alone. */
        bool refused = r == RY_EPERM;
        if (refused) {
            snprintf(status, sizeof status,
                     "✓ 应答，但不接受此密钥 answering, refuses this key "
                     "(%ld ms)",
                     ms);
            r = 0;
        } else if (r == 0)
            snprintf(status, sizeof status, "✓ 应答 answering (%ld ms)%s%s",
                     ms, strcmp(who, name) ? ", as " : "",
                     strcmp(who, name) ? who : "");
        else if (r == RY_EINVAL)
            snprintf(status, sizeof status, "✗ 地址无效 bad endpoint");
        else if (r == RY_EMALFORMED)
            snprintf(status, sizeof status, "✗ 应答无法解码 answer does not "
                     "decode");
        else if (r == RY_ECONFIG)
            snprintf(status, sizeof status, "✗ 缺少密钥 no key");
        else
            snprintf(status, sizeof status, "✗ 无应答 not answering");
        failed += r != 0;
        if (ctx.json) {
            printf("%s\n  {\"service\": ", first ? "" : ",");
            cli_json_string(stdout, name);
            printf(", \"endpoint\": ");
            cli_json_string(stdout, ep);
            printf(", \"answering\": %s, \"key_refused\": %s, \"ms\": %ld, "
                   "\"answered_as\": ",
                   r == 0 ? "true" : "false", refused ? "true" : "false", ms);
            cli_json_string(stdout, who);
            printf(", \"error\": ");
            cli_json_string(stdout, r == 0 ? "" : ry_strerror(r));
            printf("}");
        } else {
            const char *row[] = {name, ep, status};
            cli_table_add(tab, row);
        }
        first = 0;
        if (r != 0 && r != RY_ECONFIG)
            cli_print_unreachable(name, ep);
    }
    if (ctx.json)
        printf("\n]\n");
    else
        cli_table_print(tab, stdout, 0);
    cli_table_destroy(&tab);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
