/* t_xs_kinds.c -- the XDR schema interpreter (reference/xs.c) on the kinds and shapes the
 * libvirt tables never use: bool, short, opaque<>, a union inside an array (its minimum size),
 * nesting past VW_XS_DEPTH_MAX, and item lists that do not follow the schema on encode.  No
 * byte input of a fuzz target reaches these (the schemas are fixed), so they are checked here
 * against the rules of RFC 4506 and xs.h.
 *
 * usage: t_xs_kinds   (exit 0 when every check holds; each failure is printed) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xdr.h"
#include "xs.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "t_xs_kinds:%d: check failed: %s\n", __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* union u switch (int d) { case 1: bool b; case 2: short s; default: void; } */
static const struct vw_xs_arm u_arms[] = {
    { 1, "b", &vw_xs_bool },
    { 2, "s", &vw_xs_short },
};
static const struct vw_xs_type u_type = { .kind = VW_XS_UNION, .name = "u", .arms = u_arms,
                                          .num_arms = 2, .default_arm = &vw_xs_void };
/* the same union without a default arm */
static const struct vw_xs_type u_strict = { .kind = VW_XS_UNION, .name = "u_strict",
                                            .arms = u_arms, .num_arms = 2 };
static const struct vw_xs_type u_list = { .kind = VW_XS_ARRAY, .name = "u<3>", .n = 3,
                                          .elem = &u_type };
static const struct vw_xs_type blob = { .kind = VW_XS_OPAQUE, .name = "opaque<8>", .n = 8 };
/* struct s { bool flag; short delta; opaque blob<8>; u list<3>; } */
static const struct vw_xs_field s_fields[] = {
    { "flag", &vw_xs_bool },
    { "delta", &vw_xs_short },
    { "blob", &blob },
    { "list", &u_list },
};
static const struct vw_xs_type s_type = { .kind = VW_XS_STRUCT, .name = "s", .fields = s_fields,
                                          .num_fields = 4 };

/* nest[k] is an optional of nest[k+1]: deeper than VW_XS_DEPTH_MAX */
#define NEST (VW_XS_DEPTH_MAX + 2)
static struct vw_xs_type nest[NEST + 1];

struct seen {
    struct vw_xs_item v[64];
    size_t n;
};

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct seen *s = ctx;

    if (s->n < sizeof(s->v) / sizeof(s->v[0])) {
        s->v[s->n++] = *it;
    }
    return 0;
}

static int decode(const struct vw_xs_type *t, const uint8_t *p, size_t len, unsigned flags,
                  struct seen *s, struct vw_diag *diag) {
    struct vw_xdr_dec d;

    vw_xdr_dec_init(&d, p, len, flags, diag, NULL);
    if (s != NULL) {
        s->n = 0;
    }
    return vw_xs_decode(t, &d, s != NULL ? collect : NULL, s);
}

static const uint8_t good[] = {
    0, 0, 0, 1,                 /* flag = TRUE */
    0xff, 0xff, 0x80, 0x00,     /* delta = -32768 */
    0, 0, 0, 3, 'a', 'b', 'c', 0, /* blob = "abc" + padding */
    0, 0, 0, 3,                 /* list: 3 */
    0, 0, 0, 1, 0, 0, 0, 0,     /* u: b = FALSE */
    0, 0, 0, 2, 0, 0, 0x7f, 0xff, /* u: s = 32767 */
    0, 0, 0, 9,                 /* u: default, void */
};

static void check_struct(void) {
    struct seen s;
    struct vw_diag diag = { 0 };
    uint8_t out[sizeof(good)];
    struct vw_xdr_enc e;
    size_t pos = 0;

    /* struct 0 + list 4 + per union 4: min size 4 + 4 + 4 + 4 = 16 (§4.15: union >= its
     * discriminant; the void default arm adds nothing) */
    CHECK(vw_xs_min_size(&s_type) == 16);
    CHECK(vw_xs_min_size(&u_type) == 4);
    CHECK(vw_xs_min_size(&u_strict) == 8);
    CHECK(decode(&s_type, good, sizeof(good), 0, &s, &diag) == 0);
    CHECK(s.n == 11);  /* struct, 3 fields, array, 3 x (union + arm); the void arm too */
    CHECK(s.n > 3 && s.v[1].u == 1 && s.v[2].i == -32768 && s.v[3].bytes.len == 3);
    vw_xdr_enc_init(&e, out, sizeof(out));
    CHECK(vw_xs_encode(&s_type, &e, s.v, s.n, &pos) == 0 && pos == s.n);
    CHECK(e.len == sizeof(good) && memcmp(out, good, sizeof(good)) == 0);
    /* one byte less of room: nothing written, VW_E_NOSPACE */
    vw_xdr_enc_init(&e, out, sizeof(out) - 1);
    pos = 0;
    CHECK(vw_xs_encode(&s_type, &e, s.v, s.n, &pos) == VW_E_NOSPACE && e.len == 0);
    /* items that do not follow the schema: a bool item where a short is due */
    {
        struct vw_xs_item bad[11];
        memcpy(bad, s.v, sizeof(bad));
        bad[2].type = &vw_xs_bool;
        vw_xdr_enc_init(&e, out, sizeof(out));
        pos = 0;
        CHECK(vw_xs_encode(&s_type, &e, bad, s.n, &pos) == VW_E_INVALID);
        /* too few items */
        pos = 0;
        CHECK(vw_xs_encode(&s_type, &e, s.v, 5, &pos) == VW_E_INVALID);
        /* an opaque longer than its maximum (RFC 4506 §4.10) */
        memcpy(bad, s.v, sizeof(bad));
        bad[3].bytes.len = 9;
        pos = 0;
        CHECK(vw_xs_encode(&s_type, &e, bad, s.n, &pos) == VW_E_TOO_LONG);
        /* an array count over its maximum */
        memcpy(bad, s.v, sizeof(bad));
        bad[4].u = 4;
        pos = 0;
        CHECK(vw_xs_encode(&s_type, &e, bad, s.n, &pos) != 0);
    }
}

