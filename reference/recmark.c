/* recmark.c -- ONC RPC record marking (RFC 5531 §11); see recmark.h. */
#include "recmark.h"
#include "planted.h"

#include <stdlib.h>
#include <string.h>

void vw_rm_framer_init(struct vw_rm_framer *f, size_t record_max) {
    memset(f, 0, sizeof(*f));
    f->record_max = record_max;
    f->realloc_fn = realloc;
}

void vw_rm_framer_cleanup(struct vw_rm_framer *f) {
    free(f->buf);
    free(f->frags);
    f->buf = NULL;
    f->frags = NULL;
    f->buf_len = f->buf_cap = f->num_frags = f->frags_cap = 0;
}

/* grow makes |*p| hold at least |need| elements of |size| bytes, doubling but never past
 * |need| by more than the current capacity, so memory stays within twice the input. */
static int grow(struct vw_rm_framer *f, void **p, size_t *cap, size_t need, size_t size) {
    size_t n;
    void *q;

    if (need <= *cap) {
        return 0;
    }
    n = *cap * 2 > need ? *cap * 2 : need;
    if (n < 64) {
        n = 64;
    }
    if (n > SIZE_MAX / size) {
        return VW_E_NOMEM;
    }
    q = f->realloc_fn(*p, n * size);
    if (q == NULL) {
        return VW_E_NOMEM;
    }
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_RM_REALLOC_FREE) && q != *p && *p != NULL) {
        /* planted: realloc moved the block and the old one is freed as if it were still
         * ours (realloc(3): "the original pointer ... is freed") */
        free(*p);
    }
#endif
    *p = q;
    *cap = n;
    return 0;
}

static int start_fragment(struct vw_rm_framer *f) {
    uint32_t h = (uint32_t)f->hdr[0] << 24 | (uint32_t)f->hdr[1] << 16 |
                 (uint32_t)f->hdr[2] << 8 | f->hdr[3];
    uint32_t len = h & VW_RM_FRAGMENT_LEN_MAX;
    int r;

    f->last = (h & VW_RM_LAST_FRAGMENT) != 0;
    if (len == 0 && !f->last) {
        return VW_E_FRAGMENT;  /* libtirpc: "wildly incorrect"; it carries nothing */
    }
    if (len > f->record_max - f->buf_len) {
        return VW_E_RECORD_TOO_LONG;  /* checked at the header, before any byte is buffered */
    }
    if ((r = grow(f, (void **)&f->frags, &f->frags_cap, f->num_frags + 1,
                  sizeof(*f->frags))) < 0) {
        return r;
    }
    f->frags[f->num_frags++] = (struct vw_rm_fragment){
        .record_offset = f->buf_len, .stream_offset = f->stream_pos, .len = len
    };
    f->frag_left = len;
    f->in_fragment = true;
    f->hdr_have = 0;
    return 0;
}

int vw_rm_feed(struct vw_rm_framer *f, const uint8_t *in, size_t in_len, size_t *out_used) {
    size_t used = 0;
    int r;

    *out_used = 0;
    if (f->err < 0) {
        return f->err;
    }
    if (f->done) {
        f->done = false;
        f->buf_len = 0;
        f->num_frags = 0;
    }
    while (used < in_len || (f->in_fragment && f->frag_left == 0)) {
        if (!f->in_fragment) {
            if (f->hdr_have == 0 && f->num_frags == 0) {
                f->record_start = f->stream_pos;
            }
            f->hdr[f->hdr_have++] = in[used++];
            f->stream_pos++;
            if (f->hdr_have == 4 && (r = start_fragment(f)) < 0) {
                f->err = r;
                *out_used = used;
                return r;
            }
            continue;
        }
        if (f->frag_left > 0) {
            size_t take = in_len - used < f->frag_left ? in_len - used : f->frag_left;
            if ((r = grow(f, (void **)&f->buf, &f->buf_cap, f->buf_len + take, 1)) < 0) {
                f->err = r;
                *out_used = used;
                return r;
            }
            memcpy(f->buf + f->buf_len, in + used, take);
            f->buf_len += take;
            f->frag_left -= (uint32_t)take;
            f->stream_pos += take;
            used += take;
        }
        if (f->frag_left == 0) {
            f->in_fragment = false;
            if (f->last) {
                f->done = true;
                *out_used = used;
                return 1;
            }
        }
    }
    *out_used = used;
    return VW_E_AGAIN;
}

void vw_rm_record(const struct vw_rm_framer *f, struct vw_span *out,
                  const struct vw_rm_fragment **out_frags, size_t *out_num_frags) {
    *out = (struct vw_span){ .p = f->buf, .len = f->done ? f->buf_len : 0 };
    if (out_frags != NULL) {
        *out_frags = f->frags;
    }
    if (out_num_frags != NULL) {
        *out_num_frags = f->num_frags;
    }
}

bool vw_rm_pending(const struct vw_rm_framer *f) {
    return !f->done && (f->hdr_have > 0 || f->in_fragment || f->num_frags > 0);
}

size_t vw_rm_stream_offset(const struct vw_rm_framer *f, size_t record_offset) {
    for (size_t i = f->num_frags; i-- > 0;) {
        if (f->frags[i].record_offset <= record_offset) {
            return f->frags[i].stream_offset + (record_offset - f->frags[i].record_offset);
        }
    }
    return f->record_start + 4 + record_offset;
}

int vw_rm_encode(struct vw_xdr_enc *e, struct vw_span record, size_t frag_max) {
    struct vw_xdr_enc c = *e;
    size_t off = 0;
    int r;

    if (frag_max == 0 || frag_max > VW_RM_FRAGMENT_LEN_MAX) {
        frag_max = VW_RM_FRAGMENT_LEN_MAX;
    }
    do {
        size_t n = record.len - off < frag_max ? record.len - off : frag_max;
        bool last = off + n == record.len;
        uint32_t h = (uint32_t)n | (last ? VW_RM_LAST_FRAGMENT : 0);
        /* an empty record may have no buffer at all: no arithmetic on a NULL pointer */
        struct vw_span frag = { .p = n > 0 ? record.p + off : record.p, .len = n };
        if ((r = vw_xdr_put_u32(&c, h)) < 0 || (r = vw_xdr_put_raw(&c, frag)) < 0) {
            return r;
        }
        off += n;
    } while (off < record.len);
    *e = c;
    return 0;
}
