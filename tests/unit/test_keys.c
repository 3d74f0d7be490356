/* Tests of ry_keys: key pairs on disk (modes, no overwrite, reading them
 * back), the admission directory, and a CURVE server that admits exactly
 * the listed keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_error.h"
#include "ry_keys.h"
#include "ry_log.h"
#include "ut_util.h"

#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static int
s_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (int)(st.st_mode & 0777);
}

static void
test_init_makes_private_pairs_and_keeps_them(void **state)
{
    (void)state;
    char dir[256], keys[300], path[400];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "keys"), 0);
    snprintf(keys, sizeof keys, "%s/home/keys", dir);
    int made = -1;
    assert_int_equal(ry_keys_init(keys, &made), 0);
    assert_int_equal(made, 5);
    assert_int_equal(s_mode(keys), 0700);
    const char *names[] = {"intake", "validation", "quota", "notification",
                           "admin"};
    char first[5][RY_KEY_LEN + 1];
    for (int i = 0; i < 5; i++) {
        char sec[RY_KEY_LEN + 1];
        snprintf(path, sizeof path, "%s/%s.cert_secret", keys, names[i]);
        assert_int_equal(s_mode(path), 0600);
        snprintf(path, sizeof path, "%s/%s.cert", keys, names[i]);
        assert_int_equal(s_mode(path), 0644);
        assert_int_equal(ry_keys_read_pair(path, first[i], sec), 0);
        assert_true(ry_keys_valid(first[i]) && ry_keys_valid(sec));
        assert_string_not_equal(first[i], sec);
        /* The public file holds no secret. */
        char pub[RY_KEY_LEN + 1];
        assert_int_equal(ry_keys_read_public(path, pub), 0);
        assert_string_equal(pub, first[i]);
    }
    /* A second init makes nothing and changes nothing. */
    assert_int_equal(ry_keys_init(keys, &made), 0);
    assert_int_equal(made, 0);
    char pub[RY_KEY_LEN + 1], sec[RY_KEY_LEN + 1];
    snprintf(path, sizeof path, "%s/admin.cert", keys);
    assert_int_equal(ry_keys_read_pair(path, pub, sec), 0);
    assert_string_equal(pub, first[4]);
    assert_int_equal(ry_keys_generate(keys, "admin", NULL, NULL), RY_EEXIST);
    assert_int_equal(ry_keys_generate(keys, "../x", NULL, NULL), RY_EINVAL);
    assert_int_equal(ut_rmtree(dir), 0);
}

static void
test_reading_keys_refuses_what_is_not_one(void **state)
{
    (void)state;
    char dir[256], path[400], pub[RY_KEY_LEN + 1], sec[RY_KEY_LEN + 1];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "keys"), 0);
    assert_int_equal(ry_keys_generate(dir, "c", NULL, pub), 0);
    /* A Z85 key is itself; a file is read; the rest is refused. */
    char again[RY_KEY_LEN + 1];
    assert_int_equal(ry_keys_read_public(pub, again), 0);
    assert_string_equal(again, pub);
    assert_int_equal(ry_keys_read_public("short", again), RY_ENOTFOUND);
    snprintf(path, sizeof path, "%s/none.cert", dir);
    assert_int_equal(ry_keys_read_pair(path, pub, sec), RY_ENOTFOUND);
    /* Without its secret file a public certificate is no pair. */
    snprintf(path, sizeof path, "%s/c.cert_secret", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/c.cert", dir);
    assert_int_equal(ry_keys_read_pair(path, pub, sec), RY_EINVAL);
    assert_false(ry_keys_valid("0123456789012345678901234567890123456789x"));
    assert_false(ry_keys_valid(NULL));
    assert_int_equal(ut_rmtree(dir), 0);
}

/* A CURVE server behind the ZAP handler, and a client with key 'name':
 * returns true when a request got an answer. */
static bool
s_answered(const char *keys, const char *name, void *server,
           const char *endpoint, const char *server_pub)
{
    char pub[RY_KEY_LEN + 1], sec[RY_KEY_LEN + 1], path[400];
    snprintf(path, sizeof path, "%s/%s.cert", keys, name);
    assert_int_equal(ry_keys_read_pair(path, pub, sec), 0);
    void *ctx = zmq_ctx_new();
    void *c = zmq_socket(ctx, ZMQ_REQ);
    int zero = 0;
    zmq_setsockopt(c, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c, ZMQ_CURVE_SERVERKEY, server_pub, RY_KEY_LEN);
    zmq_setsockopt(c, ZMQ_CURVE_PUBLICKEY, pub, RY_KEY_LEN);
    zmq_setsockopt(c, ZMQ_CURVE_SECRETKEY, sec, RY_KEY_LEN);
    assert_int_equal(zmq_connect(c, endpoint), 0);
    zmq_send(c, "hi", 2, ZMQ_DONTWAIT);
    bool answered = false;
    for (int i = 0; i < 50 && !answered; i++) {
        zmq_pollitem_t it = {server, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 20) == 1) {
            zmq_msg_t id, empty, body;
            zmq_msg_init(&id);
            zmq_msg_init(&empty);
            zmq_msg_init(&body);
            zmq_msg_recv(&id, server, 0);
            zmq_msg_recv(&empty, server, 0);
            zmq_msg_recv(&body, server, 0);
            char uid[RY_KEY_LEN + 1];
            assert_int_equal(ry_keys_user_id(&body, uid), 0);
            assert_string_equal(uid, pub);
            zmq_msg_send(&id, server, ZMQ_SNDMORE);
            zmq_msg_send(&empty, server, ZMQ_SNDMORE);
            zmq_send(server, "ok", 2, 0);
            zmq_msg_close(&body);
        }
        zmq_pollitem_t ci = {c, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&ci, 1, 0) == 1)
            answered = true;
    }
    zmq_close(c);
    zmq_ctx_term(ctx);
    return answered;
}

