/* cli_review: the decisions on a case after its submission: 'rongyu
 * review' and 'rongyu recommend' (the organising unit), 'rongyu decide'
 * (the city department) and 'rongyu withdraw' (the applicant). */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_json.h"
#include "ry_names.h"

#include <stdlib.h>
#include <string.h>

static const char s_review_help[] =
    "用法 Usage: rongyu review ID --decision approve|return|reject\n"
    "                     --opinion TEXT [--idem KEY] [options]\n"
    "\n"
    "  组织单位验家（审核）：通过、退回修改或不通过，必须填写审批意见。\n"
    "  The organising unit's review (验家) of an eligible or ineligible\n"
    "  case: approve (eligible only), return for changes (the applicant\n"
    "  edits it with 'rongyu draft save FILE --case ID' and submits a new\n"
    "  revision) or reject. The opinion (审批意见) is required.\n"
    "  Default principal: --role unit; give the unit with --as, e.g.\n"
    "  --as 萧山区.\n"
    "\n";

static const char s_recommend_help[] =
    "用法 Usage: rongyu recommend ID --opinion TEXT [--idem KEY] [options]\n"
    "\n"
    "  向市总工会推荐已审核通过的申报。示范职工之家与优秀工会工作者先向\n"
    "  名额服务预留名额：案件进入 recommending，名额确认后为 recommended；\n"
    "  名额已满则退回 approved，并注明单位、栏目、已用与名额。\n"
    "  Recommends an approved case to the city. Model homes and excellent\n"
    "  workers first reserve a quota seat: the case is 'recommending' until\n"
    "  quota answers, then 'recommended', or back to 'approved' with a note\n"
    "  naming the unit, the column, used and cap when the column is full\n"
    "  ('rongyu show ID'). Leadership-organ cadres are recommended by the\n"
    "  city (--role city). Default principal: --role unit.\n"
    "\n";

static const char s_decide_help[] =
    "用法 Usage: rongyu decide ID --decision award|not_selected\n"
    "                     --opinion TEXT [--idem KEY] [options]\n"
    "\n"
    "  市总工会审核：先进职工之家与小家抽验，示范职工之家评选，优秀工会\n"
    "  工作者确认。award 表彰；not_selected 未入选（释放名额）。\n"
    "  The city's review of a recommended case: spot-check (advanced homes,\n"
    "  small homes), selection (model homes, at most 20 city-wide) or\n"
    "  confirmation (excellent workers). 'award' makes it awarded (for\n"
    "  model homes and excellent workers after quota confirms the seat);\n"
    "  'not_selected' ends it and frees its seat.\n"
    "  Default principal: --role city --as city.\n"
    "\n";

static const char s_withdraw_help[] =
    "用法 Usage: rongyu withdraw ID [--reason TEXT] [--idem KEY] [options]\n"
    "\n"
    "  申报单位在最终决定前撤回申报（已占名额随之释放）。\n"
    "  The applicant withdraws its case before the final decision; a seat\n"
    "  it holds is released.\n"
    "\n";

typedef enum { S_REVIEW, S_RECOMMEND, S_DECIDE, S_WITHDRAW } s_kind_t;

static const struct {
    const char *name;
    const char *help;
    const char *zh, *en;
} s_cmds[] = {
    [S_REVIEW] = {"review", s_review_help, "已审核", "reviewed"},
    [S_RECOMMEND] = {"recommend", s_recommend_help, "已推荐", "recommended"},
    [S_DECIDE] = {"decide", s_decide_help, "已决定", "decided"},
    [S_WITHDRAW] = {"withdraw", s_withdraw_help, "已撤回", "withdrawn"},
};

static void
s_print(const cli_ctx_t *ctx, const Rongyu__Reply *reply, s_kind_t kind)
{
    if (reply->body_case != RONGYU__REPLY__BODY_CASE || !reply->case_ ||
        !reply->case_->case_) {
        printf("%s (no case in the answer)\n", s_cmds[kind].en);
        return;
    }
    if (ctx->json) {
        char *txt;
        if (ry_json_case_reply_to_string(reply->case_, RY_JSON_PRETTY, &txt) ==
            0)
            cli_print_json(txt);
        return;
    }
    const Rongyu__Case *c = reply->case_->case_;
    printf("case %s %s\n", c->case_id, ry_names_state_en(c->state));
    fprintf(stderr, "%s：案件 %s，状态 %s %s\n", s_cmds[kind].zh, c->case_id,
            ry_names_state_zh(c->state), ry_names_state_en(c->state));
    if (c->state == RONGYU__CASE_STATE__RECOMMENDING ||
        c->state == RONGYU__CASE_STATE__SELECTING)
        fprintf(stderr,
                "等待名额服务确认 waiting for the quota service; see "
                "'rongyu show %s'\n",
                c->case_id);
}

