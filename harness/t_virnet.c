/* t_virnet.c -- runs the libvirt RPC test vectors (corpus/vectors/virnet/NAME.vec, syntax in
 * vec.h) against reference/virnet.[ch].
 *
 * Usage: t_virnet [-v] FILE.vec...
 *
 * [func = virnet_decode]: one whole message.  Case keys:
 *   in              the message, length word included (required)
 *   fds             fds received with it (default -1: unknown)
 *   lenient         yes: decode with VW_DEC_LENIENT; then lax / lax_offset give the note (or
 *                   "lax: none")
 *   error, offset   the expected error code and its byte offset; field: the field named
 *   out.summary     what vw_dump_virnet_summary prints, without its leading space (required on
 *                   success; "" for none)
 *   out.body        XDR, RAW or OPAQUE (required on success)
 *   out.type, out.status, out.serial, out.proc, out.prog, out.num_fds, out.body_len,
 *   out.program (a name or ?), out.proc_name (a name or ?)           checked when given
 * Properties of every case: the same result from an exact-size heap copy and from memory ending
 * at a guard page; on error the output is untouched and struct vw_diag agrees; on success the
 * decoded message re-encodes to "in" (the payload from the visited items), one byte less of
 * room is VW_E_NOSPACE with nothing written, every strict prefix is VW_E_SHORT, and (strict)
 * the lenient decode agrees with no note.
 *
 * [func = virnet_feed]: a byte stream.  Keys: in; out.messages (count); out.starts (list of
 * stream offsets); error + offset (the framer's error and its stream offset; absent: the
 * stream ends cleanly or inside a message); pending (yes/no).  Fed whole, byte by byte and
 * from a guard page, with the same results.
 *
 * The last line printed is "N passed, N failed"; the exit status is 1 if any case failed. */
#define _GNU_SOURCE  /* open_memstream */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_virnet.h"
#include "guardbuf.h"
#include "vec.h"
#include "virnet.h"

#define ERR_LEN 512
#define LIST_MAX 32
#define ITEMS_MAX 4096

struct items {
    struct vw_xs_item v[ITEMS_MAX];
    size_t n;
};

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct items *s = ctx;

    if (s->n == ITEMS_MAX) {
        return VW_E_INVALID;
    }
    s->v[s->n++] = *it;
    return 0;
}

static struct vw_guardbuf guard;
static bool case_failed;

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

/* check_num compares a number key when the case gives it. */
static void check_num(struct vw_vec_case *c, const char *key, int64_t have) {
    int64_t want;

    if (key_i64(c, key, &want) == 1 && want != have) {
        fail(c, "%s: want %lld, have %lld", key, (long long)want, (long long)have);
    }
}

static void check_str(struct vw_vec_case *c, const char *key, const char *have, bool required) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);

    if (kv == NULL) {
        if (required) {
            fail(c, "success needs \"%s:\" (have \"%s\")", key, have);
        }
        return;
    }
    const char *want = strcmp(kv->value, "\"\"") == 0 ? "" : kv->value;
    if (strcmp(want, have) != 0) {
        fail(c, "%s: want \"%s\", have \"%s\"", key, want, have);
    }
}

static const char *body_name(enum vw_virnet_body_kind k) {
    return k == VW_VIRNET_BODY_XDR ? "XDR" : k == VW_VIRNET_BODY_RAW ? "RAW" : "OPAQUE";
}

static bool same_msg(const struct vw_virnet_msg *a, const struct vw_virnet_msg *b,
                     const uint8_t *pa, const uint8_t *pb) {
    return a->len == b->len && memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)) == 0 &&
           a->num_fds == b->num_fds && a->has_fds == b->has_fds && a->program == b->program &&
           a->proc == b->proc && a->body_kind == b->body_kind && a->body_type == b->body_type &&
           a->body.len == b->body.len && a->body.p - pa == b->body.p - pb;
}

