/* cli_export: 'rongyu export': the summary tables an organising unit
 * submits (SPEC §5, Annexes 2, 3 and 4) as .xlsx (libxlsxwriter) or CSV
 * (UTF-8 with a BOM), from the unit's cases as intake lists them. */
#include "cli_cmds.h"
#include "cli_util.h"

#include "ry_clock.h"
#include "ry_date.h"
#include "ry_rulecat.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xlsxwriter.h>

static const char s_export_help[] =
    "用法 Usage: rongyu export --unit UNIT --annex 2|3|4 -o FILE\n"
    "                     [--format xlsx|csv] [--campaign ID] [options]\n"
    "\n"
    "  导出组织单位的汇总表：附件2 先进（示范）职工之家、附件3 先进职工小家、\n"
    "  附件4 优秀工会工作者。只收录该单位已推荐至市总工会的申报（状态为\n"
    "  recommended、selecting、awarded 或 not_selected），按案件号排序。\n"
    "  Writes the organising unit's summary table: Annex 2 (advanced and\n"
    "  model homes), 3 (advanced small homes) or 4 (excellent workers),\n"
    "  with the columns of SPEC §5 and the unit's name in the heading;\n"
    "  Annexes 2 and 3 add 职工入会率（审核采用）, the membership rate the\n"
    "  verdict judged. It holds the cases the unit has recommended to the "
    "city\n"
    "  (states recommended, selecting, awarded, not_selected), by case id.\n"
    "  Row 1: the table's title; row 2: 区县级总工会（市级产业工会）名称\n"
    "  （盖章）: UNIT; row 3: the column headings (frozen in .xlsx); then\n"
    "  one row per case, 序号 from 1 (counts are numbers); under the table\n"
    "  the notice's 填写说明, then 评选活动 (the campaign) and 导出日期\n"
    "  (the date of export). The .xlsx\n"
    "  prints as the form: A4 landscape, one page wide, the headings on\n"
    "  every page, room for the seal, page numbers in the footer.\n"
    "  --unit UNIT        组织单位 the organising unit, e.g. 萧山区 (also the\n"
    "                     principal, with --role unit, unless given)\n"
    "  --annex N          2, 3 or 4\n"
    "  -o, --output FILE  输出文件 the file to write\n"
    "  --format F         xlsx (default, or from FILE's extension) or csv\n"
    "  --campaign ID      评选活动：只导出该活动的申报；默认与 rongyu quota\n"
    "                     相同（内置的评选活动） the campaign whose cases are\n"
    "                     exported; by default the one 'rongyu quota' shows\n"
    "                     (the built-in campaign)\n"
    "\n";

/* ------------------------------------------------------------ the sheet */

typedef struct {
    char *text;  /* malloc'd */
    bool number; /* written as a number in .xlsx */
} s_cell_t;

typedef struct {
    int ncols;
    int nrows, cap;
    s_cell_t *cells; /* nrows * ncols */
    int width[16];   /* display columns per column (data cells) */
    int footer;      /* first row under the table (notes, date); 0: none */
} s_sheet_t;

static void
s_sheet_row(s_sheet_t *s)
{
    if (s->nrows == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->cells = realloc(s->cells, (size_t)s->cap * (size_t)s->ncols *
                                         sizeof *s->cells);
        if (!s->cells)
            abort();
    }
    memset(&s->cells[(size_t)s->nrows * (size_t)s->ncols], 0,
           (size_t)s->ncols * sizeof *s->cells);
    s->nrows++;
}

static void
s_sheet_set(s_sheet_t *s, int col, const char *text, bool number, bool measure)
{
    s_cell_t *c = &s->cells[(size_t)(s->nrows - 1) * (size_t)s->ncols + col];
    free(c->text);
    c->text = strdup(text ? text : "");
    if (!c->text)
        abort();
    c->number = number;
    int w = cli_display_width(c->text);
    if (measure && w > s->width[col])
        s->width[col] = w;
}

static void
s_sheet_num(s_sheet_t *s, int col, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", v);
    s_sheet_set(s, col, buf, true, true);
}

static void
s_sheet_free(s_sheet_t *s)
{
    for (size_t i = 0; i < (size_t)s->nrows * (size_t)s->ncols; i++)
        free(s->cells[i].text);
    free(s->cells);
}

/* ------------------------------------------------------------ annexes */

