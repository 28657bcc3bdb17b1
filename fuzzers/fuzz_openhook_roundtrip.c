/* Target functions: vw_openhook_request, vw_openhook_reply, vw_openhook_encode,
 * vw_openhook_decode, vw_openhook_check_fds.
 *
 * Input (structured): one selector byte (bit 0: 0 host byte order, 1 XDR; bit 1: 0 request,
 * 1 reply), then flags, mode and result as little-endian u32s, then the filename bytes (up to
 * 64 bytes over the XDR maximum are kept, so over-long names are tried too).
 * Properties, each an abort():
 *   - a filename over the encoding's maximum is VW_E_TOO_LONG with nothing written;
 *   - measuring (no buffer) and encoding give the same length, the size §2.1/§2.2 define
 *     (host 18 + n, XDR 20 + n + padding, replies 12), and message_size says it;
 *   - one byte less of room is VW_E_NOSPACE with nothing written;
 *   - decoding the encoding strictly gives back every field, unless the message breaks a rule
 *     the encoder does not police: a result that is no negated errno (VW_E_RANGE at 8) or a
 *     NUL in the filename (VW_E_STRING_NUL at the NUL); every strict prefix is VW_E_SHORT;
 *   - vw_openhook_check_fds with 0, 1 or 2 fds, with and without MSG_CTRUNC, accepts exactly
 *     one fd for a reply with result 0 and none otherwise, and CTRUNC always wins. */
#include "fuzz.h"
#include <string.h>

#include "openhook.h"

static uint8_t out[VW_OPENHOOK_HOST_MSG_MAX];

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_fds(const struct vw_openhook_msg *m) {
    size_t want = m->direction == VW_OPENHOOK_FROM_SERVER && m->result == 0 ? 1 : 0;

    for (size_t n = 0; n <= 2; n++) {
        struct vw_diag d = { 0 };
        CHECK(vw_openhook_check_fds(m, n, true, &d) == VW_E_CTRUNC && d.code == VW_E_CTRUNC);
        d = (struct vw_diag){ 0 };
        int r = vw_openhook_check_fds(m, n, false, &d);
        CHECK(n == want ? r == 0 && d.code == 0 : r == VW_E_FDS && d.code == VW_E_FDS);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_openhook_msg m, got;
    struct vw_diag diag = { 0 };
    struct vw_xdr_enc e;
    struct vw_span name;
    size_t max, want, bad_at = 0;
    int enc, dir, r, want_err = 0;
    const uint8_t *nul;

    if (size < 13) {
        return 0;
    }
    enc = data[0] & 1;
    dir = (data[0] >> 1) & 1;
    name = (struct vw_span){ .p = data + 13, .len = size - 13 };
    if (name.len > VW_OPENHOOK_XDR_PATH_MAX + 64) {
        name.len = VW_OPENHOOK_XDR_PATH_MAX + 64;
    }
    if (dir == VW_OPENHOOK_FROM_CLIENT) {
        CHECK(vw_openhook_request(&m, enc, le32(data + 1), le32(data + 5), name) == 0);
    } else {
        CHECK(vw_openhook_reply(&m, enc, (int32_t)le32(data + 9)) == 0);
    }
    max = enc == VW_OPENHOOK_HOST ? VW_OPENHOOK_HOST_PATH_MAX : VW_OPENHOOK_XDR_PATH_MAX;
    vw_xdr_enc_init(&e, out, sizeof(out));
    r = vw_openhook_encode(&e, &m);
    if (dir == VW_OPENHOOK_FROM_CLIENT && name.len > max) {
        CHECK(r == VW_E_TOO_LONG && e.len == 0);
        return 0;
    }
    CHECK(r == 0);
    want = dir == VW_OPENHOOK_FROM_SERVER ? VW_OPENHOOK_REPLY_LEN
           : enc == VW_OPENHOOK_HOST      ? VW_OPENHOOK_HOST_REQ_FIXED + name.len
                                          : VW_OPENHOOK_XDR_REQ_FIXED + ((name.len + 3) & ~3u);
    CHECK(e.len == want);
    {
        struct vw_xdr_enc measure, small;
        vw_xdr_enc_init(&measure, NULL, 0);
        CHECK(vw_openhook_encode(&measure, &m) == 0 && measure.len == want);
        vw_xdr_enc_init(&small, out + want, want - 1);  /* past the message: keeps it intact */
        CHECK(vw_openhook_encode(&small, &m) == VW_E_NOSPACE && small.len == 0);
    }
    if (dir == VW_OPENHOOK_FROM_SERVER &&
        (m.result > 0 || m.result < -VW_OPENHOOK_ERRNO_MAX)) {
        want_err = VW_E_RANGE;
        bad_at = 8;
    } else if (dir == VW_OPENHOOK_FROM_CLIENT && name.len > 0 &&
               (nul = memchr(name.p, 0, name.len)) != NULL) {
        want_err = VW_E_STRING_NUL;
        bad_at = (size_t)(nul - name.p) +
                 (enc == VW_OPENHOOK_HOST ? VW_OPENHOOK_HOST_REQ_FIXED
                                          : VW_OPENHOOK_XDR_REQ_FIXED);
    }
    r = vw_openhook_decode(&got, &diag, NULL, out, e.len, enc, dir, 0);
    if (want_err != 0) {
        CHECK(r == want_err && diag.code == r && diag.offset == bad_at);
    } else {
        CHECK(r == 0 && got.message_size == want && got.command == VW_OPENHOOK_QEMU_OPEN);
        CHECK(got.encoding == enc && got.direction == dir);
        if (dir == VW_OPENHOOK_FROM_CLIENT) {
            CHECK(got.flags == m.flags && got.mode == m.mode && vw_span_eq(got.filename, name));
        } else {
            CHECK(got.result == m.result);
        }
        for (size_t k = 0; k < e.len; k++) {
            CHECK(vw_openhook_decode(&got, NULL, NULL, out, k, enc, dir, 0) == VW_E_SHORT);
        }
    }
    check_fds(&m);
    return 0;
}