static void run_decode(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    static struct items items, items2;
    struct vw_virnet_msg m, sentinel, m2;
    struct vw_diag diag = { 0 }, lax = { 0 }, d2 = { 0 }, lax2 = { 0 };
    int64_t fds = -1;
    bool lenient = false;
    int want_err = 0, want_lax = 0, r, r2;
    unsigned flags;
    const uint8_t *g;

    if (key_i64(c, "fds", &fds) < 0 || key_bool(c, "lenient", &lenient) < 0 ||
        key_code(c, "error", false, &want_err) < 0) {
        return;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    memset(&sentinel, 0xa5, sizeof(sentinel));
    m = sentinel;
    items.n = 0;
    r = vw_virnet_decode(&m, &diag, &lax, in, len, (int)fds, flags, collect, &items);

    /* the same from a buffer that ends at a guard page */
    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        fail(c, "guard page: input too long");
        return;
    }
    m2 = sentinel;
    items2.n = 0;
    r2 = vw_virnet_decode(&m2, &d2, &lax2, g, len, (int)fds, flags, collect, &items2);
    if (r2 != r || d2.code != diag.code || d2.offset != diag.offset ||
        (r == 0 && !same_msg(&m, &m2, in, g))) {
        fail(c, "guard-page copy decodes differently (%s vs %s)", vw_err_name(r2),
             vw_err_name(r));
    }

    if (want_err != 0) {
        int64_t off;
        const struct vw_vec_kv *field = vw_vec_get(c, "field");
        if (r != want_err) {
            fail(c, "want %s, have %s (diag %s at %zu)", vw_err_name(want_err),
                 r == 0 ? "success" : vw_err_name(r), vw_err_name(diag.code), diag.offset);
            return;
        }
        if (diag.code != r) {
            fail(c, "diag code %s disagrees with the result", vw_err_name(diag.code));
        }
        if (key_i64(c, "offset", &off) != 1) {
            fail(c, "an error case needs \"offset:\"");
        } else if ((size_t)off != diag.offset) {
            fail(c, "offset: want %lld, have %zu", (long long)off, diag.offset);
        }
        if (field != NULL && (diag.field == NULL || strcmp(field->value, diag.field) != 0)) {
            fail(c, "field: want \"%s\", have \"%s\"", field->value,
                 diag.field != NULL ? diag.field : "(none)");
        }
        if (memcmp(&m, &sentinel, sizeof(m)) != 0) {
            fail(c, "the output was written although the decode failed");
        }
        /* every prefix: VW_E_SHORT or the same error */
        for (size_t k = 0; k < len; k++) {
            struct vw_virnet_msg p;
            int rp = vw_virnet_decode(&p, NULL, NULL, in, k, (int)fds, flags, NULL, NULL);
            /* a length word smaller than the input frames a valid prefix */
            if (rp != VW_E_SHORT && rp != r && !(r == VW_E_LENGTH && rp == 0)) {
                fail(c, "prefix of %zu bytes: %s", k, vw_err_name(rp));
                break;
            }
        }
        if (lenient) {
            if (key_code(c, "lax", true, &want_lax) < 0) {
                return;
            }
            vw_vec_get(c, "lax_offset");
        }
        return;
    }
    if (r < 0) {
        fail(c, "want success, have %s at %zu (field %s)", vw_err_name(r), diag.offset,
             diag.field != NULL ? diag.field : "-");
        return;
    }

    /* outputs */
    {
        char *text = NULL;
        size_t text_len = 0;
        FILE *f = open_memstream(&text, &text_len);
        if (f == NULL) {
            fail(c, "open_memstream");
            return;
        }
        vw_dump_virnet_summary(f, &m, in);
        fclose(f);
        check_str(c, "out.summary", text[0] == ' ' ? text + 1 : text, true);
        free(text);
    }
    check_str(c, "out.body", body_name(m.body_kind), true);
    check_num(c, "out.len", m.len);
    check_num(c, "out.prog", m.hdr.prog);
    check_num(c, "out.vers", m.hdr.vers);
    check_num(c, "out.proc", m.hdr.proc);
    check_num(c, "out.type", m.hdr.type);
    check_num(c, "out.serial", m.hdr.serial);
    check_num(c, "out.status", m.hdr.status);
    check_num(c, "out.num_fds", m.num_fds);
    check_num(c, "out.body_len", (int64_t)m.body.len);
    check_str(c, "out.program", m.program != NULL ? m.program->name : "?", false);
    check_str(c, "out.proc_name", m.proc != NULL ? m.proc->name : "?", false);

    /* lenient notes */
    if (lenient) {
        int64_t off;
        if (key_code(c, "lax", true, &want_lax) < 0) {
            return;
        }
        if (want_lax != lax.code) {
            fail(c, "lax: want %s, have %s", want_lax ? vw_err_name(want_lax) : "none",
                 lax.code ? vw_err_name(lax.code) : "none");
        }
        if (key_i64(c, "lax_offset", &off) == 1 && (size_t)off != lax.offset) {
            fail(c, "lax_offset: want %lld, have %zu", (long long)off, lax.offset);
        }
    } else {
        struct vw_diag lx = { 0 };
        struct vw_virnet_msg ml;
        if (vw_virnet_decode(&ml, NULL, &lx, in, len, (int)fds, VW_DEC_LENIENT, NULL, NULL) != 0 ||
            lx.code != 0 || !same_msg(&m, &ml, in, in)) {
            fail(c, "strict success but lenient decode differs or notes %s",
                 vw_err_name(lx.code));
        }
    }

    /* round trip: canonical input re-encodes to itself (lenient: when it had no note) */
    if (!lenient || lax.code == 0) {
        uint8_t *out = malloc(len + 1);
        struct vw_xdr_enc e;
        if (out == NULL) {
            fail(c, "malloc");
            return;
        }
        vw_xdr_enc_init(&e, out, len);
        r = vw_virnet_encode(&e, &m, items.v, items.n);
        if (r != 0 || e.len != len || memcmp(out, in, len) != 0) {
            fail(c, "re-encoding gives %s, %zu bytes, %s", vw_err_name(r), e.len,
                 r == 0 && e.len == len ? "different bytes" : "");
        }
        vw_xdr_enc_init(&e, out, len - 1);
        if (vw_virnet_encode(&e, &m, items.v, items.n) != VW_E_NOSPACE || e.len != 0) {
            fail(c, "one byte short of room is not a clean VW_E_NOSPACE");
        }
        free(out);
    }
    /* every strict prefix is short */
    for (size_t k = 0; k < len; k++) {
        struct vw_virnet_msg p;
        int rp = vw_virnet_decode(&p, NULL, NULL, in, k, (int)fds, flags, NULL, NULL);
        if (rp != VW_E_SHORT) {
            fail(c, "prefix of %zu bytes: want VW_E_SHORT, have %s", k, vw_err_name(rp));
            break;
        }
    }
}

