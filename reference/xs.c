/* xs.c -- the XDR schema interpreter; see xs.h. */
#include "xs.h"

#include <string.h>

const struct vw_xs_type vw_xs_void = { .kind = VW_XS_VOID, .name = "void" };
const struct vw_xs_type vw_xs_int = { .kind = VW_XS_INT, .name = "int" };
const struct vw_xs_type vw_xs_uint = { .kind = VW_XS_UINT, .name = "unsigned int" };
const struct vw_xs_type vw_xs_hyper = { .kind = VW_XS_HYPER, .name = "hyper" };
const struct vw_xs_type vw_xs_uhyper = { .kind = VW_XS_UHYPER, .name = "unsigned hyper" };
const struct vw_xs_type vw_xs_bool = { .kind = VW_XS_BOOL, .name = "bool" };
const struct vw_xs_type vw_xs_char = { .kind = VW_XS_CHAR, .name = "char" };
const struct vw_xs_type vw_xs_uchar = { .kind = VW_XS_UCHAR, .name = "unsigned char" };
const struct vw_xs_type vw_xs_short = { .kind = VW_XS_SHORT, .name = "short" };
const struct vw_xs_type vw_xs_ushort = { .kind = VW_XS_USHORT, .name = "unsigned short" };

/* The field name of an error in the bytes after the top node; one pointer for the interpreter
 * and the generated decoders, so their diagnostics compare equal. */
const char vw_xs_trailing[] = "trailing";

