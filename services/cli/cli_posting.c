/* cli_posting: the public posting (公示) of drafts: 'rongyu posting start'
 * records one, 'rongyu postings' lists a unit's, and the posting status
 * that 'rongyu show' and 'rongyu draft save' print. */
#include "cli_cmds.h"
#include "cli_posting.h"
#include "cli_util.h"

#include "ry_json.h"
#include "ry_names.h"
#include "ry_posting.h"

#include <stdlib.h>
#include <string.h>

static const char s_posting_help[] =
    "用法 Usage: rongyu posting start ID --from DATE [--to DATE] [--idem K]\n"
    "                              [options]\n"
    "\n"
    "  登记草稿的公示：开始日期（及计划结束日期）。立即答复最早可结束日期\n"
    "  （官方工作日历上的第5个工作日，节假日与调休按国务院公布计）、为赶上\n"
    "  截止日期公示最迟须开始的日期；计划结束日期不足5个工作日时给出警告\n"
    "  和最早的有效结束日期。通知服务在公示满期当天上午通知可以上报。\n"
    "  Records the start (and the planned end) of a draft's public posting.\n"
    "  The answer says at once the earliest day it can end (the 5th working\n"
    "  day on the official calendar, holidays and make-up days counted) and\n"
    "  the last day a posting could start to meet the deadline (the\n"
    "  campaign's submission deadline; for an excellent-worker nomination\n"
    "  its summary deadline, by which the unit recommends: 30 Nov and 31\n"
    "  Dec in 2018). A planned end before the 5th working day is a warning\n"
    "  with the earliest valid end. Notification tells the applicant on\n"
    "  the morning of the posting's last required working day, from which\n"
    "  it may submit (posting_complete).\n"
    "\n"
    "  --from DATE   公示开始日期 the first day of the posting (YYYY-MM-DD)\n"
    "  --to DATE     计划结束日期 the planned last day (optional)\n"
    "  --idem K      幂等键 idempotency key (default: a fresh one)\n"
    "\n"
    "  Exit status 0 also with a warning (shown on stderr, and in --json as\n"
    "  posting.warning).\n"
    "\n";

static const char s_postings_help[] =
    "用法 Usage: rongyu postings --unit U [--campaign C] [options]\n"
    "\n"
    "  列出组织单位下各草稿（含优秀工会工作者人选）的公示状态：未开始、公示待\n"
    "  开始、公示中（至某日）、公示期满、已无法按时完成，便于督促。\n"
    "  Lists the drafts of unit U (nominations of excellent workers\n"
    "  included) with their posting state: not_started, planned (to start\n"
    "  on a day to come), under_way (until D), complete, too_late (can no\n"
    "  longer finish in time), so that the\n"
    "  unit can chase the late ones. Default principal: --role unit --as U.\n"
    "\n"
    "  --json   {\"rows\": [{\"case_id\", ..., \"posting\": {...}}]}\n"
    "\n";

void
cli_posting_print_status(const Rongyu__PostingStatus *ps, FILE *out)
{
    if (!ps)
        return;
    fprintf(out, "公示 posting: %s %s", ry_posting_state_zh(ps->state),
            ry_posting_state_name(ps->state));
    if ((ps->state == RONGYU__POSTING_STATE__UNDER_WAY ||
         ps->state == RONGYU__POSTING_STATE__PLANNED) &&
        *ps->until)
        fprintf(out, "，至 until %s", ps->until);
    fputc('\n', out);
    if (*ps->posting_start)
        fprintf(out, "  开始 start %s%s%s\n", ps->posting_start,
                *ps->posting_end ? "，计划结束 planned end " : "",
                ps->posting_end);
    if (*ps->earliest_end)
        fprintf(out,
                "  最早可结束 earliest end %s（第%u个工作日 working day "
                "%u）\n",
                ps->earliest_end, ps->workdays_needed, ps->workdays_needed);
    if (*ps->last_start)
        fprintf(out, "  最迟开始 last start %s，截止 deadline %s\n",
                ps->last_start, ps->deadline);
    if (*ps->warning)
        fprintf(out, "  警告 warning %s\n", ps->warning);
    fprintf(out, "  %s\n  %s\n", ps->message_zh, ps->message_en);
}

