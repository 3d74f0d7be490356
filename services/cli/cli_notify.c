/* cli_notify: `rongyu notifications`, the delivery log, the timers and the
 * feed of the notification service, asked on its own request endpoint. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_endpoint.h"
#include "ry_error.h"
#include "ry_json.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:7705"

static const char s_help[] =
    "用法 Usage: rongyu notifications [--org ORG] [--state STATE]\n"
    "                   [--channel pub|webhook|email] [--after N]\n"
    "                   [--limit N] [--timers] [--feed [--since SEQ]]\n"
    "                   [options]\n"
    "\n"
    "  列出通知服务的送达记录：每条通知、每个订阅者、每个渠道一行，含状态、\n"
    "  尝试次数与最后的错误。\n"
    "  Lists the notification service's deliveries: one row per notice,\n"
    "  subscriber and channel, with its state, attempts and last error.\n"
    "\n"
    "  --org ORG       只列该组织的 only this organisation's\n"
    "  --state STATE   pending | sent | failed (with --timers: pending |\n"
    "                  fired | cancelled | skipped | failed)\n"
    "  --channel CH    pub | webhook | email\n"
    "  --after N       分页：编号大于 N 的送达记录，或第 N 个之后的定时器\n"
    "                  paging: deliveries after id N, or the timers after\n"
    "                  the N-th (the \"more: --after N\" of a full page)\n"
    "  --limit N       最多 at most N rows (default 100, at most 1000)\n"
    "  --timers        列出定时器（截止日期提醒） list the timers instead\n"
    "  --feed          重放订阅推送 replay the PUB feed (with --since SEQ;\n"
    "                  with --org SEQ counts in that topic, as the feed does,\n"
    "                  items after SEQ; --org: that topic only)\n"
    "\n"
    "  通知服务的请求端点 The notification service's request endpoint:\n"
    "  --endpoint, else $RONGYU_NOTIFY_CLIENT_ENDPOINT, else the\n"
    "  notification endpoint's port + 1 (" S_DEFAULT_ENDPOINT " by default).\n"
    "  See docs/notifications.md.\n"
    "\n";

enum { S_OPT_STATE = 1, S_OPT_CHANNEL, S_OPT_AFTER, S_OPT_LIMIT,
       S_OPT_TIMERS, S_OPT_FEED, S_OPT_SINCE };

static int
s_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* The next page's --after, for deliveries and timers alike. */
static void
s_print_more(const Rongyu__NotificationsReply *r)
{
    if (r->next_after)
        printf("更多：--after %" PRIu64 "  more: --after %" PRIu64 "\n",
               r->next_after, r->next_after);
}

static void
s_print_deliveries(const Rongyu__NotificationsReply *r)
{
    static const char *heads[] = {"编号 ID",        "状态 State",
                                  "渠道 Channel",   "组织 Org",
                                  "通知 Notice",    "尝试 Tries",
                                  "目标/错误 Target / last error"};
    cli_table_t *t = cli_table_new(7, heads);
    cli_table_wrap(t, 6, 48);
    for (size_t i = 0; i < r->n_deliveries; i++) {
        const Rongyu__Delivery *d = r->deliveries[i];
        char id[24], tries[16], what[700];
        snprintf(id, sizeof id, "%" PRIu64, d->id);
        snprintf(tries, sizeof tries, "%u", d->attempts);
        snprintf(what, sizeof what, "%s%s%s", d->target,
                 *d->last_error ? "\n" : "", d->last_error);
        const char *row[] = {id, d->state, d->channel, d->org, d->kind,
                             tries, what};
        cli_table_add(t, row);
    }
    if (cli_table_rows(t))
        cli_table_print(t, stdout, 0);
    else
        printf("无送达记录 no deliveries\n");
    cli_table_destroy(&t);
    s_print_more(r);
}

static void
s_print_timers(const Rongyu__NotificationsReply *r)
{
    static const char *heads[] = {"到期 Due (UTC+8)", "状态 State",
                                  "定时器 Timer", "原因 Reason"};
    cli_table_t *t = cli_table_new(4, heads);
    cli_table_wrap(t, 3, 40);
    for (size_t i = 0; i < r->n_timers; i++) {
        const Rongyu__NotifyTimer *x = r->timers[i];
        char due[40];
        cli_format_time(x->due_ms, due, sizeof due);
        const char *row[] = {due, x->state, x->timer_id, x->reason};
        cli_table_add(t, row);
    }
    if (cli_table_rows(t))
        cli_table_print(t, stdout, 0);
    else
        printf("无定时器 no timers\n");
    cli_table_destroy(&t);
    s_print_more(r);
}

