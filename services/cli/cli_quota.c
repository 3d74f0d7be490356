/* cli_quota: 'rongyu quota': the Annex 1 table with the seats used, as
 * intake mirrors them from the quota service's answers. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_json.h"

#include <string.h>

static const char s_quota_help[] =
    "用法 Usage: rongyu quota [--unit UNIT] [--campaign ID] [--json] "
    "[options]\n"
    "\n"
    "  显示名额分配表（附件1）及已用名额：各组织单位的乡镇（街道）工会干部、\n"
    "  基层工会干部与示范职工之家推荐名额，以及全市的工会领导机关干部（8）\n"
    "  与示范职工之家入选（20）名额。\n"
    "  Shows the Annex 1 quota table with the seats used (reserved or\n"
    "  confirmed) and the caps: per organising unit the township-cadre and\n"
    "  grassroots-cadre columns and the one model-home recommendation;\n"
    "  city-wide the 8 leadership-organ seats and the 20 model homes\n"
    "  selected. '+N' marks recommendations still waiting for quota's\n"
    "  answer. The figures are intake's mirror of quota's answers\n"
    "  (docs/review.md).\n"
    "  --unit UNIT      只显示该单位 only this unit, e.g. 萧山区\n"
    "  --campaign ID    评选活动 (default: the built-in campaign)\n"
    "  The whole table ends with the grand total of Annex 1 (2018:\n"
    "  8 + 23 + 79 = 110 excellent workers).\n"
    "  --json           {\"campaign_id\", \"rows\": [{organising_unit, "
    "honour,\n"
    "                   column, used, cap, pending, confirmed}]}; column:\n"
    "                   leadership_organ, township_cadre, grassroots_cadre,\n"
    "                   model_home_recommendation (per unit),\n"
    "                   model_home_selection (city-wide)\n"
    "\n";

static void
s_cell(char *buf, size_t len, const Rongyu__QuotaRow *r)
{
    if (!r || (r->cap == 0 && r->used == 0 && r->pending == 0)) {
        snprintf(buf, len, "–");
        return;
    }
    if (r->cap < 0)
        snprintf(buf, len, "%u", r->used);
    else
        snprintf(buf, len, "%u/%d", r->used, r->cap);
    if (r->pending)
        snprintf(buf + strlen(buf), len - strlen(buf), " +%u", r->pending);
}

static void
s_print(const Rongyu__QuotaReply *q)
{
    printf("名额分配表 Annex 1 quota (%s) — 已用/名额 used/cap\n\n",
           q->campaign_id);
    static const char *heads[] = {"单位 Unit", "乡镇（街道）工会干部 township",
                                  "基层工会干部 grassroots",
                                  "示范职工之家推荐 model home"};
    cli_table_t *t = cli_table_new(4, heads);
    unsigned tu = 0, gu = 0;
    int tc = 0, gc = 0;
    const Rongyu__QuotaRow *lead = NULL, *city = NULL;
    for (size_t i = 0; i < q->n_rows; i++) {
        const Rongyu__QuotaRow *r = q->rows[i];
        if (!r->organising_unit[0]) {
            if (r->honour == RONGYU__HONOUR__MODEL_HOME)
                city = r;
            else
                lead = r;
            continue;
        }
        if (r->column != RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE)
            continue;
        /* Rows come as township, grassroots, model home per unit. */
        const Rongyu__QuotaRow *g = i + 1 < q->n_rows ? q->rows[i + 1] : NULL;
        const Rongyu__QuotaRow *m = i + 2 < q->n_rows ? q->rows[i + 2] : NULL;
        char c1[32], c2[32], c3[32];
        s_cell(c1, sizeof c1, r);
        s_cell(c2, sizeof c2, g);
        s_cell(c3, sizeof c3, m);
        const char *row[] = {r->organising_unit, c1, c2, c3};
        cli_table_add(t, row);
        tu += r->used;
        tc += r->cap > 0 ? r->cap : 0;
        if (g) {
            gu += g->used;
            gc += g->cap > 0 ? g->cap : 0;
        }
    }
    if (cli_table_rows(t) > 1) {
        char c1[32], c2[32];
        snprintf(c1, sizeof c1, "%u/%d", tu, tc);
        snprintf(c2, sizeof c2, "%u/%d", gu, gc);
        const char *row[] = {"合计 total", c1, c2, ""};
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout, 0);
    int t_rows_n = cli_table_rows(t);
    cli_table_destroy(&t);
    char c[32];
    printf("\n全市 City-wide:\n");
    s_cell(c, sizeof c, lead);
    printf("  工会领导机关干部 leadership-organ cadres    %s\n", c);
    s_cell(c, sizeof c, city);
    printf("  示范职工之家入选 model homes selected       %s\n", c);
    if (lead && t_rows_n > 2) {
        /* The grand total of Annex 1: 8 + 23 + 79 = 110. */
        int lc = lead->cap > 0 ? lead->cap : 0;
        unsigned used = lead->used + tu + gu;
        printf("\n优秀工会工作者名额合计：%d + %d + %d = %d，已用 %u。\n"
               "Excellent workers, grand total: %d + %d + %d = %d seats, %u "
               "used.\n",
               lc, tc, gc, lc + tc + gc, used, lc, tc, gc, lc + tc + gc, used);
    }
}

int
cli_cmd_quota(int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, 0, 'u'},
        {"campaign", required_argument, 0, 'c'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    Rongyu__QuotaRequest qr = RONGYU__QUOTA_REQUEST__INIT;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'u': qr.organising_unit = optarg; break;
        case 'c': qr.campaign_id = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_quota_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        default: {
            int r = cli_other_opt(&ctx, "quota", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc)
        return cli_usage_error(
            "quota", "多余的参数“%1$s”。" CLI_BI "Unexpected argument '%1$s'.",
            argv[optind]);
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    cli_default_principal(&ctx, "city", "city");
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_QUOTA;
    req.quota = &qr;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_QUOTA) {
        fprintf(stderr, "错误：应答中没有名额表 error: the answer holds no "
                        "quota table\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    if (ctx.json) {
        char *txt;
        if (ry_json_message_to_string(&reply->quota->base, RY_JSON_PRETTY,
                                      &txt) == 0)
            cli_print_json(txt);
    } else {
        s_print(reply->quota);
    }
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}
