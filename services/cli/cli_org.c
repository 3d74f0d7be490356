/* cli_org: 'rongyu org import FILE.csv' and 'rongyu org list': the
 * organisation tree intake authorises against. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char s_org_help[] =
    "用法 Usage:\n"
    "  rongyu org import FILE.csv [options]\n"
    "  rongyu org list [--json] [options]\n"
    "\n"
    "  org import  登记或更新组织（市总工会权限），全部成功或全部不变；\n"
    "              重复导入同一文件不改变任何内容。\n"
    "              Registers or updates organisations (the city's right),\n"
    "              all or nothing; importing the same file again changes\n"
    "              nothing. Default principal: --role city --as city.\n"
    "  org list    列出已登记的组织 lists the registered organisations.\n"
    "\n"
    "  CSV (UTF-8, optional BOM, optional header row, '#' comment lines):\n"
    "    id,name,kind,parent_id,organising_unit\n"
    "  kind: grassroots | township | federation | joint | branch | group |\n"
    "        unit | city\n"
    "    grassroots 基层单建工会 single-establishment grassroots union;\n"
    "    township 乡镇（街道、园区）、特色小镇工会; federation 区域（行业）性\n"
    "    工会联合会、基层工会联合会; joint 联合基层工会 (docs/rules.md: the\n"
    "    registered kind decides the applicant category)\n"
    "  The city has no parent and no unit; a unit hangs under the city and\n"
    "  its organising_unit is its Annex 1 row (e.g. 萧山区); a grassroots\n"
    "  union under its unit (or a grassroots federation); a branch under a\n"
    "  grassroots union; a group under a grassroots union or a branch.\n"
    "  Example: examples/orgs.csv.\n"
    "\n";

static const struct {
    const char *name;
    Rongyu__OrgKind kind;
} s_kinds[] = {
    {"grassroots", RONGYU__ORG_KIND__ORG_GRASSROOTS},
    {"township", RONGYU__ORG_KIND__ORG_TOWNSHIP},
    {"federation", RONGYU__ORG_KIND__ORG_FEDERATION},
    {"joint", RONGYU__ORG_KIND__ORG_JOINT},
    {"branch", RONGYU__ORG_KIND__ORG_BRANCH},
    {"group", RONGYU__ORG_KIND__ORG_GROUP},
    {"unit", RONGYU__ORG_KIND__ORG_UNIT},
    {"city", RONGYU__ORG_KIND__ORG_CITY},
};

static const char *
s_kind_name(int k)
{
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++)
        if ((int)s_kinds[i].kind == k)
            return s_kinds[i].name;
    return "?";
}

/* Splits one CSV record starting at *p (RFC 4180 quoting) into at most
 * 'max' malloc'd fields; advances *p past the record's line end. Returns
 * the number of fields, or -1 for an unterminated quote. */
static int
s_csv_record(const char **p, char **fields, int max)
{
    const char *s = *p;
    int n = 0;
    for (;;) {
        char *buf = malloc(strlen(s) + 1);
        if (!buf)
            abort();
        size_t o = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) {
                    free(buf);
                    for (int i = 0; i < n; i++)
                        free(fields[i]);
                    return -1;
                }
                if (*s == '"' && s[1] == '"') {
                    buf[o++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    buf[o++] = *s++;
                }
            }
        }
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            buf[o++] = *s++;
        buf[o] = '\0';
        /* Trim the blanks around an unquoted field. */
        size_t a = 0;
        while (buf[a] == ' ' || buf[a] == '\t')
            a++;
        while (o > a && (buf[o - 1] == ' ' || buf[o - 1] == '\t'))
            buf[--o] = '\0';
        if (a)
            memmove(buf, buf + a, o - a + 1);
        if (n < max)
            fields[n] = buf;
        else
            free(buf);
        n++;
        if (*s == ',') {
            s++;
            continue;
        }
        break;
    }
    if (*s == '\r')
        s++;
    if (*s == '\n')
        s++;
    *p = s;
    return n;
}

static char *
s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

typedef struct {
    Rongyu__Organisation *v;
    Rongyu__Organisation **p;
    char **strings;
    size_t n, cap, ns;
} s_orgs_t;

