/* cli_show: 'rongyu show' (one case with its verdict and audit log) and
 * 'rongyu list' (cases matching filters, all pages). */
#include "cli_cmds.h"
#include "cli_util.h"

#include "cli_posting.h"
#include "ry_json.h"
#include "ry_names.h"
#include "ry_rulecat.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char s_show_help[] =
    "用法 Usage: rongyu show ID [--revision N] [--all] [options]\n"
    "\n"
    "  显示一个案件：状态、荣誉、申报者、资格审查结果（先列未通过的规则，\n"
    "  再列需评审员判断的“待评审”条目；通过的规则只显示项数，加 --all\n"
    "  逐项显示），以及审计记录。\n"
    "  Shows a case: state, honour, applicant, the verdict (the failed\n"
    "  checks first, then the items left to the reviewer; the passed checks\n"
    "  as a count, listed one by one with --all) and the audit log. --json\n"
    "  gives everything as {\"case\": {...}, \"audit\": [...]}.\n"
    "  --all          逐项显示通过的规则 list the passed checks too\n"
    "  --revision N   退回后重新上报前的第 N 版 an earlier revision N of a\n"
    "                 returned and resubmitted case\n"
    "\n";

static const char s_list_help[] =
    "用法 Usage: rongyu list [--org ORG] [--unit UNIT] [--state STATE]\n"
    "                   [--honour HONOUR] [--campaign ID] [--limit N]\n"
    "                   [options]\n"
    "\n"
    "  列出案件（自动翻页）。Lists cases, following every page.\n"
    "  --org ORG          申报组织 only ORG's cases (ORG is also the\n"
    "                     principal unless --as is given)\n"
    "  --unit UNIT        组织单位 organising unit, e.g. 萧山区\n"
    "  --state STATE      draft|submitted|eligible|ineligible|returned|\n"
    "                     rejected|approved|recommending|recommended|\n"
    "                     selecting|awarded|not_selected|withdrawn\n"
    "  --honour HONOUR    advanced_home|model_home|advanced_small_home|\n"
    "                     excellent_worker\n"
    "  --campaign ID      评选活动 campaign, e.g. hangzhou-2018\n"
    "  --overdue          只列出审核逾期的 only cases whose review is past\n"
    "                     due (one month after submission, Asia/Shanghai)\n"
    "  --limit N          最多列出 N 件 list at most N cases (default: all)\n"
    "  --page N           每次请求的件数 cases per request (default: the\n"
    "                     server's, 100; at most 1000)\n"
    "  --json             {\"cases\": [...]} \n"
    "\n";

static int
s_help(const char *text)
{
    fputs(text, stdout);
    fputs(cli_common_help, stdout);
    return CLI_EXIT_OK;
}

/* Prints "label  value" with the label padded to a fixed width; the value
 * (stored text) with its control characters escaped. */
static void
s_kv(const char *label, const char *value)
{
    int pad = 24 - cli_display_width(label);
    char *safe = cli_escape_controls(value);
    printf("%s%*s%s\n", label, pad > 1 ? pad : 1, "", safe);
    free(safe);
}

static const char *
s_applicant(const Rongyu__Application *a)
{
    if (!a)
        return "";
    if (a->person && a->person->name[0])
        return a->person->name;
    if (a->union_ && a->union_->name[0])
        return a->union_->name;
    return a->applicant_org;
}

static void
s_print_header(const Rongyu__Case *c)
{
    const Rongyu__Application *a = c->application;
    char buf[1024], t1[32], t2[32], t3[32];
    snprintf(buf, sizeof buf, "%s  (版本 revision %u)", c->case_id,
             c->revision);
    s_kv("案件 Case", buf);
    snprintf(buf, sizeof buf, "%s %s", ry_names_state_zh(c->state),
             ry_names_state_en(c->state));
    s_kv("状态 State", buf);
    if (!a)
        return;
    snprintf(buf, sizeof buf, "%s  %s", ry_names_honour_zh(a->honour),
             ry_names_honour_en(a->honour));
    s_kv("荣誉 Honour", buf);
    char cat[64];
    snprintf(buf, sizeof buf, "%s  [%s; %s]", s_applicant(a),
             a->applicant_org,
             ry_json_enum_name(&rongyu__applicant_category__descriptor,
                               a->category, cat, sizeof cat)
                 ? cat
                 : "?");
    s_kv("申报者 Applicant", buf);
    if (a->person && a->person->employer[0]) {
        snprintf(buf, sizeof buf, "%s %s", a->person->employer,
                 a->person->position);
        s_kv("工作单位 Employer", buf);
    }
    s_kv("组织单位 Unit", a->organising_unit);
    s_kv("评选活动 Campaign", a->campaign_id);
    cli_format_time(c->created_at_ms, t1, sizeof t1);
    cli_format_time(c->submitted_at_ms, t2, sizeof t2);
    cli_format_time(c->updated_at_ms, t3, sizeof t3);
    snprintf(buf, sizeof buf, "创建 created %s / 上报 submitted %s / "
             "更新 updated %s (UTC+8)", t1, t2, t3);
    s_kv("时间 Times", buf);
    if (c->review_due_ms) {
        cli_format_time(c->review_due_ms, t1, sizeof t1);
        s_kv("审核期限 Review due", t1);
    }
    if (c->note[0])
        s_kv("提示 Note", c->note);
    for (size_t i = 0; i < a->n_attachments; i++) {
        const Rongyu__Attachment *at = a->attachments[i];
        snprintf(buf, sizeof buf, "%s (%s, %s, %llu B, sha256 %.12s…)",
                 at->name, at->kind, at->media_type[0] ? at->media_type : "?",
                 (unsigned long long)at->size, at->sha256);
        s_kv(i == 0 ? "附件 Attachments" : "", buf);
    }
}

