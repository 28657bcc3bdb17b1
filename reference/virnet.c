/* virnet.c -- the libvirt RPC envelope (virnet-oncrpc.md §1, §2, §4); see virnet.h. */
#include "virnet.h"
#include "planted.h"
#include "virnet_fast.h"

#include <stdlib.h>
#include <string.h>

const char *vw_virnet_type_name(int32_t type) {
    static const char *const names[] = { "CALL", "REPLY", "MESSAGE", "STREAM", "CALL_WITH_FDS",
                                         "REPLY_WITH_FDS", "STREAM_HOLE" };
    return type >= 0 && (size_t)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

const char *vw_virnet_status_name(int32_t status) {
    static const char *const names[] = { "OK", "ERROR", "CONTINUE" };
    return status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}

/* What the payload of a type/status combination is (§1.5, §4). */
enum rule {
    R_UNDEFINED,        /* no rule: CALL + CONTINUE, type 7, ... */
    R_ARGS,             /* CALL + OK, CALL_WITH_FDS + OK */
    R_RET,              /* REPLY + OK, REPLY_WITH_FDS + OK */
    R_MSG,              /* MESSAGE + OK */
    R_ERROR,            /* REPLY(_WITH_FDS) + ERROR, STREAM_HOLE + ERROR: remote_error */
    R_ERROR_OR_EMPTY,   /* STREAM + ERROR: remote_error from the server, empty = client abort */
    R_EMPTY,            /* STREAM + OK, STREAM_HOLE + OK */
    R_RAW,              /* STREAM + CONTINUE: raw bytes, not XDR; empty = EOF (§4) */
    R_HOLE,             /* STREAM_HOLE + CONTINUE: virNetStreamHole */
};

static enum rule payload_rule(int32_t type, int32_t status) {
    switch (type) {
    case VW_VIRNET_CALL:
    case VW_VIRNET_CALL_WITH_FDS:
        /* §1.4: "Status in a CALL must be OK" (the server answers anything else with an error) */
        return status == VW_VIRNET_OK ? R_ARGS : R_UNDEFINED;
    case VW_VIRNET_REPLY:
    case VW_VIRNET_REPLY_WITH_FDS:
        return status == VW_VIRNET_OK ? R_RET : status == VW_VIRNET_ERROR ? R_ERROR : R_UNDEFINED;
    case VW_VIRNET_MESSAGE:
        return status == VW_VIRNET_OK ? R_MSG : R_UNDEFINED;
    case VW_VIRNET_STREAM:
        return status == VW_VIRNET_CONTINUE ? R_RAW
               : status == VW_VIRNET_OK     ? R_EMPTY
               : status == VW_VIRNET_ERROR  ? R_ERROR_OR_EMPTY
                                            : R_UNDEFINED;
    case VW_VIRNET_STREAM_HOLE:
        return status == VW_VIRNET_CONTINUE ? R_HOLE
               : status == VW_VIRNET_OK     ? R_EMPTY
               : status == VW_VIRNET_ERROR  ? R_ERROR
                                            : R_UNDEFINED;
    default:
        return R_UNDEFINED;
    }
}

static int fail(struct vw_diag *diag, int code, size_t offset, const char *field) {
    vw_diag_set(diag, code, offset);
    vw_diag_field(diag, field);
    return code;
}

/* lax_at: strict, |code| is an error; lenient, a note in |lax| (the first one wins). */
static int lax_at(struct vw_diag *diag, struct vw_diag *lax, unsigned flags, int code,
                  size_t offset, const char *field) {
    if ((flags & VW_DEC_LENIENT) == 0) {
        return fail(diag, code, offset, field);
    }
    if (lax != NULL && lax->code == 0) {
        vw_diag_set(lax, code, offset);
        lax->field = field;
    }
    return 0;
}

/* read_len reads and range-checks the length word (§1.1). */
static int read_len(struct vw_diag *diag, const uint8_t *buf, size_t len, uint32_t *out) {
    uint32_t n;

    if (len < VW_VIRNET_LEN_SIZE) {
        return fail(diag, VW_E_SHORT, 0, "length");
    }
    n = vw_load_be32(buf);
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_VIRNET_SIGNED_LEN)) {
        /* planted: the one-compare range check written with int32_t: a length word under
         * VW_VIRNET_LEN_MIN gives a negative difference, which passes (§1.1) */
        if ((int32_t)(n - VW_VIRNET_LEN_MIN) > (int32_t)(VW_VIRNET_LEN_MAX - VW_VIRNET_LEN_MIN)) {
            return fail(diag, VW_E_LENGTH, 0, "length");
        }
        *out = n;
        return 0;
    }