static void
test_zap_admits_exactly_the_listed_keys_from_the_next_handshake(void **state)
{
    (void)state;
    char dir[256], admit[300];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "zap"), 0);
    char srv[RY_KEY_LEN + 1], ok[RY_KEY_LEN + 1];
    assert_int_equal(ry_keys_generate(dir, "server", NULL, srv), 0);
    assert_int_equal(ry_keys_generate(dir, "friend", NULL, ok), 0);
    assert_int_equal(ry_keys_generate(dir, "stranger", NULL, NULL), 0);
    snprintf(admit, sizeof admit, "%s/admit", dir);
    assert_int_equal(ry_keys_admit_reset(admit), 0);
    assert_int_equal(ry_keys_admit_add(admit, ok, NULL), 0);
    /* What is not a key is refused, and no file is named after it. */
    assert_int_equal(ry_keys_admit_add(admit, "not a key", NULL), RY_EINVAL);
    assert_int_equal(ry_keys_admit_remove(admit, "not a key"), RY_EINVAL);
    char bad[RY_KEY_LEN + 1];
    memcpy(bad, ok, sizeof bad);
    bad[3] = '"'; /* right length, not Z85 */
    assert_int_equal(ry_keys_admit_add(admit, bad, NULL), RY_EINVAL);
    assert_int_equal(ry_keys_auth_start(admit), 0);
    assert_int_equal(ry_keys_auth_start(admit), 0);
    assert_int_equal(ry_keys_auth_start(dir), RY_EINVAL);

    ry_keys_t *k;
    assert_int_equal(ry_keys_open(dir, "server", &k), 0);
    assert_string_equal(ry_keys_public(k), srv);
    assert_string_equal(ry_keys_service_of(k, ok), "friend");
    assert_null(ry_keys_service_of(k, "nobody"));
    void *s = zmq_socket(ry_keys_context(), ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(ry_keys_server(k, s), 0);
    assert_int_equal(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t n = sizeof ep;
    zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &n);

    assert_true(s_answered(dir, "friend", s, ep, srv));
    assert_false(s_answered(dir, "stranger", s, ep, srv));
    /* Removed from the list: refused from the next handshake on. */
    assert_int_equal(ry_keys_admit_remove(admit, ok), 0);
    assert_false(s_answered(dir, "friend", s, ep, srv));
    zmq_close(s);
    ry_keys_destroy(&k);
    assert_null(k);
    ry_keys_auth_stop();
    assert_int_equal(ut_rmtree(dir), 0);
}

/* Rewriting a key's file in the admission directory (every start of a
 * service does) never makes a second file there: CZMQ's loader reads
 * every file of the directory and aborts the process when two hold one
 * key. Watched with inotify: the only names that appear are the key's
 * own, and they hold the key. */
static void
test_rewriting_an_admitted_key_makes_no_second_file(void **state)
{
    (void)state;
    char dir[256], admit[300];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "admit"), 0);
    char pub[RY_KEY_LEN + 1];
    assert_int_equal(ry_keys_generate(dir, "friend", NULL, pub), 0);
    snprintf(admit, sizeof admit, "%s/admit", dir);
    assert_int_equal(ry_keys_admit_reset(admit), 0);
    assert_int_equal(ry_keys_admit_add(admit, pub, NULL), 0);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    assert_true(fd >= 0);
    assert_true(inotify_add_watch(fd, admit, IN_CREATE | IN_MOVED_TO) >= 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ry_keys_admit_add(admit, pub, NULL), 0);
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n = read(fd, buf, sizeof buf);
    assert_true(n > 0);
    int seen = 0;
    for (char *p = buf; p < buf + n;) {
        const struct inotify_event *e = (const struct inotify_event *)p;
        if (e->len) {
            size_t l = strlen(e->name);
            assert_true(l == 69 && strcmp(e->name + 64, ".cert") == 0);
            seen++;
        }
        p += sizeof *e + e->len;
    }
    assert_true(seen >= 1); /* identical events may be merged */
    close(fd);
    /* The directory holds one file, the key's. */
    DIR *d = opendir(admit);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    assert_int_equal(ut_rmtree(dir), 0);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_makes_private_pairs_and_keeps_them),
        cmocka_unit_test(test_reading_keys_refuses_what_is_not_one),
        cmocka_unit_test(
            test_zap_admits_exactly_the_listed_keys_from_the_next_handshake),
        cmocka_unit_test(test_rewriting_an_admitted_key_makes_no_second_file),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
