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

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_virnet.h"
#include "guardbuf.h"
#include "vecrun.h"
#include "virnet.h"

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
/* check_num compares a number key when the case gives it. */
static void check_num(struct vw_vec_case *c, const char *key, int64_t have) {
    int64_t want;

    if (vw_vec_get_i64(c, key, &want) == 1 && want != have) {
        vw_vec_fail(c, 0, "%s: want %lld, have %lld", key, (long long)want, (long long)have);
    }
}

static void check_str(struct vw_vec_case *c, const char *key, const char *have, bool required) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);

    if (kv == NULL) {
        if (required) {
            vw_vec_fail(c, 0, "success needs \"%s:\" (have \"%s\")", key, have);
        }
        return;
    }
    const char *want = strcmp(kv->value, "\"\"") == 0 ? "" : kv->value;
    if (strcmp(want, have) != 0) {
        vw_vec_fail(c, 0, "%s: want \"%s\", have \"%s\"", key, want, have);
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

    if (vw_vec_get_i64(c, "fds", &fds) < 0 || vw_vec_get_bool(c, "lenient", &lenient) < 0 ||
        vw_vec_get_code(c, "error", NULL, &want_err) < 0) {
        return;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    memset(&sentinel, 0xa5, sizeof(sentinel));
    m = sentinel;
    items.n = 0;
    r = vw_virnet_decode(&m, &diag, &lax, in, len, (int)fds, flags, collect, &items);

    /* the same from a buffer that ends at a guard page */
    if ((g = vw_guardbuf_put(&guard, in, len)) == NULL) {
        vw_vec_fail(c, 0, "guard page: input too long");
        return;
    }
    m2 = sentinel;
    items2.n = 0;
    r2 = vw_virnet_decode(&m2, &d2, &lax2, g, len, (int)fds, flags, collect, &items2);
    if (r2 != r || d2.code != diag.code || d2.offset != diag.offset ||
        (r == 0 && !same_msg(&m, &m2, in, g))) {
        vw_vec_fail(c, 0, "guard-page copy decodes differently (%s vs %s)", vw_err_name(r2),
                       vw_err_name(r));
    }

    if (want_err != 0) {
        if (!vw_vecrun_check_error(c, r, &diag, want_err)) {
            return;
        }
        if (memcmp(&m, &sentinel, sizeof(m)) != 0) {
            vw_vec_fail(c, 0, "the output was written although the decode failed");
        }
        /* every prefix: VW_E_SHORT or the same error */
        for (size_t k = 0; k < len; k++) {
            struct vw_virnet_msg p;
            int rp = vw_virnet_decode(&p, NULL, NULL, in, k, (int)fds, flags, NULL, NULL);
            /* a length word smaller than the input frames a valid prefix */
            if (rp != VW_E_SHORT && rp != r && !(r == VW_E_LENGTH && rp == 0)) {
                vw_vec_fail(c, 0, "prefix of %zu bytes: %s", k, vw_err_name(rp));
                break;
            }
        }
        if (lenient) {
            if (vw_vec_get_code(c, "lax", "none", &want_lax) < 0) {
                return;
            }
            vw_vec_get(c, "lax_offset");
        }
        return;
    }
    if (r < 0) {
        vw_vec_fail(c, 0, "want success, have %s at %zu (field %s)", vw_err_name(r), diag.offset,
                       diag.field != NULL ? diag.field : "-");
        return;
    }

    /* outputs */
    {
        char *text = NULL;
        size_t text_len = 0;
        FILE *f = open_memstream(&text, &text_len);
        if (f == NULL) {
            vw_vec_fail(c, 0, "open_memstream");
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
        vw_vecrun_check_lax(c, &lax);
    } else {
        struct vw_diag lx = { 0 };
        struct vw_virnet_msg ml;
        if (vw_virnet_decode(&ml, NULL, &lx, in, len, (int)fds, VW_DEC_LENIENT, NULL, NULL) != 0 ||
            lx.code != 0 || !same_msg(&m, &ml, in, in)) {
            vw_vec_fail(c, 0, "strict success but lenient decode differs or notes %s",
                           vw_err_name(lx.code));
        }
    }

    /* round trip: canonical input re-encodes to itself (lenient: when it had no note) */
    if (!lenient || lax.code == 0) {
        uint8_t *out = malloc(len + 1);
        struct vw_xdr_enc e;
        if (out == NULL) {
            vw_vec_fail(c, 0, "malloc");
            return;
        }
        vw_xdr_enc_init(&e, out, len);
        r = vw_virnet_encode(&e, &m, items.v, items.n);
        if (r != 0 || e.len != len || memcmp(out, in, len) != 0) {
            vw_vec_fail(c, 0, "re-encoding gives %s, %zu bytes, %s", vw_err_name(r), e.len,
                           r == 0 && e.len == len ? "different bytes" : "");
        }
        vw_xdr_enc_init(&e, out, len - 1);
        if (vw_virnet_encode(&e, &m, items.v, items.n) != VW_E_NOSPACE || e.len != 0) {
            vw_vec_fail(c, 0, "one byte short of room is not a clean VW_E_NOSPACE");
        }
        free(out);
    }
    /* every strict prefix is short */
    for (size_t k = 0; k < len; k++) {
        struct vw_virnet_msg p;
        int rp = vw_virnet_decode(&p, NULL, NULL, in, k, (int)fds, flags, NULL, NULL);
        if (rp != VW_E_SHORT) {
            vw_vec_fail(c, 0, "prefix of %zu bytes: want VW_E_SHORT, have %s", k, vw_err_name(rp));
            break;
        }
    }
}

static void feed(const uint8_t *in, size_t len, size_t chunk, struct vw_vecrun_feed *o) {
    struct vw_virnet_framer f;
    size_t off = 0, used;

    memset(o, 0, sizeof(*o));
    vw_virnet_framer_init(&f);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        int r = vw_virnet_feed(&f, in + off, n, &used);
        off += used;
        if (r == 1) {
            if (o->num < VW_VECRUN_STARTS_MAX) {
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
    struct vw_vecrun_feed whole, bytes, guarded;
    const uint8_t *g = vw_guardbuf_put(&guard, in, len);

    feed(in, len, len > 0 ? len : 1, &whole);
    feed(in, len, 1, &bytes);
    if (g == NULL) {
        vw_vec_fail(c, 0, "guard page: input too long");
        return;
    }
    feed(g, len, 7, &guarded);
    vw_vecrun_check_feed(c, &whole, &bytes, &guarded);
}

static bool run_case(struct vw_vec_case *c) {
    static const struct vw_vecrun_func funcs[] = {
        { "virnet_decode", run_decode },
        { "virnet_feed", run_feed },
    };

    return vw_vecrun_dispatch(c, funcs, sizeof(funcs) / sizeof(funcs[0]));
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_virnet", .run = run_case, .guard = &guard,
                           .guard_cap = 1u << 16 };

    return vw_vecrun_main(&r, argc, argv);
}