#endif
    /* §1.1: the length counts its own 4 bytes and a 24-byte header always follows (5..27:
     * "Unable to decode message header"); 9.0 rejects len - 4 > VIR_NET_MESSAGE_MAX */
    if (n < VW_VIRNET_LEN_MIN || n > VW_VIRNET_LEN_MAX) {
        return fail(diag, VW_E_LENGTH, 0, "length");
    }
    *out = n;
    return 0;
}

static VW_INLINE void read_header(const uint8_t *buf, struct vw_virnet_header *h) {
    h->prog = vw_load_be32(buf + VW_VIRNET_OFF_PROG);
    h->vers = vw_load_be32(buf + VW_VIRNET_OFF_VERS);
    h->proc = (int32_t)vw_load_be32(buf + VW_VIRNET_OFF_PROC);
    h->type = (int32_t)vw_load_be32(buf + VW_VIRNET_OFF_TYPE);
    h->serial = vw_load_be32(buf + VW_VIRNET_OFF_SERIAL);
    h->status = (int32_t)vw_load_be32(buf + VW_VIRNET_OFF_STATUS);
}

int vw_virnet_decode_header(uint32_t *out_len, struct vw_virnet_header *out,
                            struct vw_diag *diag, const uint8_t *buf, size_t len) {
    uint32_t n = 0;
    int r;

    if ((r = read_len(diag, buf, len, &n)) < 0) {
        return r;
    }
    if (len < VW_VIRNET_LEN_MIN) {
        return fail(diag, VW_E_SHORT, len - len % 4, "header");
    }
    read_header(buf, out);
    *out_len = n;
    return 0;
}