static int
s_posting_start(int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, 0, 'f'},
                                         {"to", required_argument, 0, 't'},
                                         {"idem", required_argument, 0, 'k'},
                                         CLI_COMMON_OPTIONS,
                                         {0, 0, 0, 0}};
    const char *cmd = "posting start";
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *from = NULL, *to = "", *key = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'k': key = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_posting_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        default: {
            int r = cli_other_opt(&ctx, cmd, c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(cmd, "需要一个案件号 expected one case ID");
    if (!from)
        return cli_usage_error(cmd, "需要 --from DATE");
    if (key && !key[0])
        return cli_usage_error(cmd, "--idem 不能为空 must not be empty");
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__PostingStartRequest ps = RONGYU__POSTING_START_REQUEST__INIT;
    ps.case_id = argv[optind];
    ps.from = (char *)from;
    ps.to = (char *)to;
    req.body_case = RONGYU__REQUEST__BODY_POSTING_START;
    req.posting_start = &ps;
    char rnd[80];
    if (!key) {
        cli_random_id("posting_start-", rnd, sizeof rnd);
        key = rnd;
    }
    req.idempotency_key = (char *)key;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_CASE || !reply->case_ ||
        !reply->case_->case_) {
        fprintf(stderr, "错误：应答中没有案件 error: the answer holds no "
                        "case\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    const Rongyu__PostingStatus *st = reply->case_->posting;
    if (ctx.json) {
        char *txt;
        if (ry_json_case_reply_to_string(reply->case_, RY_JSON_PRETTY, &txt) ==
            0)
            cli_print_json(txt);
    } else {
        printf("case %s posting recorded\n", reply->case_->case_->case_id);
        cli_posting_print_status(st, stdout);
    }
    if (st && *st->warning)
        fprintf(stderr, "警告 warning %s: %s %s\n", st->warning, st->message_zh,
                st->message_en);
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}

int
cli_cmd_posting(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "start") == 0)
        return s_posting_start(argc - 1, argv + 1);
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(s_posting_help, stdout);
        fputs(cli_common_help, stdout);
        return CLI_EXIT_OK;
    }
    return cli_usage_error("posting", "用法 usage: rongyu posting start ID "
                                      "--from DATE [--to DATE]");
}

int
cli_cmd_postings(int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, 0, 'u'},
        {"campaign", required_argument, 0, 'c'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    const char *cmd = "postings";
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *unit = NULL, *campaign = "";
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u': unit = optarg; break;
        case 'c': campaign = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_postings_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        default: {
            int r = cli_other_opt(&ctx, cmd, c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc)
        return cli_usage_error(cmd, "多余的参数 unexpected argument '%s'",
                               argv[optind]);
    if (!unit || !*unit)
        return cli_usage_error(cmd, "需要 --unit U");
    cli_default_principal(&ctx, "unit", unit);
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__PostingsRequest pq = RONGYU__POSTINGS_REQUEST__INIT;
    pq.organising_unit = (char *)unit;
    pq.campaign_id = (char *)campaign;
    req.body_case = RONGYU__REQUEST__BODY_POSTINGS;
    req.postings = &pq;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_POSTINGS) {
        fprintf(stderr, "错误：应答中没有公示列表 error: the answer holds no "
                        "postings\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    const Rongyu__PostingsReply *pr = reply->postings;
    if (ctx.json) {
        char *txt;
        if (ry_json_message_to_string(&pr->base, RY_JSON_PRETTY, &txt) == 0)
            cli_print_json(txt);
        cli_client_reply_free(&reply);
        return CLI_EXIT_OK;
    }
    static const char *const head[] = {
        "案件 case",          "申报者 applicant", "荣誉 honour",
        "公示 posting",       "开始 start",       "最早结束 earliest end",
        "最迟开始 last start"};
    cli_table_t *t = cli_table_new(7, head);
    for (size_t i = 0; i < pr->n_rows; i++) {
        const Rongyu__PostingRow *row = pr->rows[i];
        const Rongyu__PostingStatus *ps = row->posting;
        char state[128] = "";
        if (ps) {
            snprintf(state, sizeof state, "%s %s",
                     ry_posting_state_zh(ps->state),
                     ry_posting_state_name(ps->state));
            if ((ps->state == RONGYU__POSTING_STATE__UNDER_WAY ||
                 ps->state == RONGYU__POSTING_STATE__PLANNED) &&
                *ps->until)
                snprintf(state + strlen(state), sizeof state - strlen(state),
                         " until %s", ps->until);
        }
        const char *cells[] = {row->case_id,
                               *row->applicant_name ? row->applicant_name
                                                    : row->applicant_org,
                               ry_names_honour_zh(row->honour),
                               state,
                               ps ? ps->posting_start : "",
                               ps ? ps->earliest_end : "",
                               ps ? ps->last_start : ""};
        cli_table_add(t, cells);
    }
    printf("%s：%zu 件草稿 drafts\n", unit, pr->n_rows);
    cli_table_print(t, stdout, 0);
    cli_table_destroy(&t);
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}