/* A table of the checks that failed (passed == 0) or passed (1); reviewer
 * items are listed apart. Returns the rows printed. */
static int
s_print_checks(const Rongyu__Verdict *v, int passed)
{
    static const char *heads[] = {"结果 Result", "规则 Code", "阈值 Threshold",
                                  "实际 Actual", "说明 Message"};
    cli_table_t *tab = cli_table_new(5, heads);
    cli_table_wrap(tab, 2, 24);
    cli_table_wrap(tab, 3, 24);
    cli_table_wrap(tab, 4, 56);
    for (size_t i = 0; i < v->n_checks; i++) {
        const Rongyu__Check *k = v->checks[i];
        if (k->needs_review || (int)k->passed != passed)
            continue;
        char msg[2400];
        snprintf(msg, sizeof msg, "%s%s%s", k->message_zh,
                 k->message_zh[0] && k->message_en[0] ? "\n" : "",
                 k->message_en);
        const char *row[] = {k->passed ? "✓ 通过 pass" : "✗ 未通过 FAIL",
                             k->code, k->threshold, k->actual, msg};
        cli_table_add(tab, row);
    }
    int n = cli_table_rows(tab);
    if (n)
        cli_table_print(tab, stdout, 2);
    cli_table_destroy(&tab);
    return n;
}

/* The verdict: the failed checks first, then the items left to the
 * reviewer, then the passed checks folded into a count (all of them with
 * --all). */
static void
s_print_verdict(const Rongyu__Case *c, bool all)
{
    const Rongyu__Verdict *v = c->verdict;
    printf("\n");
    if (!v) {
        printf("资格审查：尚无结果%s。\nVerdict: none yet%s.\n",
               c->state == RONGYU__CASE_STATE__SUBMITTED ? "（审查中）" : "",
               c->state == RONGYU__CASE_STATE__SUBMITTED ? " (being checked)"
                                                         : "");
        return;
    }
    char t[32];
    cli_format_time(v->decided_at_ms, t, sizeof t);
    size_t failed = 0, passed = 0, review = 0;
    for (size_t i = 0; i < v->n_checks; i++) {
        const Rongyu__Check *k = v->checks[i];
        if (k->needs_review)
            review++;
        else if (k->passed)
            passed++;
        else
            failed++;
    }
    printf("资格审查 Verdict: %s  (规则集 rule set %s, 判定于 decided %s)\n",
           v->eligible ? "合格 eligible" : "不合格 ineligible",
           v->ruleset[0] ? v->ruleset : "?", t);
    if (failed) {
        printf("\n未通过 Failed (%zu):\n", failed);
        s_print_checks(v, 0);
    }
    if (review) {
        printf("\n待评审 For the reviewer (需评审员判断并记录审批意见; "
               "judgments left to the reviewer):\n");
        for (size_t i = 0; i < v->n_checks; i++) {
            const Rongyu__Check *k = v->checks[i];
            if (!k->needs_review)
                continue;
            char *zh = cli_escape_controls(k->message_zh);
            char *en = cli_escape_controls(k->message_en);
            printf("  • %s\n    %s\n    %s\n", k->code, zh, en);
            free(zh);
            free(en);
        }
    }
    if (!passed)
        return;
    if (all) {
        printf("\n通过 Passed (%zu):\n", passed);
        s_print_checks(v, 1);
    } else {
        printf("\n另有 %zu 项检查通过（加 --all 逐项显示）。\n"
               "%zu more checks passed (--all lists them).\n",
               passed, passed);
    }
}

