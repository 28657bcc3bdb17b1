/* adapter_openhook.c -- the conformance adapters for QEMU's 2012 open-hook-fd protocol in host
 * byte order ("openhook", historic-qemud-openhook-qga.md §2.1) and in XDR ("openhook-xdr",
 * §2.2), built on reference/openhook.h.
 *
 * The runner is the client: structured sends are QEMU_OPEN requests, received bytes replies.
 * Fields:
 *   message_size  the size word (counts the whole message)
 *   command       QEMU_OPEN (1), else decimal
 *   flags         request: decimal; a send may also write open(2) flag names joined by |
 *                 (O_RDONLY|O_CLOEXEC, Linux values) and numbers
 *   mode          request: decimal (0644 is decimal 644: write 420 or 0x1a4)
 *   filename      request: a "C-escaped" string (or x"hex")
 *   result        reply: 0, or a negated errno (decimal)
 * Encoding: command defaults to QEMU_OPEN, flags and mode to 0; filename is required;
 * message_size is computed unless assigned, and a command other than QEMU_OPEN is written
 * as given, both for malformed requests on purpose.  The fd of a reply with result 0 arrives
 * as SCM_RIGHTS: the runner counts it (expect-fd); num_fds is -1 here.
 * Receiving: messages framed by message_size (vw_openhook_feed), decoded strictly, then
 * leniently (XDR: padding and NULs, §2.2) when that fails. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_feed.h"
#include "adapters.h"
#include "openhook.h"
#include "xs_fields.h"

#define NUM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    uint32_t value;
} flag_names[] = {
    { "O_RDONLY", O_RDONLY },     { "O_WRONLY", O_WRONLY },       { "O_RDWR", O_RDWR },
    { "O_CREAT", O_CREAT },       { "O_EXCL", O_EXCL },           { "O_NOCTTY", O_NOCTTY },
    { "O_TRUNC", O_TRUNC },       { "O_APPEND", O_APPEND },       { "O_NONBLOCK", O_NONBLOCK },
    { "O_DSYNC", O_DSYNC },       { "O_SYNC", O_SYNC },           { "O_DIRECTORY", O_DIRECTORY },
    { "O_NOFOLLOW", O_NOFOLLOW }, { "O_CLOEXEC", O_CLOEXEC },
};

/* parse_flags reads "O_RDWR|O_CLOEXEC", "2" or "0x80002" into |*out|. */
static int parse_flags(const char *v, uint32_t *out) {
    char word[32];
    uint32_t acc = 0;

    while (*v != '\0') {
        size_t n = strcspn(v, "|"), k = 0;
        int64_t x = 0;
        bool found = false;
        while (n > 0 && v[0] == ' ') {
            v++;
            n--;
        }
        while (n > 0 && v[n - 1] == ' ') {
            n--;
        }
        if (n == 0 || n >= sizeof(word)) {
            return VW_E_TYPE;
        }
        memcpy(word, v, n);
        word[n] = '\0';
        for (k = 0; k < NUM(flag_names) && !found; k++) {
            if (strcmp(flag_names[k].name, word) == 0) {
                acc |= flag_names[k].value;
                found = true;
            }
        }
        if (!found) {
            if (vw_xsf_parse_int(word, 0, UINT32_MAX, NULL, 0, &x) < 0) {
                return VW_E_TYPE;
            }
            acc |= (uint32_t)x;
        }
        v += strcspn(v, "|");
        if (*v == '|') {
            v++;
        }
    }
    *out = acc;
    return 0;
}

static void put_word(uint8_t *p, int encoding, uint32_t v) {
    if (encoding == VW_OPENHOOK_HOST) {
        memcpy(p, &v, 4);  /* §2.1: "All integers are in host byte order" */
    } else {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
    }
}