int
cli_cmd_notifications(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state", required_argument, 0, S_OPT_STATE},
        {"channel", required_argument, 0, S_OPT_CHANNEL},
        {"after", required_argument, 0, S_OPT_AFTER},
        {"limit", required_argument, 0, S_OPT_LIMIT},
        {"timers", no_argument, 0, S_OPT_TIMERS},
        {"feed", no_argument, 0, S_OPT_FEED},
        {"since", required_argument, 0, S_OPT_SINCE},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    Rongyu__NotificationsRequest nq = RONGYU__NOTIFICATIONS_REQUEST__INIT;
    Rongyu__FeedReplayRequest fq = RONGYU__FEED_REPLAY_REQUEST__INIT;
    bool feed = false;
    uint64_t v;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case CLI_OPT_HELP:
            fputs(s_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        case S_OPT_STATE:
            nq.state = optarg;
            break;
        case S_OPT_CHANNEL:
            if (strcmp(optarg, "pub") && strcmp(optarg, "webhook") &&
                strcmp(optarg, "email"))
                return cli_usage_error("notifications",
                                       "渠道“%1$s”应为 pub、webhook 或 "
                                       "email。" CLI_BI
                                       "Channel '%1$s' is not pub, "
                                       "webhook or email.",
                                       optarg);
            nq.channel = optarg;
            break;
        case S_OPT_AFTER:
        case S_OPT_SINCE:
        case S_OPT_LIMIT:
            if (s_u64(optarg, &v) ||
                (c == S_OPT_LIMIT && (v < 1 || v > 1000)))
                return cli_usage_error("notifications",
                                       "无效的数字“%1$s”。" CLI_BI "Bad "
                                       "number '%1$s'.",
                                       optarg);
            if (c == S_OPT_AFTER)
                nq.after_id = v;
            else if (c == S_OPT_SINCE)
                fq.since_seq = v;
            else
                nq.limit = fq.limit = (uint32_t)v;
            break;
        case S_OPT_TIMERS:
            nq.timers = true;
            break;
        case S_OPT_FEED:
            feed = true;
            break;
        default: {
            int r = cli_other_opt(&ctx, "notifications", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc)
        return cli_usage_error("notifications",
                               "多余的参数“%1$s”。" CLI_BI "Unexpected "
                               "argument '%1$s'.",
                               argv[optind]);
    if (*nq.state && !nq.timers && strcmp(nq.state, "pending") &&
        strcmp(nq.state, "sent") && strcmp(nq.state, "failed"))
        return cli_usage_error("notifications",
                               "状态“%1$s”应为 pending、sent 或 "
                               "failed。" CLI_BI "State '%1$s' is not pending, "
                               "sent or failed.",
                               nq.state);
    if (ctx.org)
        nq.org = fq.topic = (char *)ctx.org;
    const char *ep = ctx.endpoint;
    if (!ep || !*ep)
        ep = getenv("RONGYU_NOTIFY_CLIENT_ENDPOINT");
    char derived[300];
    int lrc = cli_load_config(&ctx);
    if (lrc)
        return lrc;
    if (!ep || !*ep) {
        ep = ry_endpoint_offset(ctx.cfg.endpoint[RY_SVC_NOTIFICATION], 1,
                                derived, sizeof derived) == 0
                 ? derived
                 : S_DEFAULT_ENDPOINT;
    }

    Rongyu__Request req = RONGYU__REQUEST__INIT;
    if (feed) {
        req.body_case = RONGYU__REQUEST__BODY_FEED_REPLAY;
        req.feed_replay = &fq;
    } else {
        req.body_case = RONGYU__REQUEST__BODY_NOTIFICATIONS;
        req.notifications = &nq;
    }
    cli_client_t *cl = NULL;
    cli_curve_t curve;
    if (cli_curve(&ctx, "notification", &curve) != 0)
        return CLI_EXIT_ERROR;
    if (cli_client_new(ep, &curve, &cl) != 0) {
        fprintf(stderr, "错误：无效的端点 error: bad endpoint '%s'\n", ep);
        return CLI_EXIT_ERROR;
    }
    Rongyu__Reply *reply = NULL;
    int rc = cli_client_call(cl, &req, ctx.timeout_ms, ctx.attempts, &reply);
    cli_client_destroy(&cl);
    if (rc)
        return cli_print_call_error(&ctx, "notification", ep, rc);
    if (reply->code != RONGYU__ERROR_CODE__OK) {
        cli_print_reply_error(reply);
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    int out = CLI_EXIT_OK;
    char *txt = NULL;
    if (feed && reply->body_case == RONGYU__REPLY__BODY_FEED_REPLAY) {
        const Rongyu__FeedReplayReply *f = reply->feed_replay;
        if (ctx.json) {
            if (ry_json_message_to_string(&f->base, RY_JSON_PRETTY, &txt) == 0)
                cli_print_json(txt);
        } else {
            /* With --org the numbers are the topic's, as on the feed. */
            for (size_t i = 0; i < f->n_items; i++)
                printf("%" PRIu64 " %s| %s\n",
                       fq.topic && *fq.topic && f->items[i]->topic_seq
                           ? f->items[i]->topic_seq
                           : f->items[i]->seq,
                       f->items[i]->topic, f->items[i]->body);
            printf("# 最新序号 last seq %" PRIu64 "\n", f->last_seq);
        }
    } else if (!feed &&
               reply->body_case == RONGYU__REPLY__BODY_NOTIFICATIONS) {
        const Rongyu__NotificationsReply *n = reply->notifications;
        if (ctx.json) {
            if (ry_json_message_to_string(&n->base, RY_JSON_PRETTY, &txt) == 0)
                cli_print_json(txt);
        } else if (nq.timers) {
            s_print_timers(n);
        } else {
            s_print_deliveries(n);
        }
    } else {
        fprintf(stderr, "错误：应答内容不符 error: unexpected answer\n");
        out = CLI_EXIT_ERROR;
    }
    cli_client_reply_free(&reply);
    return out;
}
