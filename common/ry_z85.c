/* ry_z85: Z85 of 32 bytes. */
#include "ry_z85.h"

static const char s_alpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
                              "KLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/* The value of characters 32..127 (the alphabet's place in s_alpha; 255:
 * none), a constant so that any thread may decode (the ZAP handler's
 * among them). test_z85 checks it against libzmq's decoder. */
static const uint8_t s_value[96] = {
    255, 68,  255, 84,  83,  82,  72,  255, 75,  76,  70,  65,
    255, 63,  62,  69,  0,   1,   2,   3,   4,   5,   6,   7,
    8,   9,   64,  255, 73,  66,  74,  71,  81,  36,  37,  38,
    39,  40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50,
    51,  52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  77,
    255, 78,  67,  255, 255, 10,  11,  12,  13,  14,  15,  16,
    17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,  28,
    29,  30,  31,  32,  33,  34,  35,  79,  255, 80,  255, 255,
};

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
    for (int g = 0; g < RY_Z85_BYTES / 4; g++) {
        uint64_t v = 0;
        for (int k = 0; k < 5; k++) {
            uint8_t c = (uint8_t)z[5 * g + k];
            uint8_t d = c >= 32 && c < 128 ? s_value[c - 32] : 255;
            if (d == 255)
                return false; /* a NUL too: a shorter text stops here */
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
