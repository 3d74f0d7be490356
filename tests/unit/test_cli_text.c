/* Tests of what the CLI prints for a person to read: terminal control
 * characters in stored text are shown escaped, in cells and tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_expect(const char *in, const char *want)
{
    char *got = cli_escape_controls(in);
    if (strcmp(got, want) != 0)
        fail_msg("escape: want '%s', got '%s'", want, got);
    free(got);
}

static void
test_control_characters_are_escaped(void **state)
{
    (void)state;
    /* ESC sequences (clear screen, colour), BEL, CR, tab, DEL. */
    s_expect("\x1b[2J\x1b[31m恶意工会\x1b[0m",
             "\\x1B[2J\\x1B[31m恶意工会\\x1B[0m");
    s_expect("a\ab\rc\td\x7f", "a\\x07b\\x0Dc\\x09d\\x7F");
    /* C1 controls: U+009B (CSI) as UTF-8, and a raw 8-bit CSI byte. */
    s_expect("x\xc2\x9b"
             "31my",
             "x\\x9B31my");
    s_expect("x\x9b"
             "31my",
             "x\\x9B31my");
    /* Ordinary text, Chinese and the cell's line break stay as they are. */
    s_expect("杭州恒毅纺织有限公司工会 (0571-82660001)",
             "杭州恒毅纺织有限公司工会 (0571-82660001)");
    s_expect("第一行\n第二行", "第一行\n第二行");
    s_expect("", "");
    s_expect(NULL, "");
}

static void
test_tables_never_print_raw_controls(void **state)
{
    (void)state;
    static const char *heads[] = {"名称 Name", "状态 State"};
    cli_table_t *t = cli_table_new(2, heads);
    cli_table_wrap(t, 0, 12);
    const char *row[] = {"\x1b]0;pwned\x07工会名称很长很长很长", "ok\x1b[K"};
    cli_table_add(t, row);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_table_print(t, f, 0);
    fclose(f);
    cli_table_destroy(&t);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)buf[i] < 0x20 && buf[i] != '\n')
            fail_msg("raw control 0x%02x at %zu in:\n%s", buf[i], i, buf);
    assert_non_null(strstr(buf, "\\x1B]0;pwn"));
    assert_non_null(strstr(buf, "ok\\x1B[K"));
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_are_escaped),
        cmocka_unit_test(test_tables_never_print_raw_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
