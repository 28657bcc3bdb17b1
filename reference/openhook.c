/* openhook.c -- QEMU's May 2012 open-hook-fd protocol in its two encodings; see openhook.h.
 *
 * Facts: historic-qemud-openhook-qga.md §2.1 (the RFC as posted: host byte order) and §2.2
 * (the review: the same fields in XDR, RFC 4506).  The host-order encoding is not XDR and is
 * read by hand, each integer copied out with memcpy (no unaligned casts).  The XDR bodies are
 * vw_xs_type tables (xs.h), so the XDR checks, offsets and the encoder are the interpreter's. */
#include "openhook.h"
#include "planted.h"

#include <string.h>

#include "xs.h"

/* ---- the XDR bodies (§2.2), after the header { message_size; command } ---- */

static const struct vw_xs_type oh_path = {
    .kind = VW_XS_STRING, .name = "string<4096>", .n = VW_OPENHOOK_XDR_PATH_MAX,
};

static const struct vw_xs_field oh_open_args_fields[] = {
    { "flags", &vw_xs_uint },   /* §2.1 "u32 flags (O_ flags defined by libc)" */
    { "mode", &vw_xs_uint },    /* §2.1 "u32 mode (mode_t flags as defined by libc)" */
    { "filename", &oh_path },   /* §2.2: an XDR string (u32 length, bytes, zero padding) */
};

static const struct vw_xs_type oh_open_args = {
    .kind = VW_XS_STRUCT, .name = "oh_open_args", .fields = oh_open_args_fields,
    .num_fields = sizeof(oh_open_args_fields) / sizeof(oh_open_args_fields[0]),
};

static const struct vw_xs_field oh_open_ret_fields[] = {
    { "result", &vw_xs_int },   /* §2.1 "s32 result" */
};

static const struct vw_xs_type oh_open_ret = {
    .kind = VW_XS_STRUCT, .name = "oh_open_ret", .fields = oh_open_ret_fields,
    .num_fields = sizeof(oh_open_ret_fields) / sizeof(oh_open_ret_fields[0]),
};

#define OH_ITEMS_MAX 4u  /* the struct and its three fields */

struct oh_items {
    struct vw_xs_item v[OH_ITEMS_MAX];
    size_t n;
};

static int oh_collect(void *ctx, const struct vw_xs_item *it) {
    struct oh_items *s = ctx;

    if (s->n == OH_ITEMS_MAX) {
        return VW_E_INVALID;  /* cannot happen: the schemas above are fixed */
    }
    s->v[s->n++] = *it;
    return 0;
}

/* ---- sizes ---- */

static bool oh_valid(int encoding, int direction) {
    return (encoding == VW_OPENHOOK_HOST || encoding == VW_OPENHOOK_XDR) &&
           (direction == VW_OPENHOOK_FROM_CLIENT || direction == VW_OPENHOOK_FROM_SERVER);
}

/* oh_size_min: the smallest message_size a message of this kind can have (an empty filename,
 * or the fixed reply). */
static uint32_t oh_size_min(int encoding, int direction) {
    if (direction == VW_OPENHOOK_FROM_SERVER) {
        return VW_OPENHOOK_REPLY_LEN;
    }
    return encoding == VW_OPENHOOK_HOST ? VW_OPENHOOK_HOST_REQ_FIXED : VW_OPENHOOK_XDR_REQ_FIXED;
}

static uint32_t oh_size_max(int encoding, int direction) {
    if (direction == VW_OPENHOOK_FROM_SERVER) {
        return VW_OPENHOOK_REPLY_LEN;
    }
    return encoding == VW_OPENHOOK_HOST ? VW_OPENHOOK_HOST_MSG_MAX : VW_OPENHOOK_XDR_MSG_MAX;
}

/* oh_load32 reads the u32 at |p| in |encoding|'s byte order: the machine's own (§2.1 "All
 * integers are in host byte order"), or big-endian (RFC 4506 §4.1). */
