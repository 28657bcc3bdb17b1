/* Target functions: vw_virnet_decode, vw_virnet_encode, vw_xs_encode (through it).
 *
 * The input is one message.  Properties (BoringSSL spki.cc style), each an abort():
 *   - a message that decodes strictly is canonical: encoding the decoded header with the
 *     payload items the decoder visited gives back exactly the input;
 *   - one byte less of room fails with VW_E_NOSPACE and writes nothing;
 *   - a lenient decode re-encodes (payload canonical) to a message that decodes leniently to
 *     the same header, and strictly unless the input had a note the encoder cannot remove
 *     (an undefined type/status, a wrong version, a NUL in a string: kept as data). */
#include "fuzz.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virnet.h"

struct items {
    struct vw_xs_item *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct items *s = ctx;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct vw_xs_item *v = realloc(s->v, cap * sizeof(*v));
        CHECK(v != NULL);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = *it;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct items items = { 0 };
    struct vw_virnet_msg m, again;
    struct vw_diag lax = { 0 };
    struct vw_xdr_enc e;
    uint8_t *out;

    if (vw_virnet_decode(&m, NULL, NULL, data, size, -1, 0, collect, &items) == 0) {
        out = malloc(size + 1);
        CHECK(out != NULL);
        vw_xdr_enc_init(&e, out, size);
        CHECK(vw_virnet_encode(&e, &m, items.v, items.n) == 0);
        CHECK(e.len == size && memcmp(out, data, size) == 0);
        vw_xdr_enc_init(&e, out, size - 1);
        CHECK(vw_virnet_encode(&e, &m, items.v, items.n) == VW_E_NOSPACE && e.len == 0);
        free(out);
        free(items.v);
        return 0;
    }
    items.n = 0;
    if (vw_virnet_decode(&m, NULL, &lax, data, size, -1, VW_DEC_LENIENT, collect, &items) == 0) {
        size_t cap = size + 8;  /* canonical payloads are never longer */
        struct items again_items = { 0 };
        int r;
        out = malloc(cap);
        CHECK(out != NULL);
        vw_xdr_enc_init(&e, out, cap);
        CHECK(vw_virnet_encode(&e, &m, items.v, items.n) == 0);
        CHECK(e.len <= size);
        r = vw_virnet_decode(&again, NULL, NULL, out, e.len, -1, VW_DEC_LENIENT, collect,
                             &again_items);
        CHECK(r == 0);
        CHECK(memcmp(&again.hdr, &m.hdr, sizeof(m.hdr)) == 0 && again.body_kind == m.body_kind);
        if (lax.code == VW_E_TRAILING || lax.code == VW_E_PADDING || lax.code == VW_E_BOOL) {
            /* what the encoder writes canonically is accepted strictly, unless a later item
             * held another note (a NUL in a string, an enum out of range: kept as data) */
            r = vw_virnet_decode(&again, NULL, NULL, out, e.len, -1, 0, NULL, NULL);
            CHECK(r == 0 || r == VW_E_STRING_NUL || r == VW_E_ENUM || r == VW_E_RANGE);
        }
        free(again_items.v);
        free(out);
    }
    free(items.v);
    return 0;
}