int vw_virnet_decode_general(struct vw_virnet_msg *out, struct vw_diag *diag,
                             struct vw_diag *lax, const uint8_t *buf, size_t len,
                             int fds_received, unsigned flags, vw_xs_visit_fn visit,
                             void *ctx) {
    /* The message is built in locals and stored into |*out| field by field at the end (no
     * struct on the stack to zero and copy): failure-atomic without a copy. */
    const struct vw_virnet_program *program, *known;
    const struct vw_virnet_proc *proc = NULL;
    const struct vw_xs_type *schema = NULL;
    enum vw_virnet_body_kind body_kind;
    struct vw_virnet_header h;
    struct vw_span body;
    size_t body_off = VW_VIRNET_OFF_PAYLOAD;
    uint32_t n = 0, num_fds = 0;
    bool opaque = false, bad_enum = false, has_fds;
    enum rule rule;
    int r;

    if (fds_received < -1) {
        return fail(diag, VW_E_INVALID, 0, "fds_received");
    }
    if ((r = read_len(diag, buf, len, &n)) < 0) {
        return r;
    }
    if (len < n) {
        return fail(diag, VW_E_SHORT, 0, "length");  /* the message is cut short */
    }
    if (len > n) {
        /* the length word must frame exactly the bytes given (ARCHITECTURE: "a length word
         * that disagrees with the contents") */
        return fail(diag, VW_E_LENGTH, 0, "length");
    }
    read_header(buf, &h);

    /* §2: programs and versions.  An unknown program keeps its args/ret/msg opaque (the
     * server answers "Cannot find program"); a known one at another version is not libvirt
     * 9.0's, except in that very answer: an error REPLY echoing the bad prog/vers (§2). */
    rule = payload_rule(h.type, h.status);
    known = vw_virnet_program_of(h.prog);  /* one lookup answers both questions */
    program = known != NULL && known->vers == h.vers ? known : NULL;
    if (program != NULL) {
        proc = vw_virnet_program_proc(program, h.proc);
    } else if (known != NULL && rule != R_ERROR) {
        opaque = true;
        if ((r = lax_at(diag, lax, flags, VW_E_PROGRAM, VW_VIRNET_OFF_VERS, "vers")) < 0) {
            return r;
        }
    }

    /* §1.3: virNetMessageType has the values 0..6 [strict; xdr_enum takes any value] */
    if (h.type < VW_VIRNET_CALL || h.type > VW_VIRNET_STREAM_HOLE) {
        opaque = bad_enum = true;
        if ((r = lax_at(diag, lax, flags, VW_E_MSG_TYPE, VW_VIRNET_OFF_TYPE, "type")) < 0) {
            return r;
        }
    }

    /* §1.5: *_WITH_FDS carry a 4-byte fd count (xdr_u_int, §9.4) before the payload; the fds
     * themselves arrive as SCM_RIGHTS, one per dummy byte after the message */
    has_fds = h.type == VW_VIRNET_CALL_WITH_FDS || h.type == VW_VIRNET_REPLY_WITH_FDS;
    if (has_fds) {
        if (n < VW_VIRNET_OFF_PAYLOAD + VW_VIRNET_FD_COUNT_SIZE) {
            return fail(diag, VW_E_SHORT, VW_VIRNET_OFF_PAYLOAD, "num_fds");
        }
        num_fds = vw_load_be32(buf + VW_VIRNET_OFF_PAYLOAD);
        /* virNetMessageDecodeNumFDs: more than VIR_NET_MESSAGE_NUM_FDS_MAX is refused */
        if (num_fds > VW_VIRNET_NUM_FDS_MAX ||
            (fds_received >= 0 && num_fds != (uint32_t)fds_received)) {
            return fail(diag, VW_E_FDS, VW_VIRNET_OFF_PAYLOAD, "num_fds");
        }
        body_off += VW_VIRNET_FD_COUNT_SIZE;
    } else if (fds_received > 0) {
        /* fds arrived with a message that does not announce any */
        return fail(diag, VW_E_FDS, VW_VIRNET_OFF_TYPE, "type");
    }

    /* §1.3: virNetMessageStatus has the values 0..2 [strict; xdr_enum takes any value] */
    if (h.status < VW_VIRNET_OK || h.status > VW_VIRNET_CONTINUE) {
        opaque = bad_enum = true;
        if ((r = lax_at(diag, lax, flags, VW_E_MSG_TYPE, VW_VIRNET_OFF_STATUS, "status")) < 0) {
            return r;
        }
    }
    body = (struct vw_span){ .p = buf + body_off, .len = n - body_off };

    switch (rule) {
    case R_UNDEFINED:
        /* §1.5 gives no payload to this combination; a type or status already reported as
         * unassigned is not reported twice */
        if (!bad_enum &&
            (r = lax_at(diag, lax, flags, VW_E_MSG_TYPE, VW_VIRNET_OFF_STATUS, "status")) < 0) {
            return r;
        }
        opaque = true;
        break;
    case R_ARGS:
    case R_RET:
    case R_MSG:
        if (proc == NULL) {
            opaque = true;  /* unknown procedure: header checked, payload kept opaque */
            break;
        }
        schema = rule == R_ARGS ? proc->args : rule == R_RET ? proc->ret : proc->msg;
        if (schema == NULL) {
            /* the procedure has no such payload in 9.0 (a CALL of an event, a MESSAGE of a
             * call, §2: KEEPALIVE is only ever a MESSAGE) */
            if ((r = lax_at(diag, lax, flags, VW_E_MSG_TYPE, VW_VIRNET_OFF_TYPE, "type")) < 0) {
                return r;
            }
            opaque = true;
        }
        break;
    case R_ERROR:
        schema = &vw_virnet_error_type;  /* §1.6, whatever the program */
        break;
    case R_ERROR_OR_EMPTY:
        schema = body.len == 0 ? &vw_xs_void : &vw_virnet_error_type;
        break;
    case R_EMPTY:
        schema = &vw_xs_void;
        break;
    case R_HOLE:
        schema = &vw_virnet_stream_hole_type;
        break;
    case R_RAW:
        break;
    }

    if (opaque) {
        body_kind = VW_VIRNET_BODY_OPAQUE;
        schema = NULL;
    } else if (rule == R_RAW) {
        body_kind = VW_VIRNET_BODY_RAW;
    } else {
        /* the payload must be exactly its schema: trailing bytes are VW_E_TRAILING in strict
         * mode [libvirt ignores them, §1.5] and a note in lenient mode */
        r = vw_xs_decode_body(schema, buf, body.p, body.len, flags, diag, lax, visit, ctx);
        if (r < 0) {
            vw_diag_field(diag, "payload");
            return r;
        }
        body_kind = VW_VIRNET_BODY_XDR;
    }
    out->len = n;
    out->hdr = h;
    out->num_fds = num_fds;
    out->has_fds = has_fds;
    out->program = program;
    out->proc = proc;
    out->body_kind = body_kind;
    out->body_type = schema;
    out->body = body;
    return 0;
}

