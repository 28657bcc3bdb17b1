/* Target functions: vw_qemud_decode, vw_qemud_encode against vw_oracle_qemud_decode (rpcgen
 * filters of reference/protocols/qemud.x over libtirpc).
 *
 * Input: one byte whose low bit picks the direction (0 client, 1 server), then one message.
 * Properties, each an abort():
 *   - our lenient mode accepts exactly what the oracle accepts;
 *   - when we accept strictly, our re-encoding, the oracle's re-encoding and the input are the
 *     same bytes;
 *   - when only the oracle accepts, our strict error is one of libtirpc's known laxities
 *     (virnet-oncrpc.md §5.5): VW_E_RANGE (xdr_char / xdr_u_char truncate) or VW_E_TRAILING
 *     (xdrmem ignores the rest), and the lenient decode noted that very error; our lenient
 *     items, with chars truncated as libtirpc truncates them, re-encode to the oracle's bytes. */
#include "fuzz.h"
#include <string.h>

#include "oracle_qemud.h"
#include "qemud.h"

static struct vw_xs_item items[VW_QEMUD_ITEMS_MAX];
static uint8_t ours[VW_QEMUD_LEN_MAX], theirs[VW_QEMUD_LEN_MAX];

/* truncate_chars applies libtirpc's xdr_char / xdr_u_char: keep the low byte, and send a char
 * sign-extended (x86-64 char is signed). */
static void truncate_chars(struct vw_xs_item *it, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (it[i].type->kind == VW_XS_CHAR) {
            int8_t c = (int8_t)(uint8_t)it[i].u;
            it[i].i = c;
            it[i].u = (uint32_t)(int32_t)c;
        } else if (it[i].type->kind == VW_XS_UCHAR) {
            it[i].u &= 0xff;
            it[i].i = (int64_t)it[i].u;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_qemud_items c = { .items = items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_oracle_qemud o;
    struct vw_qemud_msg m;
    struct vw_xdr_enc e;
    const uint8_t *msg;
    size_t len;
    int dir, rs, rl;

    if (size == 0) {
        return 0;
    }
    dir = data[0] & 1;
    msg = data + 1;
    len = size - 1;
    CHECK(vw_oracle_qemud_decode(&o, msg, len, dir, theirs, sizeof(theirs)) == 0);
    rs = vw_qemud_decode(&m, &sdiag, NULL, msg, len, dir, 0, NULL, NULL);
    rl = vw_qemud_decode(&m, &ldiag, &lax, msg, len, dir, VW_DEC_LENIENT, vw_qemud_collect, &c);
    CHECK((rl == 0) == (o.ok == 1));
    if (rl < 0) {
        return 0;
    }
    if (rs == 0) {
        vw_xdr_enc_init(&e, ours, sizeof(ours));
        CHECK(vw_qemud_encode(&e, &m, c.items, c.num) == 0);
        CHECK(e.len == len && memcmp(ours, msg, len) == 0);
        CHECK(o.out_len == len && memcmp(theirs, msg, len) == 0);
        return 0;
    }
    CHECK(rs == VW_E_RANGE || rs == VW_E_TRAILING);
    CHECK(lax.code == rs && lax.offset == sdiag.offset);
    truncate_chars(c.items, c.num);
    vw_xdr_enc_init(&e, ours, sizeof(ours));
    CHECK(vw_qemud_encode(&e, &m, c.items, c.num) == 0);
    CHECK(e.len == o.out_len && memcmp(ours, theirs, e.len) == 0);
    return 0;
}
