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
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardbuf.h"
#include "openhook.h"
#include "vec.h"

#define ERR_LEN 512
#define LIST_MAX 32

static struct vw_guardbuf guard;
static bool case_failed;
static uint8_t enc_buf[VW_OPENHOOK_HOST_MSG_MAX + 1];

static void fail(struct vw_vec_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct vw_vec_case *c, const char *fmt, ...) {
    char msg[ERR_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vw_vec_fail(c, 0, "%s", msg);
    case_failed = true;
}

static int key_i64(struct vw_vec_case *c, const char *key, int64_t *out) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    char err[ERR_LEN];

    if (kv == NULL) {
        return 0;
    }
    if (vw_vec_parse_i64(kv->value, out, err, sizeof(err)) < 0) {
        fail(c, "%s: %s", key, err);
        return -1;
    }
    return 1;
}

static int key_bool(struct vw_vec_case *c, const char *key, bool *out) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    char err[ERR_LEN];

    if (kv == NULL) {
        return 0;
    }
    if (vw_vec_parse_bool(kv->value, out, err, sizeof(err)) < 0) {
        fail(c, "%s: %s", key, err);
        return -1;
    }
    return 1;
}

/* key_bytes reads a byte value into |*out| (malloc'd; free it). */
static int key_bytes(struct vw_vec_case *c, const char *key, uint8_t **out, size_t *len) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    char err[ERR_LEN];

    if (kv == NULL) {
        return 0;
    }
    if (vw_vec_parse_bytes(kv->value, out, len, err, sizeof(err)) < 0) {
        fail(c, "%s: %s", key, err);
        return -1;
    }
    return 1;
}

/* key_code reads an error name ("none" = 0 when |none_ok|). */
static int key_code(struct vw_vec_case *c, const char *key, bool none_ok, int *out) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    int code;

    if (kv == NULL) {
        return 0;
    }
    if (none_ok && strcmp(kv->value, "none") == 0) {
        *out = 0;
        return 1;
    }
    code = vw_err_from_name(kv->value);
    if (code >= 0) {
        fail(c, "%s: \"%s\" is not an error code name", key, kv->value);
        return -1;
    }
    *out = code;
    return 1;
}

/* need_num compares a number key that must be given. */
static void need_num(struct vw_vec_case *c, const char *key, int64_t have) {
    int64_t want;

    if (key_i64(c, key, &want) != 1) {
        fail(c, "success needs \"%s:\" (have %lld)", key, (long long)have);
    } else if (want != have) {
        fail(c, "%s: want %lld, have %lld", key, (long long)want, (long long)have);
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
        fail(c, "the section needs encoding = host|xdr and from = client|server");
        return -1;
    }
    *enc = strcmp(e->value, "xdr") == 0 ? VW_OPENHOOK_XDR : VW_OPENHOOK_HOST;
    *dir = strcmp(f->value, "server") == 0 ? VW_OPENHOOK_FROM_SERVER : VW_OPENHOOK_FROM_CLIENT;
    if ((strcmp(e->value, "xdr") != 0 && strcmp(e->value, "host") != 0) ||
        (strcmp(f->value, "server") != 0 && strcmp(f->value, "client") != 0)) {
        fail(c, "encoding must be host|xdr and from client|server");
        return -1;
    }
    return 0;
}

struct feed_result {
    size_t num;
    uint64_t starts[LIST_MAX];
    size_t last_len;
    int err;
    size_t err_at;
    bool pending;
};