typedef struct {
    int annex;
    const char *title;
    int ncols;
    const char *const *heads;
    const char *note; /* the form's 填写说明, printed under the table */
} s_annex_t;

static const char *const s_heads2[] = {
    "序号",           "基层工会名称",           "工会类型",     "职工人数",
    "会员人数",       "职工入会率（审核采用）", "工会分会数",   "工会小组数",
    "专职工会干部数", "兼职工会干部数",         "工会主席姓名", "联系地址",
    "联系电话",       "申报类型（先进/示范）"};
static const char *const s_heads3[] = {"序号",
                                       "工会分会（小组）名称",
                                       "所属基层工会名称",
                                       "工会类型",
                                       "职工人数",
                                       "会员人数",
                                       "职工入会率（审核采用）",
                                       "工会分会主席（小组长）姓名"};
static const char *const s_heads4[] = {"序号",       "姓名",     "性别",
                                       "出生年月",   "工作单位", "职务",
                                       "专职或兼职", "类型"};

/* The notice's instructions under Annexes 2 and 3, and under Annex 4
 * (杭总工办〔2018〕, 附件2-4 填写说明), plus what the added column means. */
#define S_NOTE_UNION_TYPES                                                                                      \
    "填写说明：工会类型填写国有企业、集体企业、股份合作企业、联营企业、"       \
    "国有独资公司、其他有限责任公司、国有控股公司、其他股份有限公司、"          \
    "私营企业、港澳台商投资企业、外商投资企业工会，事业单位工会，机关工会，" \
    "乡镇（街道、园区）、村（社区）工会，区域（行业）性工会联合会，其他等。"
#define S_NOTE_RATE                                                            \
    "职工入会率（审核采用）为资格审查时采用的数据（有人数时按人数计算）。"

static const s_annex_t s_annexes[] = {
    {2, "附件2 申报杭州市先进（示范）职工之家基层工会汇总表", 14, s_heads2,
     S_NOTE_UNION_TYPES S_NOTE_RATE},
    {3, "附件3 申报杭州市先进职工小家汇总表", 8, s_heads3,
     S_NOTE_UNION_TYPES S_NOTE_RATE},
    {4, "附件4 推荐杭州市优秀工会工作者人选汇总表", 8, s_heads4,
     "填写说明：类型填写国有企业、集体企业、股份合作企业、联营企业、"
     "国有独资公司、其他有限责任公司、国有控股公司、其他股份有限公司、"
     "私营企业、港澳台商投资企业、外商投资企业工会干部，事业单位工会干部，"
     "机关工会干部，乡镇（街道）、村（社区）工会干部，社会化工会工作者，"
     "工会领导机关干部，其他等。"},
};

#define S_HEADING_PREFIX "区县级总工会（市级产业工会）名称（盖章）: "

/* Does case k belong in the annex? Recommended to the city, or later. */
static bool
s_wanted(const s_annex_t *an, const Rongyu__Case *k, const char *campaign)
{
    const Rongyu__Application *a = k->application;
    if (!a)
        return false;
    if (campaign && strcmp(a->campaign_id, campaign) != 0)
        return false;
    switch (k->state) {
    case RONGYU__CASE_STATE__RECOMMENDED:
    case RONGYU__CASE_STATE__SELECTING:
    case RONGYU__CASE_STATE__AWARDED:
    case RONGYU__CASE_STATE__NOT_SELECTED: break;
    default: return false;
    }
    switch (an->annex) {
    case 2:
        return a->honour == RONGYU__HONOUR__ADVANCED_HOME ||
               a->honour == RONGYU__HONOUR__MODEL_HOME;
    case 3: return a->honour == RONGYU__HONOUR__ADVANCED_SMALL_HOME;
    default: return a->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    }
}

/* The membership rate the verdict judged (its R_MEMBERSHIP_MIN actual,
 * e.g. "968/1000 (96.80%)": the counts when the application gives them),
 * or 不适用 (not applicable) when the honour sets no membership threshold
 * (model homes are judged on their score). */
static const char *
s_verdict_membership(const Rongyu__Case *k, char *buf, size_t len)
{
    for (size_t i = 0; k->verdict && i < k->verdict->n_checks; i++) {
        const Rongyu__Check *c = k->verdict->checks[i];
        if (!c || strcmp(ry_rulecat_check_code(c), "R_MEMBERSHIP_MIN") != 0)
            continue;
        if (c->actual && *c->actual)
            return c->actual;
        /* Without its text: rendered from the typed value. */
        ry_rulecat_text_t *t = malloc(sizeof *t);
        if (!t)
            abort();
        ry_rulecat_render(c, t);
        snprintf(buf, len, "%.*s", (int)(len ? len - 1 : 0), t->actual);
        free(t);
        return buf;
    }
    return "不适用";
}