static uint32_t oh_load32(const uint8_t *p, int encoding) {
    uint32_t v;

    if (encoding == VW_OPENHOOK_XDR) {
        return vw_load_be32(p);
    }
    memcpy(&v, p, sizeof(v));
    return v;
}

static int oh_fail(struct vw_diag *diag, int code, size_t offset, const char *field) {
    vw_diag_set(diag, code, offset);
    vw_diag_field(diag, field);
    return code;
}

/* ---- decoding ---- */

/* oh_host_body reads the host-order fields after the header from the |limit| bytes at |buf|
 * (limit = min(input, message_size)). */
static int oh_host_body(struct vw_openhook_msg *m, struct vw_diag *diag, const uint8_t *buf,
                        size_t limit) {
    uint16_t fn_len;
    const uint8_t *nul;

    if (m->direction == VW_OPENHOOK_FROM_SERVER) {
        if (limit < VW_OPENHOOK_REPLY_LEN) {
            return oh_fail(diag, VW_E_SHORT, 8, "result");
        }
        m->result = (int32_t)oh_load32(buf + 8, VW_OPENHOOK_HOST);
        return 0;
    }
    if (limit < 12) {
        return oh_fail(diag, VW_E_SHORT, 8, "flags");
    }
    m->flags = oh_load32(buf + 8, VW_OPENHOOK_HOST);
    if (limit < 16) {
        return oh_fail(diag, VW_E_SHORT, 12, "mode");
    }
    m->mode = oh_load32(buf + 12, VW_OPENHOOK_HOST);
    if (limit < VW_OPENHOOK_HOST_REQ_FIXED) {
        return oh_fail(diag, VW_E_SHORT, 16, "filename_len");
    }
    memcpy(&fn_len, buf + 16, sizeof(fn_len));  /* §2.1 "u16 filename_len" */
    if (VW_OPENHOOK_HOST_REQ_FIXED + (uint32_t)fn_len != m->message_size) {
        /* §2.1: the payload is message_size - 8 bytes and the filename is all that follows
         * filename_len, so the two lengths must agree */
        return oh_fail(diag, VW_E_LENGTH, 0, "message_size");
    }
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_OPENHOOK_NAME_LEN) && limit + 1 == m->message_size) {
        /* planted: off by one, message_size taken to count a NUL that is never sent (§2.1):
         * a message one byte short is read as whole */
        limit = m->message_size;
    }
#endif
    if (limit < m->message_size) {
        return oh_fail(diag, VW_E_SHORT, VW_OPENHOOK_HOST_REQ_FIXED, "filename");
    }
    m->filename = (struct vw_span){ .p = buf + VW_OPENHOOK_HOST_REQ_FIXED, .len = fn_len };
    if (fn_len > 0 && (nul = memchr(m->filename.p, 0, fn_len)) != NULL) {
        /* a NUL ends the C string open(2) takes: the name cannot reach the server whole
         * [strict in both modes: no libtirpc reads this encoding] */
        return oh_fail(diag, VW_E_STRING_NUL, (size_t)(nul - buf), "filename");
    }
    return 0;
}

/* oh_xdr_body decodes the XDR body (oh_open_args or oh_open_ret) from the |limit| bytes at
 * |buf| through the schema interpreter and returns where it ended in |*out_end|. */
