/* ry_keys: CURVE key pairs (CZMQ zcert), the certificate directories the
 * ZAP handler admits from (zcertstore), the process's ZAP handler (zauth)
 * and the options that make a socket a CURVE server or client. No secret
 * key leaves this module except into a socket option or a file of mode
 * 0600. No zmq_* or z* type leaves this module. */
#ifndef RY_KEYS_H
#define RY_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* A public or secret key as Z85 text: 40 characters. */
#define RY_KEY_LEN 40

typedef struct ry_keys ry_keys_t;

/* The key directory: $RONGYU_KEYS_DIR, else "<home>/keys". Returns 0 or
 * RY_ECONFIG when it does not fit in len. */
int ry_keys_dir(const char *home, char *out, size_t len);

/* True when s is 40 characters of Z85 that decode to a key. */
bool ry_keys_valid(const char *s);

/* Creates 'dir' (and its parents) when missing and sets its mode to
 * 0700. Returns 0 or RY_EIO. */
int ry_keys_make_dir(const char *dir);

/* Creates the key pair "<dir>/<name>.cert" (public, 0644) and
 * "<dir>/<name>.cert_secret" (0600), 'meta' (NULL, or key, value, ...,
 * NULL) recorded in both; copies the public key to pub (may be NULL).
 * Returns 0, RY_EEXIST when the pair exists (nothing is touched),
 * RY_EINVAL for a bad name, or RY_EIO. */
int ry_keys_generate(const char *dir, const char *name,
                     const char *const *meta, char pub[RY_KEY_LEN + 1]);

/* Creates what is missing of the four service pairs and the first city
 * administrator's pair ("admin") in 'dir' (mode 0700). *created (may be
 * NULL) counts the new pairs. Returns 0 or RY_EIO. */
int ry_keys_init(const char *dir, int *created);

/* Reads a public key: 'spec' is a certificate file (public or secret)
 * when such a file exists, else 40 characters of Z85. Returns 0,
 * RY_ENOTFOUND when it is neither, or RY_EINVAL (a file without a key). */
int ry_keys_read_public(const char *spec, char out[RY_KEY_LEN + 1]);

/* Reads a key pair from a certificate file: "X.cert" (its secret in
 * "X.cert_secret") or "X.cert_secret" itself. Returns 0, RY_ENOTFOUND,
 * or RY_EINVAL when the file holds no secret key. */
int ry_keys_read_pair(const char *path, char pub[RY_KEY_LEN + 1],
                      char sec[RY_KEY_LEN + 1]);

/* A service's keys: its own pair "<dir>/<self>.cert" and the public keys
 * of every "<dir>/<name>.cert" (the other services'; at most 64). Returns 0 and sets
 * *out (the caller's: ry_keys_destroy), RY_ENOTFOUND when the pair is
 * missing (run 'rongyu keys init'), or RY_EINVAL. */
int ry_keys_open(const char *dir, const char *self, ry_keys_t **out);

/* Frees; nulls *self_p; safe on NULL. */
void ry_keys_destroy(ry_keys_t **self_p);

/* This service's public key and its key directory (borrowed). */
const char *ry_keys_public(const ry_keys_t *self);
const char *ry_keys_directory(const ry_keys_t *self);

/* The name of the key file "<name>.cert" whose public key is 'user_id'
 * (a connection's ZAP User-Id), or NULL: the only way a peer is named;
 * the caller checks the name against the peers it hears from. */
const char *ry_keys_service_of(const ry_keys_t *self, const char *user_id);

/* The public key of "<name>.cert", or NULL when it is not known. */
const char *ry_keys_public_of(const ry_keys_t *self, const char *name);

/* ------------------------------------------------------------ admission */

/* Empties (or creates, mode 0700) the admission directory 'dir' that the
 * ZAP handler reads: it holds only public certificates, derived from the
 * key files and the stores at start. Returns 0 or RY_EIO. */
int ry_keys_admit_reset(const char *dir);

/* Admits public key 'z85' (its certificate, named by the key's hex, with
 * 'meta' as in ry_keys_generate) from the next handshake on; removing it
 * refuses the key from the next handshake on. Returns 0, RY_EINVAL for a
 * bad key, or RY_EIO. Removing an absent key is not an error. */
int ry_keys_admit_add(const char *dir, const char *z85,
                      const char *const *meta);
int ry_keys_admit_remove(const char *dir, const char *z85);

/* Starts the process's ZAP handler (CZMQ zauth) over the certificates in
 * 'dir' (re-read whenever the directory changes), before any socket
 * binds. Every CURVE server socket of the process is authenticated by it;
 * nothing is admitted that is not in 'dir'. A second call with the same
 * directory does nothing. Returns 0, RY_EINVAL when another directory
 * was started before, or RY_ENET. */
int ry_keys_auth_start(const char *dir);

/* A service's start, before it binds: opens its keys (ry_keys_open) in
 * the key directory of 'home', empties its admission directory
 * "<home>/<self>.admit" (derived at each start, so the key directory may
 * be read-only), admits there the public keys of the services in
 * 'peers' (NULL-ended; metadata kind=service, name), and starts the ZAP
 * handler over it. What else the service admits (registered client keys)
 * it adds there itself. Returns 0 and sets *out, or an error of the
 * functions above. */
int ry_keys_serve(const char *home, const char *self,
                  const char *const *peers, ry_keys_t **out);

/* "<home>/<self>.admit" after ry_keys_serve, else "" (borrowed). */
const char *ry_keys_admit_dir(const ry_keys_t *self);

/* Stops the ZAP handler (also done at exit). */
void ry_keys_auth_stop(void);

/* The ZeroMQ context every socket of the process uses: the ZAP handler
 * answers only sockets of its own context. Never terminate it. */
void *ry_keys_context(void);

/* ------------------------------------------------------------ sockets */

/* Makes 'sock' a CURVE server with this service's secret key,
 * authenticated by the ZAP handler; call before bind. Returns 0, or
 * RY_ECONFIG when the ZAP handler is not running (never bind a CURVE
 * server without it), or RY_ENET. */
int ry_keys_server(const ry_keys_t *self, void *sock);

/* Makes 'sock' a CURVE client of the server whose public key is
 * 'server' (a Z85 key) with this service's pair; call before connect.
 * Returns 0, RY_EINVAL for a bad key, or RY_ENET. */
int ry_keys_client(const ry_keys_t *self, void *sock, const char *server);

/* Reads the ZAP User-Id (the peer's authenticated public key, Z85) of a
 * received message (a zmq_msg_t *) into out. Returns 0, or RY_ENOTFOUND
 * when the message came over an unauthenticated connection. */
int ry_keys_user_id(void *zmq_msg, char out[RY_KEY_LEN + 1]);

#endif