/* A common message (see vw_virnet_decode): what the shortcut found while testing it. */
struct common {
    const struct vw_virnet_program *program;
    const struct vw_virnet_proc *proc;
    const struct vw_xs_type *schema;
    uint32_t n, type, pn;
};

/* is_common tests the shortcut's conditions, reporting nothing. */
static VW_INLINE bool is_common(const uint8_t *buf, size_t len, int fds_received,
                                struct common *c) {
    if (len < VW_VIRNET_LEN_MIN || (fds_received != -1 && fds_received != 0)) {
        return false;
    }
    c->n = vw_load_be32(buf);
    c->type = vw_load_be32(buf + VW_VIRNET_OFF_TYPE);
    if (c->n != len || c->n > VW_VIRNET_LEN_MAX || c->type > VW_VIRNET_MESSAGE ||
        vw_load_be32(buf + VW_VIRNET_OFF_STATUS) != VW_VIRNET_OK) {
        return false;
    }
    c->program = vw_virnet_program_of(vw_load_be32(buf + VW_VIRNET_OFF_PROG));
    if (c->program == NULL || c->program->vers != vw_load_be32(buf + VW_VIRNET_OFF_VERS)) {
        return false;
    }
    c->pn = vw_load_be32(buf + VW_VIRNET_OFF_PROC);
    if ((c->proc = vw_virnet_program_proc(c->program, (int32_t)c->pn)) == NULL) {
        return false;
    }
    c->schema = c->type == VW_VIRNET_CALL    ? c->proc->args
                : c->type == VW_VIRNET_REPLY ? c->proc->ret
                                             : c->proc->msg;
    return c->schema != NULL;
}

/* put_common fills |out| as the general decoder would for the common message |c|. */
static VW_INLINE void put_common(struct vw_virnet_msg *out, const uint8_t *buf,
                                 const struct common *c) {
    out->len = c->n;
    /* the header as read_header would give it, from the values tested */
    out->hdr = (struct vw_virnet_header){ .prog = c->program->prog, .vers = c->program->vers,
                                          .proc = (int32_t)c->pn, .type = (int32_t)c->type,
                                          .serial = vw_load_be32(buf + VW_VIRNET_OFF_SERIAL),
                                          .status = VW_VIRNET_OK };
    out->num_fds = 0;
    out->has_fds = false;
    out->program = c->program;
    out->proc = c->proc;
    out->body_kind = VW_VIRNET_BODY_XDR;
    out->body_type = c->schema;
    out->body = (struct vw_span){ .p = buf + VW_VIRNET_OFF_PAYLOAD,
                                  .len = c->n - VW_VIRNET_OFF_PAYLOAD };
}

/* decode_plain is vw_virnet_decode without a visitor.  On a common message the validator
 * generated for the payload's schema answers first (virnet_fast.h); the interpreter runs when
 * it says no, or when there is none, for the error or the lenient note.  Out of line, so the
 * visiting path's registers are not saved here. */