static void
s_add_case(s_sheet_t *s, const s_annex_t *an, const Rongyu__Case *k, int no)
{
    char mbuf[128];
    const Rongyu__Application *a = k->application;
    static const Rongyu__UnionInfo no_union = RONGYU__UNION_INFO__INIT;
    static const Rongyu__Person no_person = RONGYU__PERSON__INIT;
    const Rongyu__UnionInfo *u = a->union_ ? a->union_ : &no_union;
    const Rongyu__Person *p = a->person ? a->person : &no_person;
    s_sheet_row(s);
    s_sheet_num(s, 0, (unsigned long long)no);
    switch (an->annex) {
    case 2:
        s_sheet_set(s, 1, u->name, false, true);
        s_sheet_set(s, 2, u->union_type, false, true);
        s_sheet_num(s, 3, u->workers);
        s_sheet_num(s, 4, u->members);
        s_sheet_set(s, 5, s_verdict_membership(k, mbuf, sizeof mbuf), false, true);
        s_sheet_num(s, 6, u->branch_count);
        s_sheet_num(s, 7, u->group_count);
        s_sheet_num(s, 8, u->fulltime_cadres);
        s_sheet_num(s, 9, u->parttime_cadres);
        s_sheet_set(s, 10, u->chair_name, false, true);
        s_sheet_set(s, 11, u->address, false, true);
        s_sheet_set(s, 12, u->phone, false, true);
        s_sheet_set(s, 13,
                    a->honour == RONGYU__HONOUR__MODEL_HOME ? "示范" : "先进",
                    false, true);
        break;
    case 3:
        s_sheet_set(s, 1, u->name, false, true);
        s_sheet_set(s, 2, u->parent_union_name, false, true);
        s_sheet_set(s, 3, u->union_type, false, true);
        s_sheet_num(s, 4, u->workers);
        s_sheet_num(s, 5, u->members);
        s_sheet_set(s, 6, s_verdict_membership(k, mbuf, sizeof mbuf), false, true);
        s_sheet_set(s, 7, u->chair_name, false, true);
        break;
    default:
        s_sheet_set(s, 1, p->name, false, true);
        s_sheet_set(s, 2, p->gender, false, true);
        s_sheet_set(s, 3, p->birth_month, false, true);
        s_sheet_set(s, 4, p->employer, false, true);
        s_sheet_set(s, 5, p->position, false, true);
        s_sheet_set(s, 6, p->fulltime ? "专职" : "兼职", false, true);
        s_sheet_set(s, 7, p->cadre_type, false, true);
        break;
    }
}

/* The campaign a table is of when --campaign names none: the one intake
 * answers 'rongyu quota' with (its default), so the two agree. Also
 * refuses, as quota does, a unit not in that campaign's Annex 1. */
static int
s_default_campaign(cli_ctx_t *ctx, const char *unit, char *buf, size_t len)
{
    Rongyu__QuotaRequest qr = RONGYU__QUOTA_REQUEST__INIT;
    qr.organising_unit = (char *)unit;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_QUOTA;
    req.quota = &qr;
    Rongyu__Reply *reply = NULL;
    int rc = cli_call(ctx, &req, NULL, &reply);
    if (rc)
        return rc;
    rc = reply->body_case == RONGYU__REPLY__BODY_QUOTA &&
                 reply->quota->campaign_id[0] &&
                 strlen(reply->quota->campaign_id) < len
             ? CLI_EXIT_OK
             : CLI_EXIT_ERROR;
    if (rc == CLI_EXIT_OK)
        snprintf(buf, len, "%s", reply->quota->campaign_id);
    else
        fprintf(stderr, "错误：应答中没有评选活动 error: the answer names no "
                        "campaign\n");
    cli_client_reply_free(&reply);
    return rc;
}

