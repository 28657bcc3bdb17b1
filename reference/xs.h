/* xs.h -- XDR types described as data ("XDR schema"), and one interpreter that decodes, checks
 * and encodes them.
 *
 * The libvirt and qemud procedures carry dozens of argument and result structs built from the
 * same few XDR types.  Each is written down once as a static table (struct vw_xs_type) and
 * read by vw_xs_decode, so every struct gets the same strict checks, the same error offsets,
 * the same dumps and the same encoder, with no per-struct code.
 *
 * Decoding never allocates.  It reports what it reads to a visitor, one struct vw_xs_item per
 * node of the type, in pre-order (a struct, then its fields; an array, then its elements).
 * The same list of items, fed to vw_xs_encode with the same type, gives the canonical
 * encoding back: that is how a decoded body is re-encoded and how round trips are checked.
 *
 * Strict rules, beyond those of the primitives in xdr.h: rpcgen sends char, unsigned char,
 * short and unsigned short as a whole XDR int (RFC 4506 §4.1/§4.2 have no smaller integer),
 * so such a value must fit its C type (VW_E_RANGE; libtirpc truncates it silently); a union
 * discriminant must select an arm (VW_E_DISCRIMINANT; rpcgen's decoder fails too). */
#ifndef VW_XS_H
#define VW_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"

/* Nesting of the schemas is static; this bounds the interpreter's recursion all the same. */
#define VW_XS_DEPTH_MAX 16u

enum vw_xs_kind {
    VW_XS_VOID,         /* no bytes */
    VW_XS_INT,          /* int (§4.1) */
    VW_XS_UINT,         /* unsigned int (§4.2) */
    VW_XS_HYPER,        /* hyper (§4.5) */
    VW_XS_UHYPER,       /* unsigned hyper (§4.5) */
    VW_XS_BOOL,         /* bool (§4.4) */
    VW_XS_ENUM,         /* enum with the assignments [lo, hi] (§4.3) */
    VW_XS_CHAR,         /* rpcgen char: an int in [-128, 127] */
    VW_XS_UCHAR,        /* rpcgen unsigned char: an int in [0, 255] */
    VW_XS_SHORT,        /* rpcgen short: an int in [-32768, 32767] */
    VW_XS_USHORT,       /* rpcgen unsigned short: an int in [0, 65535] */
    VW_XS_STRING,       /* string<max> (§4.11) */
    VW_XS_OPAQUE,       /* opaque<max> (§4.10) */
    VW_XS_FIXED_OPAQUE, /* opaque[n] (§4.9) */
    VW_XS_VECTOR,       /* elem[n], a fixed-length array (§4.12) */
    VW_XS_ARRAY,        /* elem<max>, a variable-length array (§4.13) */
    VW_XS_OPTIONAL,     /* elem *, optional data (§4.19) */
    VW_XS_STRUCT,       /* fields in order (§4.14) */
    VW_XS_UNION,        /* int discriminant, then the arm it selects (§4.15) */
};

struct vw_xs_type;

struct vw_xs_field {
    const char *name;
    const struct vw_xs_type *type;
};

/* A union arm: |type| follows when the discriminant is |value|. */
struct vw_xs_arm {
    int32_t value;
    const char *name;
    const struct vw_xs_type *type;
};

struct vw_xs_type {
    enum vw_xs_kind kind;
    const char *name;                  /* the XDR type's name, for dumps */
    uint32_t n;                        /* STRING/OPAQUE/ARRAY: maximum; FIXED_OPAQUE/VECTOR: size */
    int32_t lo, hi;                    /* ENUM: the assigned range */
    const struct vw_xs_type *elem;     /* VECTOR, ARRAY, OPTIONAL */
    const struct vw_xs_field *fields;  /* STRUCT */
    size_t num_fields;
    const struct vw_xs_arm *arms;      /* UNION; |default_arm| (may be NULL) takes other values */
    size_t num_arms;
    const struct vw_xs_type *default_arm;
};

