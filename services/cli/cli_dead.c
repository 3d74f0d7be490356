/* cli_dead: 'rongyu dead list|show|retry|drop': intake's dead letters,
 * for the operator (the city's right; retry and drop are audited). */
#include "cli_cmds.h"
#include "cli_util.h"
#include "ry_json.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_dead_help[] =
    "用法 Usage:\n"
    "  rongyu dead list [--after KEY] [--limit N] [--json] [options]\n"
    "  rongyu dead show KEY [--json] [options]\n"
    "  rongyu dead retry KEY [options]\n"
    "  rongyu dead drop KEY [options]\n"
    "\n"
    "  intake 的死信：无法解码或不合规而被拒收的消息（in），以及对端拒收的\n"
    "  消息（out）。retry 重新发送 out 死信（新序号）或重新处理 in 死信；\n"
    "  drop 删除。retry 与 drop 记入审计（list "
    "显示最近的操作）。市总工会权限。\n"
    "  Intake's dead letters: messages it refused because they did not\n"
    "  decode or were invalid (in), and messages a peer refused (out).\n"
    "  retry sends an out letter again (a new sequence number) or applies\n"
    "  an in letter again; drop deletes it. retry and drop are audited\n"
    "  (list shows the latest). The city's right: default principal\n"
    "  --role city --as city.\n"
    "  KEY is 'direction|peer|sequence' as list prints it.\n"
    "\n"
    "  --after KEY   list from after this key (paging)\n"
    "  --limit N     at most N letters (default 100, at most 1000)\n"
    "\n";

enum { S_OPT_AFTER = 1, S_OPT_LIMIT };

static const char *
s_type(int t)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
        &rongyu__message_type__descriptor, t);
    return v ? v->name : "?";
}

static void
s_print_letters(const Rongyu__DeadReply *d, bool frames)
{
    static const char *heads[] = {"键 Key", "类型 Type", "案件 Case",
                                  "字节 Bytes", "原因 Reason"};
    cli_table_t *t = cli_table_new(5, heads);
    for (size_t i = 0; i < d->n_letters; i++) {
        const Rongyu__DeadLetter *l = d->letters[i];
        char bytes[32];
        snprintf(bytes, sizeof bytes, "%" PRIu64, l->frame_bytes);
        const char *row[] = {l->key, l->type ? s_type(l->type) : "-",
                             l->correlation_id[0] ? l->correlation_id : "-",
                             bytes, l->reason};
        cli_table_add(t, row);
    }
    if (d->n_letters)
        cli_table_print(t, stdout, 0);
    cli_table_destroy(&t);
    if (frames)
        for (size_t i = 0; i < d->n_letters; i++) {
            const Rongyu__DeadLetter *l = d->letters[i];
            printf("帧 Frame (%zu bytes, hex):\n", l->frame.len);
            for (size_t k = 0; k < l->frame.len && k < 4096; k++)
                printf("%02x%s", l->frame.data[k],
                       (k + 1) % 32 == 0 ? "\n" : "");
            printf("\n");
        }
}

static int
s_run(cli_ctx_t *ctx, Rongyu__DeadOp op, const char *key, const char *after,
      unsigned limit)
{
    int rc = cli_load_config(ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__DeadRequest dr = RONGYU__DEAD_REQUEST__INIT;
    dr.op = op;
    dr.key = (char *)(key ? key : "");
    dr.after_key = (char *)(after ? after : "");
    dr.limit = limit;
    req.body_case = RONGYU__REQUEST__BODY_DEAD;
    req.dead = &dr;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_DEAD) {
        fprintf(stderr, "错误：应答中没有死信 error: the answer holds no "
                        "dead letters\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    const Rongyu__DeadReply *d = reply->dead;
    if (ctx->json) {
        char *txt;
        if (ry_json_message_to_string(&d->base, RY_JSON_PRETTY, &txt) == 0)
            cli_print_json(txt);
    } else if (op == RONGYU__DEAD_OP__DEAD_LIST ||
               op == RONGYU__DEAD_OP__DEAD_SHOW) {
        s_print_letters(d, op == RONGYU__DEAD_OP__DEAD_SHOW);
        if (op == RONGYU__DEAD_OP__DEAD_LIST) {
            printf("共 %" PRIu64 " 条死信，超出上限未保留 %" PRIu64
                   " 条 %" PRIu64 " dead letters kept, %" PRIu64
                   " refused past the bounds\n",
                   d->kept, d->refused, d->kept, d->refused);
            if (d->next_after[0])
                printf("更多 more: --after '%s'\n", d->next_after);
            for (size_t i = 0; i < d->n_audit; i++) {
                const Rongyu__DeadAuditEntry *a = d->audit[i];
                time_t s = (time_t)(a->at_ms / 1000);
                struct tm tm;
                char when[32];
                gmtime_r(&s, &tm);
                strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
                printf("审计 audit: %s %s %s %s: %s\n", when, a->actor, a->op,
                       a->key, a->outcome);
            }
        }
    } else {
        printf("%s %s（剩余死信 %" PRIu64 " left）\n",
               op == RONGYU__DEAD_OP__DEAD_RETRY ? "已重新发送 retried"
                                                 : "已删除 dropped",
               key, d->kept);
    }
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}

int
cli_cmd_dead(int argc, char **argv)
{
    static const struct option opts[] = {
        {"after", required_argument, 0, S_OPT_AFTER},
        {"limit", required_argument, 0, S_OPT_LIMIT},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(s_dead_help, argc < 2 ? stderr : stdout);
        if (argc >= 2)
            fputs(cli_common_help, stdout);
        return argc < 2 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
    }
    static const struct {
        const char *name;
        Rongyu__DeadOp op;
    } subs[] = {{"list", RONGYU__DEAD_OP__DEAD_LIST},
                {"show", RONGYU__DEAD_OP__DEAD_SHOW},
                {"retry", RONGYU__DEAD_OP__DEAD_RETRY},
                {"drop", RONGYU__DEAD_OP__DEAD_DROP}};
    Rongyu__DeadOp op = RONGYU__DEAD_OP__DEAD_OP_UNSPECIFIED;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            op = subs[i].op;
    if (!op)
        return cli_usage_error("dead",
                               "未知子命令 unknown subcommand '%s' "
                               "(list | show | retry | drop)",
                               argv[1]);
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *after = NULL;
    unsigned limit = 0;
    int c;
    optind = 0;
    opterr = 0;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == CLI_OPT_HELP) {
            fputs(s_dead_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        }
        if (c == S_OPT_AFTER) {
            after = optarg;
        } else if (c == S_OPT_LIMIT) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || v == 0 || v > 1000)
                return cli_usage_error("dead",
                                       "--limit 须为 1..1000 must be "
                                       "1..1000: '%s'",
                                       optarg);
            limit = (unsigned)v;
        } else {
            int r = cli_other_opt(&ctx, "dead", c, optarg, argv);
            if (r)
                return r;
        }
    }
    bool need_key = op != RONGYU__DEAD_OP__DEAD_LIST;
    if (need_key ? optind != argc - 1 : optind != argc)
        return cli_usage_error("dead", need_key
                                           ? "需要一个死信键 expected one KEY"
                                           : "多余的参数 unexpected argument");
    cli_default_principal(&ctx, "city", "city");
    return s_run(&ctx, op, need_key ? argv[optind] : NULL, after, limit);
}