/* Lists every case of the unit (all pages) into the sheet. */
static int
s_collect(cli_ctx_t *ctx, const char *unit, const char *campaign,
          const s_annex_t *an, s_sheet_t *s, int *count)
{
    Rongyu__ListRequest lr = RONGYU__LIST_REQUEST__INIT;
    lr.organising_unit = (char *)unit;
    lr.limit = 500;
    char after[64] = "";
    *count = 0;
    for (;;) {
        Rongyu__Request req = RONGYU__REQUEST__INIT;
        lr.after_case_id = after;
        req.body_case = RONGYU__REQUEST__BODY_LIST;
        req.list = &lr;
        Rongyu__Reply *reply = NULL;
        int rc = cli_call(ctx, &req, NULL, &reply);
        if (rc)
            return rc;
        if (reply->body_case != RONGYU__REPLY__BODY_LIST) {
            cli_client_reply_free(&reply);
            fprintf(stderr, "错误：应答中没有列表 error: the answer holds no "
                            "list\n");
            return CLI_EXIT_ERROR;
        }
        const Rongyu__ListReply *l = reply->list;
        for (size_t i = 0; i < l->n_cases; i++)
            if (s_wanted(an, l->cases[i], campaign))
                s_add_case(s, an, l->cases[i], ++*count);
        int more = l->next_after[0] && strcmp(l->next_after, after) != 0 &&
                   strlen(l->next_after) < sizeof after;
        if (more)
            snprintf(after, sizeof after, "%s", l->next_after);
        cli_client_reply_free(&reply);
        if (!more)
            return 0;
    }
}

/* ------------------------------------------------------------ writers */

/* One CSV field. A text that Excel or WPS would take for a formula (one
 * starting with =, +, -, @, a tab or a carriage return, e.g. a chair named
 * "=HYPERLINK(...)") is written as text: quoted, with a leading
 * apostrophe, which both show as plain text. */
