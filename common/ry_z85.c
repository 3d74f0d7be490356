/* ry_z85: Z85 of 32 bytes. */
#include "ry_z85.h"

#include <string.h>

static const char s_alpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
                              "KLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* A character's value, 0xff for none: built once (s_init). */
static uint8_t s_value[256];

static void
s_init(void)
{
    static bool done;
    if (done)
        return;
    memset(s_value, 0xff, sizeof s_value);
    for (int i = 0; i < 85; i++)
        s_value[(uint8_t)s_alpha[i]] = (uint8_t)i;
    done = true;
}

void
ry_z85_encode32(const uint8_t in[RY_Z85_BYTES], char z[RY_Z85_LEN + 1])
{
    for (int g = 0; g < RY_Z85_BYTES / 4; g++) {
        uint32_t v = (uint32_t)in[4 * g] << 24 | (uint32_t)in[4 * g + 1] << 16 |
                     (uint32_t)in[4 * g + 2] << 8 | in[4 * g + 3];
        for (int k = 4; k >= 0; k--) {
            z[5 * g + k] = s_alpha[v % 85];
            v /= 85;
        }
    }
    z[RY_Z85_LEN] = '\0';
}

bool
ry_z85_decode32(const char *z, uint8_t out[RY_Z85_BYTES])
{
    s_init();
    for (int g = 0; g < RY_Z85_BYTES / 4; g++) {
        uint64_t v = 0;
        for (int k = 0; k < 5; k++) {
            uint8_t d = s_value[(uint8_t)z[5 * g + k]];
            if (d == 0xff)
                return false;
            v = v * 85 + d;
        }
        if (v > UINT32_MAX)
            return false;
        out[4 * g] = (uint8_t)(v >> 24);
        out[4 * g + 1] = (uint8_t)(v >> 16);
        out[4 * g + 2] = (uint8_t)(v >> 8);
        out[4 * g + 3] = (uint8_t)v;
    }
    return true;
}
