/* Fuzz target: ry_pb's own reading and writing against protobuf-c's. The
 * input is decoded as each of the messages the services decode from
 * outside bytes or from their stores. Where ry_pb_unpack_short reads it,
 * protobuf-c must read it too, into the same members (ut_pb_same); where
 * it leaves the bytes to protobuf-c, nothing is compared. Whatever
 * protobuf-c decodes, ry_pb_pack must write byte for byte as
 * protobuf_c_message_pack does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ry_pb.h"

#include "../unit/ut_pb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    size_t nd;
    const ProtobufCMessageDescriptor *const *descs = ut_pb_descs(&nd);
    for (size_t i = 0; i < nd; i++) {
        ProtobufCMessage *p =
            protobuf_c_message_unpack(descs[i], NULL, len, data);
        ProtobufCMessage *s = ry_pb_unpack_short(descs[i], data, len, 0);
        if (s && (!p || !ut_pb_same(s, p)))
            abort(); /* read otherwise than protobuf-c reads it */
        ry_pb_free(&s);
        if (!p)
            continue;
        size_t n = protobuf_c_message_get_packed_size(p), got;
        uint8_t *want = malloc(n + 1);
        if (!want || protobuf_c_message_pack(p, want) != n)
            abort();
        uint8_t *mine = ry_pb_pack(p, &got);
        if (got != n || memcmp(mine, want, n) != 0)
            abort(); /* written otherwise than protobuf-c writes it */
        free(mine);
        free(want);
        protobuf_c_message_free_unpacked(p, NULL);
    }
    return 0;
}