static int
s_run(s_kind_t kind, int argc, char **argv)
{
    static const struct option opts[] = {
        {"decision", required_argument, 0, 'd'},
        {"opinion", required_argument, 0, 'o'},
        {"reason", required_argument, 0, 'r'},
        {"idem", required_argument, 0, 'k'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    const char *cmd = s_cmds[kind].name;
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *decision = NULL, *opinion = NULL, *key = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': decision = optarg; break;
        case 'o': opinion = optarg; break;
        case 'r': opinion = optarg; break;
        case 'k': key = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_cmds[kind].help, stdout);
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
        return cli_usage_error(cmd, "需要一个案件号。" CLI_BI
                                    "Expected one case ID.");
    if (key && !key[0])
        return cli_usage_error(cmd, "--idem 不能为空。" CLI_BI
                                   "--idem must not be empty.");
    const char *id = argv[optind];
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__ReviewRequest rv = RONGYU__REVIEW_REQUEST__INIT;
    Rongyu__RecommendRequest rc_ = RONGYU__RECOMMEND_REQUEST__INIT;
    Rongyu__CityDecisionRequest cd = RONGYU__CITY_DECISION_REQUEST__INIT;
    Rongyu__WithdrawRequest wd = RONGYU__WITHDRAW_REQUEST__INIT;
    switch (kind) {
    case S_REVIEW:
        if (!decision)
            return cli_usage_error(
                cmd, "需要 --decision approve|return|reject。" CLI_BI
                     "--decision approve|return|reject is "
                     "needed.");
        if (strcmp(decision, "approve") == 0)
            rv.decision = RONGYU__REVIEW_DECISION__REVIEW_APPROVE;
        else if (strcmp(decision, "return") == 0)
            rv.decision = RONGYU__REVIEW_DECISION__REVIEW_RETURN;
        else if (strcmp(decision, "reject") == 0)
            rv.decision = RONGYU__REVIEW_DECISION__REVIEW_REJECT;
        else
            return cli_usage_error(cmd,
                                   "--decision 应为 approve、return 或 "
                                   "reject，而不是“%1$s”。" CLI_BI
                                   "--decision wants "
                                   "approve, return or reject, not '%1$s'.",
                                   decision);
        rv.case_id = (char *)id;
        rv.opinion = (char *)(opinion ? opinion : "");
        req.body_case = RONGYU__REQUEST__BODY_REVIEW;
        req.review = &rv;
        cli_default_principal(&ctx, "unit", NULL);
        break;
    case S_RECOMMEND:
        rc_.case_id = (char *)id;
        rc_.opinion = (char *)(opinion ? opinion : "");
        req.body_case = RONGYU__REQUEST__BODY_RECOMMEND;
        req.recommend = &rc_;
        cli_default_principal(&ctx, "unit", NULL);
        break;
    case S_DECIDE:
        if (!decision)
            return cli_usage_error(cmd,
                                   "需要 --decision award|not_selected。" CLI_BI
                                   "--decision award|not_selected is "
                                   "needed.");
        if (strcmp(decision, "award") == 0)
            cd.decision = RONGYU__CITY_DECISION__CITY_AWARD;
        else if (strcmp(decision, "not_selected") == 0)
            cd.decision = RONGYU__CITY_DECISION__CITY_NOT_SELECTED;
        else
            return cli_usage_error(cmd,
                                   "--decision 应为 award 或 not_selected，"
                                   "而不是“%1$s”。" CLI_BI
                                   "--decision wants award or "
                                   "not_selected, not '%1$s'.",
                                   decision);
        cd.case_id = (char *)id;
        cd.opinion = (char *)(opinion ? opinion : "");
        req.body_case = RONGYU__REQUEST__BODY_CITY_DECISION;
        req.city_decision = &cd;
        cli_default_principal(&ctx, "city", "city");
        break;
    case S_WITHDRAW:
        wd.case_id = (char *)id;
        wd.reason = (char *)(opinion ? opinion : "");
        req.body_case = RONGYU__REQUEST__BODY_WITHDRAW;
        req.withdraw = &wd;
        break;
    }
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    /* One key per run: a retry inside this run is the same request. */
    char rnd[80];
    if (!key) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%s-", cmd);
        cli_random_id(prefix, rnd, sizeof rnd);
        key = rnd;
    }
    req.idempotency_key = (char *)key;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc == CLI_EXIT_OK) {
        s_print(&ctx, reply, kind);
        cli_client_reply_free(&reply);
    }
    return rc;
}

int
cli_cmd_review(int argc, char **argv)
{
    return s_run(S_REVIEW, argc, argv);
}

int
cli_cmd_recommend(int argc, char **argv)
{
    return s_run(S_RECOMMEND, argc, argv);
}

int
cli_cmd_decide(int argc, char **argv)
{
    return s_run(S_DECIDE, argc, argv);
}

int
cli_cmd_withdraw(int argc, char **argv)
{
    return s_run(S_WITHDRAW, argc, argv);
}
