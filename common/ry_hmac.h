/* ry_hmac: HMAC-SHA256 signatures of webhook bodies (libsodium). */
#ifndef RY_HMAC_H
#define RY_HMAC_H

#include <stddef.h>

/* Length of a hex HMAC-SHA256 plus the terminating NUL. */
#define RY_HMAC_HEXLEN 65

/* Writes the lower-case hex HMAC-SHA256 of data[0..len) under 'key'
 * (klen bytes, any length) to hex. Returns 0, or RY_EINVAL for NULL
 * arguments. */
int ry_hmac_sha256_hex(const void *key, size_t klen, const void *data,
                       size_t len, char hex[RY_HMAC_HEXLEN]);

/* Returns 1 when 'hex' is the signature of data under key (compared in
 * constant time), else 0. */
int ry_hmac_sha256_verify(const void *key, size_t klen, const void *data,
                          size_t len, const char *hex);

#endif
