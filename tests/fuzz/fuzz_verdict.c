/* Fuzz target: a stored verdict as intake reads it (ry_verdict_expand)
 * against the application of examples/advanced_home.valid.json; whatever
 * expands is stored again (ry_verdict_pack) and must come back the same,
 * codes aside: the stored form gives back any verdict it is given. The
 * same bytes as one stored Check: what ry_verdict_check_passed_canonical
 * reads in place, protobuf-c must decode to the same 'passed'. */
#include <stddef.h>
#include <stdint.h>
#include "rongyu.pb-c.h"
#include "ry_json.h"
#include "ry_pb.h"
#include "ry_rulecat.h"
#include "ry_verdict.h"

#include <stdlib.h>
#include <string.h>

static Rongyu__Application *s_app;

static void
s_init(void)
{
    ry_json_error_t err;
    if (ry_json_application_load(RY_SOURCE_DIR
                                 "/examples/advanced_home.valid.json",
                                 &s_app, &err))
        abort();
    for (size_t i = 0; i < s_app->n_attachments; i++) {
        free(s_app->attachments[i]->content.data);
        s_app->attachments[i]->content.data = NULL;
        s_app->attachments[i]->content.len = 0;
    }
}

/* Packs check k with its code left out when its rule says it. */
static uint8_t *
s_pack_check(const Rongyu__Check *k, size_t *len)
{
    Rongyu__Check c = *k;
    if (c.rule && ry_rulecat_code(c.rule))
        c.code = (char *)"";
    return ry_pb_pack(&c.base, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!s_app)
        s_init();
    int passed = ry_verdict_check_passed_canonical(data, len);
    if (passed >= 0) {
        Rongyu__Check *k = rongyu__check__unpack(NULL, len, data);
        if (!k || k->passed != passed)
            abort();
        rongyu__check__free_unpacked(k, NULL);
    }
    Rongyu__Verdict *v = NULL;
    if (ry_verdict_expand(data, len, s_app, &v) != 0)
        return 0;
    /* protobuf-c keeps an unknown field numbered 0 and packs it into
     * bytes it then refuses: such a verdict cannot be stored again in any
     * form, and is not what validation makes. */
    size_t vn;
    uint8_t *vb = ry_pb_pack(&v->base, &vn);
    Rongyu__Verdict *again = (Rongyu__Verdict *)ry_pb_unpack(
        &rongyu__verdict__descriptor, vb, vn, 0);
    free(vb);
    if (!again) {
        ry_pb_free(&v);
        return 0;
    }
    ry_pb_free(&again);
    size_t n;
    uint8_t *stored = ry_verdict_pack(v, s_app, &n);
    Rongyu__Verdict *back = NULL;
    if (ry_verdict_expand(stored, n, s_app, &back) != 0 ||
        back->n_checks != v->n_checks || back->eligible != v->eligible ||
        back->decided_at_ms != v->decided_at_ms ||
        strcmp(back->ruleset, v->ruleset) != 0)
        abort();
    for (size_t i = 0; i < v->n_checks; i++) {
        size_t la, lb;
        uint8_t *a = s_pack_check(v->checks[i], &la);
        uint8_t *b = s_pack_check(back->checks[i], &lb);
        if (la != lb || memcmp(a, b, la) != 0)
            abort();
        free(a);
        free(b);
    }
    ry_pb_free(&back);
    free(stored);
    ry_pb_free(&v);
    return 0;
}