static int oh_xdr_body(struct vw_openhook_msg *m, struct vw_diag *diag, struct vw_diag *lax,
                       const uint8_t *buf, size_t limit, unsigned flags, size_t *out_end) {
    bool reply = m->direction == VW_OPENHOOK_FROM_SERVER;
    struct oh_items items = { .n = 0 };
    struct vw_xdr_dec d;
    int r;

    vw_xdr_dec_init(&d, buf, limit, flags, diag, lax);
    d.cur.p += VW_OPENHOOK_HEADER_LEN;  /* the caller read the header; limit >= 8 */
    d.cur.len -= VW_OPENHOOK_HEADER_LEN;
    if ((r = vw_xs_decode(reply ? &oh_open_ret : &oh_open_args, &d, oh_collect, &items)) < 0) {
        return r;
    }
    if (reply) {
        m->result = (int32_t)items.v[1].i;
    } else {
        m->flags = (uint32_t)items.v[1].u;
        m->mode = (uint32_t)items.v[2].u;
        m->filename = items.v[3].bytes;
    }
    *out_end = vw_xdr_dec_offset(&d);
    return 0;
}

static int oh_decode_msg(struct vw_openhook_msg *m, struct vw_diag *diag, struct vw_diag *lax,
                         const uint8_t *buf, size_t len, unsigned flags) {
    int enc = m->encoding, dir = m->direction;
    size_t limit, end;
    int r;

    if (len < 4) {
        return oh_fail(diag, VW_E_SHORT, 0, "message_size");
    }
    m->message_size = oh_load32(buf, enc);
    if (m->message_size < oh_size_min(enc, dir) || m->message_size > oh_size_max(enc, dir)) {
        /* §2.1 "u8 payload[message_size - 8]": message_size counts the whole message, which
         * has at least the direction's fixed fields and at most its largest filename */
        return oh_fail(diag, VW_E_LENGTH, 0, "message_size");
    }
    if (len < VW_OPENHOOK_HEADER_LEN) {
        return oh_fail(diag, VW_E_SHORT, 4, "command");
    }
    m->command = oh_load32(buf + 4, enc);
    if (m->command != VW_OPENHOOK_QEMU_OPEN) {
        /* §2.1 "Commands: 1. QEMU_OPEN (1)": the only command */
        return oh_fail(diag, VW_E_DISCRIMINANT, 4, "command");
    }
    limit = len < m->message_size ? len : m->message_size;
    if (enc == VW_OPENHOOK_HOST) {
        if ((r = oh_host_body(m, diag, buf, limit)) < 0) {
            return r;
        }
        end = m->message_size;  /* the host body is sized by filename_len, checked above */
    } else {
        struct vw_diag bd = { 0 };
        if ((r = oh_xdr_body(m, &bd, lax, buf, limit, flags, &end)) < 0) {
            if (r == VW_E_SHORT && limit == m->message_size) {
                /* every byte message_size announces is here and the fields need more: the
                 * size word is what is wrong (a stream framer cuts exactly there) */
                return oh_fail(diag, VW_E_LENGTH, 0, "message_size");
            }
            return oh_fail(diag, r, bd.offset, bd.field);
        }
        if (end != m->message_size) {
            /* §2.2 message_size counts the whole message: no bytes after the filename */
            return oh_fail(diag, VW_E_LENGTH, 0, "message_size");
        }
    }
    if (dir == VW_OPENHOOK_FROM_SERVER &&
        (m->result > 0 || m->result < -VW_OPENHOOK_ERRNO_MAX)) {
        /* §2.1 "If result is < 0, the value will be negated errno value"; 0 is success, and
         * Linux errno values end at MAX_ERRNO */
        return oh_fail(diag, VW_E_RANGE, 8, "result");
    }
    if (len > end) {
        return oh_fail(diag, VW_E_TRAILING, end, "trailing");
    }
    return 0;
}

int vw_openhook_decode(struct vw_openhook_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                       const uint8_t *buf, size_t len, int encoding, int direction,
                       unsigned flags) {
    struct vw_openhook_msg m = { .encoding = encoding, .direction = direction };
    int r;

    if (!oh_valid(encoding, direction) || (buf == NULL && len > 0)) {
        return oh_fail(diag, VW_E_INVALID, 0, NULL);
    }
    if ((r = oh_decode_msg(&m, diag, lax, buf, len, flags)) < 0) {
        return r;
    }
    *out = m;
    return 0;
}

