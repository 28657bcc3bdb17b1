/* adapter_virnet.c -- the conformance adapter for the libvirt RPC protocol ("virnet"), built
 * on reference/virnet.h (envelope, framer) and the payload schemas of virnet_procs.h.
 *
 * Fields (virnet-oncrpc.md §1.3 header, §1.5 payloads, §1.6 error):
 *   len        the length word (counts itself)
 *   prog       REMOTE, QEMU, LXC, KEEPALIVE, ADMIN (§2), else decimal
 *   vers       decimal
 *   proc       the procedure's name without its prefix (CONNECT_OPEN), else decimal
 *   type       CALL, REPLY, MESSAGE, STREAM, CALL_WITH_FDS, REPLY_WITH_FDS, STREAM_HOLE
 *   serial     decimal
 *   status     OK, ERROR, CONTINUE
 *   num_fds    the fd count of the *_WITH_FDS types (§1.5)
 *   then the payload under the empty root (conformance/xs_fields.h): the args of a CALL, the
 *   ret of a REPLY + OK, the msg of a MESSAGE, the error struct of an ERROR (code, domain,
 *   message, level, dom, str1 ... net), the hole of a STREAM_HOLE (length, flags);
 *   data = x"..." the bytes of STREAM + CONTINUE (§4); payload = x"..." a payload with no
 *   schema (unknown program or procedure, or a type/status pair §1.5 gives none).
 *   A top-level payload member named like a header field is prefixed with its root instead
 *   (args., ret., msg., error., hole.: CONNECT_GET_TYPE's ret.type).
 * Encoding: prog defaults to REMOTE, vers to the program's version, type to CALL, status to
 * OK, serial and num_fds to 0; proc is required.  The length word is computed unless `len`
 * is assigned (sent as given: a malformed message on purpose); `payload = x"..."` sends raw
 * bytes instead of the schema.
 * Receiving: messages framed by the length word (vw_virnet_feed), decoded strictly, then
 * leniently (VW_DEC_LENIENT) when that fails; fds are unknown here (-1): the runner checks
 * them (expect-fd) against num_fds.  A bad length word is a framing error (§1.1: libvirt
 * closes the connection). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_feed.h"
#include "adapters.h"
#include "virnet.h"
#include "xs_fields.h"

static const char *const type_names[] = { "CALL", "REPLY", "MESSAGE", "STREAM",
                                           "CALL_WITH_FDS", "REPLY_WITH_FDS", "STREAM_HOLE" };
static const char *const status_names[] = { "OK", "ERROR", "CONTINUE" };
static const char *const header_names[] = { "len", "prog", "vers", "proc", "type", "serial",
                                            "status", "num_fds", "data", "payload" };
static const uint32_t progs[] = {
    VW_VIRNET_REMOTE_PROGRAM, VW_VIRNET_QEMU_PROGRAM, VW_VIRNET_LXC_PROGRAM,
    VW_VIRNET_KEEPALIVE_PROGRAM, VW_VIRNET_ADMIN_PROGRAM,
};

#define NUM(a) (sizeof(a) / sizeof((a)[0]))

/* is_header says whether the first component of |path| is a header field name. */
static bool is_header(const char *path) {
    size_t n = strcspn(path, ".[");

    for (size_t i = 0; i < NUM(header_names); i++) {
        if (strlen(header_names[i]) == n && strncmp(path, header_names[i], n) == 0) {
            return true;
        }
    }
    return false;
}

/* payload_schema: the schema §1.5 gives the payload of |h| (NULL: none; *raw for stream data),
 * and its root name. */
