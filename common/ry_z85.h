/* ry_z85: Z85 text (ZeroMQ RFC 32) of 32 bytes, 40 characters: a CURVE
 * key, or a SHA-256 digest in intake's rows. Written out for that one
 * size: libzmq's general routines cost several times more, and these run
 * for every request (its key) and every stored case (its digests). The
 * same output as zmq_z85_encode and zmq_z85_decode (test_z85). */
#ifndef RY_Z85_H
#define RY_Z85_H

#include <stdbool.h>
#include <stdint.h>

enum { RY_Z85_BYTES = 32, RY_Z85_LEN = 40 };

/* The 40 characters of in, NUL-terminated. */
void ry_z85_encode32(const uint8_t in[RY_Z85_BYTES], char z[RY_Z85_LEN + 1]);

/* Decodes the 40 characters at z (no terminator needed) into out; false
 * when one is not of the alphabet or a group of five exceeds 32 bits. */
bool ry_z85_decode32(const char *z, uint8_t out[RY_Z85_BYTES]);

#endif
