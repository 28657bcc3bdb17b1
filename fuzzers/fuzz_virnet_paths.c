/* Target functions: vw_virnet_decode against vw_virnet_decode_general (the envelope's shortcut
 * for common messages), and vw_xs_decode_body without a visitor against with one (the
 * interpreter's validate-only instantiation, reference/xs.c).
 *
 * Both speed-ups must be invisible.  Properties, each an abort():
 *   - vw_virnet_decode and vw_virnet_decode_general give the same result, diag (code, offset,
 *     field), lenient note and output, for fds received -1, 0 and 1, strict and lenient, with
 *     and without a visitor;
 *   - the payload after the header, decoded with every schema its procedure has (and with
 *     the error and stream-hole schemas), gives the same result, diag and note without a
 *     visitor as with one, strict and lenient;
 *   - a visitor sees the same items through either envelope path;
 *   - the validator generated for each of the procedure's schemas (virnet_fast.h) says yes
 *     exactly when the interpreter decodes the payload in strict mode, and then the lenient
 *     interpreter succeeds without a note. */
#include "fuzz.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "virnet.h"
#include "virnet_fast.h"

struct seen {
    uint64_t num_items;
    uint64_t acc;       /* folds every item, so two item sequences rarely collide */
};

static int see(void *ctx, const struct vw_xs_item *it) {
    struct seen *s = ctx;

    s->num_items++;
    s->acc = s->acc * 1000003u + (uintptr_t)it->type + it->u + it->offset + it->depth +
             it->bytes.len + (uintptr_t)it->bytes.p + (uintptr_t)it->name;
    return 0;
}

static bool same_diag(const struct vw_diag *a, const struct vw_diag *b) {
    return a->code == b->code && a->offset == b->offset && a->field == b->field;
}

static bool same_msg(const struct vw_virnet_msg *a, const struct vw_virnet_msg *b) {
    return a->len == b->len && memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)) == 0 &&
           a->num_fds == b->num_fds && a->has_fds == b->has_fds && a->program == b->program &&
           a->proc == b->proc && a->body_kind == b->body_kind && a->body_type == b->body_type &&
           a->body.p == b->body.p && a->body.len == b->body.len;
}

static void envelope(const uint8_t *data, size_t size, int fds, unsigned flags, bool visit) {
    struct vw_diag d1 = { 0 }, d2 = { 0 }, l1 = { 0 }, l2 = { 0 };
    struct vw_virnet_msg m1, m2;
    struct seen s1 = { 0, 0 }, s2 = { 0, 0 };
    int r1, r2;

    memset(&m1, 0x5a, sizeof(m1));
    memset(&m2, 0x5a, sizeof(m2));
    r1 = vw_virnet_decode(&m1, &d1, &l1, data, size, fds, flags, visit ? see : NULL, &s1);
    r2 = vw_virnet_decode_general(&m2, &d2, &l2, data, size, fds, flags, visit ? see : NULL,
                                  &s2);
    CHECK(r1 == r2);
    CHECK(same_diag(&d1, &d2) && same_diag(&l1, &l2));
    CHECK(s1.num_items == s2.num_items && s1.acc == s2.acc);
    if (r1 == 0) {
        CHECK(same_msg(&m1, &m2));
    } else {
        CHECK(memcmp(&m1, &m2, sizeof(m1)) == 0);  /* both untouched */
    }
}

static void payload(const struct vw_xs_type *t, const uint8_t *data, const uint8_t *body,
                    size_t body_len, unsigned flags) {
    struct vw_diag d1 = { 0 }, d2 = { 0 }, l1 = { 0 }, l2 = { 0 };
    struct seen s = { 0, 0 };
    int r1, r2;

    if (t == NULL) {
        return;
    }
    r1 = vw_xs_decode_body(t, data, body, body_len, flags, &d1, &l1, NULL, NULL);
    r2 = vw_xs_decode_body(t, data, body, body_len, flags, &d2, &l2, see, &s);
    CHECK(r1 == r2);
    CHECK(same_diag(&d1, &d2) && same_diag(&l1, &l2));
    CHECK(r1 < 0 || s.num_items > 0);
}

/* generated validator |fast| (may be NULL) against the interpreter, for schema |t| */
static void generated(const struct vw_xs_type *t, vw_virnet_fast_fn fast, const uint8_t *data,
                      const uint8_t *body, size_t body_len) {
    struct vw_diag d = { 0 }, l = { 0 };
    int strict, lenient;

    if (t == NULL || fast == NULL) {
        CHECK(fast == NULL);  /* no schema, no validator */
        return;
    }
    strict = vw_xs_decode_body(t, data, body, body_len, 0, &d, NULL, NULL, NULL);
    CHECK(fast(body, body_len) == (strict == 0));
    if (strict == 0) {
        lenient = vw_xs_decode_body(t, data, body, body_len, VW_DEC_LENIENT, &d, &l, NULL, NULL);
        CHECK(lenient == 0 && l.code == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int fds[] = { -1, 0, 1 };
    const struct vw_virnet_proc *p = NULL;

    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        for (unsigned flags = 0; flags <= VW_DEC_LENIENT; flags += VW_DEC_LENIENT) {
            envelope(data, size, fds[i], flags, false);
            envelope(data, size, fds[i], flags, true);
        }
    }
    if (size < VW_VIRNET_OFF_PAYLOAD) {
        return 0;
    }
    p = vw_virnet_proc_find(vw_load_be32(data + VW_VIRNET_OFF_PROG),
                            (int32_t)vw_load_be32(data + VW_VIRNET_OFF_PROC));
    if (p != NULL) {
        const struct vw_virnet_program *g = vw_virnet_program_of(p->prog);
        const struct vw_virnet_fast_proc *fp = &vw_virnet_fast[g - vw_virnet_programs][p->proc];
        const uint8_t *body = data + VW_VIRNET_OFF_PAYLOAD;
        size_t body_len = size - VW_VIRNET_OFF_PAYLOAD;

        generated(p->args, fp->by_type[VW_VIRNET_CALL], data, body, body_len);
        generated(p->ret, fp->by_type[VW_VIRNET_REPLY], data, body, body_len);
        generated(p->msg, fp->by_type[VW_VIRNET_MESSAGE], data, body, body_len);
    }
    for (unsigned flags = 0; flags <= VW_DEC_LENIENT; flags += VW_DEC_LENIENT) {
        const uint8_t *body = data + VW_VIRNET_OFF_PAYLOAD;
        size_t body_len = size - VW_VIRNET_OFF_PAYLOAD;
        if (p != NULL) {
            payload(p->args, data, body, body_len, flags);
            payload(p->ret, data, body, body_len, flags);
            payload(p->msg, data, body, body_len, flags);
        }
        payload(&vw_virnet_error_type, data, body, body_len, flags);
        payload(&vw_virnet_stream_hole_type, data, body, body_len, flags);
    }
    return 0;
}