static VW_INLINE int decode_plain(struct vw_virnet_msg *out, struct vw_diag *diag,
                                    struct vw_diag *lax, const uint8_t *buf, size_t len,
                                    int fds_received, unsigned flags) {
    struct common c;
    vw_virnet_fast_fn fast;
    int r;

    if (!is_common(buf, len, fds_received, &c)) {
        return vw_virnet_decode_general(out, diag, lax, buf, len, fds_received, flags, NULL,
                                        NULL);
    }
    fast = vw_virnet_fast[c.program - vw_virnet_programs][c.pn].by_type[c.type];
    if (fast == NULL || !fast(buf + VW_VIRNET_OFF_PAYLOAD, c.n - VW_VIRNET_OFF_PAYLOAD)) {
        /* as in the general path: the payload must be exactly its schema (VW_E_TRAILING) */
        r = vw_xs_decode_body(c.schema, buf, buf + VW_VIRNET_OFF_PAYLOAD,
                              c.n - VW_VIRNET_OFF_PAYLOAD, flags, diag, lax, NULL, NULL);
        if (r < 0) {
            vw_diag_field(diag, "payload");
            return r;
        }
    }
    put_common(out, buf, &c);
    return 0;
}

/* vw_virnet_decode takes a shortcut for the messages libvirt sends all day (a CALL, REPLY or
 * MESSAGE with status OK, of a known procedure of a known program at its version, no fds, a
 * length word framing exactly |len| bytes): under exactly these conditions the general decoder
 * passes every envelope rule without a note and decodes the payload with the procedure's
 * schema, so the shortcut tests the conditions (it reports nothing itself) and then does that
 * same payload decode.  Everything else, and every envelope error, goes to
 * vw_virnet_decode_general.  fuzz_virnet_paths checks both give the same result on every
 * input. */
int vw_virnet_decode(struct vw_virnet_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                     const uint8_t *buf, size_t len, int fds_received, unsigned flags,
                     vw_xs_visit_fn visit, void *ctx) {
    struct common c;
    int r;

    if (visit == NULL) {
        return decode_plain(out, diag, lax, buf, len, fds_received, flags);
    }
    if (!is_common(buf, len, fds_received, &c)) {
        return vw_virnet_decode_general(out, diag, lax, buf, len, fds_received, flags, visit,
                                        ctx);
    }
    r = vw_xs_decode_body(c.schema, buf, buf + VW_VIRNET_OFF_PAYLOAD,
                          c.n - VW_VIRNET_OFF_PAYLOAD, flags, diag, lax, visit, ctx);
    if (r < 0) {
        vw_diag_field(diag, "payload");
        return r;
    }
    put_common(out, buf, &c);
    return 0;
}

int vw_virnet_encode(struct vw_xdr_enc *e, const struct vw_virnet_msg *m,
                     const struct vw_xs_item *items, size_t num_items) {
    const struct vw_virnet_header *h = &m->hdr;
    bool has_fds = h->type == VW_VIRNET_CALL_WITH_FDS || h->type == VW_VIRNET_REPLY_WITH_FDS;
    struct vw_xdr_enc c = *e, measure;
    size_t body_len, total, pos = 0;
    int r;

    if (m->body_kind == VW_VIRNET_BODY_XDR) {
        if (m->body_type == NULL) {
            return VW_E_INVALID;
        }
        vw_xdr_enc_init(&measure, NULL, 0);
        if ((r = vw_xs_encode(m->body_type, &measure, items, num_items, &pos)) < 0) {
            return r;
        }
        if (pos != num_items) {
            return VW_E_INVALID;
        }
        body_len = measure.len;
    } else {
        body_len = m->body.len;
    }
    total = VW_VIRNET_LEN_MIN + (has_fds ? VW_VIRNET_FD_COUNT_SIZE : 0);
    if (body_len > VW_VIRNET_LEN_MAX - total) {
        return VW_E_TOO_LONG;  /* §1.1: no message over VIR_NET_MESSAGE_MAX + 4 */
    }
    total += body_len;
    if ((r = vw_xdr_put_u32(&c, (uint32_t)total)) < 0 || (r = vw_xdr_put_u32(&c, h->prog)) < 0 ||
        (r = vw_xdr_put_u32(&c, h->vers)) < 0 || (r = vw_xdr_put_i32(&c, h->proc)) < 0 ||
        (r = vw_xdr_put_i32(&c, h->type)) < 0 || (r = vw_xdr_put_u32(&c, h->serial)) < 0 ||
        (r = vw_xdr_put_i32(&c, h->status)) < 0 ||
        (has_fds && (r = vw_xdr_put_u32(&c, m->num_fds)) < 0)) {
        return r;
    }
    pos = 0;
    if (m->body_kind == VW_VIRNET_BODY_XDR) {
        r = vw_xs_encode(m->body_type, &c, items, num_items, &pos);
    } else {
        r = vw_xdr_put_raw(&c, m->body);
    }
    if (r < 0) {
        return r;
    }
    *e = c;
    return 0;
}

