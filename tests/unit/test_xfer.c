/* ry_xfer: no transfer reaches a link-local address (where a cloud
 * machine serves its metadata), whatever the URL names; the check of
 * addresses and of URLs written with one. */
#include "ry_xfer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

static bool
s_ll(const char *text)
{
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, text, &a4.sin_addr) == 1)
        return ry_xfer_link_local((struct sockaddr *)&a4);
    assert_int_equal(inet_pton(AF_INET6, text, &a6.sin6_addr), 1);
    return ry_xfer_link_local((struct sockaddr *)&a6);
}

static void
test_link_local_addresses(void **state)
{
    (void)state;
    assert_true(s_ll("169.254.169.254"));
    assert_true(s_ll("169.254.0.1"));
    assert_false(s_ll("169.253.255.255"));
    assert_false(s_ll("169.255.0.1"));
    assert_false(s_ll("127.0.0.1"));
    assert_false(s_ll("10.0.0.1"));
    assert_true(s_ll("fe80::1"));
    assert_true(s_ll("febf:ffff::1"));
    assert_false(s_ll("fec0::1"));
    assert_true(s_ll("::ffff:169.254.169.254"));
    assert_false(s_ll("::ffff:127.0.0.1"));
    assert_false(s_ll("::1"));
    assert_false(s_ll("2001:db8::1"));
}

static void
test_link_local_urls(void **state)
{
    (void)state;
    assert_true(ry_xfer_url_link_local("http://169.254.169.254/latest/"));
    assert_true(ry_xfer_url_link_local("https://[fe80::1]:8443/hook"));
    assert_true(ry_xfer_url_link_local("http://user@169.254.1.2:80/x"));
    assert_false(ry_xfer_url_link_local("http://127.0.0.1:8088/hook"));
    assert_false(ry_xfer_url_link_local("https://example.org/hook"));
    assert_false(ry_xfer_url_link_local("not a url"));
}

/* A POST to a link-local address ends refused, saying why, without a
 * connection (the socket is never opened). */
static void
test_post_to_link_local_is_refused(void **state)
{
    (void)state;
    ry_xfer_t *x;
    assert_int_equal(ry_xfer_new(4, 10000, &x), 0);
    assert_int_equal(
        ry_xfer_post(x, 7, "http://169.254.169.254:9/latest/", NULL, "{}", 2),
        0);
    ry_xfer_done_t d;
    bool done = false;
    for (int i = 0; i < 200 && !(done = ry_xfer_next_done(x, &d)); i++)
        assert_int_equal(ry_xfer_run(x, 100), 0);
    assert_true(done);
    assert_int_equal(d.id, 7);
    assert_false(d.ok);
    assert_non_null(strstr(d.error, "link-local"));
    ry_xfer_destroy(&x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_local_addresses),
        cmocka_unit_test(test_link_local_urls),
        cmocka_unit_test(test_post_to_link_local_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
