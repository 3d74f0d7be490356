/* ry_principal: the role a principal states (string, enum, both, neither,
 * wrongly) and whom a request acts as with each kind of key, as intake and
 * notification both take it (docs/protocol.md, "Principals and roles"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ry_error.h"
#include "ry_keys.h"
#include "ry_pb.h"
#include "ry_principal.h"
#include "ut_util.h"

#include <string.h>

static void
test_role_stated_by_string_or_enum(void **state)
{
    (void)state;
    char why[200];
    Rongyu__Role kind;
    Rongyu__Principal p = RONGYU__PRINCIPAL__INIT;
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), 0);
    assert_int_equal(kind, RONGYU__ROLE__ROLE_UNSPECIFIED);
    p.role = (char *)"group";
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), 0);
    assert_int_equal(kind, RONGYU__ROLE__ROLE_UNION_GROUP);
    p.kind = RONGYU__ROLE__ROLE_UNION_GROUP;
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), 0);
    /* Each wrong statement names its own field. */
    p.kind = RONGYU__ROLE__ROLE_CITY;
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), RY_EINVAL);
    assert_string_equal(ry_principal_role_field(why), "principal.kind");
    p.role = (char *)"mayor";
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), RY_EINVAL);
    assert_string_equal(ry_principal_role_field(why), "principal.role");
    assert_non_null(strstr(why, "Unknown role 'mayor'"));
    p.role = (char *)"";
    p.kind = (Rongyu__Role)99;
    assert_int_equal(ry_principal_role(&p, &kind, why, sizeof why), RY_EINVAL);
    assert_string_equal(ry_principal_role_field(why), "principal.kind");
    assert_string_equal(ry_principal_role_name(RONGYU__ROLE__ROLE_PLATFORM),
                        "platform");
    assert_string_equal(ry_principal_role_name((Rongyu__Role)99), "");
}

static void
test_whom_a_request_acts_as(void **state)
{
    (void)state;
    char why[400];
    Rongyu__KeyRecord platform = RONGYU__KEY_RECORD__INIT;
    platform.org_id = (char *)"backend";
    platform.role = (char *)"platform";
    Rongyu__KeyRecord city = RONGYU__KEY_RECORD__INIT;
    city.org_id = (char *)"city";
    city.role = (char *)"city";
    Rongyu__Principal eff, stated = RONGYU__PRINCIPAL__INIT;

    /* No principal: the key's own; the platform as itself. */
    eff = (Rongyu__Principal)RONGYU__PRINCIPAL__INIT;
    assert_int_equal(
        ry_principal_resolve(&platform, NULL, &eff, why, sizeof why), 0);
    assert_string_equal(eff.org_id, "backend");
    assert_string_equal(eff.role, "platform");
    assert_int_equal(ry_principal_resolve(&city, NULL, &eff, why, sizeof why),
                     0);
    assert_string_equal(eff.org_id, "city");
    assert_string_equal(eff.role, "city");

    /* The platform acts for the organisation named, with the role named;
     * another role without an organisation is left without one. */
    stated.org_id = (char *)"union-a";
    stated.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
    stated.user = (char *)"张三";
    assert_int_equal(
        ry_principal_resolve(&platform, &stated, &eff, why, sizeof why), 0);
    assert_string_equal(eff.org_id, "union-a");
    assert_int_equal(eff.kind, RONGYU__ROLE__ROLE_GRASSROOTS);
    assert_string_equal(eff.user, "张三");
    stated.org_id = (char *)"";
    assert_int_equal(
        ry_principal_resolve(&platform, &stated, &eff, why, sizeof why), 0);
    assert_string_equal(eff.org_id, "");
    stated.kind = RONGYU__ROLE__ROLE_PLATFORM;
    assert_int_equal(
        ry_principal_resolve(&platform, &stated, &eff, why, sizeof why), 0);
    assert_string_equal(eff.org_id, "backend");

    /* Any other key acts as itself only. */
    stated.kind = RONGYU__ROLE__ROLE_CITY;
    assert_int_equal(
        ry_principal_resolve(&city, &stated, &eff, why, sizeof why), 0);
    assert_string_equal(eff.org_id, "city");
    stated.org_id = (char *)"union-a";
    assert_int_equal(
        ry_principal_resolve(&city, &stated, &eff, why, sizeof why), RY_EPERM);
    assert_non_null(strstr(why, "cannot act for 'union-a'"));
    stated.org_id = (char *)"";
    stated.kind = RONGYU__ROLE__ROLE_UNIT;
    assert_int_equal(
        ry_principal_resolve(&city, &stated, &eff, why, sizeof why), RY_EPERM);
}

/* A key record read from its table: found, a key of another length (or
 * none) not found without a read, a record that does not decode refused. */
static void
test_key_record_read_from_its_table(void **state)
{
    (void)state;
    static const char *const tables[] = {"keys", NULL};
    char dir[256];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "principal"), 0);
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, dir, 16 << 20, tables), 0);
    const char *key = "rq3]=zX7/0fG(Ew+nHbe@I@gN.1lu5{0c]Vw)q7P";
    const char *bad = "Bq3]=zX7/0fG(Ew+nHbe@I@gN.1lu5{0c]Vw)q7P";
    Rongyu__KeyRecord k = RONGYU__KEY_RECORD__INIT;
    k.public_key = (char *)key;
    k.org_id = (char *)"union-a";
    size_t len;
    uint8_t *packed = ry_pb_pack(&k.base, &len);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "keys", key, RY_KEY_LEN, packed, len, 0),
                     0);
    assert_int_equal(ry_txn_put(txn, "keys", bad, RY_KEY_LEN, "\xff", 1, 0), 0);
    Rongyu__KeyRecord *got;
    assert_int_equal(ry_principal_key_record(txn, "keys", key, &got), 0);
    assert_string_equal(got->org_id, "union-a");
    ry_pb_free(&got);
    assert_int_equal(ry_principal_key_record(txn, "keys", "short", &got),
                     RY_ENOTFOUND);
    assert_null(got);
    assert_int_equal(ry_principal_key_record(txn, "keys", NULL, &got),
                     RY_ENOTFOUND);
    assert_int_equal(ry_principal_key_record(txn, "keys", bad, &got), RY_EIO);
    assert_null(got);
    ry_txn_abort(&txn);
    free(packed);
    ry_store_destroy(&st);
    assert_int_equal(ut_rmtree(dir), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_role_stated_by_string_or_enum),
        cmocka_unit_test(test_whom_a_request_acts_as),
        cmocka_unit_test(test_key_record_read_from_its_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
