/* cli_keys: 'rongyu keys': key pairs on this machine (init, gen) and the
 * registry of client keys in intake (add, revoke, list). */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_error.h"
#include "ry_json.h"
#include "ry_keys.h"

#include <stdlib.h>
#include <string.h>

static const char s_keys_help[] =
    "用法 Usage:\n"
    "  rongyu keys init [options]\n"
    "  rongyu keys gen NAME [--dir DIR] [options]\n"
    "  rongyu keys add --org ORG --role ROLE [--label TEXT] KEY [options]\n"
    "  rongyu keys revoke KEY [options]\n"
    "  rongyu keys list [--revoked] [--json] [options]\n"
    "\n"
    "  keys init    在 $RONGYU_HOME/keys（目录 0700，私钥文件 0600）生成四个服务\n"
    "               的密钥与首个市总工会管理员密钥 admin.cert；已有的不变。\n"
    "               Creates the four services' key pairs and the first city\n"
    "               administrator's (admin.cert) under $RONGYU_HOME/keys\n"
    "               (directory 0700, secret files 0600); existing pairs are\n"
    "               kept. intake registers admin.cert as the city's on its\n"
    "               first start.\n"
    "  keys gen     生成密钥对 NAME.cert（公钥）与 NAME.cert_secret（私钥），\n"
    "               打印公钥。Makes a key pair NAME.cert / NAME.cert_secret in\n"
    "               DIR (default the key directory) and prints the public key.\n"
    "  keys add     向 intake 登记公钥 KEY（40 字符 Z85，或证书文件）属于\n"
    "               ORG 的 ROLE（grassroots|unit|city|platform）。市总工会可\n"
    "               登记任何密钥，组织单位可登记其下属基层工会的密钥；记入审计。\n"
    "               Registers public key KEY (40 characters of Z85, or a\n"
    "               certificate file) to ORG as ROLE; the city registers any\n"
    "               key, a unit the keys of the unions under it; audited.\n"
    "  keys revoke  吊销密钥，下一次请求起生效，无需重启。\n"
    "               Revokes a key: refused from its next request on.\n"
    "  keys list    列出可管理的密钥 lists the keys this principal manages\n"
    "               (--revoked: also the revoked ones).\n"
    "\n"
    "  私钥从不打印或发送 a secret key is never printed or sent.\n"
    "\n";