static int field_int(const struct vw_txn_assign *a, size_t n, bool *used, const char *path,
                     int64_t def, int64_t *out, char *err, size_t err_len) {
    static const char *const commands[] = { NULL, "QEMU_OPEN" };
    long at = vw_xsf_find(a, n, used, path);

    *out = def;
    if (at >= 0 && vw_xsf_parse_int(a[at].value, INT32_MIN, UINT32_MAX, commands, 2, out) < 0) {
        snprintf(err, err_len, "line %u: %s = %s: not a 32-bit integer", a[at].line, path,
                 a[at].value);
        return VW_E_TYPE;
    }
    return 0;
}

static int encode(int encoding, const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                  char *err, size_t err_len) {
    bool small[16] = { false };     /* the usual request has a few assignments: no calloc */
    bool *used = n < 16 ? small : calloc(n + 1, sizeof(*used));
    struct vw_openhook_msg m;
    struct vw_xdr_enc e;
    int64_t size = -1, command = 0, mode = 0;
    uint32_t flags = 0;
    uint8_t *name = NULL, *buf = NULL;
    uint8_t stack[256];             /* the usual request is encoded here, not malloc'd */
    size_t name_len = 0;
    long at;
    int r;

    if (used == NULL) {
        return VW_E_NOMEM;
    }
    if ((r = field_int(a, n, used, "message_size", -1, &size, err, err_len)) < 0 ||
        (r = field_int(a, n, used, "command", VW_OPENHOOK_QEMU_OPEN, &command, err,
                       err_len)) < 0 ||
        (r = field_int(a, n, used, "mode", 0, &mode, err, err_len)) < 0) {
        goto cleanup;
    }
    if ((at = vw_xsf_find(a, n, used, "flags")) >= 0 &&
        (r = parse_flags(a[at].value, &flags)) < 0) {
        snprintf(err, err_len, "line %u: flags = %s: not O_ names or numbers joined by |",
                 a[at].line, a[at].value);
        goto cleanup;
    }
    if ((at = vw_xsf_find(a, n, used, "filename")) < 0) {
        snprintf(err, err_len, "filename: missing (a QEMU_OPEN request names a file)");
        r = VW_E_MEMBER;
        goto cleanup;
    }
    if ((r = vw_xsf_parse_bytes(a[at].value, &name, &name_len, NULL)) < 0) {
        snprintf(err, err_len, "line %u: filename = %s: not a string", a[at].line, a[at].value);
        goto cleanup;
    }
    if ((r = vw_xsf_check_used(a, n, used, err, err_len)) < 0 ||
        (r = vw_openhook_request(&m, encoding, flags, (uint32_t)mode,
                                 (struct vw_span){ name, name_len })) < 0) {
        goto cleanup;
    }
    vw_xdr_enc_init(&e, NULL, 0);
    if ((r = vw_openhook_encode(&e, &m)) < 0 ||
        (buf = e.len <= sizeof(stack) ? stack : malloc(e.len)) == NULL) {
        snprintf(err, err_len, "filename of %zu bytes: cannot encode: %s", name_len,
                 vw_err_text(r < 0 ? r : VW_E_NOMEM));
        r = r < 0 ? r : VW_E_NOMEM;
        goto cleanup;
    }
    vw_xdr_enc_init(&e, buf, e.len);
    if ((r = vw_openhook_encode(&e, &m)) < 0) {
        goto cleanup;
    }
    if (size >= 0) {
        put_word(buf, encoding, (uint32_t)size);
    }
    put_word(buf + 4, encoding, (uint32_t)command);
    r = vw_cf_buf_append(out, buf, e.len);
cleanup:
    if (buf != stack) {
        free(buf);
    }
    free(name);
    if (used != small) {
        free(used);
    }
    return r;
}

static int host_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                       char *err, size_t err_len) {
    return encode(VW_OPENHOOK_HOST, a, n, out, err, err_len);
}

static int xdr_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                      char *err, size_t err_len) {
    return encode(VW_OPENHOOK_XDR, a, n, out, err, err_len);
}

/* ---- receiving ---- */

struct vw_cf_framer {
    struct vw_openhook_framer f;
};