static void
s_print_audit(const Rongyu__CaseReply *cr)
{
    printf("\n审计记录 Audit log:");
    if (cr->n_audit == 0) {
        printf(" 无 none\n");
        return;
    }
    printf("\n");
    static const char *heads[] = {"时间 Time (UTC+8)", "操作者 Actor",
                                  "状态 Transition", "事项 What",
                                  "意见 Opinion"};
    cli_table_t *tab = cli_table_new(5, heads);
    cli_table_wrap(tab, 3, 30);
    cli_table_wrap(tab, 4, 50);
    for (size_t i = 0; i < cr->n_audit; i++) {
        const Rongyu__AuditEntry *e = cr->audit[i];
        char t[32], tr[128];
        cli_format_time(e->at_ms, t, sizeof t);
        int fresh = e->from == RONGYU__CASE_STATE__STATE_UNSPECIFIED;
        snprintf(tr, sizeof tr, "%s → %s\n%s → %s",
                 fresh ? "新建" : ry_names_state_zh(e->from),
                 ry_names_state_zh(e->to),
                 fresh ? "new" : ry_names_state_en(e->from),
                 ry_names_state_en(e->to));
        const char *row[] = {t, e->actor, tr, e->what, e->opinion};
        cli_table_add(tab, row);
    }
    cli_table_print(tab, stdout, 2);
    cli_table_destroy(&tab);
}

