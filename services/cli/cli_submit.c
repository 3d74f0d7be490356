/* cli_submit: 'rongyu submit' and 'rongyu draft save|submit': sending
 * applications to intake. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "cli_posting.h"
#include "cli_upload.h"
#include "ry_json.h"
#include "ry_names.h"
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

static const char s_submit_help[] =
    "用法 Usage: rongyu submit FILE.json [--idem KEY] [--draft] [options]\n"
    "\n"
    "  上报一份申请：读取申请 JSON 文件（附件路径相对于该文件所在目录），\n"
    "  读入附件并计算 SHA-256，然后提交给 intake。\n"
    "  Submits an application: reads the JSON file (attachment paths are\n"
    "  relative to its directory), reads and hashes the attachments, and\n"
    "  sends it to intake. The file format is described in\n"
    "  examples/README.md.\n"
    "  附件放不进一个请求（max_request）时，先分段上传（每段 512 KiB，\n"
    "  stderr 上显示进度），请求只引用其 SHA-256。\n"
    "  Attachments that do not fit in one request (max_request) are\n"
    "  uploaded first in parts of 512 KiB (progress on stderr), and the\n"
    "  request names them by SHA-256.\n"
    "\n"
    "  --idem KEY  幂等键 idempotency key. 默认 Default: the hex SHA-256 of\n"
    "              the packed application (the file's data and the bytes of\n"
    "              its attachments), so sending the same application twice\n"
    "              returns the first answer instead of making a second\n"
    "              case; a changed file or attachment gets a new key.\n"
    "  --draft     只保存为新草稿 save as a new draft instead (as\n"
    "              'rongyu draft save FILE')\n"
    "  --allow-path DIR  附件默认只能取自申请文件所在目录；允许另一个目录\n"
    "              attachments are read only from inside the application\n"
    "              file's folder; also allow DIR (repeatable)\n"
    "\n"
    "  输出 Output: 'case ID submitted' and the state; with --json the case\n"
    "  and its audit log as JSON.\n"
    "\n";

static const char s_draft_help[] =
    "用法 Usage:\n"
    "  rongyu draft save FILE.json [--case ID] [--idem KEY] [options]\n"
    "  rongyu draft submit ID [--idem KEY] [options]\n"
    "\n"
    "  draft save    保存草稿：无 --case 时新建草稿，有则更新该草稿。\n"
    "                Saves a draft: a new one, or a new revision of case ID.\n"
    "                Large attachments are uploaded in parts first (as\n"
    "                'rongyu submit').\n"
    "                Default key: the hex SHA-256 of \"save_draft\", the case\n"
    "                id and the packed application.\n"
    "  draft submit  上报草稿 submits draft ID. Default key: a fresh random\n"
    "                one (retries within this run reuse it).\n"
    "\n";

static int
s_help(const char *text)
{
    fputs(text, stdout);
    fputs(cli_common_help, stdout);
    return CLI_EXIT_OK;
}

/* Default idempotency key of an application request: hex SHA-256 of
 * 'prefix' (may be "") and the packed application. */
static void
s_app_key(const char *prefix, const Rongyu__Application *app, char hex[65])
{
    size_t len, plen = strlen(prefix);
    uint8_t *packed = ry_pb_pack(&app->base, &len);
    uint8_t *buf = malloc(plen + len + 1);
    if (!buf)
        abort();
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, packed, len);
    cli_sha256_hex(buf, plen + len, hex);
    free(buf);
    free(packed);
}

/* Prints the outcome of a request that answers with a case. */
static void
s_print_case_result(const cli_ctx_t *ctx, const Rongyu__Reply *reply,
                    const char *what_zh, const char *what_en)
{
    if (reply->body_case != RONGYU__REPLY__BODY_CASE || !reply->case_ ||
        !reply->case_->case_) {
        if (ctx->json) {
            char *txt;
            if (ry_json_reply_to_string(reply, RY_JSON_PRETTY, &txt) == 0)
                cli_print_json(txt);
        } else {
            printf("%s %s (no case in the answer)\n", what_zh, what_en);
        }
        return;
    }
    if (ctx->json) {
        char *txt;
        if (ry_json_case_reply_to_string(reply->case_, RY_JSON_PRETTY,
                                         &txt) == 0)
            cli_print_json(txt);
        return;
    }
    const Rongyu__Case *c = reply->case_->case_;
    printf("case %s %s\n", c->case_id, what_en);
    fprintf(stderr, "%s：案件 %s，状态 %s %s，版本 revision %u\n", what_zh,
            c->case_id, ry_names_state_zh(c->state),
            ry_names_state_en(c->state), c->revision);
    if (c->verdict)
        fprintf(stderr, "资格审查 verdict: %s；详情见 see 'rongyu show %s'\n",
                c->verdict->eligible ? "合格 eligible" : "不合格 ineligible",
                c->case_id);
    cli_posting_print_status(reply->case_->posting, stderr);
}

/* --allow-path: directories attachments may also come from. */
#define S_MAX_ALLOW 8
static const char *s_allow[S_MAX_ALLOW + 1];
static int s_nallow;

static int
s_allow_add(const char *cmd, const char *dir)
{
    if (s_nallow == S_MAX_ALLOW)
        return cli_usage_error(cmd, "--allow-path 最多 %d 个 at most %d",
                               S_MAX_ALLOW, S_MAX_ALLOW);
    s_allow[s_nallow++] = dir;
    return 0;
}

