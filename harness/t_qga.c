/* t_qga.c -- runs the qemu-ga test vectors (corpus/vectors/qga/NAME.vec, syntax in vec.h)
 * against reference/qga_lex.c, qga_msg.c and qga_check.c.
 *
 * Usage: t_qga [-v] FILE.vec...
 *
 * [func = qga_stream, from = client|server (, token_max = N, nesting_max = N, count_max = N)]:
 * a byte stream, framed, every message decoded in the section's direction and checked against
 * the schema.  The limits default to QEMU's; a vector may lower them to reach them with small
 * input (the rule is the same, only the number differs).  Case keys:
 *   in        the stream (required)
 *   events    the expected events, space separated, in order (required; "" for none):
 *               sync@OFF                      a 0xFF at a message boundary
 *               err:CODE@START/OFF            a framing error: first discarded byte, and
 *                                             the offending byte
 *               msg@START+LEN=ok              a valid message (stream offset, length)
 *               msg@START+LEN=unchecked       valid envelope, command not in qemu-ga 7.2
 *               msg@START+LEN=CODE@OFF        an invalid message (OFF: message byte)
 *             a message accepted with a lenient note adds ~CODE@OFF to "ok"
 *   pending   yes when the stream ends inside a message (default no)
 *   lenient   yes: decode with VW_DEC_LENIENT
 *   path      the JSON path reported for the (only) invalid message, when given
 * Every case is fed whole, one byte at a time, in 2-, 3- and 7-byte chunks and from memory
 * ending at a guard page; all must give the same events (chunking never changes results).
 *
 * The last line printed is "N passed, N failed"; the exit status is 1 if any case failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardbuf.h"
#include "qga.h"
#include "vecrun.h"
#include "xdr.h"

#define ERR_LEN 512
#define EVENTS_MAX 65536

struct run {
    char events[EVENTS_MAX];
    size_t len;
    char path[VW_QGA_PATH_MAX];
    bool pending;
};

static void add(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct run *r, const char *fmt, ...) {
    va_list ap;
    int n;

    if (r->len + 1 >= sizeof(r->events)) {
        return;
    }
    if (r->len != 0) {
        r->events[r->len++] = ' ';
    }
    va_start(ap, fmt);
    n = vsnprintf(r->events + r->len, sizeof(r->events) - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        r->len += (size_t)n < sizeof(r->events) - r->len ? (size_t)n : 0;
    }
}

static void on_message(struct vw_qga_framer *f, int direction, unsigned flags, struct run *r) {
    struct vw_diag diag = { 0 }, lax = { 0 };
    char path[VW_QGA_PATH_MAX];
    struct vw_qga_frame fr;
    struct vw_qga_msg m = { 0 };
    int rc;

    vw_qga_frame(f, &fr);
    rc = vw_qga_msg_decode(&m, &diag, &lax, path, &fr, direction, flags);
    if (rc == 0) {
        rc = vw_qga_msg_check(&m, NULL, &diag, path);
    }
    if (rc < 0) {
        add(r, "msg@%zu+%zu=%s@%zu", fr.start, fr.end - fr.start, vw_err_name(rc), diag.offset);
        snprintf(r->path, sizeof(r->path), "%s", path);
    } else if (lax.code != 0) {
        add(r, "msg@%zu+%zu=ok~%s@%zu", fr.start, fr.end - fr.start, vw_err_name(lax.code),
            lax.offset);
    } else {
        add(r, "msg@%zu+%zu=%s", fr.start, fr.end - fr.start, rc == 1 && m.kind == VW_QGA_REQUEST
                                                                  ? "unchecked" : "ok");
    }
    vw_qga_msg_cleanup(&m);
}

struct limits {
    uint64_t token_max, count_max, nesting_max;
};

static void frame(const uint8_t *p, size_t n, size_t chunk, const struct limits *lim,
                  int direction, unsigned flags, struct run *r) {
    struct vw_qga_framer f;
    size_t off = 0;

    memset(r, 0, sizeof(*r));
    vw_qga_framer_init(&f);
    f.token_max = lim->token_max;
    f.count_max = lim->count_max;
    f.nesting_max = (long)lim->nesting_max;
    while (off < n) {
        size_t len = chunk == 0 || n - off < chunk ? n - off : chunk, used = 0;
        size_t end = off + len;
        while (off < end) {
            int ev = vw_qga_feed(&f, p + off, end - off, &used);
            off += used;
            if (ev == VW_QGA_EV_MESSAGE) {
                on_message(&f, direction, flags, r);
            } else if (ev == VW_QGA_EV_SYNC) {
                add(r, "sync@%zu", f.event.offset);
            } else if (ev == VW_QGA_EV_ERROR) {
                add(r, "err:%s@%zu/%zu", vw_err_name(f.event.code), f.event.start,
                    f.event.offset);
            } else if (ev != VW_E_AGAIN) {
                add(r, "feed:%s", vw_err_name(ev));
            }
        }
    }
    r->pending = vw_qga_pending(&f);
    vw_qga_framer_cleanup(&f);
}

static struct vw_guardbuf guard;

static bool param_u64(struct vw_vec_case *c, const char *key, uint64_t def, uint64_t *out) {
    const struct vw_vec_kv *kv = vw_vec_param(c, key);
    char err[ERR_LEN];

    *out = def;
    if (kv != NULL && vw_vec_parse_u64(kv->value, out, err, sizeof(err)) < 0) {
        vw_vec_fail(c, kv->line, "%s: %s", key, err);
        return false;
    }
    return true;
}

static bool run_case(struct vw_vec_case *c) {
    static struct run whole, other;
    const struct vw_vec_kv *ev = vw_vec_get(c, "events"), *path = vw_vec_get(c, "path");
    const struct vw_vec_kv *from = vw_vec_param(c, "from");
    static const size_t chunks[] = { 1, 2, 3, 7 };
    struct limits lim;
    uint8_t *bytes = NULL;
    size_t n = 0;
    bool ok = true, want_pending = false, lenient = false;
    int direction, r;
    unsigned flags;

    if ((r = vw_vec_get_bytes(c, "in", &bytes, &n)) < 0) {
        return false;
    }
    if (r == 0 || ev == NULL || from == NULL) {
        vw_vec_fail(c, 0, "in, events and the section's from are required");
        free(bytes);
        return false;
    }
    direction = strcmp(from->value, "server") == 0 ? VW_QGA_FROM_SERVER : VW_QGA_FROM_CLIENT;
    if (!param_u64(c, "token_max", VW_QGA_TOKEN_MAX, &lim.token_max) ||
        !param_u64(c, "count_max", VW_QGA_TOKEN_COUNT_MAX, &lim.count_max) ||
        !param_u64(c, "nesting_max", VW_QGA_NESTING_MAX, &lim.nesting_max) ||
        vw_vec_get_bool(c, "pending", &want_pending) < 0 ||
        vw_vec_get_bool(c, "lenient", &lenient) < 0) {
        free(bytes);
        return false;
    }
    flags = lenient ? VW_DEC_LENIENT : 0;
    frame(bytes, n, 0, &lim, direction, flags, &whole);
    if (strcmp(whole.events, strcmp(ev->value, "\"\"") == 0 ? "" : ev->value) != 0) {
        vw_vec_fail(c, ev->line, "events:\n  want %s\n  got  %s", ev->value, whole.events);
        ok = false;
    }
    if (whole.pending != want_pending) {
        vw_vec_fail(c, 0, "pending: want %d, got %d", want_pending, whole.pending);
        ok = false;
    }
    if (path != NULL && strcmp(path->value, whole.path) != 0) {
        vw_vec_fail(c, path->line, "path: want '%s', got '%s'", path->value, whole.path);
        ok = false;
    }
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        frame(bytes, n, chunks[i], &lim, direction, flags, &other);
        if (strcmp(other.events, whole.events) != 0 || other.pending != whole.pending) {
            vw_vec_fail(c, 0, "fed in %zu-byte chunks: %s", chunks[i], other.events);
            ok = false;
        }
    }
    if (n <= guard.cap) {
        const uint8_t *g = vw_guardbuf_put(&guard, bytes, n);
        frame(g, n, 0, &lim, direction, flags, &other);
        if (strcmp(other.events, whole.events) != 0) {
            vw_vec_fail(c, 0, "from a guard page: %s", other.events);
            ok = false;
        }
    }
    free(bytes);
    return ok;
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_qga", .run = run_case, .guard = &guard,
                           .guard_cap = 1u << 20 };

    return vw_vecrun_main(&r, argc, argv);
}
