/* ry_hmac: HMAC-SHA256 signatures of webhook bodies. */
#include "ry_hmac.h"

#include "ry_error.h"

#include <sodium.h>
#include <string.h>

int
ry_hmac_sha256_hex(const void *key, size_t klen, const void *data,
                   size_t len, char hex[RY_HMAC_HEXLEN])
{
    if (!key || (!data && len) || !hex)
        return RY_EINVAL;
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, klen);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, RY_HMAC_HEXLEN, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
    return 0;
}

int
ry_hmac_sha256_verify(const void *key, size_t klen, const void *data,
                      size_t len, const char *hex)
{
    char want[RY_HMAC_HEXLEN];
    if (!hex || strlen(hex) != RY_HMAC_HEXLEN - 1 ||
        ry_hmac_sha256_hex(key, klen, data, len, want) != 0)
        return 0;
    return sodium_memcmp(want, hex, RY_HMAC_HEXLEN - 1) == 0;
}