static void
s_orgs_free(s_orgs_t *o)
{
    for (size_t i = 0; i < o->ns; i++)
        free(o->strings[i]);
    free(o->strings);
    free(o->v);
    free(o->p);
}

/* Parses the CSV text into o. Returns 0, or CLI_EXIT_INPUT after printing
 * the line and the reason. */
static int
s_parse_csv(const char *path, const char *text, s_orgs_t *o)
{
    const char *p = text;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    int line = 0, seen = 0;
    while (*p) {
        line++;
        char *f[8] = {0};
        int n = s_csv_record(&p, f, 8);
        if (n < 0) {
            fprintf(stderr,
                    "错误 error: %s:%d: 引号未闭合 unterminated "
                    "quote\n",
                    path, line);
            return CLI_EXIT_INPUT;
        }
        int keep = 0;
        int blank = n == 1 && f[0][0] == '\0';
        int comment = n >= 1 && f[0][0] == '#';
        int header = !o->n && !seen && n >= 1 && strcmp(f[0], "id") == 0;
        if (!blank && !comment)
            seen = 1;
        if (!blank && !comment && !header) {
            if (n != 5) {
                fprintf(stderr,
                        "错误 error: %s:%d: 应有 5 列 expected 5 fields "
                        "(id,name,kind,parent_id,organising_unit), got %d\n",
                        path, line, n);
                for (int i = 0; i < n && i < 8; i++)
                    free(f[i]);
                return CLI_EXIT_INPUT;
            }
            int kind = 0;
            for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++)
                if (strcmp(f[2], s_kinds[i].name) == 0)
                    kind = (int)s_kinds[i].kind;
            if (!kind) {
                fprintf(stderr,
                        "错误 error: %s:%d: 未知类型 unknown kind '%s' "
                        "(grassroots, township, federation, joint, branch, "
                        "group, unit, city)\n",
                        path, line, f[2]);
                for (int i = 0; i < 5; i++)
                    free(f[i]);
                return CLI_EXIT_INPUT;
            }
            if (o->n == o->cap) {
                o->cap = o->cap ? 2 * o->cap : 64;
                o->v = realloc(o->v, o->cap * sizeof *o->v);
                o->strings =
                    realloc(o->strings, 5 * o->cap * sizeof *o->strings);
                if (!o->v || !o->strings)
                    abort();
            }
            Rongyu__Organisation init = RONGYU__ORGANISATION__INIT;
            Rongyu__Organisation *org = &o->v[o->n++];
            *org = init;
            org->id = f[0];
            org->name = f[1];
            org->kind = (Rongyu__OrgKind)kind;
            org->parent_id = f[3];
            org->organising_unit = f[4];
            for (int i = 0; i < 5; i++)
                o->strings[o->ns++] = f[i];
            free(f[2]);
            f[2] = NULL;
            o->strings[o->ns - 3] = NULL; /* f[2], freed */
            keep = 1;
        }
        if (!keep)
            for (int i = 0; i < n && i < 8; i++)
                free(f[i]);
    }
    o->p = calloc(o->n + 1, sizeof *o->p);
    if (!o->p)
        abort();
    for (size_t i = 0; i < o->n; i++)
        o->p[i] = &o->v[i];
    return 0;
}