static int
s_help(FILE *out)
{
    fputs(s_keys_help, out);
    fputs(cli_common_help, out);
    return out == stdout ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

static int
s_dir(cli_ctx_t *ctx, char *dir, size_t len)
{
    int rc = cli_load_config(ctx);
    if (rc)
        return rc;
    if (ry_keys_dir(ctx->cfg.home, dir, len) != 0) {
        fprintf(stderr, "错误：密钥目录路径过长 error: key directory path "
                        "too long\n");
        return CLI_EXIT_ERROR;
    }
    return 0;
}

static int
s_init(cli_ctx_t *ctx)
{
    char dir[600];
    int rc = s_dir(ctx, dir, sizeof dir);
    if (rc)
        return rc;
    int made = 0;
    if (ry_keys_init(dir, &made) != 0) {
        fprintf(stderr, "错误：无法在 %s 生成密钥 error: cannot create the "
                        "keys in '%s'\n", dir, dir);
        return CLI_EXIT_ERROR;
    }
    if (ctx->json)
        printf("{\"dir\": \"%s\", \"created\": %d}\n", dir, made);
    else
        printf("%s: 新建 %d 个密钥对 %d key pairs created (intake, "
               "validation, quota, notification, admin)\n",
               dir, made, made);
    return CLI_EXIT_OK;
}

static int
s_gen(cli_ctx_t *ctx, const char *name, const char *dir_opt)
{
    char dir[600];
    int rc = s_dir(ctx, dir, sizeof dir);
    if (rc)
        return rc;
    if (dir_opt)
        snprintf(dir, sizeof dir, "%s", dir_opt);
    char pub[RY_KEY_LEN + 1];
    rc = ry_keys_generate(dir, name, NULL, pub);
    if (rc == RY_EEXIST) {
        fprintf(stderr, "错误：%s/%s.cert 已存在 error: '%s/%s.cert' exists\n",
                dir, name, dir, name);
        return CLI_EXIT_ERROR;
    }
    if (rc) {
        fprintf(stderr,
                "错误：无法生成密钥 %s（名称只可含字母、数字、-_.）\n"
                "error: cannot make key '%s' in '%s' (a name is letters, "
                "digits and -_.)\n",
                name, name, dir);
        return CLI_EXIT_ERROR;
    }
    if (ctx->json)
        printf("{\"public_key\": \"%s\", \"cert\": \"%s/%s.cert\"}\n", pub,
               dir, name);
    else
        printf("%s\n%s/%s.cert\n", pub, dir, name);
    return CLI_EXIT_OK;
}

static void
s_print_keys(const cli_ctx_t *ctx, const Rongyu__Reply *r)
{
    const Rongyu__KeyReply *kr =
        r->body_case == RONGYU__REPLY__BODY_KEYS ? r->keys : NULL;
    if (ctx->json) {
        char *txt;
        if (kr && ry_json_message_to_string(&kr->base, RY_JSON_PRETTY, &txt) ==
                      0)
            cli_print_json(txt);
        return;
    }
    static const char *const head[] = {"公钥 key",   "组织 org",
                                       "角色 role",  "标签 label",
                                       "登记 added by", "状态 state"};
    cli_table_t *tab = cli_table_new(6, head);
    for (size_t i = 0; kr && i < kr->n_keys; i++) {
        const Rongyu__KeyRecord *k = kr->keys[i];
        char when[40], state[200];
        cli_format_time(k->revoked_at_ms, when, sizeof when);
        if (k->revoked_at_ms)
            snprintf(state, sizeof state, "已吊销 revoked %s by %s", when,
                     k->revoked_by);
        else
            snprintf(state, sizeof state, "有效 valid");
        const char *row[] = {k->public_key, k->org_id, k->role, k->label,
                             k->added_by, state};
        cli_table_add(tab, row);
    }
    cli_table_print(tab, stdout, 0);
    cli_table_destroy(&tab);
}

static int
s_call(cli_ctx_t *ctx, Rongyu__Request *req)
{
    int rc = cli_load_config(ctx);
    if (rc)
        return rc;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(ctx, req, NULL, &reply);
    if (rc == CLI_EXIT_OK) {
        s_print_keys(ctx, reply);
        cli_client_reply_free(&reply);
    }
    return rc;
}

int
cli_cmd_keys(int argc, char **argv)
{
    static const struct option opts[] = {
        {"org", required_argument, 0, 'o'},
        {"role", required_argument, 0, 'r'},
        {"label", required_argument, 0, 'l'},
        {"dir", required_argument, 0, 'd'},
        {"revoked", no_argument, 0, 'R'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    if (argc < 2)
        return s_help(stderr);
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
        strcmp(sub, "help") == 0)
        return s_help(stdout);
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *org = NULL, *role = NULL, *label = "", *dir = NULL;
    int revoked = 0, c;
    optind = 0;
    opterr = 0;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'o': org = optarg; break;
        case 'r': role = optarg; break;
        case 'l': label = optarg; break;
        case 'd': dir = optarg; break;
        case 'R': revoked = 1; break;
        case CLI_OPT_HELP: return s_help(stdout);
        default: {
            int r = cli_other_opt(&ctx, "keys", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    int nargs = argc - optind;
    if (strcmp(sub, "init") == 0 && nargs == 0)
        return s_init(&ctx);
    if (strcmp(sub, "gen") == 0 && nargs == 1)
        return s_gen(&ctx, argv[optind], dir);
    if (strcmp(sub, "list") == 0 && nargs == 0) {
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        Rongyu__KeyListRequest q = RONGYU__KEY_LIST_REQUEST__INIT;
        q.revoked = revoked;
        req.body_case = RONGYU__REQUEST__BODY_KEY_LIST;
        req.key_list = &q;
        return s_call(&ctx, &req);
    }
    if ((strcmp(sub, "add") == 0 || strcmp(sub, "revoke") == 0) &&
        nargs == 1) {
        char pub[RY_KEY_LEN + 1];
        int rc = ry_keys_read_public(argv[optind], pub);
        if (rc) {
            fprintf(stderr,
                    "错误：%s 不是公钥，也不是可读的证书文件\n"
                    "error: '%s' is neither a public key (40 characters of "
                    "Z85) nor a readable certificate file\n",
                    argv[optind], argv[optind]);
            return CLI_EXIT_INPUT;
        }
        char rnd[64];
        cli_random_id("keys-", rnd, sizeof rnd);
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        req.idempotency_key = rnd;
        Rongyu__KeyAddRequest a = RONGYU__KEY_ADD_REQUEST__INIT;
        Rongyu__KeyRevokeRequest v = RONGYU__KEY_REVOKE_REQUEST__INIT;
        if (sub[0] == 'a') {
            if (!org || !role)
                return cli_usage_error("keys", "keys add 需要 --org 与 --role "
                                       "needs --org and --role");
            a.public_key = pub;
            a.org_id = (char *)org;
            a.role = (char *)role;
            a.label = (char *)label;
            req.body_case = RONGYU__REQUEST__BODY_KEY_ADD;
            req.key_add = &a;
        } else {
            v.public_key = pub;
            req.body_case = RONGYU__REQUEST__BODY_KEY_REVOKE;
            req.key_revoke = &v;
        }
        return s_call(&ctx, &req);
    }
    return cli_usage_error("keys", "未知子命令或参数个数不对 unknown "
                           "subcommand or wrong number of arguments: '%s' "
                           "(init | gen NAME | add KEY | revoke KEY | list)",
                           sub);
}
