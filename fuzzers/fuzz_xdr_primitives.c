/* Target functions: vw_xdr_get_{u32,i32,u64,i64,bool,enum,optional,fixed_opaque,opaque,string,
 * count} and their vw_xdr_put_* encoders.
 *
 * The input is a program: each step takes one opcode byte (which primitive, and a limit from
 * the low bits) and applies it to the rest of the input, strict and lenient side by side.
 * Properties, each an abort():
 *   - a failed decode leaves the cursor where it was (failure atomicity);
 *   - strict success implies lenient success with the same value and the same bytes consumed;
 *   - lenient success where strict failed is noted in |lax| with strict's code and offset;
 *   - a strict success re-encodes to exactly the bytes it consumed (canonical round trip). */
#include "fuzz.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdr.h"

struct result {
    int r;
    uint64_t value;
    struct vw_span span;
    size_t consumed;
};

static const uint32_t limits[8] = { 0, 1, 3, 4, 8, 255, 400, VW_XDR_UNBOUNDED };

static struct result run_op(struct vw_xdr_dec *d, unsigned op, uint32_t max) {
    struct result res = { 0 };
    struct vw_cur before = d->cur;
    uint32_t u32 = 0;
    int32_t i32 = 0;
    uint64_t u64 = 0;
    int64_t i64 = 0;
    bool b = false;

    switch (op) {
    case 0:
        res.r = vw_xdr_get_u32(d, &u32);
        res.value = u32;
        break;
    case 1:
        res.r = vw_xdr_get_i32(d, &i32);
        res.value = (uint64_t)(int64_t)i32;
        break;
    case 2:
        res.r = vw_xdr_get_u64(d, &u64);
        res.value = u64;
        break;
    case 3:
        res.r = vw_xdr_get_i64(d, &i64);
        res.value = (uint64_t)i64;
        break;
    case 4:
        res.r = vw_xdr_get_bool(d, &b);
        res.value = b;
        break;
    case 5:
        res.r = vw_xdr_get_optional(d, &b);
        res.value = b;
        break;
    case 6:
        res.r = vw_xdr_get_enum(d, 0, (int32_t)(max & 0x7fffffff), &i32);
        res.value = (uint64_t)(int64_t)i32;
        break;
    case 7:
        res.r = vw_xdr_get_fixed_opaque(d, max > 64 ? 64 : max, &res.span);
        break;
    case 8:
        res.r = vw_xdr_get_opaque(d, max, &res.span);
        break;
    case 9:
        res.r = vw_xdr_get_string(d, max, &res.span);
        break;
    default:
        res.r = vw_xdr_get_count(d, max, 4, &u32);
        res.value = u32;
        break;
    }
    res.consumed = (size_t)(d->cur.p - before.p);
    if (res.r < 0) {
        CHECK(d->cur.p == before.p && d->cur.len == before.len);
    }
    return res;
}

static void check_encode(unsigned op, uint32_t max, const struct result *s, const uint8_t *at) {
    uint8_t out[4096];
    struct vw_xdr_enc e;
    int r;

    vw_xdr_enc_init(&e, out, sizeof(out));
    switch (op) {
    case 0:
    case 10:
        r = vw_xdr_put_u32(&e, (uint32_t)s->value);
        break;
    case 1:
    case 6:
        r = vw_xdr_put_i32(&e, (int32_t)s->value);
        break;
    case 2:
    case 3:
        r = vw_xdr_put_u64(&e, s->value);
        break;
    case 4:
    case 5:
        r = vw_xdr_put_bool(&e, s->value != 0);
        break;
    case 7:
        r = vw_xdr_put_fixed_opaque(&e, s->span.p, s->span.len);
        break;
    default:
        r = vw_xdr_put_opaque(&e, s->span, max);
        break;
    }
    if (r == VW_E_NOSPACE) {
        CHECK(s->consumed > sizeof(out));
        return;
    }
    CHECK(r == 0);
    CHECK(e.len == s->consumed);
    CHECK(memcmp(out, at, e.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_xdr_dec strict, lenient;
    size_t ops_len;

    if (size < 1) {
        return 0;
    }
    ops_len = data[0] & 0x0f;  /* up to 15 opcodes follow, then the XDR data */
    if (size < 1 + ops_len) {
        return 0;
    }
    vw_xdr_dec_init(&strict, data + 1 + ops_len, size - 1 - ops_len, 0, &sdiag, NULL);
    vw_xdr_dec_init(&lenient, data + 1 + ops_len, size - 1 - ops_len, VW_DEC_LENIENT, &ldiag,
                    &lax);
    for (size_t i = 0; i < ops_len; i++) {
        unsigned op = (data[1 + i] >> 3) % 11;
        uint32_t max = limits[data[1 + i] & 7];
        const uint8_t *at = strict.cur.p;
        struct result s, l;

        sdiag = (struct vw_diag){ 0 };
        ldiag = (struct vw_diag){ 0 };
        lax = (struct vw_diag){ 0 };
        s = run_op(&strict, op, max);
        l = run_op(&lenient, op, max);
        if (s.r == 0) {
            CHECK(l.r == 0 && l.value == s.value && l.consumed == s.consumed);
            CHECK(l.span.len == s.span.len && l.span.p == s.span.p);
            CHECK(lax.code == 0);
            check_encode(op, max, &s, at);
        } else {
            CHECK(sdiag.code == s.r);
            CHECK(sdiag.offset <= (size_t)(strict.cur.p - strict.base) + strict.cur.len);
            if (l.r == 0) {
                /* only a non-canonical form may separate the modes, and it is noted */
                CHECK(lax.code == s.r && lax.offset == sdiag.offset);
                CHECK(s.r == VW_E_PADDING || s.r == VW_E_BOOL || s.r == VW_E_ENUM ||
                      s.r == VW_E_STRING_NUL);
            } else {
                CHECK(l.r == s.r && ldiag.offset == sdiag.offset);
            }
            break;
        }
    }
    return 0;
}
