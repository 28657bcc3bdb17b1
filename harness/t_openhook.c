/* t_openhook.c -- runs the open-hook-fd test vectors (corpus/vectors/openhook/NAME.vec, syntax
 * in vec.h) against reference/openhook.[ch].
 *
 * Usage: t_openhook [-v] FILE.vec...
 *
 * Every section names the encoding and direction: [func = F, encoding = host|xdr,
 * from = client|server].
 *
 * [func = openhook_decode]: one whole message.  Case keys:
 *   in              the message (required)
 *   lenient         yes: decode with VW_DEC_LENIENT; lax / lax_offset give the note
 *                   ("lax: none" for none)
 *   error, offset   the expected error code and its byte offset; field: the field named
 *   out.message_size, out.flags, out.mode, out.filename (bytes) for a request, out.result
 *                   for a reply: required on success
 *   canonical       the re-encoding when it is not "in" (lenient cases)
 * Properties of every case: the same result from an exact-size heap copy and from memory
 * ending at a guard page; on error the output is untouched, struct vw_diag agrees, and every
 * prefix is VW_E_SHORT or the same error; on success the message re-encodes to "in" (or
 * "canonical"), measuring gives the same length, one byte less of room is VW_E_NOSPACE with
 * nothing written, every strict prefix is VW_E_SHORT, the other mode agrees (strict success
 * is lenient success without a note), and the framer fed the input whole and byte by byte
 * gives exactly this one message.
 *
 * [func = openhook_feed]: a byte stream.  Keys: in; out.messages (count); out.starts (list of
 * stream offsets); error + offset (the framer's error and the stream offset of its message);
 * pending (yes/no).  Fed whole, byte by byte and from a guard page, with the same results.
 *
 * [func = openhook_check_fds]: in (a valid message), fds (0, 1, 2 ...), ctrunc (yes/no),
 * error (absent: accepted).
 *
 * The last line printed is "N passed, N failed"; the exit status is 1 if any case failed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardbuf.h"
#include "openhook.h"
#include "vecrun.h"


static struct vw_guardbuf guard;
static uint8_t enc_buf[VW_OPENHOOK_HOST_MSG_MAX + 1];

/* need_num compares a number key that must be given. */
static void need_num(struct vw_vec_case *c, const char *key, int64_t have) {
    int64_t want;

    if (vw_vec_get_i64(c, key, &want) != 1) {
        vw_vec_fail(c, 0, "success needs \"%s:\" (have %lld)", key, (long long)have);
    } else if (want != have) {
        vw_vec_fail(c, 0, "%s: want %lld, have %lld", key, (long long)want, (long long)have);
    }
}

static bool same_msg(const struct vw_openhook_msg *a, const struct vw_openhook_msg *b) {
    return a->encoding == b->encoding && a->direction == b->direction &&
           a->message_size == b->message_size && a->command == b->command &&
           a->flags == b->flags && a->mode == b->mode && a->result == b->result &&
           vw_span_eq(a->filename, b->filename);
}

/* section reads encoding and from; returns -1 (reported) when they are missing or wrong. */
static int section(struct vw_vec_case *c, int *enc, int *dir) {
    const struct vw_vec_kv *e = vw_vec_param(c, "encoding"), *f = vw_vec_param(c, "from");

    if (e == NULL || f == NULL) {
        vw_vec_fail(c, 0, "the section needs encoding = host|xdr and from = client|server");
        return -1;
    }
    *enc = strcmp(e->value, "xdr") == 0 ? VW_OPENHOOK_XDR : VW_OPENHOOK_HOST;
    *dir = strcmp(f->value, "server") == 0 ? VW_OPENHOOK_FROM_SERVER : VW_OPENHOOK_FROM_CLIENT;
    if ((strcmp(e->value, "xdr") != 0 && strcmp(e->value, "host") != 0) ||
        (strcmp(f->value, "server") != 0 && strcmp(f->value, "client") != 0)) {
        vw_vec_fail(c, 0, "encoding must be host|xdr and from client|server");
        return -1;
    }
    return 0;
}