/* Loads FILE and sends it as submit (draft == 0) or save_draft. */
static int
s_send_application(cli_ctx_t *ctx, const char *file, const char *key,
                   int draft, const char *case_id)
{
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    if (ry_json_application_load_allow(file, s_allow, &app, &err) != 0) {
        fprintf(stderr, "错误：申请文件有误 error: bad application file\n"
                        "  %s\n", err.text);
        return CLI_EXIT_INPUT;
    }
    int rc = cli_load_config(ctx);
    if (rc) {
        ry_json_application_free(&app);
        return rc;
    }
    char hex[65];
    if (!key) {
        char prefix[300];
        if (draft)
            snprintf(prefix, sizeof prefix, "save_draft\n%s\n",
                     case_id ? case_id : "");
        else
            prefix[0] = '\0';
        s_app_key(prefix, app, hex);
        key = hex;
    }
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
    Rongyu__SaveDraftRequest save = RONGYU__SAVE_DRAFT_REQUEST__INIT;
    req.idempotency_key = (char *)key;
    if (draft) {
        save.case_id = (char *)(case_id ? case_id : "");
        save.application = app;
        req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
        req.save_draft = &save;
    } else {
        sub.application = app;
        req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        req.submit = &sub;
    }
    /* What does not fit in one frame goes first, in parts. */
    rc = cli_upload_to_fit(ctx, &req, app);
    Rongyu__Reply *reply = NULL;
    if (rc == CLI_EXIT_OK)
        rc = cli_call(ctx, &req, app->applicant_org, &reply);
    if (rc == CLI_EXIT_OK) {
        if (draft)
            s_print_case_result(ctx, reply, "已保存草稿", "saved as draft");
        else
            s_print_case_result(ctx, reply, "已上报", "submitted");
        cli_client_reply_free(&reply);
    }
    ry_json_application_free(&app);
    return rc;
}

int
cli_cmd_submit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"idem", required_argument, 0, 'k'},
        {"draft", no_argument, 0, 'd'},
        {"allow-path", required_argument, 0, 'A'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *key = NULL;
    int draft = 0, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'k')
            key = optarg;
        else if (c == 'd')
            draft = 1;
        else if (c == 'A') {
            if (s_allow_add("submit", optarg))
                return CLI_EXIT_ERROR;
        }
        else if (c == CLI_OPT_HELP)
            return s_help(s_submit_help);
        else {
            int r = cli_other_opt(&ctx, "submit", c, optarg, argv);
            if (r)
                return r;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("submit",
                               "需要一个申请文件。" CLI_BI "Expected one "
                               "FILE.json.");
    if (key && !key[0])
        return cli_usage_error("submit", "--idem 不能为空。" CLI_BI
                                        "--idem must not be empty.");
    return s_send_application(&ctx, argv[optind], key, draft, NULL);
}

static int
s_draft_submit(cli_ctx_t *ctx, const char *id, const char *key)
{
    int rc = cli_load_config(ctx);
    if (rc)
        return rc;
    char rnd[64];
    if (!key) {
        cli_random_id("submit_draft-", rnd, sizeof rnd);
        key = rnd;
    }
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__SubmitDraftRequest sd = RONGYU__SUBMIT_DRAFT_REQUEST__INIT;
    sd.case_id = (char *)id;
    req.idempotency_key = (char *)key;
    req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    req.submit_draft = &sd;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(ctx, &req, NULL, &reply);
    if (rc == CLI_EXIT_OK) {
        s_print_case_result(ctx, reply, "草稿已上报", "submitted");
        cli_client_reply_free(&reply);
    }
    return rc;
}

int
cli_cmd_draft(int argc, char **argv)
{
    static const struct option opts[] = {
        {"case", required_argument, 0, 'c'},
        {"idem", required_argument, 0, 'k'},
        {"allow-path", required_argument, 0, 'A'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    if (argc < 2) {
        fputs(s_draft_help, stderr);
        return CLI_EXIT_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return s_help(s_draft_help);
    const char *sub = argv[1];
    int is_save = strcmp(sub, "save") == 0;
    if (!is_save && strcmp(sub, "submit") != 0)
        return cli_usage_error("draft",
                               "未知子命令“%1$s”（可用 save、submit）。" CLI_BI
                               "Unknown subcommand '%1$s' (save, submit).",
                               sub);
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *key = NULL, *case_id = NULL;
    int c;
    optind = 0;
    opterr = 0;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'k')
            key = optarg;
        else if (c == 'c' && is_save)
            case_id = optarg;
        else if (c == 'A' && is_save) {
            if (s_allow_add("draft", optarg))
                return CLI_EXIT_ERROR;
        }
        else if (c == CLI_OPT_HELP)
            return s_help(s_draft_help);
        else {
            int r = cli_other_opt(&ctx, "draft", c, optarg, argv);
            if (r)
                return r;
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("draft", is_save ? "需要一个申请文件。" CLI_BI
                                                  "Expected one FILE.json."
                                                : "需要一个案件号。" CLI_BI
                                                  "Expected one case ID.");
    if (key && !key[0])
        return cli_usage_error("draft", "--idem 不能为空。" CLI_BI
                                       "--idem must not be empty.");
    if (is_save)
        return s_send_application(&ctx, argv[optind], key, 1, case_id);
    return s_draft_submit(&ctx, argv[optind], key);
}