static void feed(int enc, int dir, const uint8_t *in, size_t len, size_t chunk,
                 struct feed_result *o) {
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
            if (o->num < LIST_MAX) {
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
    const struct vw_vec_kv *field = vw_vec_get(c, "field");
    int64_t off;

    if (r != want_err) {
        fail(c, "want %s, have %s (diag %s at %zu)", vw_err_name(want_err),
             r == 0 ? "success" : vw_err_name(r), vw_err_name(diag->code), diag->offset);
        return;
    }
    if (diag->code != r) {
        fail(c, "diag code %s disagrees with the result", vw_err_name(diag->code));
    }
    if (key_i64(c, "offset", &off) != 1) {
        fail(c, "an error case needs \"offset:\"");
    } else if ((size_t)off != diag->offset) {
        fail(c, "offset: want %lld, have %zu", (long long)off, diag->offset);
    }
    if (field != NULL && (diag->field == NULL || strcmp(field->value, diag->field) != 0)) {
        fail(c, "field: want \"%s\", have \"%s\"", field->value,
             diag->field != NULL ? diag->field : "(none)");
    }
    if (memcmp(m, sentinel, sizeof(*m)) != 0) {
        fail(c, "the output was written although the decode failed");
    }
    for (size_t k = 0; k < len; k++) {
        struct vw_openhook_msg p;
        int rp = vw_openhook_decode(&p, NULL, NULL, in, k, enc, dir, flags);
        /* trailing bytes: the prefix that ends with the message is the message */
        bool whole_msg = r == VW_E_TRAILING && k == diag->offset;
        if (whole_msg ? rp != 0 : rp != VW_E_SHORT && rp != r) {
            fail(c, "prefix of %zu bytes: %s", k, vw_err_name(rp));
            break;
        }
    }
}

static void check_lax(struct vw_vec_case *c, const struct vw_diag *lax) {
    int64_t off;
    int want_lax = 0;

    if (key_code(c, "lax", true, &want_lax) < 0) {
        return;
    }
    if (want_lax != lax->code) {
        fail(c, "lax: want %s, have %s", want_lax ? vw_err_name(want_lax) : "none",
             lax->code ? vw_err_name(lax->code) : "none");
    }
    if (key_i64(c, "lax_offset", &off) == 1 && (size_t)off != lax->offset) {
        fail(c, "lax_offset: want %lld, have %zu", (long long)off, lax->offset);
    }
}

static void check_reencode(struct vw_vec_case *c, const struct vw_openhook_msg *m,
                           const uint8_t *in, size_t len) {
    uint8_t *canon = NULL;
    size_t canon_len = 0;
    struct vw_xdr_enc e;
    int r, k;

    if ((k = key_bytes(c, "canonical", &canon, &canon_len)) < 0) {
        return;
    }
    if (k == 1) {
        in = canon;
        len = canon_len;
    }
    vw_xdr_enc_init(&e, enc_buf, sizeof(enc_buf));
    r = vw_openhook_encode(&e, m);
    if (r != 0 || e.len != len || memcmp(enc_buf, in, len) != 0) {
        fail(c, "re-encoding gives %s, %zu bytes%s", vw_err_name(r), e.len,
             r == 0 && e.len == len ? ", different bytes" : "");
    }
    vw_xdr_enc_init(&e, NULL, 0);
    if (vw_openhook_encode(&e, m) != 0 || e.len != len) {
        fail(c, "measuring gives %zu bytes", e.len);
    }
    vw_xdr_enc_init(&e, enc_buf, len - 1);
    if (vw_openhook_encode(&e, m) != VW_E_NOSPACE || e.len != 0) {
        fail(c, "one byte short of room is not a clean VW_E_NOSPACE");
    }
    free(canon);
}

static void run_decode(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    struct vw_openhook_msg m, sentinel, m2;
    struct vw_diag diag = { 0 }, lax = { 0 }, d2 = { 0 }, lax2 = { 0 };
    struct feed_result whole, bytes;
    bool lenient = false;
    int enc, dir, want_err = 0, r, r2;
    unsigned flags;
    const uint8_t *g;

    if (section(c, &enc, &dir) < 0 || key_bool(c, "lenient", &lenient) < 0 ||
        key_code(c, "error", false, &want_err) < 0) {
        return;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    memset(&sentinel, 0xa5, sizeof(sentinel));
    m = sentinel;
    r = vw_openhook_decode(&m, &diag, &lax, in, len, enc, dir, flags);

    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        fail(c, "guard page: input too long");
        return;
    }
    m2 = sentinel;
    r2 = vw_openhook_decode(&m2, &d2, &lax2, g, len, enc, dir, flags);
    if (r2 != r || d2.code != diag.code || d2.offset != diag.offset ||
        (r == 0 && !same_msg(&m, &m2))) {
        fail(c, "guard-page copy decodes differently (%s vs %s)", vw_err_name(r2),
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
        fail(c, "want success, have %s at %zu (field %s)", vw_err_name(r), diag.offset,
             diag.field != NULL ? diag.field : "-");
        return;
    }
    need_num(c, "out.message_size", m.message_size);
    if (dir == VW_OPENHOOK_FROM_CLIENT) {
        uint8_t *name = NULL;
        size_t name_len = 0;
        need_num(c, "out.flags", m.flags);
        need_num(c, "out.mode", m.mode);
        if (key_bytes(c, "out.filename", &name, &name_len) != 1) {
            fail(c, "success needs \"out.filename:\"");
        } else if (!vw_span_eq(m.filename, (struct vw_span){ .p = name, .len = name_len })) {
            fail(c, "out.filename differs");
        }
        free(name);
    } else {
        need_num(c, "out.result", m.result);
    }
    if (lenient) {
        check_lax(c, &lax);
    } else {
        struct vw_diag lx = { 0 };
        struct vw_openhook_msg ml;
        if (vw_openhook_decode(&ml, NULL, &lx, in, len, enc, dir, VW_DEC_LENIENT) != 0 ||
            lx.code != 0 || !same_msg(&m, &ml)) {
            fail(c, "strict success but the lenient decode differs or notes %s",
                 vw_err_name(lx.code));
        }
    }
    check_reencode(c, &m, in, len);
    for (size_t k = 0; k < len; k++) {
        struct vw_openhook_msg p;
        int rp = vw_openhook_decode(&p, NULL, NULL, in, k, enc, dir, flags);
        if (rp != VW_E_SHORT) {
            fail(c, "prefix of %zu bytes: want VW_E_SHORT, have %s", k, vw_err_name(rp));
            break;
        }
    }
    feed(enc, dir, in, len, len, &whole);
    feed(enc, dir, in, len, 1, &bytes);
    if (memcmp(&whole, &bytes, sizeof(whole)) != 0 || whole.num != 1 || whole.err != 0 ||
        whole.pending || whole.last_len != len) {
        fail(c, "the framer does not cut exactly this one message");
    }
}

static void run_feed(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    const struct vw_vec_kv *kv;
    struct feed_result whole, bytes, guarded;
    uint64_t starts[LIST_MAX];
    size_t num_starts = 0;
    int64_t n, off;
    int enc, dir, want_err = 0;
    bool pending = false;
    char err[ERR_LEN];
    const uint8_t *g;

    if (section(c, &enc, &dir) < 0) {
        return;
    }
    feed(enc, dir, in, len, len > 0 ? len : 1, &whole);
    feed(enc, dir, in, len, 1, &bytes);
    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        fail(c, "guard page: input too long");
        return;
    }
    feed(enc, dir, g, len, 7, &guarded);
    if (memcmp(&whole, &bytes, sizeof(whole)) != 0 || memcmp(&whole, &guarded, sizeof(whole))) {
        fail(c, "whole, byte-by-byte and guard-page feeding disagree");
    }
    if (key_i64(c, "out.messages", &n) != 1 || (size_t)n != whole.num) {
        fail(c, "out.messages: want it given and equal to %zu", whole.num);
    }
    if ((kv = vw_vec_get(c, "out.starts")) != NULL) {
        if (vw_vec_parse_list(kv->value, starts, LIST_MAX, &num_starts, err, sizeof(err)) < 0) {
            fail(c, "out.starts: %s", err);
        } else if (num_starts != (whole.num < LIST_MAX ? whole.num : LIST_MAX) ||
                   memcmp(starts, whole.starts, num_starts * sizeof(starts[0])) != 0) {
            fail(c, "out.starts differ");
        }
    }
    if (key_code(c, "error", false, &want_err) < 0) {
        return;
    }
    if (want_err != whole.err) {
        fail(c, "error: want %s, have %s", want_err ? vw_err_name(want_err) : "none",
             whole.err ? vw_err_name(whole.err) : "none");
    } else if (want_err != 0 &&
               (key_i64(c, "offset", &off) != 1 || (size_t)off != whole.err_at)) {
        fail(c, "offset: want the stream offset %zu given", whole.err_at);
    }
    if (key_bool(c, "pending", &pending) == 1 && pending != whole.pending) {
        fail(c, "pending: want %s", pending ? "yes" : "no");
    }
}

static void run_check_fds(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    struct vw_openhook_msg m;
    struct vw_diag diag = { 0 };
    int64_t fds;
    bool ctrunc = false;
    int enc, dir, want_err = 0, r;

    if (section(c, &enc, &dir) < 0 || key_bool(c, "ctrunc", &ctrunc) < 0 ||
        key_code(c, "error", false, &want_err) < 0) {
        return;
    }
    if (key_i64(c, "fds", &fds) != 1 || fds < 0) {
        fail(c, "a check_fds case needs \"fds:\" >= 0");
        return;
    }
    if (vw_openhook_decode(&m, NULL, NULL, in, len, enc, dir, 0) != 0) {
        fail(c, "in: not a valid message");
        return;
    }
    r = vw_openhook_check_fds(&m, (size_t)fds, ctrunc, &diag);
    if (r != want_err || diag.code != want_err || diag.offset != 0) {
        fail(c, "want %s, have %s (diag %s at %zu)",
             want_err != 0 ? vw_err_name(want_err) : "success",
             r != 0 ? vw_err_name(r) : "success", vw_err_name(diag.code), diag.offset);
    }
}

int main(int argc, char **argv) {
    unsigned passed = 0, failed = 0;
    int first = 1;

    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        first = 2;
    }
    if (vw_guardbuf_init(&guard, 1u << 17) < 0) {
        perror("t_openhook: guard page");
        return 1;
    }
    for (int i = first; i < argc; i++) {
        struct vw_vec_file *vf;
        struct vw_vec_case *c;
        int r;
        if (vw_vec_file_open(&vf, argv[i]) < 0) {
            failed++;
            continue;
        }
        while ((r = vw_vec_next(vf, &c)) == 1) {
            uint8_t *in = NULL;
            size_t len = 0;
            case_failed = false;
            if (key_bytes(c, "in", &in, &len) != 1) {
                fail(c, "a case needs \"in:\"");
            } else if (strcmp(c->func, "openhook_decode") == 0) {
                run_decode(c, in, len);
            } else if (strcmp(c->func, "openhook_feed") == 0) {
                run_feed(c, in, len);
            } else if (strcmp(c->func, "openhook_check_fds") == 0) {
                run_check_fds(c, in, len);
            } else {
                fail(c, "unknown func \"%s\"", c->func);
            }
            free(in);
            if (vw_vec_report_unused(c) > 0) {
                case_failed = true;
            }
            if (case_failed) {
                failed++;
            } else {
                passed++;
            }
            if (first == 2) {
                printf("%s: %s\n", case_failed ? "FAIL" : "ok", c->name);
            }
        }
        if (r < 0) {
            failed++;
        }
        vw_vec_file_free(vf);
    }
    vw_guardbuf_cleanup(&guard);
    printf("%u passed, %u failed\n", passed, failed);
    return failed > 0 ? 1 : 0;
}