static struct vw_cf_framer *framer_new(int encoding) {
    struct vw_cf_framer *f = calloc(1, sizeof(*f));

    if (f != NULL && vw_openhook_framer_init(&f->f, encoding, VW_OPENHOOK_FROM_SERVER) < 0) {
        free(f);
        return NULL;
    }
    return f;
}

static struct vw_cf_framer *host_framer_new(void) {
    return framer_new(VW_OPENHOOK_HOST);
}

static struct vw_cf_framer *xdr_framer_new(void) {
    return framer_new(VW_OPENHOOK_XDR);
}

static void framer_free(struct vw_cf_framer *f) {
    free(f);
}

static uint32_t get_word(const uint8_t *p, int encoding) {
    uint32_t v;

    if (encoding == VW_OPENHOOK_HOST) {
        memcpy(&v, p, 4);
        return v;
    }
    return vw_load_be32(p);
}

/* struct openhook_dec: one framed message and where its decode goes (vw_cf_decode_fn). */
struct openhook_dec {
    struct vw_openhook_msg *m;
    struct vw_span msg;
    int enc;
};

static int openhook_decode(void *ctx, struct vw_diag *diag, struct vw_diag *lax,
                           unsigned flags) {
    struct openhook_dec *d = ctx;

    return vw_openhook_decode(d->m, diag, lax, d->msg.p, d->msg.len, d->enc,
                              VW_OPENHOOK_FROM_SERVER, flags);
}

static int decode_message(struct vw_cf_framer *f, struct vw_cf_msg *out) {
    struct vw_openhook_msg m;
    struct openhook_dec d = { .m = &m, .enc = f->f.encoding };
    struct vw_span msg;
    int rc, r;

    vw_openhook_message(&f->f, &d.msg, NULL);
    msg = d.msg;
    if ((rc = vw_cf_decode_twice(out, NULL, openhook_decode, &d)) == 0) {
        /* "message_size=%u command=QEMU_OPEN result=%d", without printf (every message) */
        size_t at = vw_cf_put(out->summary, sizeof(out->summary), 0, "message_size=");
        at = vw_cf_put_u64(out->summary, sizeof(out->summary), at, m.message_size);
        at = vw_cf_put(out->summary, sizeof(out->summary), at, " command=QEMU_OPEN result=");
        vw_cf_put_i64(out->summary, sizeof(out->summary), at, m.result);
        if ((r = vw_xsf_add_uint(out, "message_size", m.message_size)) < 0 ||
            (r = vw_cf_msg_add_field(out, "command", "QEMU_OPEN")) < 0) {
            return r;
        }
        return vw_xsf_add_int(out, "result", m.result);
    }
    snprintf(out->summary, sizeof(out->summary), "invalid (%s)", vw_err_name(rc));
    for (size_t i = 0; i < 3 && 4 * i + 4 <= msg.len; i++) {
        static const char *const names[] = { "message_size", "command", "result" };
        uint32_t v = get_word(msg.p + 4 * i, d.enc);
        r = i == 1 && v == VW_OPENHOOK_QEMU_OPEN ? vw_cf_msg_add_field(out, names[i], "QEMU_OPEN")
            : i == 2                             ? vw_xsf_add_int(out, names[i], (int32_t)v)
                                                 : vw_xsf_add_uint(out, names[i], v);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                struct vw_cf_msg *out) {
    int r = vw_openhook_feed(&f->f, in, len, used);

    return vw_cf_feed_step(f, r, f->f.msg_start, "message_size", decode_message, out);
}

const struct vw_cf_adapter vw_cf_adapter_openhook = {
    .protocol = "openhook",
    .encode = host_encode,
    .framer_new = host_framer_new,
    .framer_free = framer_free,
    .feed = feed,
};

const struct vw_cf_adapter vw_cf_adapter_openhook_xdr = {
    .protocol = "openhook-xdr",
    .encode = xdr_encode,
    .framer_new = xdr_framer_new,
    .framer_free = framer_free,
    .feed = feed,
};
