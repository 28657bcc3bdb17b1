/* fuzz_targets.c -- the fuzz target registry: each entry follows the input format stated in
 * the header comment of fuzzers/fuzz_<name>.c (cited per entry). */
#include <string.h>

#include "decode.h"
#include "fuzz_targets.h"

#define CTL8 { { "fail_at", 0, 4, false }, { "chunk_seed", 4, 4, false } }

static const struct vw_fuzz_target targets[] = {
    /* fuzz_canary_negative.c: "on an input starting with "CANARY" it reads one byte past the
     * end of the input" */
    { .name = "canary_negative", .layout = "any bytes; \"CANARY\" first reads one past the end" },
    /* fuzz_xdr_primitives.c: "The input is a program: each step takes one opcode byte" */
    { .name = "xdr_primitives",
      .layout = "a program: per step one opcode byte (primitive, limit in the low bits), then "
                "its operand bytes",
      .fields = { { "opcode[0]", 0, 1, false } } },
    /* fuzz_oncrpc_decode.c, _roundtrip, _differential, _paths: "one record (record marking
     * removed)" */
    { .name = "oncrpc_decode", .protocol = "onc-rpc", .record_mark = true,
      .layout = "one ONC RPC record without its record mark" },
    { .name = "oncrpc_roundtrip", .protocol = "onc-rpc", .record_mark = true,
      .layout = "one ONC RPC record without its record mark" },
    { .name = "oncrpc_differential", .protocol = "onc-rpc", .record_mark = true,
      .layout = "one ONC RPC record without its record mark" },
    { .name = "oncrpc_paths", .protocol = "onc-rpc", .record_mark = true,
      .layout = "one ONC RPC record without its record mark" },
    /* fuzz_oncrpc_record_chunking.c: "4 bytes choosing an allocation to fail, 4 bytes seeding
     * the chunk sizes, then a record-marked stream" */
    { .name = "oncrpc_record_chunking", .protocol = "onc-rpc", .skip = 8,
      .layout = "fail_at(4) chunk_seed(4), then a record-marked stream", .fields = CTL8 },
    /* fuzz_qemud_{decode,roundtrip,differential}.c: "one byte whose low bit picks the
     * direction (0 client, 1 server), then one message" */
    { .name = "qemud_decode", .protocol = "qemud", .skip = 1, .from = VW_FT_FROM_SELECTOR,
      .layout = "direction(1: low bit 0 client, 1 server), then one message",
      .fields = { { "direction", 0, 1, false } } },
    { .name = "qemud_roundtrip", .protocol = "qemud", .skip = 1, .from = VW_FT_FROM_SELECTOR,
      .layout = "direction(1: low bit 0 client, 1 server), then one message",
      .fields = { { "direction", 0, 1, false } } },
    { .name = "qemud_differential", .protocol = "qemud", .skip = 1,
      .from = VW_FT_FROM_SELECTOR,
      .layout = "direction(1: low bit 0 client, 1 server), then one message",
      .fields = { { "direction", 0, 1, false } } },
    /* fuzz_virnet_decode.c: "decoded once as one message ... and once as a stream";
     * fuzz_virnet_roundtrip.c: "The input is one message"; fuzz_virnet_paths.c: one message */
    { .name = "virnet_decode", .protocol = "virnet", .layout = "a libvirt RPC stream" },
    { .name = "virnet_roundtrip", .protocol = "virnet", .layout = "one libvirt RPC message" },
    { .name = "virnet_paths", .protocol = "virnet", .layout = "one libvirt RPC message" },
    /* fuzz_virnet_chunking.c: "4 bytes choosing an allocation to fail, 4 bytes seeding the
     * chunk sizes, then a libvirt RPC byte stream" */
    { .name = "virnet_chunking", .protocol = "virnet", .skip = 8,
      .layout = "fail_at(4) chunk_seed(4), then a libvirt RPC stream", .fields = CTL8 },
    /* fuzz_virnet_fds.c: "1 byte, the number of fds received (0xff = unknown, -1), then one
     * message" */
    { .name = "virnet_fds", .protocol = "virnet", .skip = 1,
      .layout = "fds_received(1, 0xff unknown), then one libvirt RPC message",
      .fields = { { "fds_received", 0, 1, false } } },
    /* fuzz_virnet_differential.c: "a 4-byte selector, then the payload" (no envelope) */
    { .name = "virnet_differential",
      .layout = "selector(4): program % 5, procedure (2, big-endian), payload kind % 5 (args, "
                "ret, msg, error, stream hole); then the XDR payload",
      .fields = { { "program", 0, 1, false }, { "procedure", 1, 2, false },
                  { "payload_kind", 3, 1, false } } },
    /* fuzz_qga_framer.c: "4 bytes choosing an allocation to fail, 4 bytes seeding the chunk
     * sizes, 1 byte choosing the limits, 1 byte choosing the direction, then a qemu-ga byte
     * stream" (direction: bit 0 of byte 9, 1 server) */
    { .name = "qga_framer", .protocol = "qga", .skip = 10, .from = VW_FT_FROM_SELECTOR,
      .sel_byte = 9, .layout = "fail_at(4) chunk_seed(4) limits(1) direction(1), then a stream",
      .fields = { { "fail_at", 0, 4, false }, { "chunk_seed", 4, 4, false },
                  { "limits", 8, 1, false }, { "direction", 9, 1, false } } },
    /* fuzz_qga_resync.c: "2 bytes giving the garbage length G, 1 byte choosing the direction,
     * then G bytes of garbage and the rest" (fed with a 0xFF between them) */
    { .name = "qga_resync",
      .layout = "garbage_len G(2, big-endian) direction(1), G bytes of garbage, then the "
                "stream fed after a 0xFF",
      .fields = { { "garbage_len", 0, 2, false }, { "direction", 2, 1, false } } },
    /* fuzz_qga_decode.c: "one selector byte, (command index << 1) | (1 for a return value),
     * the index taken mod 42, then JSON text" */
    { .name = "qga_decode",
      .layout = "selector(1): (command index << 1) | is_return, index mod 42; then JSON text",
      .fields = { { "selector", 0, 1, false } } },
    /* fuzz_virtagent_decode.c: "4 bytes choosing an allocation to fail, 4 bytes seeding the
     * chunk sizes, then a virtagent byte stream (either peer)" */
    { .name = "virtagent_decode", .protocol = "virtagent", .skip = 8,
      .layout = "fail_at(4) chunk_seed(4), then a virtagent stream", .fields = CTL8 },
    /* fuzz_openhook_decode.c: "one selector byte (bit 0: 0 host byte order, 1 XDR; bit 1: 0
     * request from the client, 1 reply from the server; ...), then the stream" */
    { .name = "openhook_decode", .protocol = "openhook", .protocol_alt = "openhook-xdr",
      .skip = 1, .from = VW_FT_FROM_SELECTOR, .from_bit = 1, .alt_bit = 0,
      .layout = "selector(1): bit 0 XDR, bit 1 reply, bits 2-7 split; then the stream",
      .fields = { { "selector", 0, 1, false } } },
    /* fuzz_openhook_roundtrip.c: "one selector byte ..., then flags, mode and result as
     * little-endian u32s, then the filename bytes" (structured, not a message) */
    { .name = "openhook_roundtrip",
      .layout = "selector(1): bit 0 XDR, bit 1 reply; flags, mode, result (u32 LE); then the "
                "filename bytes",
      .fields = { { "selector", 0, 1, false }, { "flags", 1, 4, true }, { "mode", 5, 4, true },
                  { "result", 9, 4, true } } },
    /* fuzz_fdpass.c: "up to OPS_MAX operations of 4 bytes (+ a filename for requests)" */
    { .name = "fdpass",
      .layout = "operations of 4 bytes: b0 encoding/kind/fds, b1 max_fds, b2 split, b3 errno, "
                "result or filename length (+ filename)",
      .fields = { { "op[0].b0", 0, 1, false }, { "op[0].b1", 1, 1, false },
                  { "op[0].b2", 2, 1, false }, { "op[0].b3", 3, 1, false } } },
    /* fuzz_transcript_parse.c: "Input: a transcript." (text, not a protocol stream) */
    { .name = "transcript_parse", .layout = "a conformance transcript (text)" },
};

