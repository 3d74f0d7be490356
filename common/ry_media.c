/* ry_media: magic-byte recognition of the attachment types we accept. */
#include "ry_media.h"

#include <string.h>

typedef struct {
    const char *magic;
    size_t len;
    const char *type;
} s_magic_t;

static const s_magic_t s_magics[] = {
    {"%PDF-", 5, RY_MEDIA_PDF},
    {"\xFF\xD8\xFF", 3, RY_MEDIA_JPEG},
    {"\x89PNG\r\n\x1A\n", 8, RY_MEDIA_PNG},
    {"PK\x03\x04", 4, RY_MEDIA_ZIP},
};

const char *
ry_media_sniff(const void *data, size_t len)
{
    if (!data)
        return RY_MEDIA_OCTET;
    for (size_t i = 0; i < sizeof s_magics / sizeof s_magics[0]; i++) {
        if (len >= s_magics[i].len &&
            memcmp(data, s_magics[i].magic, s_magics[i].len) == 0)
            return s_magics[i].type;
    }
    return RY_MEDIA_OCTET;
}
