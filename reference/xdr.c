/* xdr.c -- XDR (RFC 4506) primitives; see xdr.h for the contract. */
#include "xdr.h"

#include <string.h>

void vw_xdr_enc_init(struct vw_xdr_enc *e, uint8_t *buf, size_t cap) {
    e->p = buf;
    e->cap = buf != NULL ? cap : SIZE_MAX;
    e->len = 0;
}

int vw_xdr_fail_at(struct vw_diag *diag, int code, size_t offset) {
    vw_diag_set(diag, code, offset);
    return code;
}

int vw_xdr_lax_at(struct vw_diag *diag, struct vw_diag *lax, unsigned flags, int code,
                  size_t offset) {
    if ((flags & VW_DEC_LENIENT) == 0) {
        return vw_xdr_fail_at(diag, code, offset);
    }
    vw_diag_set(lax, code, offset);
    return 0;
}

/* enc_reserve makes room for |n| bytes and returns where they go (NULL when measuring). */
static int enc_reserve(struct vw_xdr_enc *e, size_t n, uint8_t **out) {
    if (e->cap - e->len < n) {
        return VW_E_NOSPACE;
    }
    *out = e->p != NULL ? e->p + e->len : NULL;
    e->len += n;
    return 0;
}

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int vw_xdr_put_u32(struct vw_xdr_enc *e, uint32_t v) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, 4, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        store_be32(p, v);
    }
    return 0;
}

int vw_xdr_put_i32(struct vw_xdr_enc *e, int32_t v) {
    return vw_xdr_put_u32(e, (uint32_t)v);
}

int vw_xdr_put_u64(struct vw_xdr_enc *e, uint64_t v) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, 8, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        store_be32(p, (uint32_t)(v >> 32));
        store_be32(p + 4, (uint32_t)v);
    }
    return 0;
}

int vw_xdr_put_i64(struct vw_xdr_enc *e, int64_t v) {
    return vw_xdr_put_u64(e, (uint64_t)v);
}

int vw_xdr_put_bool(struct vw_xdr_enc *e, bool v) {
    return vw_xdr_put_u32(e, v ? 1 : 0);
}

int vw_xdr_put_fixed_opaque(struct vw_xdr_enc *e, const uint8_t *data, size_t n) {
    size_t pad_len = (4 - (n & 3)) & 3;
    uint8_t *p;
    int r;

    if (n > SIZE_MAX - 4) {
        return VW_E_TOO_LONG;
    }
    if ((r = enc_reserve(e, n + pad_len, &p)) < 0) {
        return r;
    }
    if (p != NULL) {
        if (n > 0) {
            memcpy(p, data, n);
        }
        memset(p + n, 0, pad_len);  /* §3: residual zero bytes */
    }
    return 0;
}

int vw_xdr_put_opaque(struct vw_xdr_enc *e, struct vw_span s, uint32_t max) {
    size_t pad_len = (4 - (s.len & 3)) & 3;
    size_t mark = e->len;
    int r;

    if (s.len > max) {
        return VW_E_TOO_LONG;
    }
    if (e->cap - e->len < 4 || e->cap - e->len - 4 < s.len + pad_len) {
        return VW_E_NOSPACE;  /* checked up front so a failed put writes nothing */
    }
    if ((r = vw_xdr_put_u32(e, (uint32_t)s.len)) < 0 ||
        (r = vw_xdr_put_fixed_opaque(e, s.p, s.len)) < 0) {
        e->len = mark;
        return r;
    }
    return 0;
}

int vw_xdr_put_string(struct vw_xdr_enc *e, struct vw_span s, uint32_t max) {
    return vw_xdr_put_opaque(e, s, max);
}

int vw_xdr_put_raw(struct vw_xdr_enc *e, struct vw_span s) {
    uint8_t *p;
    int r;

    if ((r = enc_reserve(e, s.len, &p)) < 0) {
        return r;
    }
    if (p != NULL && s.len > 0) {
        memcpy(p, s.p, s.len);
    }
    return 0;
}
