/* ry_error: descriptions of the project's error codes. */
#include "ry_error.h"

#include <string.h>

const char *
ry_strerror(int rc)
{
    switch (rc) {
    case RY_OK: return "success";
    case RY_ENOTFOUND: return "not found";
    case RY_EFULL: return "store is full";
    case RY_EIO: return "input/output error";
    case RY_EMALFORMED: return "malformed input";
    case RY_EINVAL: return "invalid input";
    case RY_EAGAIN: return "busy, try again later";
    case RY_ECONFIG: return "bad configuration";
    case RY_ENET: return "network error";
    case RY_ETIMEOUT: return "timed out";
    case RY_EEXIST: return "already exists";
    case RY_ENODATA: return "no data to answer";
    case RY_ETOOBIG: return "too large";
    case RY_EPERM: return "not permitted";
    default:
        if (rc < 0 && rc > RY_EBASE)
            return strerror(-rc);
        return "unknown error";
    }
}