struct feed_result {
    size_t num;
    uint64_t starts[LIST_MAX];
    int err;
    size_t err_at;
    bool pending;
};

static void feed(const uint8_t *in, size_t len, size_t chunk, struct feed_result *o) {
    struct vw_virnet_framer f;
    size_t off = 0, used;

    memset(o, 0, sizeof(*o));
    vw_virnet_framer_init(&f);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        int r = vw_virnet_feed(&f, in + off, n, &used);
        off += used;
        if (r == 1) {
            if (o->num < LIST_MAX) {
                o->starts[o->num] = f.msg_start;
            }
            o->num++;
        } else if (r != VW_E_AGAIN) {
            o->err = r;
            o->err_at = f.msg_start;
            if (vw_virnet_feed(&f, in + off, len - off, &used) != r || used != 0) {
                o->err = VW_E_INVALID;  /* not sticky: reported as a mismatch */
            }
            break;
        }
    }
    o->pending = vw_virnet_pending(&f);
    vw_virnet_framer_cleanup(&f);
}

static void run_feed(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    const struct vw_vec_kv *kv;
    struct feed_result whole, bytes, guarded;
    uint64_t starts[LIST_MAX];
    size_t num_starts = 0;
    int64_t n, off;
    int want_err = 0;
    bool pending = false;
    char err[ERR_LEN];
    const uint8_t *g = vw_guardbuf_put(&guard, in, len);

    feed(in, len, len > 0 ? len : 1, &whole);
    feed(in, len, 1, &bytes);
    if (g == NULL) {
        fail(c, "guard page: input too long");
        return;
    }
    feed(g, len, 7, &guarded);
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

int main(int argc, char **argv) {
    unsigned passed = 0, failed = 0;
    int first = 1;

    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        first = 2;
    }
    if (vw_guardbuf_init(&guard, 1u << 16) < 0) {
        perror("t_virnet: guard page");
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
            const struct vw_vec_kv *kv = vw_vec_get(c, "in");
            char err[ERR_LEN];
            case_failed = false;
            if (kv == NULL) {
                fail(c, "a case needs \"in:\"");
            } else if (vw_vec_parse_bytes(kv->value, &in, &len, err, sizeof(err)) < 0) {
                fail(c, "in: %s", err);
            } else if (strcmp(c->func, "virnet_decode") == 0) {
                run_decode(c, in, len);
            } else if (strcmp(c->func, "virnet_feed") == 0) {
                run_feed(c, in, len);
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
