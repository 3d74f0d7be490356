/* ry_rulecat: the rule catalogue: every rule code of validation with its
 * number and its Chinese and English wording, and the rendering of a
 * check's typed values into the texts a person reads. */
#ifndef RY_RULECAT_H
#define RY_RULECAT_H

#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The texts of one check, as rendered. 'threshold' and 'actual' are the
 * display forms ("中文/English" where the two languages differ). */
typedef struct {
    char threshold[1024];
    char actual[1024];
    char message_zh[2560];
    char message_en[2560];
} ry_rulecat_text_t;

/* The number of rules in the catalogue, and the code of the i-th
 * (0 <= i < count), in catalogue order. */
size_t ry_rulecat_count(void);
const char *ry_rulecat_code_at(size_t i);

/* The rule number of 'code' (never reused; docs/rules.md), or 0 when the
 * code is not in the catalogue (or NULL). */
uint32_t ry_rulecat_rule(const char *code);

/* The code of rule number 'rule', or NULL when there is none. The string
 * is static. */
const char *ry_rulecat_code(uint32_t rule);

/* The code of check k: its code when it has one, else its rule's; ""
 * when neither is known. Borrowed from k or static. */
const char *ry_rulecat_check_code(const Rongyu__Check *k);

/* The catalogue term of an Annex 1 column (rongyu.QuotaColumn:
 * "column_leadership_organ", "column_township_cadre",
 * "column_grassroots_cadre"), "missing" for any other value: what the
 * column checks hold. */
const char *ry_rulecat_column_term(int column);

/* True when k carries texts of its own (a check stored before the
 * catalogue): they are shown as stored. */
bool ry_rulecat_has_texts(const Rongyu__Check *k);

/* Renders check k's threshold, actual value and messages in Chinese and
 * English from its rule, outcome and typed values (k's own texts, when it
 * has them, are copied instead). The texts are cut to the buffers'
 * sizes. Returns 0, or RY_ENOTFOUND when neither k's rule nor its code is
 * in the catalogue (out then holds k's own texts, or the code and the
 * outcome). */
int ry_rulecat_render(const Rongyu__Check *k, ry_rulecat_text_t *out);

/* Fills the display fields (code, threshold, actual, message_zh,
 * message_en) of every check of v, a message from ry_pb_unpack, from the
 * catalogue; checks with texts of their own keep them. Safe on NULL. */
void ry_rulecat_fill_verdict(Rongyu__Verdict *v);

/* The same for one check of a message from ry_pb_unpack. */
void ry_rulecat_fill(Rongyu__Check *k);

#endif