static void check_errors(void) {
    uint8_t b[sizeof(good)];
    struct vw_diag diag = { 0 };
    struct seen s;

    /* bool 2 (RFC 4506 §4.4): VW_E_BOOL at the flag, field named */
    memcpy(b, good, sizeof(b));
    b[3] = 2;
    CHECK(decode(&s_type, b, sizeof(b), 0, &s, &diag) == VW_E_BOOL && diag.offset == 0);
    /* a short out of range (xs.h: rpcgen widens it to an int) */
    memset(&diag, 0, sizeof(diag));
    memcpy(b, good, sizeof(b));
    b[5] = 0x7f;
    CHECK(decode(&s_type, b, sizeof(b), 0, &s, &diag) == VW_E_RANGE && diag.offset == 4);
    /* opaque over its maximum */
    memset(&diag, 0, sizeof(diag));
    memcpy(b, good, sizeof(b));
    b[11] = 9;
    CHECK(decode(&s_type, b, sizeof(b), 0, NULL, &diag) == VW_E_TOO_LONG && diag.offset == 8);
    /* an element of the array fails: the error comes from inside it */
    memset(&diag, 0, sizeof(diag));
    memcpy(b, good, sizeof(b));
    b[27] = 5;              /* first union's bool = 5 */
    CHECK(decode(&s_type, b, sizeof(b), 0, NULL, &diag) == VW_E_BOOL && diag.offset == 24);
    /* a union with no default arm and no matching value (§4.15) */
    {
        static const uint8_t d7[] = { 0, 0, 0, 7 };
        memset(&diag, 0, sizeof(diag));
        CHECK(decode(&u_strict, d7, sizeof(d7), 0, &s, &diag) == VW_E_DISCRIMINANT &&
              diag.offset == 0);
    }
    /* every proper prefix is short */
    for (size_t n = 0; n < sizeof(good); n++) {
        memset(&diag, 0, sizeof(diag));
        CHECK(decode(&s_type, good, n, 0, NULL, &diag) == VW_E_SHORT);
    }
}

static void check_depth(void) {
    uint8_t b[4 * (NEST + 1)];
    struct vw_diag diag = { 0 };
    struct seen s;

    for (size_t k = 0; k < NEST; k++) {
        nest[k] = (struct vw_xs_type){ .kind = VW_XS_OPTIONAL, .name = "nest",
                                       .elem = &nest[k + 1] };
    }
    nest[NEST] = vw_xs_int;
    memset(b, 0, sizeof(b));
    for (size_t k = 0; k < NEST; k++) {
        b[4 * k + 3] = 1;   /* every optional present */
    }
    /* xs.h: a schema nested deeper than VW_XS_DEPTH_MAX is invalid */
    CHECK(decode(&nest[0], b, sizeof(b), 0, &s, &diag) == VW_E_INVALID);
    memset(&diag, 0, sizeof(diag));
    CHECK(decode(&nest[0], b, sizeof(b), 0, NULL, &diag) == VW_E_INVALID);
    /* stopping before the limit decodes */
    b[3] = 0;
    CHECK(decode(&nest[0], b, 4, 0, &s, &diag) == 0);
    CHECK(vw_xs_min_size(&nest[0]) == 4);
}

int main(void) {
    check_struct();
    check_errors();
    check_depth();
    if (failures != 0) {
        fprintf(stderr, "t_xs_kinds: %d checks failed\n", failures);
        return 1;
    }
    printf("t_xs_kinds: ok\n");
    return 0;
}
