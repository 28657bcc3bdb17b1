/* Target functions: vw_openhook_decode, vw_openhook_encode, vw_openhook_feed /
 * vw_openhook_message / vw_openhook_pending, against vw_oracle_openhook_decode (rpcgen filters
 * of reference/protocols/openhook.x over libtirpc) for the XDR encoding.
 *
 * Input: one selector byte (bit 0: 0 host byte order, 1 XDR; bit 1: 0 request from the client,
 * 1 reply from the server; bits 2..7 pick where the two-piece feed splits), then the stream.
 * Properties, each an abort():
 *   - a failure reports its own code in the diag at an offset inside the input and leaves the
 *     output untouched; the host encoding is the same in both modes;
 *   - strict success implies lenient success with the same message and no note; a lenient-only
 *     success is XDR, noted as the strict error (VW_E_PADDING or VW_E_STRING_NUL) at its offset;
 *   - a decoded message re-encodes to the input (lenient: to canonical bytes that decode
 *     leniently to the same fields), and one byte less of room is a clean VW_E_NOSPACE;
 *   - the framer fed whole, in two pieces and in 1..13-byte chunks gives the same messages,
 *     error and pending state, and its first message decodes as the whole-input decoder says
 *     (the same result, or TRAILING at message_size when more input follows);
 *   - XDR vs libtirpc: the oracle refusing implies we refuse; our lenient acceptance implies
 *     the oracle's with the same fields (filename up to a NUL, where libtirpc truncates); the
 *     oracle accepting what we refuse is one of the rules libtirpc cannot know: VW_E_LENGTH
 *     (xdrmem ignores bytes inside message_size it did not read), VW_E_RANGE (a result that is
 *     no negated errno) or VW_E_TRAILING (bytes after message_size). */
#include "fuzz.h"
#include <string.h>

#include "openhook.h"
#include "oracle_openhook.h"

static uint8_t reenc[VW_OPENHOOK_HOST_MSG_MAX + 1], theirs[VW_OPENHOOK_XDR_MSG_MAX];
static struct vw_openhook_framer fr[3];

static bool same_msg(const struct vw_openhook_msg *a, const struct vw_openhook_msg *b) {
    return a->encoding == b->encoding && a->direction == b->direction &&
           a->message_size == b->message_size && a->command == b->command &&
           a->flags == b->flags && a->mode == b->mode && a->result == b->result &&
           vw_span_eq(a->filename, b->filename);
}

struct feed_out {
    size_t num;
    int err;
    bool pending;
    int first_r;              /* decode result of the first framed message */
    struct vw_diag first_diag;
    size_t first_len;
};

/* feed cuts |p| with |f|, |chunk|(off) bytes at a time; the first message is decoded. */
static void feed(struct vw_openhook_framer *f, int enc, int dir, const uint8_t *p, size_t n,
                 size_t split, bool small, struct feed_out *o) {
    size_t off = 0, used;

    memset(o, 0, sizeof(*o));
    CHECK(vw_openhook_framer_init(f, enc, dir) == 0);
    while (off < n) {
        size_t want = small ? 1 + (size_t)(p[off] % 13) : off < split ? split - off : n - off;
        int r = vw_openhook_feed(f, p + off, want < n - off ? want : n - off, &used);
        CHECK(used <= n - off && (used > 0 || r < 0));
        off += used;
        if (r == 1) {
            struct vw_span m;
            size_t at;
            vw_openhook_message(f, &m, &at);
            CHECK(m.len >= VW_OPENHOOK_HEADER_LEN && at + m.len == off);
            if (o->num == 0) {
                struct vw_openhook_msg msg;
                o->first_r = vw_openhook_decode(&msg, &o->first_diag, NULL, m.p, m.len, enc,
                                                dir, 0);
                o->first_len = m.len;
            }
            o->num++;
        } else if (r != VW_E_AGAIN) {
            CHECK(r == VW_E_LENGTH && vw_openhook_feed(f, p + off, n - off, &used) == r);
            o->err = r;
            break;
        }
    }
    o->pending = vw_openhook_pending(f);
}

static void check_framer(int enc, int dir, const uint8_t *p, size_t n, size_t split, int rs,
                         const struct vw_diag *sdiag) {
    struct feed_out a, b, c;

    feed(&fr[0], enc, dir, p, n, n, false, &a);
    feed(&fr[1], enc, dir, p, n, split, false, &b);
    feed(&fr[2], enc, dir, p, n, 0, true, &c);
    CHECK(a.num == b.num && a.num == c.num && a.err == b.err && a.err == c.err);
    CHECK(a.pending == b.pending && a.pending == c.pending);
    CHECK(a.first_r == b.first_r && a.first_r == c.first_r);
    if (a.num > 0) {
        if (a.first_len == n || a.first_r < 0) {
            /* the same bytes (or the same first message_size bytes) decide alike */
            CHECK(a.first_r == rs && a.first_diag.offset == sdiag->offset);
        } else {
            CHECK(rs == VW_E_TRAILING && sdiag->offset == a.first_len);
        }
    } else if (a.err != 0) {
        CHECK(rs == VW_E_LENGTH && sdiag->offset == 0);
    } else {
        CHECK(rs < 0);  /* nothing complete: the input ends inside the message */
    }
}