/* ---- encoding ---- */

static void oh_store32(uint8_t *p, uint32_t v) {
    memcpy(p, &v, sizeof(v));
}

int vw_openhook_encode(struct vw_xdr_enc *e, const struct vw_openhook_msg *m) {
    bool reply = m->direction == VW_OPENHOOK_FROM_SERVER;
    struct vw_xdr_enc c = *e;
    size_t total;
    int r;

    if (!oh_valid(m->encoding, m->direction) || m->command != VW_OPENHOOK_QEMU_OPEN ||
        (!reply && m->filename.len > 0 && m->filename.p == NULL)) {
        return VW_E_INVALID;
    }
    if (m->encoding == VW_OPENHOOK_HOST) {
        uint8_t hdr[VW_OPENHOOK_HOST_REQ_FIXED];
        if (!reply && m->filename.len > VW_OPENHOOK_HOST_PATH_MAX) {
            return VW_E_TOO_LONG;  /* §2.1 "u16 filename_len" */
        }
        total = reply ? VW_OPENHOOK_REPLY_LEN : VW_OPENHOOK_HOST_REQ_FIXED + m->filename.len;
        if (c.cap - c.len < total) {
            return VW_E_NOSPACE;
        }
        oh_store32(hdr, (uint32_t)total);
        oh_store32(hdr + 4, m->command);
        if (reply) {
            oh_store32(hdr + 8, (uint32_t)m->result);
        } else {
            uint16_t fn_len = (uint16_t)m->filename.len;
            oh_store32(hdr + 8, m->flags);
            oh_store32(hdr + 12, m->mode);
            memcpy(hdr + 16, &fn_len, sizeof(fn_len));
        }
        if ((r = vw_xdr_put_raw(&c, (struct vw_span){ .p = hdr, .len = reply ? 12 : 18 })) < 0 ||
            (!reply && (r = vw_xdr_put_raw(&c, m->filename)) < 0)) {
            return r;
        }
    } else {
        const struct vw_xs_type *t = reply ? &oh_open_ret : &oh_open_args;
        struct vw_xs_item items[OH_ITEMS_MAX] = {
            { .type = t },
            { .type = reply ? &vw_xs_int : &vw_xs_uint, .name = reply ? "result" : "flags",
              .depth = 1, .u = reply ? (uint32_t)m->result : m->flags,
              .i = reply ? m->result : (int64_t)m->flags },
            { .type = &vw_xs_uint, .name = "mode", .depth = 1, .u = m->mode, .i = m->mode },
            { .type = &oh_path, .name = "filename", .depth = 1, .bytes = m->filename },
        };
        size_t pos = 0;
        if (!reply && m->filename.len > VW_OPENHOOK_XDR_PATH_MAX) {
            return VW_E_TOO_LONG;  /* §2.2 string<4096> */
        }
        total = reply ? VW_OPENHOOK_REPLY_LEN
                      : VW_OPENHOOK_XDR_REQ_FIXED + m->filename.len + ((0 - m->filename.len) & 3);
        if (c.cap - c.len < total) {
            return VW_E_NOSPACE;
        }
        /* §2.2: message_size first, counting the whole message */
        if ((r = vw_xdr_put_u32(&c, (uint32_t)total)) < 0 ||
            (r = vw_xdr_put_u32(&c, m->command)) < 0 ||
            (r = vw_xs_encode(t, &c, items, reply ? 2 : 4, &pos)) < 0) {
            return r;
        }
    }
    *e = c;
    return 0;
}

int vw_openhook_request(struct vw_openhook_msg *out, int encoding, uint32_t flags,
                        uint32_t mode, struct vw_span filename) {
    if (!oh_valid(encoding, VW_OPENHOOK_FROM_CLIENT)) {
        return VW_E_INVALID;
    }
    *out = (struct vw_openhook_msg){ .encoding = encoding,
                                     .direction = VW_OPENHOOK_FROM_CLIENT,
                                     .command = VW_OPENHOOK_QEMU_OPEN, .flags = flags,
                                     .mode = mode, .filename = filename };
    return 0;
}

