/* Target functions: vw_qemud_decode, vw_qemud_encode, vw_qemud_reencode.
 *
 * Input: one byte whose low bit picks the direction (0 client, 1 server), then one message.
 * Properties (BoringSSL spki.cc style):
 *   - a message that decodes strictly is canonical: re-encoding it gives the input bytes back,
 *     the encoding measures alike, and one byte less of room fails with VW_E_NOSPACE without
 *     moving the encoder;
 *   - decoding that encoding visits the same items;
 *   - a lenient decode re-encodes (trailing bytes dropped, the length word recomputed) to a
 *     message whose lenient decode visits the same items with nothing but range notes. */
#include "fuzz.h"
#include <string.h>

#include "qemud.h"

static struct vw_xs_item first[VW_QEMUD_ITEMS_MAX], again[VW_QEMUD_ITEMS_MAX],
    scratch[VW_QEMUD_ITEMS_MAX];
static uint8_t out[VW_QEMUD_LEN_MAX];

static bool same_items(const struct vw_xs_item *a, const struct vw_xs_item *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].type != b[i].type || a[i].name != b[i].name || a[i].depth != b[i].depth ||
            a[i].offset != b[i].offset || a[i].u != b[i].u || a[i].i != b[i].i) {
            return false;
        }
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_qemud_items c1 = { .items = first, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_qemud_items c2 = { .items = again, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag lax = { 0 };
    struct vw_qemud_msg m, m2;
    struct vw_xdr_enc e, e0, measure;
    const uint8_t *msg;
    size_t len;
    int dir;

    if (size == 0) {
        return 0;
    }
    dir = data[0] & 1;
    msg = data + 1;
    len = size - 1;
    if (vw_qemud_decode(&m, NULL, NULL, msg, len, dir, 0, vw_qemud_collect, &c1) == 0) {
        vw_xdr_enc_init(&measure, NULL, SIZE_MAX);
        CHECK(vw_qemud_encode(&measure, &m, c1.items, c1.num) == 0 && measure.len == len);
        vw_xdr_enc_init(&e, out, len);
        CHECK(vw_qemud_encode(&e, &m, c1.items, c1.num) == 0);
        CHECK(e.len == len && memcmp(out, msg, len) == 0);
        vw_xdr_enc_init(&e, out, len);
        CHECK(vw_qemud_reencode(&e, &m, 0, scratch, VW_QEMUD_ITEMS_MAX) == 0);
        CHECK(e.len == len && memcmp(out, msg, len) == 0);
        vw_xdr_enc_init(&e, out, len - 1);
        e0 = e;
        CHECK(vw_qemud_encode(&e, &m, c1.items, c1.num) == VW_E_NOSPACE);
        CHECK(e.p == e0.p && e.cap == e0.cap && e.len == e0.len);
        CHECK(vw_qemud_decode(&m2, NULL, NULL, out, len, dir, 0, vw_qemud_collect, &c2) == 0);
        CHECK(c2.num == c1.num && same_items(c1.items, c2.items, c1.num));
        return 0;
    }
    c1.num = 0;
    if (vw_qemud_decode(&m, NULL, &lax, msg, len, dir, VW_DEC_LENIENT, vw_qemud_collect,
                        &c1) == 0) {
        struct vw_diag lax2 = { 0 };
        vw_xdr_enc_init(&e, out, sizeof(out));
        CHECK(vw_qemud_encode(&e, &m, c1.items, c1.num) == 0);
        CHECK(e.len <= len && e.len == (size_t)(m.body.p + m.body.len - msg));
        CHECK(vw_qemud_decode(&m2, NULL, &lax2, out, e.len, dir, VW_DEC_LENIENT,
                              vw_qemud_collect, &c2) == 0);
        CHECK(lax2.code == 0 || lax2.code == VW_E_RANGE);
        CHECK(c2.num == c1.num && same_items(c1.items, c2.items, c1.num));
        CHECK(m2.serial == m.serial && m2.in_reply_to == m.in_reply_to && m2.type == m.type);
    }
    return 0;
}
