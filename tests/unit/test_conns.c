/* ry_conns: client connections counted per key, on real sockets (pairs
 * of Unix sockets stand for the TCP connections a ROUTER holds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ry_conns.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEY_A "A234567890123456789012345678901234567890"
#define KEY_B "B234567890123456789012345678901234567890"

static int s_fd_calls;

static int
s_fd_of(void *arg)
{
    s_fd_calls++;
    return *(int *)arg;
}

/* A new connection: one end of a socket pair (the other in *peer). */
static int
s_socket(int *peer)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    *peer = sv[1];
    return sv[0];
}

static bool
s_admit(ry_conns_t *c, const char *rid, const char *key, int fd)
{
    return ry_conns_admit(c, (const uint8_t *)rid, strlen(rid), key, s_fd_of,
                          &fd);
}

static void
test_a_key_is_bounded_and_others_are_not(void **state)
{
    (void)state;
    ry_conns_t *c = ry_conns_new(2);
    int pa, pb, pc, pd;
    int a = s_socket(&pa), b = s_socket(&pb), x = s_socket(&pc),
        d = s_socket(&pd);
    assert_true(s_admit(c, "a", KEY_A, a));
    assert_true(s_admit(c, "b", KEY_A, b));
    assert_false(s_admit(c, "c", KEY_A, x));
    assert_false(s_admit(c, "c", KEY_A, x)); /* still, on its next message */
    assert_true(s_admit(c, "d", KEY_B, d));  /* another key has room */
    assert_int_equal(ry_conns_of(c, KEY_A), 2);
    assert_int_equal(ry_conns_of(c, KEY_B), 1);
    assert_int_equal(ry_conns_served(c), 3);

    /* A connection served is not looked at again. */
    s_fd_calls = 0;
    assert_true(s_admit(c, "a", KEY_A, a));
    assert_true(s_admit(c, "b", KEY_A, -1));
    assert_int_equal(s_fd_calls, 0);

    /* One of the key's ends: the next is served in its place. */
    close(a);
    assert_true(s_admit(c, "c", KEY_A, x));
    assert_int_equal(ry_conns_of(c, KEY_A), 2);

    /* b's descriptor now holds another socket: b has ended too. */
    int pe;
    int e = s_socket(&pe);
    assert_int_equal(dup2(e, b), b);
    close(e);
    int pf;
    int f = s_socket(&pf);
    assert_true(s_admit(c, "f", KEY_A, f));
    assert_false(s_admit(c, "g", KEY_A, f)); /* c and f now */

    const int fds[] = {b, x, d, f, pa, pb, pc, pd, pe, pf};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close(fds[i]);
    ry_conns_destroy(&c);
    assert_null(c);
}

static void
test_a_routing_id_under_another_key_is_a_new_connection(void **state)
{
    (void)state;
    ry_conns_t *c = ry_conns_new(1);
    int p1, p2;
    int s1 = s_socket(&p1), s2 = s_socket(&p2);
    assert_true(s_admit(c, "same", KEY_A, s1));
    close(s1);
    /* A client that chose its routing id, reconnected under key B. */
    assert_true(s_admit(c, "same", KEY_B, s2));
    assert_int_equal(ry_conns_of(c, KEY_A), 0);
    assert_int_equal(ry_conns_of(c, KEY_B), 1);
    assert_int_equal(ry_conns_served(c), 1);
    close(s2);
    close(p1);
    close(p2);
    ry_conns_destroy(&c);
}

static void
test_ended_connections_are_forgotten_as_the_table_grows(void **state)
{
    (void)state;
    ry_conns_t *c = ry_conns_new(1000);
    char rid[16];
    for (int i = 0; i < 64; i++) {
        int peer;
        int fd = s_socket(&peer);
        snprintf(rid, sizeof rid, "r%d", i);
        assert_true(s_admit(c, rid, i % 2 ? KEY_A : KEY_B, fd));
        close(fd);
        close(peer);
    }
    assert_int_equal(ry_conns_served(c), 64);
    int peer;
    int fd = s_socket(&peer);
    assert_true(s_admit(c, "new", KEY_A, fd));
    assert_int_equal(ry_conns_served(c), 1);
    assert_int_equal(ry_conns_of(c, KEY_A), 1);
    assert_int_equal(ry_conns_of(c, KEY_B), 0);
    close(fd);
    close(peer);
    ry_conns_destroy(&c);
}

static void
test_many_keys_each_counted_apart(void **state)
{
    (void)state;
    /* Past the first index of keys (32) and of routing ids (48): both
     * made again, nothing lost. */
    enum { N = 100 };
    ry_conns_t *c = ry_conns_new(1);
    int fds[N], peers[N];
    char key[N][41], rid[16];
    for (int i = 0; i < N; i++) {
        snprintf(key[i], sizeof key[i], "K%039d", i);
        snprintf(rid, sizeof rid, "r%d", i);
        fds[i] = s_socket(&peers[i]);
        assert_true(s_admit(c, rid, key[i], fds[i]));
    }
    for (int i = 0; i < N; i++) {
        snprintf(rid, sizeof rid, "r%d", i);
        assert_int_equal(ry_conns_of(c, key[i]), 1);
        assert_true(s_admit(c, rid, key[i], -1));      /* still served */
        assert_false(s_admit(c, "x", key[i], fds[i])); /* a second: not */
    }
    assert_int_equal(ry_conns_served(c), N);
    assert_int_equal(ry_conns_of(c, "no such key"), 0);
    for (int i = 0; i < N; i++) {
        close(fds[i]);
        close(peers[i]);
    }
    ry_conns_destroy(&c);
}

static void
test_no_bound_keeps_nothing(void **state)
{
    (void)state;
    ry_conns_t *c = ry_conns_new(0);
    s_fd_calls = 0;
    for (int i = 0; i < 10; i++)
        assert_true(s_admit(c, "a", KEY_A, -1));
    assert_int_equal(s_fd_calls, 0);
    assert_int_equal(ry_conns_served(c), 0);
    assert_int_equal(ry_conns_per_key(c), 0);
    ry_conns_destroy(&c);
}

static void
test_a_message_from_an_ended_connection_is_served_uncounted(void **state)
{
    (void)state;
    ry_conns_t *c = ry_conns_new(1);
    assert_true(s_admit(c, "gone", KEY_A, -1));
    assert_int_equal(ry_conns_of(c, KEY_A), 0);
    ry_conns_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_key_is_bounded_and_others_are_not),
        cmocka_unit_test(
            test_a_routing_id_under_another_key_is_a_new_connection),
        cmocka_unit_test(
            test_ended_connections_are_forgotten_as_the_table_grows),
        cmocka_unit_test(test_many_keys_each_counted_apart),
        cmocka_unit_test(test_no_bound_keeps_nothing),
        cmocka_unit_test(
            test_a_message_from_an_ended_connection_is_served_uncounted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