static void
s_csv_field(FILE *f, const char *t, bool text)
{
    bool formula = text && t[0] && strchr("=+-@\t\r", t[0]);
    if (!formula && !strpbrk(t, ",\"\r\n")) {
        fputs(t, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *t; t++) {
        if (*t == '"')
            fputc('"', f);
        fputc(*t, f);
    }
    fputc('"', f);
}

/* CSV: UTF-8 with a BOM (so Excel and WPS read the Chinese text), CRLF
 * line ends, the title and heading rows as one-cell rows. */
static int
s_write_csv(const s_sheet_t *s, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "错误 error: cannot write '%s': %s\n", path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    fputs("\xEF\xBB\xBF", f);
    for (int r = 0; r < s->nrows; r++) {
        const s_cell_t *row = &s->cells[(size_t)r * (size_t)s->ncols];
        int last = s->ncols - 1;
        while (last > 0 && (!row[last].text || !row[last].text[0]))
            last--;
        if (r >= 2 && (!s->footer || r < s->footer))
            last = s->ncols - 1; /* table rows keep every column */
        for (int c = 0; c <= last; c++) {
            if (c)
                fputc(',', f);
            s_csv_field(f, row[c].text ? row[c].text : "", !row[c].number);
        }
        fputs("\r\n", f);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "错误 error: cannot write '%s': %s\n", path,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    return 0;
}

/* Print layout (the form the unions stamp): column widths in characters,
 * CJK text counting double; text wraps within a column at most S_MAX_W
 * wide and a heading within S_HEAD_W, so the table fits one A4 landscape
 * page wide at a readable scale. */
#define S_MAX_W 24
#define S_HEAD_W 8
#define S_LINE_PT 15.0

/* Lines that 'text' needs in a column 'w' characters wide. */
static int
s_lines(const char *text, double w)
{
    int dw = cli_display_width(text);
    int per = (int)w - 1;
    if (per < 1)
        per = 1;
    return dw <= per ? 1 : (dw + per - 1) / per;
}

static int
s_write_xlsx(const s_sheet_t *s, const s_annex_t *an, const char *path,
             const char *exported)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        fprintf(stderr,
                "错误：无法创建文件 '%s'。\nerror: cannot create "
                "'%s'.\n",
                path, path);
        return CLI_EXIT_ERROR;
    }
    char sheet[16];
    snprintf(sheet, sizeof sheet, "附件%d", an->annex);
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    lxw_format *title = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 16);
    format_set_align(title, LXW_ALIGN_CENTER);
    format_set_align(title, LXW_ALIGN_VERTICAL_CENTER);
    lxw_format *heading = workbook_add_format(wb);
    format_set_align(heading, LXW_ALIGN_LEFT);
    format_set_align(heading, LXW_ALIGN_VERTICAL_TOP);
    format_set_font_size(heading, 12);
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(head, 0xDDEBF7);
    lxw_format *text = workbook_add_format(wb);
    format_set_border(text, LXW_BORDER_THIN);
    format_set_num_format(text, "@");
    format_set_text_wrap(text);
    format_set_align(text, LXW_ALIGN_VERTICAL_CENTER);
    lxw_format *num = workbook_add_format(wb);
    format_set_border(num, LXW_BORDER_THIN);
    format_set_num_format(num, "0");
    format_set_align(num, LXW_ALIGN_CENTER);
    format_set_align(num, LXW_ALIGN_VERTICAL_CENTER);
    lxw_format *note = workbook_add_format(wb);
    format_set_text_wrap(note);
    format_set_align(note, LXW_ALIGN_LEFT);
    format_set_align(note, LXW_ALIGN_VERTICAL_TOP);

    lxw_doc_properties props = {0};
    props.title = (char *)an->title;
    props.comments = (char *)"rongyu export";
    workbook_set_properties(wb, &props);

    double widths[16], total = 0;
    for (int c = 0; c < s->ncols; c++) {
        int hw = cli_display_width(s->cells[2 * s->ncols + c].text);
        double w = s->width[c] > (hw < S_HEAD_W ? hw : S_HEAD_W)
                       ? s->width[c]
                       : (hw < S_HEAD_W ? hw : S_HEAD_W);
        w += 2;
        if (w < 6)
            w = 6;
        if (w > S_MAX_W)
            w = S_MAX_W;
        widths[c] = w;
        total += w;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
    }
    int tbl_end = s->footer ? s->footer : s->nrows; /* rows of the table */
    lxw_col_t lastc = (lxw_col_t)(s->ncols - 1);
    worksheet_set_row(ws, 0, 34, NULL);
    worksheet_merge_range(ws, 0, 0, 0, lastc, s->cells[0].text, title);
    /* The unit's line, tall enough for the seal (盖章) beside it. */
    worksheet_set_row(ws, 1, 48, NULL);
    worksheet_merge_range(ws, 1, 0, 1, lastc, s->cells[s->ncols].text, heading);
    for (int r = 2; r < tbl_end; r++) {
        int lines = 1;
        for (int c = 0; c < s->ncols; c++) {
            const s_cell_t *cell = &s->cells[(size_t)r * (size_t)s->ncols + c];
            const char *t = cell->text ? cell->text : "";
            if (r > 2 && cell->number) {
                worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c,
                                       strtod(t, NULL), num);
                continue;
            }
            worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, t,
                                   r == 2 ? head : text);
            int n = s_lines(t, widths[c]);
            if (n > lines)
                lines = n;
        }
        worksheet_set_row(ws, (lxw_row_t)r, lines * S_LINE_PT + 6, NULL);
    }
    /* Under the table: the form's instructions, the date of export. */
    for (int r = tbl_end; r < s->nrows; r++) {
        const char *t = s->cells[(size_t)r * (size_t)s->ncols].text;
        int lines = s_lines(t ? t : "", total * 0.9) + 1;
        worksheet_set_row(ws, (lxw_row_t)r, lines * S_LINE_PT, NULL);
        worksheet_merge_range(ws, (lxw_row_t)r, 0, (lxw_row_t)r, lastc,
                              t ? t : "", note);
    }
    /* The title, the unit and the column headings stay in view. */
    worksheet_freeze_panes(ws, 3, 0);
    /* Printed: A4 landscape, one page wide, the heading row on every
     * page, page numbers and the date of export in the footer. */
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.6);
    worksheet_center_horizontally(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 2, 2);
    worksheet_print_area(ws, 0, 0, (lxw_row_t)(s->nrows - 1), lastc);
    char footer[200];
    snprintf(footer, sizeof footer, "&L导出日期：%s&C第 &P 页，共 &N 页&R%s",
             exported, sheet);
    worksheet_set_footer(ws, footer);
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) {
        fprintf(stderr,
                "错误：无法写入 '%s'（%s）。\nerror: cannot write "
                "'%s': %s.\n",
                path, lxw_strerror(err), path, lxw_strerror(err));
        return CLI_EXIT_ERROR;
    }
    return 0;
}

/* ------------------------------------------------------------ command */

static bool
s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

