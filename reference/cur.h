/* cur.h -- the bounds-checked input cursor and byte span every decoder reads through. */
#ifndef VW_CUR_H
#define VW_CUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

/* struct vw_span: a view of |len| bytes at |p|; it borrows, never owns. */
struct vw_span {
    const uint8_t *p;
    size_t len;
};

/* struct vw_cur: the unread rest of an input buffer; borrows |p|. */
struct vw_cur {
    const uint8_t *p;
    size_t len;
};

/* vw_cur_take advances |c| by |n| bytes and points |*out| at them.  Returns VW_E_SHORT,
 * leaving |c| and |*out| untouched, if fewer remain.  Fixed-size XDR items are read through
 * it; items that must be checked before they are consumed (bool, enum, lengths over their
 * maximum, padding) compare |c->len| with the size first, never pointers (xdr.h). */
static VW_INLINE int vw_cur_take(struct vw_cur *c, size_t n, const uint8_t **out) {
    if (c->len < n) {
        return VW_E_SHORT;
    }
    *out = c->p;
    c->p += n;
    c->len -= n;
    return 0;
}

static inline int vw_span_eq(struct vw_span a, struct vw_span b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#endif