static int
s_import(cli_ctx_t *ctx, const char *path)
{
    size_t len = 0;
    char *text = s_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "错误 error: cannot read '%s': %s\n", path,
                strerror(errno));
        return CLI_EXIT_INPUT;
    }
    s_orgs_t o = {0};
    int rc = s_parse_csv(path, text, &o);
    free(text);
    if (rc) {
        s_orgs_free(&o);
        return rc;
    }
    if (o.n == 0) {
        s_orgs_free(&o);
        fprintf(stderr, "错误 error: %s: 没有组织 no organisations\n", path);
        return CLI_EXIT_INPUT;
    }
    if ((rc = cli_load_config(ctx))) {
        s_orgs_free(&o);
        return rc;
    }
    cli_default_principal(ctx, "city", "city");
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__OrgImportRequest imp = RONGYU__ORG_IMPORT_REQUEST__INIT;
    imp.orgs = o.p;
    imp.n_orgs = o.n;
    req.body_case = RONGYU__REQUEST__BODY_ORG_IMPORT;
    req.org_import = &imp;
    char key[80];
    cli_random_id("org-import-", key, sizeof key);
    req.idempotency_key = key;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(ctx, &req, NULL, &reply);
    if (rc == CLI_EXIT_OK) {
        const Rongyu__OrgReply *r =
            reply->body_case == RONGYU__REPLY__BODY_ORGS ? reply->orgs : NULL;
        unsigned a = r ? r->added : 0, u = r ? r->updated : 0,
                 k = r ? r->unchanged : 0;
        if (ctx->json)
            printf("{\"added\": %u, \"updated\": %u, \"unchanged\": %u}\n", a,
                   u, k);
        else
            printf("organisations: %u added, %u updated, %u unchanged\n"
                   "组织：新增 %u，更新 %u，未变 %u\n",
                   a, u, k, a, u, k);
        cli_client_reply_free(&reply);
    }
    s_orgs_free(&o);
    return rc;
}

static int
s_list(cli_ctx_t *ctx)
{
    int rc = cli_load_config(ctx);
    if (rc)
        return rc;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__OrgListRequest ol = RONGYU__ORG_LIST_REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_ORG_LIST;
    req.org_list = &ol;
    Rongyu__Reply *reply = NULL;
    rc = cli_call(ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    if (reply->body_case != RONGYU__REPLY__BODY_ORGS) {
        fprintf(stderr, "错误：应答中没有组织 error: the answer holds no "
                        "organisations\n");
        cli_client_reply_free(&reply);
        return CLI_EXIT_ERROR;
    }
    const Rongyu__OrgReply *r = reply->orgs;
    if (ctx->json) {
        char *txt;
        if (ry_json_message_to_string(&r->base, RY_JSON_PRETTY, &txt) == 0)
            cli_print_json(txt);
    } else {
        static const char *heads[] = {"编号 Id", "名称 Name", "类型 Kind",
                                      "上级 Parent", "组织单位 Unit"};
        cli_table_t *t = cli_table_new(5, heads);
        for (size_t i = 0; i < r->n_orgs; i++) {
            const Rongyu__Organisation *o = r->orgs[i];
            const char *row[] = {o->id, o->name, s_kind_name(o->kind),
                                 o->parent_id, o->organising_unit};
            cli_table_add(t, row);
        }
        if (r->n_orgs)
            cli_table_print(t, stdout, 0);
        printf("共 %zu 个组织 %zu organisation%s\n", r->n_orgs, r->n_orgs,
               r->n_orgs == 1 ? "" : "s");
        cli_table_destroy(&t);
    }
    cli_client_reply_free(&reply);
    return CLI_EXIT_OK;
}

int
cli_cmd_org(int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(s_org_help, argc < 2 ? stderr : stdout);
        if (argc >= 2)
            fputs(cli_common_help, stdout);
        return argc < 2 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
    }
    const char *sub = argv[1];
    int is_import = strcmp(sub, "import") == 0;
    if (!is_import && strcmp(sub, "list") != 0)
        return cli_usage_error("org",
                               "未知子命令“%1$s”（可用 import、list）。" CLI_BI
                               ""
                               "Unknown subcommand '%1$s' (import, list).",
                               sub);
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    int c;
    optind = 0;
    opterr = 0;
    argc--;
    argv++;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == CLI_OPT_HELP) {
            fputs(s_org_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        }
        int r = cli_other_opt(&ctx, "org", c, optarg, argv);
        if (r)
            return r;
    }
    if (is_import) {
        if (optind != argc - 1)
            return cli_usage_error("org",
                                   "需要一个 CSV 文件。" CLI_BI "Expected one "
                                   "FILE.csv.");
        return s_import(&ctx, argv[optind]);
    }
    if (optind != argc)
        return cli_usage_error(
            "org", "多余的参数“%1$s”。" CLI_BI "Unexpected argument '%1$s'.",
            argv[optind]);
    cli_default_principal(&ctx, "city", "city");
    return s_list(&ctx);
}