static void feed(int enc, int dir, const uint8_t *in, size_t len, size_t chunk,
                 struct vw_vecrun_feed *o) {
    static struct vw_openhook_framer f;
    size_t off = 0, used;

    memset(o, 0, sizeof(*o));
    if (vw_openhook_framer_init(&f, enc, dir) < 0) {
        o->err = VW_E_INVALID;
        return;
    }
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        int r = vw_openhook_feed(&f, in + off, n, &used);
        off += used;
        if (r == 1) {
            struct vw_span m;
            size_t at;
            vw_openhook_message(&f, &m, &at);
            if (o->num < VW_VECRUN_STARTS_MAX) {
                o->starts[o->num] = at;
            }
            o->last_len = m.len;
            o->num++;
        } else if (r != VW_E_AGAIN) {
            o->err = r;
            o->err_at = f.msg_start;
            if (vw_openhook_feed(&f, in + off, len - off, &used) != r || used != 0) {
                o->err = VW_E_INVALID;  /* not sticky: reported as a mismatch */
            }
            break;
        }
    }
    o->pending = vw_openhook_pending(&f);
}

static void check_error(struct vw_vec_case *c, int enc, int dir, const uint8_t *in, size_t len,
                        unsigned flags, int r, const struct vw_diag *diag, int want_err,
                        const struct vw_openhook_msg *m, const struct vw_openhook_msg *sentinel) {
    if (!vw_vecrun_check_error(c, r, diag, want_err)) {
        return;
    }
    if (memcmp(m, sentinel, sizeof(*m)) != 0) {
        vw_vec_fail(c, 0, "the output was written although the decode failed");
    }
    for (size_t k = 0; k < len; k++) {
        struct vw_openhook_msg p;
        int rp = vw_openhook_decode(&p, NULL, NULL, in, k, enc, dir, flags);
        /* trailing bytes: the prefix that ends with the message is the message */
        bool whole_msg = r == VW_E_TRAILING && k == diag->offset;
        if (whole_msg ? rp != 0 : rp != VW_E_SHORT && rp != r) {
            vw_vec_fail(c, 0, "prefix of %zu bytes: %s", k, vw_err_name(rp));
            break;
        }
    }
}

static void check_reencode(struct vw_vec_case *c, const struct vw_openhook_msg *m,
                           const uint8_t *in, size_t len) {
    uint8_t *canon = NULL;
    size_t canon_len = 0;
    struct vw_xdr_enc e;
    int r, k;

    if ((k = vw_vec_get_bytes(c, "canonical", &canon, &canon_len)) < 0) {
        return;
    }
    if (k == 1) {
        in = canon;
        len = canon_len;
    }
    vw_xdr_enc_init(&e, enc_buf, sizeof(enc_buf));
    r = vw_openhook_encode(&e, m);
    if (r != 0 || e.len != len || memcmp(enc_buf, in, len) != 0) {
        vw_vec_fail(c, 0, "re-encoding gives %s, %zu bytes%s", vw_err_name(r), e.len,
                       r == 0 && e.len == len ? ", different bytes" : "");
    }
    vw_xdr_enc_init(&e, NULL, 0);
    if (vw_openhook_encode(&e, m) != 0 || e.len != len) {
        vw_vec_fail(c, 0, "measuring gives %zu bytes", e.len);
    }
    vw_xdr_enc_init(&e, enc_buf, len - 1);
    if (vw_openhook_encode(&e, m) != VW_E_NOSPACE || e.len != 0) {
        vw_vec_fail(c, 0, "one byte short of room is not a clean VW_E_NOSPACE");
    }
    free(canon);
}