int
cli_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"revision", required_argument, 0, 'r'},
        {"all", no_argument, 0, 'a'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    int c;
    unsigned long revision = 0;
    bool all = false;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == CLI_OPT_HELP)
            return s_help(s_show_help);
        if (c == 'a') {
            all = true;
            continue;
        }
        if (c == 'r') {
            char *end;
            errno = 0;
            revision = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || revision == 0 ||
                revision > 100000 || optarg[0] == '-')
                return cli_usage_error(
                    "show",
                    "--revision 应为正整数，而不是“%1$s”。" CLI_BI
                    "--revision wants a positive "
                    "integer, not '%1$s'.",
                    optarg);
            continue;
        }
        int r = cli_other_opt(&ctx, "show", c, optarg, argv);
        if (r)
            return r;
    }
    if (optind != argc - 1)
        return cli_usage_error("show", "需要一个案件号。" CLI_BI
                                       "Expected one case ID.");
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__GetRequest get = RONGYU__GET_REQUEST__INIT;
    get.case_id = argv[optind];
    get.revision = (uint32_t)revision;
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &get;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(&ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_CASE ||
        !reply->case_->case_) {
        fprintf(stderr, "错误：应答中没有案件 error: the answer holds no "
                        "case\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    /* intake renders the texts of a verdict into its replies; a check
     * that comes without them is rendered here, from the catalogue. */
    ry_rulecat_fill_verdict(reply->case_->case_->verdict);
    if (ctx.json) {
        char *txt;
        if (ry_json_case_reply_to_string(reply->case_, RY_JSON_PRETTY,
                                         &txt) == 0)
            cli_print_json(txt);
    } else {
        s_print_header(reply->case_->case_);
        s_print_verdict(reply->case_->case_, all);
        cli_posting_print_status(reply->case_->posting, stdout);
        s_print_audit(reply->case_);
    }
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}

/* Parses an enum option value by its JSON name. */
static int
s_enum_opt(const char *opt, const ProtobufCEnumDescriptor *d,
           const char *arg, int *out)
{
    if (ry_json_enum_value(d, arg, out) == 0 && *out != 0)
        return 0;
    fprintf(stderr, "错误 error: --%s: 未知取值 unknown value '%s'; 可选 one "
                    "of:", opt, arg);
    for (unsigned i = 0; i < d->n_values; i++) {
        char buf[64];
        if (d->values[i].value &&
            ry_json_enum_name(d, d->values[i].value, buf, sizeof buf))
            fprintf(stderr, " %s", buf);
    }
    fprintf(stderr, "\n");
    return -1;
}

int
cli_cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, 0, 'u'},
        {"state", required_argument, 0, 's'},
        {"honour", required_argument, 0, 'H'},
        {"honor", required_argument, 0, 'H'},
        {"campaign", required_argument, 0, 'c'},
        {"limit", required_argument, 0, 'l'},
        {"page", required_argument, 0, 'p'},
        {"overdue", no_argument, 0, 'O'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    Rongyu__ListRequest lr = RONGYU__LIST_REQUEST__INIT;
    unsigned long limit = 0, page = 0;
    int c, v;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'u': lr.organising_unit = optarg; break;
        case 'c': lr.campaign_id = optarg; break;
        case 'O': lr.overdue = 1; break;
        case 's':
            if (s_enum_opt("state", &rongyu__case_state__descriptor, optarg,
                           &v))
                return CLI_EXIT_ERROR;
            lr.state = v;
            break;
        case 'H':
            if (s_enum_opt("honour", &rongyu__honour__descriptor, optarg, &v))
                return CLI_EXIT_ERROR;
            lr.honour = v;
            break;
        case 'l':
            errno = 0;
            limit = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || limit == 0 ||
                optarg[0] == '-')
                return cli_usage_error(
                    "list",
                    "--limit 应为正整数，而不是“%1$s”。" CLI_BI
                    "--limit wants a positive integer, "
                    "not '%1$s'.",
                    optarg);
            break;
        case 'p':
            errno = 0;
            page = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || page == 0 || page > 1000 ||
                optarg[0] == '-')
                return cli_usage_error(
                    "list",
                    "--page 应为 1..1000，而不是“%1$s”。" CLI_BI
                    "--page wants 1..1000, not "
                    "'%1$s'.",
                    optarg);
            break;
        case CLI_OPT_HELP: return s_help(s_list_help);
        default: {
            int r = cli_other_opt(&ctx, "list", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc)
        return cli_usage_error(
            "list", "多余的参数“%1$s”。" CLI_BI "Unexpected argument '%1$s'.",
            argv[optind]);
    if (ctx.org)
        lr.applicant_org = (char *)ctx.org;
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    if (page)
        lr.limit = (uint32_t)page;
    else if (limit && limit < 1000)
        lr.limit = (uint32_t)limit;

    static const char *heads[] = {"案件 Case", "状态 State", "荣誉 Honour",
                                  "申报者 Applicant", "组织单位 Unit"};
    cli_table_t *tab = cli_table_new(5, heads);
    char after[256] = "";
    unsigned long count = 0;
    /* JSON is printed only once every page came, so it is never cut. */
    char *jbuf = NULL;
    size_t jlen = 0;
    FILE *js = ctx.json ? open_memstream(&jbuf, &jlen) : NULL;
    if (ctx.json && !js)
        abort();
    if (js)
        fprintf(js, "{\"cases\": [");
    for (;;) {
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        lr.after_case_id = after;
        req.body_case = RONGYU__REQUEST__BODY_LIST;
        req.list = &lr;
        Rongyu__Reply *reply = NULL;
        rc = cli_call(&ctx, &req, NULL, &reply);
        if (rc)
            break;
        if (reply->body_case != RONGYU__REPLY__BODY_LIST) {
            fprintf(stderr, "错误：应答中没有列表 error: the answer holds no "
                            "list\n");
            cli_client_reply_free(&reply);
            rc = CLI_EXIT_ERROR;
            break;
        }
        const Rongyu__ListReply *l = reply->list;
        for (size_t i = 0; i < l->n_cases && (!limit || count < limit); i++) {
            const Rongyu__Case *k = l->cases[i];
            const Rongyu__Application *a = k->application;
            count++;
            if (ctx.json) {
                char *txt;
                if (ry_json_case_to_string(k, 0, &txt) == 0) {
                    fprintf(js, "%s\n  %s", count > 1 ? "," : "", txt);
                    free(txt);
                }
                continue;
            }
            char st[96], ho[128];
            snprintf(st, sizeof st, "%s %s", ry_names_state_zh(k->state),
                     ry_names_state_en(k->state));
            snprintf(ho, sizeof ho, "%s",
                     a ? ry_names_honour_zh(a->honour) : "?");
            const char *row[] = {k->case_id, st, ho, s_applicant(a),
                                 a ? a->organising_unit : ""};
            cli_table_add(tab, row);
        }
        int more = l->next_after[0] && (!limit || count < limit) &&
                   strcmp(l->next_after, after) != 0 &&
                   strlen(l->next_after) < sizeof after;
        if (more)
            snprintf(after, sizeof after, "%s", l->next_after);
        cli_client_reply_free(&reply);
        if (!more)
            break;
    }
    if (js) {
        fprintf(js, "%s]}\n", count ? "\n" : "");
        fclose(js);
        if (rc == 0)
            fwrite(jbuf, 1, jlen, stdout);
        free(jbuf);
    } else if (rc == 0) {
        if (count)
            cli_table_print(tab, stdout, 0);
        printf("共 %lu 件 %lu case%s\n", count, count, count == 1 ? "" : "s");
    }
    cli_table_destroy(&tab);
    return rc;
}
