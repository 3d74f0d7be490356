/* cli_deadline: 'rongyu deadline': the summary deadline (recommendations
 * to the city and the summary tables, 31 December) and the city's
 * extensions of it for one organising unit. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_json.h"

#include <string.h>

static const char s_deadline_help[] =
    "用法 Usage: rongyu deadline list [--unit UNIT] [--campaign ID] [options]\n"
    "            rongyu deadline extend --unit UNIT --until YYYY-MM-DD\n"
    "                     --opinion TEXT [--campaign ID] [--key KEY] "
    "[options]\n"
    "\n"
    "  组织单位向市总工会推荐及报送汇总表的截止日期为评选活动的\n"
    "  summary_deadline（2018 年为 12 月 31 日）；逾期推荐被拒绝\n"
    "  （E_DEADLINE_PASSED，并注明日期）。市总工会可为某一单位延期，须填写\n"
    "  理由；每次延期均留存记录，最新一次有效。\n"
    "  The organising units recommend to the city and file their summary\n"
    "  tables by the campaign's summary_deadline (31 December in 2018); a\n"
    "  recommendation after the end of that day (Beijing time) is refused\n"
    "  with E_DEADLINE_PASSED and the date. The city may extend it for one\n"
    "  unit, with a reason; every extension is kept (who, when, why) and\n"
    "  the newest is in force.\n"
    "  list     截止日期与全部延期记录 the deadline and every extension\n"
    "  extend   延期（市总工会权限） extend it for --unit (the city's right;\n"
    "           default principal --role city --as city)\n"
    "  --unit UNIT          组织单位 the organising unit, e.g. 萧山区\n"
    "  --until YYYY-MM-DD   新的截止日（含当日） the new last day\n"
    "  --opinion TEXT       延期理由 the reason (required)\n"
    "  --campaign ID        评选活动 (default: the built-in campaign)\n"
    "  --json               {\"campaign_id\", \"summary_deadline\",\n"
    "                        \"extensions\": [{organising_unit, until, "
    "opinion,\n"
    "                        actor, at_ms, seq}]}\n"
    "\n";

static void
s_print(const Rongyu__DeadlinesReply *d)
{
    printf("汇总表及推荐截止日期 summary deadline (%s): %s\n", d->campaign_id,
           d->summary_deadline);
    if (!d->n_extensions) {
        printf("无延期 no extensions\n");
        return;
    }
    static const char *heads[] = {"单位 Unit", "延至 Until", "理由 Reason",
                                  "经办 By", "时间 At"};
    cli_table_t *t = cli_table_new(5, heads);
    cli_table_wrap(t, 2, 40);
    for (size_t i = 0; i < d->n_extensions; i++) {
        const Rongyu__DeadlineExtension *x = d->extensions[i];
        char at[40];
        cli_format_time(x->at_ms, at, sizeof at);
        const char *row[] = {x->organising_unit, x->until, x->opinion, x->actor,
                             at};
        cli_table_add(t, row);
    }
    printf("\n延期记录（最新一次有效） extensions (the newest is in force):\n");
    cli_table_print(t, stdout, 0);
    cli_table_destroy(&t);
}

int
cli_cmd_deadline(int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, 0, 'u'},
        {"until", required_argument, 0, 't'},
        {"opinion", required_argument, 0, 'o'},
        {"campaign", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *unit = NULL, *until = NULL, *opinion = NULL, *campaign = NULL,
               *key = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u': unit = optarg; break;
        case 't': until = optarg; break;
        case 'o': opinion = optarg; break;
        case 'c': campaign = optarg; break;
        case 'k': key = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_deadline_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        default: {
            int r = cli_other_opt(&ctx, "deadline", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("deadline",
                               "需要子命令 list 或 extend。" CLI_BI "Expected "
                               "'list' or 'extend'.");
    const char *sub = argv[optind];
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__ExtendDeadlineRequest ex = RONGYU__EXTEND_DEADLINE_REQUEST__INIT;
    Rongyu__DeadlinesRequest ls = RONGYU__DEADLINES_REQUEST__INIT;
    char rnd[80];
    if (strcmp(sub, "extend") == 0) {
        if (!unit || !*unit)
            return cli_usage_error("deadline",
                                   "需要 --unit UNIT，例如 萧山区。" CLI_BI ""
                                   "--unit UNIT is needed, e.g. 萧山区.");
        if (!until || !*until)
            return cli_usage_error("deadline",
                                   "需要 --until YYYY-MM-DD。" CLI_BI ""
                                   "--until YYYY-MM-DD is needed.");
        ex.campaign_id = (char *)(campaign ? campaign : "");
        ex.organising_unit = (char *)unit;
        ex.until = (char *)until;
        ex.opinion = (char *)(opinion ? opinion : "");
        req.body_case = RONGYU__REQUEST__BODY_EXTEND_DEADLINE;
        req.extend_deadline = &ex;
        if (!key) {
            cli_random_id("deadline-", rnd, sizeof rnd);
            key = rnd;
        }
        req.idempotency_key = (char *)key;
        cli_default_principal(&ctx, "city", "city");
    } else if (strcmp(sub, "list") == 0) {
        ls.campaign_id = (char *)(campaign ? campaign : "");
        ls.organising_unit = (char *)(unit ? unit : "");
        req.body_case = RONGYU__REQUEST__BODY_DEADLINES;
        req.deadlines = &ls;
        cli_default_principal(&ctx, "city", "city");
    } else {
        return cli_usage_error("deadline",
                               "未知子命令“%1$s”（可用 list、extend）。" CLI_BI
                               ""
                               "Unknown subcommand '%1$s' (list, extend).",
                               sub);
    }
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_DEADLINES) {
        fprintf(stderr, "错误：应答中没有截止日期。\nerror: the answer holds "
                        "no deadlines.\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    if (ctx.json) {
        char *txt;
        if (ry_json_message_to_string(&reply->deadlines->base, RY_JSON_PRETTY,
                                      &txt) == 0)
            cli_print_json(txt);
    } else {
        s_print(reply->deadlines);
    }
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}