static void check_oracle(int dir, const uint8_t *p, size_t n, int rs, int rl,
                         const struct vw_openhook_msg *m, const struct vw_diag *ldiag) {
    struct vw_oracle_openhook o;

    CHECK(vw_oracle_openhook_decode(&o, p, n, dir, theirs, sizeof(theirs)) == 0);
    if (!o.ok) {
        CHECK(rl < 0);
        return;
    }
    if (rl < 0) {
        /* the rules libtirpc cannot know */
        if (rl == VW_E_LENGTH) {
            CHECK(ldiag->offset == 0 && o.pos < o.message_size);
        } else if (rl == VW_E_RANGE) {
            CHECK(dir == VW_OPENHOOK_FROM_SERVER &&
                  (o.result > 0 || o.result < -VW_OPENHOOK_ERRNO_MAX));
        } else {
            CHECK(rl == VW_E_TRAILING && n > o.message_size && ldiag->offset == o.message_size);
        }
        return;
    }
    CHECK(o.message_size == m->message_size && o.pos == m->message_size);
    CHECK(o.command == m->command && o.flags == m->flags && o.mode == m->mode &&
          o.result == m->result);
    if (dir == VW_OPENHOOK_FROM_CLIENT) {
        const uint8_t *nul = memchr(m->filename.p, 0, m->filename.len);
        size_t keep = nul != NULL ? (size_t)(nul - m->filename.p) : m->filename.len;
        CHECK(o.filename_len == keep && memcmp(o.filename, m->filename.p, keep) == 0);
        if (nul != NULL) {
            return;  /* libtirpc re-encodes the truncated name */
        }
    }
    CHECK(o.out_len <= sizeof(reenc));
    if (rs == 0) {
        CHECK(o.out_len == n && memcmp(theirs, p, n) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_openhook_msg strict, lenient, guard, again;
    struct vw_xdr_enc e;
    const uint8_t *msg;
    size_t len;
    int enc, dir, rs, rl;

    if (size == 0) {
        return 0;
    }
    enc = data[0] & 1;
    dir = (data[0] >> 1) & 1;
    msg = data + 1;
    len = size - 1;
    memset(&guard, 0x5a, sizeof(guard));
    strict = guard;
    lenient = guard;
    rs = vw_openhook_decode(&strict, &sdiag, NULL, msg, len, enc, dir, 0);
    rl = vw_openhook_decode(&lenient, &ldiag, &lax, msg, len, enc, dir, VW_DEC_LENIENT);
    if (rs < 0) {
        CHECK(memcmp(&strict, &guard, sizeof(guard)) == 0);
        CHECK(sdiag.code == rs && sdiag.offset <= len);
    }
    if (rl < 0) {
        CHECK(memcmp(&lenient, &guard, sizeof(guard)) == 0);
        CHECK(ldiag.code == rl && ldiag.offset <= len);
        /* the same error, or strict stopped at a laxness lenient noted and read past */
        CHECK((rs == rl && sdiag.offset == ldiag.offset) ||
              (enc == VW_OPENHOOK_XDR && (rs == VW_E_PADDING || rs == VW_E_STRING_NUL) &&
               lax.code == rs && lax.offset == sdiag.offset));
    } else if (rs < 0) {
        CHECK(enc == VW_OPENHOOK_XDR && (rs == VW_E_PADDING || rs == VW_E_STRING_NUL));
        CHECK(lax.code == rs && lax.offset == sdiag.offset);
    } else {
        CHECK(lax.code == 0 && same_msg(&strict, &lenient));
        CHECK(strict.message_size == len && strict.command == VW_OPENHOOK_QEMU_OPEN);
    }
    if (rl == 0) {
        /* decode -> encode: the input itself, or (lenient) canonical bytes */
        vw_xdr_enc_init(&e, reenc, sizeof(reenc));
        CHECK(vw_openhook_encode(&e, &lenient) == 0 && e.len == len);
        CHECK(rs < 0 || memcmp(reenc, msg, len) == 0);
        CHECK(vw_openhook_decode(&again, NULL, NULL, reenc, e.len, enc, dir, VW_DEC_LENIENT) ==
              0);
        CHECK(same_msg(&again, &lenient));
        vw_xdr_enc_init(&e, reenc, len - 1);
        CHECK(vw_openhook_encode(&e, &lenient) == VW_E_NOSPACE && e.len == 0);
    }
    check_framer(enc, dir, msg, len, (size_t)(data[0] >> 2) * len / 64, rs, &sdiag);
    if (enc == VW_OPENHOOK_XDR) {
        check_oracle(dir, msg, len, rs, rl, &lenient, &ldiag);
    }
    return 0;
}