static const struct vw_xs_type *payload_schema(const struct vw_virnet_header *h, bool *raw,
                                               const char **root) {
    const struct vw_virnet_proc *p = vw_virnet_proc_find(h->prog, h->proc);
    const struct vw_virnet_program *g = vw_virnet_program_find(h->prog, h->vers);

    *raw = false;
    *root = "payload";
    switch (h->type) {
    case VW_VIRNET_CALL:
    case VW_VIRNET_CALL_WITH_FDS:
        *root = "args";
        return h->status == VW_VIRNET_OK && g != NULL && p != NULL ? p->args : NULL;
    case VW_VIRNET_REPLY:
    case VW_VIRNET_REPLY_WITH_FDS:
        *root = h->status == VW_VIRNET_ERROR ? "error" : "ret";
        if (h->status == VW_VIRNET_ERROR) {
            return &vw_virnet_error_type;
        }
        return h->status == VW_VIRNET_OK && g != NULL && p != NULL ? p->ret : NULL;
    case VW_VIRNET_MESSAGE:
        *root = "msg";
        return h->status == VW_VIRNET_OK && g != NULL && p != NULL ? p->msg : NULL;
    case VW_VIRNET_STREAM:
        *raw = h->status == VW_VIRNET_CONTINUE;
        *root = "error";
        return h->status == VW_VIRNET_OK ? &vw_xs_void : NULL;
    case VW_VIRNET_STREAM_HOLE:
        *root = h->status == VW_VIRNET_ERROR ? "error" : "hole";
        return h->status == VW_VIRNET_CONTINUE ? &vw_virnet_stream_hole_type
               : h->status == VW_VIRNET_OK     ? &vw_xs_void
               : h->status == VW_VIRNET_ERROR  ? &vw_virnet_error_type
                                               : NULL;
    default:
        return NULL;
    }
}

/* ---- encoding ---- */

struct enc {
    const struct vw_txn_assign *a;
    size_t n;
    bool *used;
    char *err;
    size_t err_len;
};

/* header_int reads the header field |path| into |*out| (|def| when unassigned). */
static int header_int(struct enc *c, const char *path, int64_t lo, int64_t hi,
                      const char *const *names, size_t num_names, int64_t def, int64_t *out) {
    long at = vw_xsf_find(c->a, c->n, c->used, path);
    int r;

    *out = def;
    if (at >= 0 &&
        (r = vw_xsf_parse_int(c->a[at].value, lo, hi, names, num_names, out)) < 0) {
        snprintf(c->err, c->err_len, "line %u: %s = %s: not a valid %s", c->a[at].line, path,
                 c->a[at].value, path);
        return r;
    }
    return 0;
}