const struct vw_fuzz_target *vw_fuzz_target_find(const char *name) {
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        if (strcmp(targets[i].name, name) == 0) {
            return &targets[i];
        }
    }
    return NULL;
}

const struct vw_fuzz_target *vw_fuzz_target_at(size_t i) {
    return i < sizeof(targets) / sizeof(targets[0]) ? &targets[i] : NULL;
}

int vw_fuzz_target_message(const struct vw_fuzz_target *t, const uint8_t *in, size_t in_len,
                           const char **protocol, int *from, const uint8_t **msg,
                           size_t *msg_len, bool *record_mark) {
    const char *p = t->protocol;
    int dir = VW_FROM_ANY;

    if (p == NULL || in_len < t->skip) {
        return -1;
    }
    if (t->protocol_alt != NULL || t->from == VW_FT_FROM_SELECTOR) {
        if (in_len <= t->sel_byte) {
            return -1;
        }
        uint8_t sel = in[t->sel_byte];
        if (t->protocol_alt != NULL && ((sel >> t->alt_bit) & 1) != 0) {
            p = t->protocol_alt;
        }
        if (t->from == VW_FT_FROM_SELECTOR) {
            dir = ((sel >> t->from_bit) & 1) != 0 ? VW_FROM_SERVER : VW_FROM_CLIENT;
        }
    }
    *protocol = p;
    *from = dir;
    *msg = in + t->skip;
    *msg_len = in_len - t->skip;
    *record_mark = t->record_mark;
    return 0;
}

bool vw_fuzz_target_field(const struct vw_ft_field *f, const uint8_t *in, size_t in_len,
                          uint32_t *out_value) {
    uint32_t v = 0;

    if (f->name == NULL || in_len < (size_t)f->off + f->len) {
        return false;
    }
    for (unsigned i = 0; i < f->len; i++) {
        unsigned k = f->little_endian ? f->len - 1 - i : i;
        v = v << 8 | in[f->off + k];
    }
    *out_value = v;
    return true;
}