int vw_openhook_reply(struct vw_openhook_msg *out, int encoding, int32_t result) {
    if (!oh_valid(encoding, VW_OPENHOOK_FROM_SERVER)) {
        return VW_E_INVALID;
    }
    *out = (struct vw_openhook_msg){ .encoding = encoding,
                                     .direction = VW_OPENHOOK_FROM_SERVER,
                                     .command = VW_OPENHOOK_QEMU_OPEN, .result = result };
    return 0;
}

/* ---- the fd rule ---- */

size_t vw_openhook_fds_expected(const struct vw_openhook_msg *m) {
    /* §2.1 "If result is equal to 0, then there will also be a file descriptor available via
     * SCM_RIGHTS"; nothing says a request or an error reply carries one */
    return m->direction == VW_OPENHOOK_FROM_SERVER && m->result == 0 ? 1 : 0;
}

int vw_openhook_check_fds(const struct vw_openhook_msg *m, size_t num_fds, bool ctrunc,
                          struct vw_diag *diag) {
    if (ctrunc) {
        /* recvmsg(2) MSG_CTRUNC: control data was discarded, so the count is unknown */
        return oh_fail(diag, VW_E_CTRUNC, 0, "fds");
    }
    if (num_fds != vw_openhook_fds_expected(m)) {
        return oh_fail(diag, VW_E_FDS, 0, "fds");
    }
    return 0;
}

/* ---- framing ---- */

int vw_openhook_framer_init(struct vw_openhook_framer *f, int encoding, int direction) {
    if (!oh_valid(encoding, direction)) {
        return VW_E_INVALID;
    }
    f->encoding = encoding;
    f->direction = direction;
    f->stream_pos = 0;
    f->msg_start = 0;
    f->message_size = 0;
    f->have = 0;
    f->done = false;
    f->err = 0;
    return 0;
}

int vw_openhook_feed(struct vw_openhook_framer *f, const uint8_t *in, size_t len,
                     size_t *out_used) {
    size_t used = 0;

    *out_used = 0;
    if (f->err < 0) {
        return f->err;
    }
    if (f->done) {
        f->done = false;
        f->have = 0;
    }
    while (used < len) {
        size_t want = f->have < 4 ? 4 : f->message_size;
        size_t take = want - f->have < len - used ? want - f->have : len - used;

        if (f->have == 0) {
            f->msg_start = f->stream_pos;
        }
        memcpy(f->buf + f->have, in + used, take);
        f->have += take;
        f->stream_pos += take;
        used += take;
        if (f->have == 4 && want == 4) {
            f->message_size = oh_load32(f->buf, f->encoding);
            if (f->message_size < VW_OPENHOOK_HEADER_LEN ||
                f->message_size > oh_size_max(f->encoding, f->direction)) {
                /* §2.1: message_size includes the 8-byte header; over the direction's
                 * largest message no frame can be trusted, and nothing is buffered */
                f->err = VW_E_LENGTH;
                *out_used = used;
                return f->err;
            }
        } else if (f->have >= 4 && f->have == f->message_size) {
            f->done = true;
            *out_used = used;
            return 1;
        }
    }
    *out_used = used;
    return VW_E_AGAIN;
}

void vw_openhook_message(const struct vw_openhook_framer *f, struct vw_span *out,
                         size_t *out_stream_offset) {
    *out = (struct vw_span){ .p = f->buf, .len = f->done ? f->have : 0 };
    if (out_stream_offset != NULL) {
        *out_stream_offset = f->msg_start;
    }
}

bool vw_openhook_pending(const struct vw_openhook_framer *f) {
    return !f->done && f->have > 0;
}