/* ---- framer ---- */

void vw_virnet_framer_init(struct vw_virnet_framer *f) {
    memset(f, 0, sizeof(*f));
    f->realloc_fn = realloc;
}

void vw_virnet_framer_cleanup(struct vw_virnet_framer *f) {
    free(f->buf);
    f->buf = NULL;
    f->buf_len = f->buf_cap = 0;
}

/* grow makes room for |need| bytes, doubling but never past VW_VIRNET_LEN_MAX: memory stays
 * within twice the bytes received. */
static int grow(struct vw_virnet_framer *f, size_t need) {
    size_t n;
    uint8_t *q;

    if (need <= f->buf_cap) {
        return 0;
    }
    n = f->buf_cap * 2 > need ? f->buf_cap * 2 : need;
    n = n < 64 ? 64 : n;
    n = n > VW_VIRNET_LEN_MAX ? VW_VIRNET_LEN_MAX : n;
    if ((q = f->realloc_fn(f->buf, n)) == NULL) {
        return VW_E_NOMEM;
    }
    f->buf = q;
    f->buf_cap = n;
    return 0;
}

int vw_virnet_feed(struct vw_virnet_framer *f, const uint8_t *in, size_t in_len,
                   size_t *out_used) {
    size_t used = 0;
    int r;

    *out_used = 0;
    if (f->err < 0) {
        return f->err;
    }
    if (f->done) {
        f->done = false;
        f->buf_len = 0;
        f->want = 0;
    }
    while (used < in_len) {
        size_t need = f->want == 0 ? VW_VIRNET_LEN_SIZE - f->buf_len : f->want - f->buf_len;
        size_t take = in_len - used < need ? in_len - used : need;
#if VW_PLANT_BUGS
        const uint8_t *planted_len_word = f->buf;  /* planted: kept across grow() below */
#endif
        if (f->buf_len == 0) {
            f->msg_start = f->stream_pos;
        }
        if ((r = grow(f, f->buf_len + take)) < 0) {
            f->err = r;
            *out_used = used;
            return r;
        }
        memcpy(f->buf + f->buf_len, in + used, take);
        f->buf_len += take;
        f->stream_pos += take;
        used += take;
        if (f->want == 0 && f->buf_len == VW_VIRNET_LEN_SIZE) {
            uint32_t n = vw_load_be32(f->buf);
            /* §1.1: checked before any byte of the message is buffered; 9.0 closes the
             * connection on a length word out of range */
            if (n < VW_VIRNET_LEN_MIN || n > VW_VIRNET_LEN_MAX) {
                f->err = VW_E_LENGTH;
                *out_used = used;
                return f->err;
            }
            f->want = n;
        }
        if (f->want != 0 && f->buf_len == f->want) {
#if VW_PLANT_BUGS
            if (vw_planted(VW_PLANT_VIRNET_STALE_BUF) && planted_len_word != NULL &&
                vw_load_be32(planted_len_word) != f->want) {
                /* planted: the length word is read again through the pointer taken before
                 * grow() may have moved the buffer (§1.1) */
                f->err = VW_E_LENGTH;
                *out_used = used;
                return f->err;
            }
#endif
            f->done = true;
            *out_used = used;
            return 1;
        }
    }
    *out_used = used;
    return VW_E_AGAIN;
}

void vw_virnet_message(const struct vw_virnet_framer *f, struct vw_span *out) {
    *out = (struct vw_span){ .p = f->buf, .len = f->done ? f->buf_len : 0 };
}

bool vw_virnet_pending(const struct vw_virnet_framer *f) {
    return !f->done && f->buf_len > 0;
}