static void run_decode(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    struct vw_openhook_msg m, sentinel, m2;
    struct vw_diag diag = { 0 }, lax = { 0 }, d2 = { 0 }, lax2 = { 0 };
    struct vw_vecrun_feed whole, bytes;
    bool lenient = false;
    int enc, dir, want_err = 0, r, r2;
    unsigned flags;
    const uint8_t *g;

    if (section(c, &enc, &dir) < 0 || vw_vec_get_bool(c, "lenient", &lenient) < 0 ||
        vw_vec_get_code(c, "error", NULL, &want_err) < 0) {
        return;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    memset(&sentinel, 0xa5, sizeof(sentinel));
    m = sentinel;
    r = vw_openhook_decode(&m, &diag, &lax, in, len, enc, dir, flags);

    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        vw_vec_fail(c, 0, "guard page: input too long");
        return;
    }
    m2 = sentinel;
    r2 = vw_openhook_decode(&m2, &d2, &lax2, g, len, enc, dir, flags);
    if (r2 != r || d2.code != diag.code || d2.offset != diag.offset ||
        (r == 0 && !same_msg(&m, &m2))) {
        vw_vec_fail(c, 0, "guard-page copy decodes differently (%s vs %s)", vw_err_name(r2),
                       vw_err_name(r));
    }
    if (want_err != 0) {
        check_error(c, enc, dir, in, len, flags, r, &diag, want_err, &m, &sentinel);
        if (lenient) {
            vw_vec_get(c, "lax");
            vw_vec_get(c, "lax_offset");
        }
        return;
    }
    if (r < 0) {
        vw_vec_fail(c, 0, "want success, have %s at %zu (field %s)", vw_err_name(r), diag.offset,
                       diag.field != NULL ? diag.field : "-");
        return;
    }
    need_num(c, "out.message_size", m.message_size);
    if (dir == VW_OPENHOOK_FROM_CLIENT) {
        uint8_t *name = NULL;
        size_t name_len = 0;
        need_num(c, "out.flags", m.flags);
        need_num(c, "out.mode", m.mode);
        if (vw_vec_get_bytes(c, "out.filename", &name, &name_len) != 1) {
            vw_vec_fail(c, 0, "success needs \"out.filename:\"");
        } else if (!vw_span_eq(m.filename, (struct vw_span){ .p = name, .len = name_len })) {
            vw_vec_fail(c, 0, "out.filename differs");
        }
        free(name);
    } else {
        need_num(c, "out.result", m.result);
    }
    if (lenient) {
        vw_vecrun_check_lax(c, &lax);
    } else {
        struct vw_diag lx = { 0 };
        struct vw_openhook_msg ml;
        if (vw_openhook_decode(&ml, NULL, &lx, in, len, enc, dir, VW_DEC_LENIENT) != 0 ||
            lx.code != 0 || !same_msg(&m, &ml)) {
            vw_vec_fail(c, 0, "strict success but the lenient decode differs or notes %s",
                           vw_err_name(lx.code));
        }
    }
    check_reencode(c, &m, in, len);
    for (size_t k = 0; k < len; k++) {
        struct vw_openhook_msg p;
        int rp = vw_openhook_decode(&p, NULL, NULL, in, k, enc, dir, flags);
        if (rp != VW_E_SHORT) {
            vw_vec_fail(c, 0, "prefix of %zu bytes: want VW_E_SHORT, have %s", k, vw_err_name(rp));
            break;
        }
    }
    feed(enc, dir, in, len, len, &whole);
    feed(enc, dir, in, len, 1, &bytes);
    if (memcmp(&whole, &bytes, sizeof(whole)) != 0 || whole.num != 1 || whole.err != 0 ||
        whole.pending || whole.last_len != len) {
        vw_vec_fail(c, 0, "the framer does not cut exactly this one message");
    }
}

static void run_feed(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    struct vw_vecrun_feed whole, bytes, guarded;
    int enc, dir;
    const uint8_t *g;

    if (section(c, &enc, &dir) < 0) {
        return;
    }
    feed(enc, dir, in, len, len > 0 ? len : 1, &whole);
    feed(enc, dir, in, len, 1, &bytes);
    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        vw_vec_fail(c, 0, "guard page: input too long");
        return;
    }
    feed(enc, dir, g, len, 7, &guarded);
    vw_vecrun_check_feed(c, &whole, &bytes, &guarded);
}

static void run_check_fds(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    struct vw_openhook_msg m;
    struct vw_diag diag = { 0 };
    int64_t fds;
    bool ctrunc = false;
    int enc, dir, want_err = 0, r;

    if (section(c, &enc, &dir) < 0 || vw_vec_get_bool(c, "ctrunc", &ctrunc) < 0 ||
        vw_vec_get_code(c, "error", NULL, &want_err) < 0) {
        return;
    }
    if (vw_vec_get_i64(c, "fds", &fds) != 1 || fds < 0) {
        vw_vec_fail(c, 0, "a check_fds case needs \"fds:\" >= 0");
        return;
    }
    if (vw_openhook_decode(&m, NULL, NULL, in, len, enc, dir, 0) != 0) {
        vw_vec_fail(c, 0, "in: not a valid message");
        return;
    }
    r = vw_openhook_check_fds(&m, (size_t)fds, ctrunc, &diag);
    if (r != want_err || diag.code != want_err || diag.offset != 0) {
        vw_vec_fail(c, 0, "want %s, have %s (diag %s at %zu)",
                       want_err != 0 ? vw_err_name(want_err) : "success",
                       r != 0 ? vw_err_name(r) : "success", vw_err_name(diag.code), diag.offset);
    }
}

static bool run_case(struct vw_vec_case *c) {
    static const struct vw_vecrun_func funcs[] = {
        { "openhook_decode", run_decode },
        { "openhook_feed", run_feed },
        { "openhook_check_fds", run_check_fds },
    };

    return vw_vecrun_dispatch(c, funcs, sizeof(funcs) / sizeof(funcs[0]));
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_openhook", .run = run_case, .guard = &guard,
                           .guard_cap = 1u << 17 };

    return vw_vecrun_main(&r, argc, argv);
}
