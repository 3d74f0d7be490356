/* test_fsm: the case lifecycle table of intake_fsm on its own: every row
 * can be reached (no earlier row hides it), every (state, event, facts)
 * finds at most the one row meant, every event says why it is refused,
 * and the Markdown names every row's states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "intake_fsm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FACTS (INTAKE_F_SEAT | INTAKE_F_REVISED | INTAKE_F_YES)

static void
test_every_row_is_found_for_some_facts(void **state)
{
    (void)state;
    size_t n;
    const intake_fsm_row_t *rows = intake_fsm_rows(&n);
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (unsigned f = 0; f <= S_FACTS && !found; f++)
            found = intake_fsm_find(rows[i].from, rows[i].event, f) == &rows[i];
        if (!found)
            fail_msg("row %zu (%s from %s) is hidden by an earlier one", i,
                     intake_fsm_event(rows[i].event)->name,
                     intake_fsm_state_name(rows[i].from));
    }
}

static void
test_rows_of_one_state_and_event_do_not_overlap(void **state)
{
    (void)state;
    size_t n;
    const intake_fsm_row_t *rows = intake_fsm_rows(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            if (rows[i].from != rows[j].from || rows[i].event != rows[j].event)
                continue;
            for (unsigned f = 0; f <= S_FACTS; f++) {
                bool a = (f & rows[i].need) == rows[i].need &&
                         !(f & rows[i].unless);
                bool b = (f & rows[j].need) == rows[j].need &&
                         !(f & rows[j].unless);
                if (a && b)
                    fail_msg("rows %zu and %zu (%s from %s) both fit facts %u",
                             i, j, intake_fsm_event(rows[i].event)->name,
                             intake_fsm_state_name(rows[i].from), f);
            }
        }
}

static void
test_each_row_moves_or_refuses_and_each_event_says_why(void **state)
{
    (void)state;
    size_t n;
    const intake_fsm_row_t *rows = intake_fsm_rows(&n);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].refuse) {
            assert_non_null(rows[i].refuse->zh);
            assert_non_null(rows[i].refuse->en);
            assert_int_equal(rows[i].to, 0);
            assert_null(rows[i].what);
            continue;
        }
        assert_true(rows[i].to > 0);
        assert_string_not_equal(intake_fsm_state_name(rows[i].to), "–");
        assert_non_null(rows[i].what);
        assert_non_null(rows[i].notify);
    }
    for (int ev = 0; ev < INTAKE_EV_COUNT; ev++) {
        const intake_fsm_event_t *e = intake_fsm_event((intake_event_t)ev);
        assert_non_null(e->name);
        assert_non_null(e->refuse.zh);
        assert_non_null(e->refuse.en);
        assert_non_null(e->who);
    }
    /* A decided case is refused by name; a stored case cannot be made
     * again by a submission. */
    assert_null(intake_fsm_find(RONGYU__CASE_STATE__AWARDED,
                                INTAKE_EV_WITHDRAW, 0));
    assert_null(intake_fsm_find(RONGYU__CASE_STATE__DRAFT, INTAKE_EV_SUBMIT,
                                0));
}

static void
test_markdown_has_a_line_per_group_of_rows(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(intake_fsm_markdown(f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "| withdraw |"));
    assert_non_null(strstr(buf, "| eligible, ineligible, approved |"));
    assert_non_null(strstr(buf, "refused: it waits for the quota"));
    size_t lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    size_t n;
    intake_fsm_rows(&n);
    assert_true(lines > 2 + 15 && lines <= 2 + n);
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_is_found_for_some_facts),
        cmocka_unit_test(test_rows_of_one_state_and_event_do_not_overlap),
        cmocka_unit_test(
            test_each_row_moves_or_refuses_and_each_event_says_why),
        cmocka_unit_test(test_markdown_has_a_line_per_group_of_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