int
cli_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"unit", required_argument, 0, 'u'},
        {"annex", required_argument, 0, 'a'},
        {"format", required_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'},
        {"campaign", required_argument, 0, 'c'},
        CLI_COMMON_OPTIONS,
        {0, 0, 0, 0}};
    cli_ctx_t ctx;
    cli_ctx_init(&ctx);
    const char *unit = NULL, *annex = NULL, *format = NULL, *out = NULL,
               *campaign = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        switch (c) {
        case 'u': unit = optarg; break;
        case 'a': annex = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'c': campaign = optarg; break;
        case CLI_OPT_HELP:
            fputs(s_export_help, stdout);
            fputs(cli_common_help, stdout);
            return CLI_EXIT_OK;
        default: {
            int r = cli_other_opt(&ctx, "export", c, optarg, argv);
            if (r)
                return r;
        }
        }
    }
    if (optind != argc)
        return cli_usage_error(
            "export", "多余的参数“%1$s”。" CLI_BI "Unexpected argument '%1$s'.",
            argv[optind]);
    if (!unit || !*unit)
        return cli_usage_error("export",
                               "需要 --unit UNIT，例如 萧山区。" CLI_BI ""
                               "--unit UNIT is needed, e.g. 萧山区.");
    if (!out || !*out)
        return cli_usage_error("export",
                               "需要 -o FILE。" CLI_BI "-o FILE is needed.");
    const s_annex_t *an = NULL;
    for (size_t i = 0; annex && i < sizeof s_annexes / sizeof s_annexes[0]; i++)
        if (annex[0] - '0' == s_annexes[i].annex && !annex[1])
            an = &s_annexes[i];
    if (!an)
        return cli_usage_error("export",
                               "--annex 应为 2、3 或 4，而不是“%1$s”。" CLI_BI
                               ""
                               "--annex wants 2, 3 or 4, not '%1$s'.",
                               annex ? annex : "");
    bool csv;
    if (format)
        csv = strcmp(format, "csv") == 0;
    else
        csv = s_ends_with(out, ".csv");
    if (format && !csv && strcmp(format, "xlsx") != 0)
        return cli_usage_error(
            "export",
            "--format 应为 xlsx 或 csv，而不是“%1$s”。" CLI_BI ""
            "--format wants xlsx or csv, not '%1$s'.",
            format);
    int rc = cli_load_config(&ctx);
    if (rc)
        return rc;
    cli_default_principal(&ctx, "unit", unit);
    char campaign_buf[128];
    if (!campaign || !*campaign) {
        if ((rc = s_default_campaign(&ctx, unit, campaign_buf,
                                     sizeof campaign_buf)))
            return rc;
        campaign = campaign_buf;
    }

    s_sheet_t s = {.ncols = an->ncols};
    s_sheet_row(&s);
    s_sheet_set(&s, 0, an->title, false, false);
    char line[512];
    snprintf(line, sizeof line, "%s%s", S_HEADING_PREFIX, unit);
    s_sheet_row(&s);
    s_sheet_set(&s, 0, line, false, false);
    s_sheet_row(&s);
    for (int i = 0; i < an->ncols; i++)
        s_sheet_set(&s, i, an->heads[i], false, true);
    int count = 0;
    rc = s_collect(&ctx, unit, campaign, an, &s, &count);
    /* Under the table: the notice's 填写说明, the campaign and the date
     * of export (the clock's day in Beijing time). */
    char exported[RY_DATE_STRLEN] = "";
    ry_date_t today;
    if (ry_date_from_epoch_ms(ry_clock_now_ms(), 480, &today, NULL) == 0)
        ry_date_format(today, exported, sizeof exported);
    s.footer = s.nrows;
    s_sheet_row(&s);
    s_sheet_set(&s, 0, an->note, false, false);
    s_sheet_row(&s);
    snprintf(line, sizeof line, "评选活动：%s；导出日期：%s", campaign,
             exported);
    s_sheet_set(&s, 0, line, false, false);
    if (!rc)
        rc = csv ? s_write_csv(&s, out) : s_write_xlsx(&s, an, out, exported);
    s_sheet_free(&s);
    if (rc)
        return rc;
    if (ctx.json) {
        printf("{\"file\": ");
        cli_json_string(stdout, out);
        printf(", \"annex\": %d, \"rows\": %d}\n", an->annex, count);
    } else
        printf("%s: 附件%d，%d 行 annex %d, %d row%s (%s)\n", out, an->annex,
               count, an->annex, count, count == 1 ? "" : "s",
               csv ? "csv" : "xlsx");
    return CLI_EXIT_OK;
}