/* struct vw_xs_item: one node as decoded. */
struct vw_xs_item {
    const struct vw_xs_type *type;
    const char *name;         /* field or arm name; NULL for the top and for array elements */
    unsigned depth;           /* 0 for the top */
    size_t offset;            /* first byte, counted from the decoder's base */
    uint64_t u;               /* integers as unsigned bits; BOOL 0/1; ARRAY the count;
                               * OPTIONAL 1 when present; UNION the discriminant */
    int64_t i;                /* |u| read as signed: INT, HYPER, CHAR, SHORT, ENUM, UNION */
    struct vw_span bytes;     /* STRING, OPAQUE, FIXED_OPAQUE: a view into the input */
};

/* A visitor returns 0 to go on, or a negative error code to stop the decode with it. */
typedef int (*vw_xs_visit_fn)(void *ctx, const struct vw_xs_item *item);

/* vw_xs_decode reads one |t| at |d|'s cursor and passes every node to |visit| (may be NULL).
 * On error the cursor is not moved and |d->diag| holds the code, offset and innermost field
 * name; items already visited must then be discarded.  Returns 0, an error of xdr.h,
 * VW_E_RANGE, VW_E_DISCRIMINANT, a visitor's error, or VW_E_INVALID for a schema nested
 * deeper than VW_XS_DEPTH_MAX. */
VW_MUST_USE int vw_xs_decode(const struct vw_xs_type *t, struct vw_xdr_dec *d,
                             vw_xs_visit_fn visit, void *ctx);

/* vw_xs_decode_body decodes |t| filling exactly the |len| bytes at |buf| (offsets count from
 * |base|, which must be at or before |buf|).  Bytes left over are VW_E_TRAILING in strict mode;
 * lenient mode accepts them as libtirpc does, with a note in |lax|. */
VW_MUST_USE int vw_xs_decode_body(const struct vw_xs_type *t, const uint8_t *base,
                                  const uint8_t *buf, size_t len, unsigned flags,
                                  struct vw_diag *diag, struct vw_diag *lax,
                                  vw_xs_visit_fn visit, void *ctx);

/* vw_xs_encode appends |t| to |e| from |items| (pre-order, as vw_xs_decode produced them),
 * starting at |*pos| and advancing it past the items used.  Returns 0, VW_E_NOSPACE,
 * VW_E_TOO_LONG, or VW_E_INVALID when the items do not follow |t|; on error |e| is unchanged. */
VW_MUST_USE int vw_xs_encode(const struct vw_xs_type *t, struct vw_xdr_enc *e,
                             const struct vw_xs_item *items, size_t num_items, size_t *pos);

/* vw_xs_min_size is the fewest bytes an encoding of |t| can take (saturating at SIZE_MAX). */
size_t vw_xs_min_size(const struct vw_xs_type *t);

/* vw_xs_kind_name names a kind for dumps ("string", "unsigned hyper"). */
const char *vw_xs_kind_name(enum vw_xs_kind kind);

extern const char vw_xs_trailing[];  /* the field of an error after the top node */

/* vw_xs_get_small reads a char or short sent as an XDR int and checks it fits [lo, hi]. */
static VW_INLINE int vw_xs_get_small(struct vw_xdr_dec *d, int64_t lo, int64_t hi, bool is_signed,
                               struct vw_xs_item *it) {
    const uint8_t *at = d->cur.p;
    uint32_t v = 0;
    int64_t x;
    int r;

    if ((r = vw_xdr_get_u32(d, &v)) < 0) {
        return r;
    }
    x = is_signed ? (int64_t)(int32_t)v : (int64_t)v;
    if (x < lo || x > hi) {
        /* [strict: rpcgen widens char/short to an XDR int; libtirpc truncates what does not fit] */
        if ((r = vw_xdr_lax(d, VW_E_RANGE, at)) < 0) {
            d->cur.p = at;
            d->cur.len += 4;
            return r;
        }
    }
    it->u = v;
    it->i = x;
    return 0;
}


/* Schema building blocks shared by every protocol. */
extern const struct vw_xs_type vw_xs_void, vw_xs_int, vw_xs_uint, vw_xs_hyper, vw_xs_uhyper,
    vw_xs_bool, vw_xs_char, vw_xs_uchar, vw_xs_short, vw_xs_ushort;

#endif