const char *vw_xs_kind_name(enum vw_xs_kind kind) {
    static const char *const names[] = {
        [VW_XS_VOID] = "void",         [VW_XS_INT] = "int",
        [VW_XS_UINT] = "unsigned int", [VW_XS_HYPER] = "hyper",
        [VW_XS_UHYPER] = "unsigned hyper", [VW_XS_BOOL] = "bool",
        [VW_XS_ENUM] = "enum",         [VW_XS_CHAR] = "char",
        [VW_XS_UCHAR] = "unsigned char", [VW_XS_SHORT] = "short",
        [VW_XS_USHORT] = "unsigned short", [VW_XS_STRING] = "string",
        [VW_XS_OPAQUE] = "opaque<>",   [VW_XS_FIXED_OPAQUE] = "opaque[]",
        [VW_XS_VECTOR] = "vector",     [VW_XS_ARRAY] = "array",
        [VW_XS_OPTIONAL] = "optional", [VW_XS_STRUCT] = "struct",
        [VW_XS_UNION] = "union",
    };
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static size_t sat_add(size_t a, size_t b) {
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t sat_mul(size_t a, size_t b) {
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static size_t min_size(const struct vw_xs_type *t, unsigned depth) {
    size_t n = 0, arm;

    if (depth > VW_XS_DEPTH_MAX) {
        return 0;  /* vw_xs_decode rejects the schema before this matters */
    }
    switch (t->kind) {
    case VW_XS_VOID:
        return 0;
    case VW_XS_HYPER:
    case VW_XS_UHYPER:
        return 8;
    case VW_XS_FIXED_OPAQUE:
        return sat_add(t->n, (0 - (size_t)t->n) & 3);
    case VW_XS_VECTOR:
        return sat_mul(t->n, min_size(t->elem, depth + 1));
    case VW_XS_STRUCT:
        for (size_t i = 0; i < t->num_fields; i++) {
            n = sat_add(n, min_size(t->fields[i].type, depth + 1));
        }
        return n;
    case VW_XS_UNION:
        n = t->default_arm != NULL ? min_size(t->default_arm, depth + 1) : SIZE_MAX;
        for (size_t i = 0; i < t->num_arms; i++) {
            arm = min_size(t->arms[i].type, depth + 1);
            n = arm < n ? arm : n;
        }
        return sat_add(4, n == SIZE_MAX ? 0 : n);
    default:
        return 4;  /* every other kind starts with (or is) one XDR unit */
    }
}

size_t vw_xs_min_size(const struct vw_xs_type *t) {
    return min_size(t, 0);
}

/* ---- decoding ----
 *
 * One walk, instantiated twice from the same source (node() with |visiting| a constant):
 * walk_v builds a struct vw_xs_item per node and hands it to the visitor; walk_c, used when
 * there is no visitor, only validates, and reads leaf fields of structs, arrays, vectors,
 * optionals and union arms in place instead of recursing.  Every check, error code, offset and
 * field name comes from the same lines in both (leaf(), node()), so the two accept the same
 * inputs with the same diagnostics; fuzz_xs_paths compares them on every input. */

struct walk {
    struct vw_xdr_dec *d;
    vw_xs_visit_fn visit;
    void *ctx;
};

/* is_leaf: kinds with no child nodes (VOID .. FIXED_OPAQUE in enum vw_xs_kind). */
static VW_INLINE bool is_leaf(enum vw_xs_kind kind) {
    return kind <= VW_XS_FIXED_OPAQUE;
}

/* leaf decodes one node of a leaf kind into |it|'s value fields. */
static VW_INLINE int leaf(struct vw_xdr_dec *d, const struct vw_xs_type *t,
                          struct vw_xs_item *it) {
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    int32_t e = 0;
    bool b = false;
    int r;

    switch (t->kind) {
    case VW_XS_VOID:
        return 0;
    case VW_XS_INT:
    case VW_XS_UINT:
        r = vw_xdr_get_u32(d, &v32);
        it->u = v32;
        it->i = t->kind == VW_XS_INT ? (int32_t)v32 : (int64_t)v32;
        return r;
    case VW_XS_HYPER:
    case VW_XS_UHYPER:
        r = vw_xdr_get_u64(d, &v64);
        it->u = v64;
        it->i = (int64_t)v64;
        return r;
    case VW_XS_BOOL:
        r = vw_xdr_get_bool(d, &b);
        it->u = b;
        it->i = b;
        return r;
    case VW_XS_ENUM:
        r = vw_xdr_get_enum(d, t->lo, t->hi, &e);
        it->u = (uint32_t)e;
        it->i = e;
        return r;
    case VW_XS_CHAR:
        return vw_xs_get_small(d, INT8_MIN, INT8_MAX, true, it);
    case VW_XS_UCHAR:
        return vw_xs_get_small(d, 0, UINT8_MAX, false, it);
    case VW_XS_SHORT:
        return vw_xs_get_small(d, INT16_MIN, INT16_MAX, true, it);
    case VW_XS_USHORT:
        return vw_xs_get_small(d, 0, UINT16_MAX, false, it);
    case VW_XS_STRING:
        return vw_xdr_get_string(d, t->n, &it->bytes);
    case VW_XS_OPAQUE:
        return vw_xdr_get_opaque(d, t->n, &it->bytes);
    case VW_XS_FIXED_OPAQUE:
        return vw_xdr_get_fixed_opaque(d, t->n, &it->bytes);
    default:
        return VW_E_INVALID;
    }
}

static int walk_v(struct walk *w, const struct vw_xs_type *t, const char *name, unsigned depth);
static int walk_c(struct vw_xdr_dec *d, const struct vw_xs_type *t, unsigned depth);

/* child decodes a child node: through walk_v when visiting; when only validating, a leaf in
 * place (with the depth check every node gets) and anything else through walk_c. */
static VW_INLINE int child(struct walk *w, struct vw_xdr_dec *d, const struct vw_xs_type *t,
                           const char *name, unsigned depth, const bool visiting) {
    struct vw_xs_item unused;

    if (visiting) {
        return walk_v(w, t, name, depth);
    }
    if (is_leaf(t->kind)) {
        return depth > VW_XS_DEPTH_MAX ? VW_E_INVALID : leaf(d, t, &unused);
    }
    return walk_c(d, t, depth);
}

/* emit hands |it| to the visitor (visiting instantiation only). */
static VW_INLINE int emit(struct walk *w, const struct vw_xs_item *it, const bool visiting) {
    return visiting && w->visit != NULL ? w->visit(w->ctx, it) : 0;
}

static VW_INLINE int elems(struct walk *w, struct vw_xdr_dec *d, const struct vw_xs_type *elem,
                           uint64_t count, unsigned depth, const bool visiting) {
    int r;

    for (uint64_t k = 0; k < count; k++) {
        if ((r = child(w, d, elem, NULL, depth, visiting)) < 0) {
            return r;
        }
    }
    return 0;
}

/* node decodes one node of |t| at depth |depth|; |visiting| is a constant in each caller. */
static VW_INLINE int node(struct walk *w, struct vw_xdr_dec *d, const struct vw_xs_type *t,
                          const char *name, unsigned depth, const bool visiting) {
    struct vw_xs_item it = { .type = t, .name = name, .depth = depth };
    uint32_t v32 = 0;
    bool b = false;
    int r = 0;

    if (depth > VW_XS_DEPTH_MAX) {
        return VW_E_INVALID;
    }
    if (visiting) {
        it.offset = vw_xdr_dec_offset(d);
    }
    switch (t->kind) {
    case VW_XS_VECTOR:
        if ((r = emit(w, &it, visiting)) < 0) {
            return r;
        }
        return elems(w, d, t->elem, t->n, depth + 1, visiting);
    case VW_XS_ARRAY:
        /* the count is checked against the bytes left before any element is read */
        if ((r = vw_xdr_get_count(d, t->n, vw_xs_min_size(t->elem), &v32)) < 0) {
            return r;
        }
        it.u = v32;
        it.i = v32;
        if ((r = emit(w, &it, visiting)) < 0) {
            return r;
        }
        return elems(w, d, t->elem, v32, depth + 1, visiting);
    case VW_XS_OPTIONAL:
        if ((r = vw_xdr_get_optional(d, &b)) < 0) {
            return r;
        }
        it.u = b;
        it.i = b;
        if ((r = emit(w, &it, visiting)) < 0) {
            return r;
        }
        return b ? child(w, d, t->elem, NULL, depth + 1, visiting) : 0;
    case VW_XS_STRUCT:
        if ((r = emit(w, &it, visiting)) < 0) {
            return r;
        }
        for (size_t i = 0; i < t->num_fields; i++) {
            r = child(w, d, t->fields[i].type, t->fields[i].name, depth + 1, visiting);
            if (r < 0) {
                vw_diag_field(d->diag, t->fields[i].name);
                return r;
            }
        }
        return 0;
    case VW_XS_UNION: {
        const struct vw_xs_type *arm_type = t->default_arm;
        const char *arm_name = NULL;
        if ((r = vw_xdr_get_u32(d, &v32)) < 0) {
            return r;
        }
        for (size_t i = 0; i < t->num_arms; i++) {
            if (t->arms[i].value == (int32_t)v32) {
                arm_type = t->arms[i].type;
                arm_name = t->arms[i].name;
                break;
            }
        }
        if (arm_type == NULL) {
            /* §4.15: no arm and no default: rpcgen's decoder fails too */
            d->cur.p -= 4;
            d->cur.len += 4;
            return vw_xdr_fail(d, VW_E_DISCRIMINANT, d->cur.p);
        }
        it.u = v32;
        it.i = (int32_t)v32;
        if ((r = emit(w, &it, visiting)) < 0) {
            return r;
        }
        return child(w, d, arm_type, arm_name, depth + 1, visiting);
    }
    default:
        if ((r = leaf(d, t, &it)) < 0) {
            return r;
        }
        return emit(w, &it, visiting);
    }
}

static int walk_v(struct walk *w, const struct vw_xs_type *t, const char *name, unsigned depth) {
    return node(w, w->d, t, name, depth, true);
}

static int walk_c(struct vw_xdr_dec *d, const struct vw_xs_type *t, unsigned depth) {
    return node(NULL, d, t, NULL, depth, false);
}

int vw_xs_decode(const struct vw_xs_type *t, struct vw_xdr_dec *d, vw_xs_visit_fn visit,
                 void *ctx) {
    struct vw_cur before = d->cur;
    struct walk w = { .d = d, .visit = visit, .ctx = ctx };
    int r;

    r = visit != NULL ? walk_v(&w, t, NULL, 0) : walk_c(d, t, 0);
    if (r < 0) {
        d->cur = before;  /* failure-atomic: the inner steps may have advanced it */
    }
    return r;
}

int vw_xs_decode_body(const struct vw_xs_type *t, const uint8_t *base, const uint8_t *buf,
                      size_t len, unsigned flags, struct vw_diag *diag, struct vw_diag *lax,
                      vw_xs_visit_fn visit, void *ctx) {
    struct vw_xdr_dec d;
    bool had_note;
    int r;

    vw_xdr_dec_init(&d, buf, len, flags, diag, lax);
    d.base = base;
    /* |d| is local: nothing to restore on failure.  Without a visitor the top node is
     * decoded here (node() inlined), which saves a call on every payload. */
    if (visit != NULL) {
        struct walk w = { .d = &d, .visit = visit, .ctx = ctx };
        r = walk_v(&w, t, NULL, 0);
    } else {
        r = node(NULL, &d, t, NULL, 0, false);
    }
    if (r < 0) {
        return r;
    }
    had_note = lax != NULL && lax->code != 0;
    if ((r = vw_xdr_expect_end(&d)) < 0) {
        vw_diag_field(diag, vw_xs_trailing);
    } else if (lax != NULL && !had_note) {
        vw_diag_field(lax, vw_xs_trailing);  /* lenient: the note just recorded, if any */
    }
    return r;
}

/* ---- encoding ---- */

struct put {
    struct vw_xdr_enc *e;
    const struct vw_xs_item *items;
    size_t num_items;
    size_t pos;
};

static int put(struct put *p, const struct vw_xs_type *t, unsigned depth);

static int put_elems(struct put *p, const struct vw_xs_type *elem, uint64_t count,
                     unsigned depth) {
    int r;

    for (uint64_t k = 0; k < count; k++) {
        if ((r = put(p, elem, depth)) < 0) {
            return r;
        }
    }
    return 0;
}

static int put(struct put *p, const struct vw_xs_type *t, unsigned depth) {
    const struct vw_xs_item *it;

    if (depth > VW_XS_DEPTH_MAX || p->pos >= p->num_items || p->items[p->pos].type != t) {
        return VW_E_INVALID;
    }
    it = &p->items[p->pos++];
    switch (t->kind) {
    case VW_XS_VOID:
        return 0;
    case VW_XS_INT:
    case VW_XS_UINT:
    case VW_XS_ENUM:
    case VW_XS_CHAR:
    case VW_XS_UCHAR:
    case VW_XS_SHORT:
    case VW_XS_USHORT:
        return vw_xdr_put_u32(p->e, (uint32_t)it->u);
    case VW_XS_HYPER:
    case VW_XS_UHYPER:
        return vw_xdr_put_u64(p->e, it->u);
    case VW_XS_BOOL:
        return vw_xdr_put_bool(p->e, it->u != 0);
    case VW_XS_STRING:
        return vw_xdr_put_string(p->e, it->bytes, t->n);
    case VW_XS_OPAQUE:
        return vw_xdr_put_opaque(p->e, it->bytes, t->n);
    case VW_XS_FIXED_OPAQUE:
        if (it->bytes.len != t->n) {
            return VW_E_INVALID;
        }
        return vw_xdr_put_fixed_opaque(p->e, it->bytes.p, it->bytes.len);
    case VW_XS_VECTOR:
        return put_elems(p, t->elem, t->n, depth + 1);
    case VW_XS_ARRAY:
        if (it->u > t->n) {
            return VW_E_TOO_LONG;
        }
        if (vw_xdr_put_u32(p->e, (uint32_t)it->u) < 0) {
            return VW_E_NOSPACE;
        }
        return put_elems(p, t->elem, it->u, depth + 1);
    case VW_XS_OPTIONAL:
        if (vw_xdr_put_bool(p->e, it->u != 0) < 0) {
            return VW_E_NOSPACE;
        }
        return it->u != 0 ? put(p, t->elem, depth + 1) : 0;
    case VW_XS_STRUCT:
        for (size_t i = 0; i < t->num_fields; i++) {
            int r = put(p, t->fields[i].type, depth + 1);
            if (r < 0) {
                return r;
            }
        }
        return 0;
    case VW_XS_UNION: {
        const struct vw_xs_type *arm_type = t->default_arm;
        for (size_t i = 0; i < t->num_arms; i++) {
            if (t->arms[i].value == (int32_t)it->u) {
                arm_type = t->arms[i].type;
                break;
            }
        }
        if (arm_type == NULL) {
            return VW_E_INVALID;
        }
        if (vw_xdr_put_u32(p->e, (uint32_t)it->u) < 0) {
            return VW_E_NOSPACE;
        }
        return put(p, arm_type, depth + 1);
    }
    default:
        return VW_E_INVALID;
    }
}

int vw_xs_encode(const struct vw_xs_type *t, struct vw_xdr_enc *e,
                 const struct vw_xs_item *items, size_t num_items, size_t *pos) {
    struct vw_xdr_enc c = *e;
    struct put p = { .e = &c, .items = items, .num_items = num_items, .pos = *pos };
    int r;

    if ((r = put(&p, t, 0)) < 0) {
        return r;
    }
    *e = c;
    *pos = p.pos;
    return 0;
}