static int parse_prog(struct enc *c, uint32_t *out) {
    static const char *const names[] = { "REMOTE", "QEMU", "LXC", "KEEPALIVE", "ADMIN" };
    long at = vw_xsf_find(c->a, c->n, c->used, "prog");
    int64_t v = 0;

    *out = VW_VIRNET_REMOTE_PROGRAM;
    if (at < 0) {
        return 0;
    }
    for (size_t i = 0; i < NUM(names); i++) {
        if (strcmp(c->a[at].value, names[i]) == 0) {
            *out = progs[i];
            return 0;
        }
    }
    if (vw_xsf_parse_int(c->a[at].value, 0, UINT32_MAX, NULL, 0, &v) < 0) {
        snprintf(c->err, c->err_len, "line %u: prog = %s: not a program", c->a[at].line,
                 c->a[at].value);
        return VW_E_TYPE;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_proc(struct enc *c, uint32_t prog, int32_t *out) {
    const struct vw_virnet_program *g = vw_virnet_program_of(prog);
    long at = vw_xsf_find(c->a, c->n, c->used, "proc");
    int64_t v = 0;

    if (at < 0) {
        snprintf(c->err, c->err_len, "proc: missing (the procedure is required)");
        return VW_E_MEMBER;
    }
    for (uint32_t i = 0; g != NULL && i < g->num_procs; i++) {
        if (g->procs[i].name != NULL && strcmp(g->procs[i].name, c->a[at].value) == 0) {
            *out = (int32_t)i;
            return 0;
        }
    }
    if (vw_xsf_parse_int(c->a[at].value, INT32_MIN, UINT32_MAX, NULL, 0, &v) < 0) {
        snprintf(c->err, c->err_len, "line %u: proc = %s: no such procedure", c->a[at].line,
                 c->a[at].value);
        return VW_E_TYPE;
    }
    *out = (int32_t)v;
    return 0;
}

/* raw_value reads the bytes of |path| (x"..." or a string) into |*out|; 0 when unassigned. */
static int raw_value(struct enc *c, const char *path, uint8_t **out, size_t *len) {
    long at = vw_xsf_find(c->a, c->n, c->used, path);
    int r;

    if (at < 0) {
        return 0;
    }
    if ((r = vw_xsf_parse_bytes(c->a[at].value, out, len, NULL)) < 0) {
        snprintf(c->err, c->err_len, "line %u: %s = %s: not x\"hex\" or a string",
                 c->a[at].line, path, c->a[at].value);
        return r;
    }
    return 1;
}

/* payload_assigns copies the assignments for the payload: a root prefix is taken off the
 * paths that carry one (ret.type -> type) and header paths are hidden from the schema. */
static struct vw_txn_assign *payload_assigns(struct enc *c, const char *root) {
    struct vw_txn_assign *p = calloc(c->n + 1, sizeof(*p));
    size_t rl = strlen(root);

    for (size_t i = 0; p != NULL && i < c->n; i++) {
        p[i] = c->a[i];
        if (strncmp(p[i].path, root, rl) == 0 && p[i].path[rl] == '.' &&
            is_header(p[i].path + rl + 1)) {
            p[i].path += rl + 1;
        } else if (is_header(p[i].path)) {
            p[i].path = "";  /* the header's, read above (or reported as unknown) */
        }
    }
    return p;
}

static int encode_payload(struct enc *c, const struct vw_xs_type *t, const char *root,
                          struct vw_cf_buf *body) {
    struct vw_txn_assign *p = payload_assigns(c, root);
    bool *used = calloc(c->n + 1, sizeof(*used));
    int r = VW_E_NOMEM;

    if (p != NULL && used != NULL) {
        r = vw_xsf_encode(t, "", p, c->n, used, body, c->err, c->err_len);
        for (size_t i = 0; i < c->n; i++) {
            c->used[i] = c->used[i] || used[i];
        }
    }
    free(p);
    free(used);
    return r;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int virnet_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                         char *err, size_t err_len) {
    struct enc c = { .a = a, .n = n, .err = err, .err_len = err_len };
    struct vw_virnet_header h = { 0 };
    const struct vw_virnet_program *g;
    const struct vw_xs_type *t;
    struct vw_cf_buf body = { 0 };
    uint8_t hdr[32], *raw = NULL;
    size_t raw_len = 0, hlen;
    const char *root;
    int64_t v = 0, len_v = -1, fds = 0;
    bool is_raw;
    int r;

    if ((c.used = calloc(n + 1, sizeof(*c.used))) == NULL) {
        return VW_E_NOMEM;
    }
    if ((r = parse_prog(&c, &h.prog)) < 0 || (r = parse_proc(&c, h.prog, &h.proc)) < 0) {
        goto cleanup;
    }
    g = vw_virnet_program_of(h.prog);
    if ((r = header_int(&c, "vers", 0, UINT32_MAX, NULL, 0,
                        g != NULL ? g->vers : VW_VIRNET_PROGRAM_VERSION, &v)) < 0) {
        goto cleanup;
    }
    h.vers = (uint32_t)v;
    if ((r = header_int(&c, "type", INT32_MIN, UINT32_MAX, type_names, NUM(type_names),
                        VW_VIRNET_CALL, &v)) < 0) {
        goto cleanup;
    }
    h.type = (int32_t)v;
    if ((r = header_int(&c, "status", INT32_MIN, UINT32_MAX, status_names, NUM(status_names),
                        VW_VIRNET_OK, &v)) < 0) {
        goto cleanup;
    }
    h.status = (int32_t)v;
    if ((r = header_int(&c, "serial", 0, UINT32_MAX, NULL, 0, 0, &v)) < 0 ||
        (r = header_int(&c, "len", 0, UINT32_MAX, NULL, 0, -1, &len_v)) < 0) {
        goto cleanup;
    }
    h.serial = (uint32_t)v;
    if ((h.type == VW_VIRNET_CALL_WITH_FDS || h.type == VW_VIRNET_REPLY_WITH_FDS) &&
        (r = header_int(&c, "num_fds", 0, UINT32_MAX, NULL, 0, 0, &fds)) < 0) {
        goto cleanup;
    }
    t = payload_schema(&h, &is_raw, &root);
    for (size_t i = 0; h.type == VW_VIRNET_STREAM && h.status == VW_VIRNET_ERROR && i < n; i++) {
        if (!is_header(a[i].path)) {
            t = &vw_virnet_error_type;  /* §1.5: the server's error; empty: a client abort */
        }
    }
    if ((r = raw_value(&c, "payload", &raw, &raw_len)) < 0 ||
        (r == 0 && is_raw && (r = raw_value(&c, "data", &raw, &raw_len)) < 0)) {
        goto cleanup;
    }
    if (raw != NULL) {
        r = vw_cf_buf_append(&body, raw, raw_len);
    } else if (t != NULL) {
        r = encode_payload(&c, t, root, &body);
    }
    if (r < 0 || (r = vw_xsf_check_used(a, n, c.used, err, err_len)) < 0) {
        goto cleanup;
    }
    /* §1.1 length word (counting itself), §1.3 header, §1.5 fd count, then the payload */
    put_be32(hdr + 4, h.prog);
    put_be32(hdr + 8, h.vers);
    put_be32(hdr + 12, (uint32_t)h.proc);
    put_be32(hdr + 16, (uint32_t)h.type);
    put_be32(hdr + 20, h.serial);
    put_be32(hdr + 24, (uint32_t)h.status);
    hlen = VW_VIRNET_LEN_MIN;
    if (h.type == VW_VIRNET_CALL_WITH_FDS || h.type == VW_VIRNET_REPLY_WITH_FDS) {
        put_be32(hdr + hlen, (uint32_t)fds);
        hlen += VW_VIRNET_FD_COUNT_SIZE;
    }
    if (body.len > VW_VIRNET_LEN_MAX - hlen) {
        snprintf(err, err_len, "payload of %zu bytes: over the 32 MiB message maximum",
                 body.len);
        r = VW_E_TOO_LONG;
        goto cleanup;
    }
    put_be32(hdr, len_v >= 0 ? (uint32_t)len_v : (uint32_t)(hlen + body.len));
    if ((r = vw_cf_buf_append(out, hdr, hlen)) == 0 &&
        (r = vw_cf_buf_append(out, body.p, body.len)) < 0) {
        out->len -= hlen;
    }
cleanup:
    free(raw);
    free(c.used);
    vw_cf_buf_free(&body);
    return r;
}

/* ---- receiving ---- */

struct vw_cf_framer {
    struct vw_virnet_framer f;
    struct vw_xsf_items items;
};

static struct vw_cf_framer *virnet_framer_new(void) {
    struct vw_cf_framer *f = calloc(1, sizeof(*f));

    if (f != NULL) {
        vw_virnet_framer_init(&f->f);
    }
    return f;
}

static void virnet_framer_free(struct vw_cf_framer *f) {
    if (f != NULL) {
        vw_virnet_framer_cleanup(&f->f);
        vw_xsf_items_free(&f->items);
        free(f);
    }
}

static const char *name_of(const char *const *names, size_t n, int64_t v) {
    return v >= 0 && (uint64_t)v < n ? names[v] : NULL;
}

static int header_fields(struct vw_cf_msg *out, uint32_t len, const struct vw_virnet_header *h) {
    const struct vw_virnet_program *g = vw_virnet_program_of(h->prog);
    const struct vw_virnet_proc *p = vw_virnet_proc_find(h->prog, h->proc);
    int r;

    if ((r = vw_xsf_add_uint(out, "len", len)) < 0 ||
        (r = vw_xsf_add_name(out, "prog", g != NULL ? g->name : NULL, h->prog)) < 0 ||
        (r = vw_xsf_add_uint(out, "vers", h->vers)) < 0 ||
        (r = vw_xsf_add_name(out, "proc", p != NULL ? p->name : NULL, h->proc)) < 0 ||
        (r = vw_xsf_add_name(out, "type", name_of(type_names, NUM(type_names), h->type),
                             h->type)) < 0 ||
        (r = vw_xsf_add_uint(out, "serial", h->serial)) < 0 ||
        (r = vw_xsf_add_name(out, "status", name_of(status_names, NUM(status_names),
                                                   h->status), h->status)) < 0) {
        return r;
    }
    snprintf(out->summary, sizeof(out->summary), "len=%u prog=%s vers=%u proc=%s type=%s "
             "serial=%u status=%s", len, out->fields[1].value, h->vers, out->fields[3].value,
             out->fields[4].value, h->serial, out->fields[6].value);
    return 0;
}

/* payload_fields flattens the payload items, prefixing a member named like a header field. */
static int payload_fields(struct vw_cf_msg *out, const struct vw_virnet_msg *m,
                          const struct vw_xsf_items *items) {
    size_t first = out->num_fields;
    const char *root;
    bool raw;
    int r;

    if (m->has_fds && (r = vw_xsf_add_uint(out, "num_fds", m->num_fds)) < 0) {
        return r;
    }
    if (m->body_kind == VW_VIRNET_BODY_RAW) {
        return vw_xsf_add_bytes(out, "data", m->body, false);
    }
    if (m->body_kind == VW_VIRNET_BODY_OPAQUE) {
        return vw_xsf_add_bytes(out, "payload", m->body, false);
    }
    first = out->num_fields;
    if ((r = vw_xsf_flatten(out, "", items->v, items->num)) < 0) {
        return r;
    }
    payload_schema(&m->hdr, &raw, &root);
    for (size_t i = first; i < out->num_fields; i++) {
        char *p;
        if (!is_header(out->fields[i].path)) {
            continue;
        }
        /* the message's arena owns its field strings (adapter.h): the old path stays there */
        if ((p = vw_cf_arena_alloc(&out->arena, strlen(root) + strlen(out->fields[i].path)
                                                    + 2)) == NULL) {
            return VW_E_NOMEM;
        }
        sprintf(p, "%s.%s", root, out->fields[i].path);
        out->fields[i].path = p;
    }
    return 0;
}

/* struct virnet_dec: one framed message and where its decode goes (vw_cf_decode_fn). */
struct virnet_dec {
    struct vw_virnet_msg *m;
    struct vw_span msg;
    struct vw_xsf_items *items;
};

static int virnet_decode(void *ctx, struct vw_diag *diag, struct vw_diag *lax, unsigned flags) {
    struct virnet_dec *d = ctx;

    return vw_virnet_decode(d->m, diag, lax, d->msg.p, d->msg.len, -1, flags, vw_xsf_collect,
                            d->items);
}

static int decode_message(struct vw_cf_framer *f, struct vw_cf_msg *out) {
    struct vw_diag hdiag = { 0 };
    struct vw_virnet_header h;
    struct vw_virnet_msg m;
    struct virnet_dec d = { .m = &m, .items = &f->items };
    struct vw_span msg;
    uint32_t len = 0;
    int rc, r;

    vw_virnet_message(&f->f, &d.msg);
    msg = d.msg;
    rc = vw_cf_decode_twice(out, &f->items, virnet_decode, &d);
    if (vw_virnet_decode_header(&len, &h, &hdiag, msg.p, msg.len) == 0 &&
        (r = header_fields(out, len, &h)) < 0) {
        return r;
    }
    if (rc == 0) {
        return payload_fields(out, &m, &f->items);
    }
    if (msg.len > VW_VIRNET_LEN_MIN) {
        return vw_xsf_add_bytes(out, "payload", (struct vw_span){ msg.p + VW_VIRNET_LEN_MIN,
                                                                  msg.len - VW_VIRNET_LEN_MIN },
                                false);
    }
    return 0;
}

static int virnet_feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                       struct vw_cf_msg *out) {
    int r = vw_virnet_feed(&f->f, in, len, used);

    return vw_cf_feed_step(f, r, f->f.msg_start, "length", decode_message, out);
}

const struct vw_cf_adapter vw_cf_adapter_virnet = {
    .protocol = "virnet",
    .encode = virnet_encode,
    .framer_new = virnet_framer_new,
    .framer_free = virnet_framer_free,
    .feed = virnet_feed,
};
