/* adapter_qemud.c -- the conformance adapter for libvirt's 2007 qemud protocol ("qemud"), built
 * on reference/qemud.h (historic-qemud-openhook-qga.md §1).
 *
 * The runner is the client: structured sends are client packets, received bytes are server
 * packets.  Fields (§1.4):
 *   length     the length word (counts the 8-byte header and the rest)
 *   prog       decimal (QEMUD_PROGRAM is 0x20001A64 = 536877668, §1.2)
 *   serial     decimal
 *   inReplyTo  decimal (server packets only)
 *   type       the packet type without its prefix (DOMAIN_LOOKUP_BY_NAME; server FAILURE),
 *              else decimal (§1.3)
 *   then the arm's members under the empty root (conformance/xs_fields.h): a char array is a
 *   string ("name" = "test"), an unsigned char array x"hex" ("uuid").
 * Encoding: serial defaults to 0, type is required; length is computed and prog is
 * QEMUD_PROGRAM unless assigned (sent as given, for malformed messages); `payload = x"..."`
 * sends raw bytes after the discriminant instead of the arm (a type with no arm needs it).
 * Receiving: messages framed by the length word (vw_qemud_feed), decoded strictly, then
 * leniently when that fails; a length word under 12 or over 262144 is a framing error (§1.6:
 * the server drops the connection). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_feed.h"
#include "adapters.h"
#include "qemud.h"
#include "xs_fields.h"

/* client_type_names returns the client packet type names (§1.3), indexed by type; the table
 * is filled on first use and read-only after, instead of once per send. */
static const char *const *client_type_names(size_t *num) {
    static const char *names[VW_QEMUD_CLIENT_PKT_MAX];
    static bool filled;

    if (!filled) {
        for (int32_t i = 0; i < VW_QEMUD_CLIENT_PKT_MAX; i++) {
            names[i] = vw_qemud_type_name(VW_QEMUD_FROM_CLIENT, i);
        }
        filled = true;
    }
    *num = VW_QEMUD_CLIENT_PKT_MAX;
    return names;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* word reads the header field |path| (|def| when unassigned). */
static int word(const struct vw_txn_assign *a, size_t n, bool *used, const char *path,
                const char *const *names, size_t num_names, int64_t def, int64_t *out,
                char *err, size_t err_len) {
    long at = vw_xsf_find(a, n, used, path);
    int r;

    *out = def;
    if (at >= 0 && (r = vw_xsf_parse_int(a[at].value, INT32_MIN, UINT32_MAX, names, num_names,
                                         out)) < 0) {
        snprintf(err, err_len, "line %u: %s = %s: not a valid %s", a[at].line, path,
                 a[at].value, path);
        return r;
    }
    return 0;
}

static int qemud_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                        char *err, size_t err_len) {
    size_t num_names;
    const char *const *names = client_type_names(&num_names);
    bool small[32] = { false };     /* the usual send has a few assignments: no calloc */
    bool *used = n < 32 ? small : calloc(n + 1, sizeof(*used));
    struct vw_cf_buf body = { 0 };
    const struct vw_xs_type *arm;
    uint8_t hdr[16], *raw = NULL;
    int64_t length = -1, prog = 0, serial = 0, type = -1;
    size_t raw_len = 0;
    long at;
    int r;

    if (used == NULL) {
        return VW_E_NOMEM;
    }
    if ((r = word(a, n, used, "length", NULL, 0, -1, &length, err, err_len)) < 0 ||
        (r = word(a, n, used, "prog", NULL, 0, VW_QEMUD_PROGRAM, &prog, err, err_len)) < 0 ||
        (r = word(a, n, used, "serial", NULL, 0, 0, &serial, err, err_len)) < 0 ||
        (r = word(a, n, used, "type", names, num_names, -1, &type, err, err_len)) < 0) {
        goto cleanup;
    }
    if (vw_xsf_find(a, n, used, "type") < 0) {
        snprintf(err, err_len, "type: missing (the packet type is required)");
        r = VW_E_MEMBER;
        goto cleanup;
    }
    arm = vw_qemud_arm_type(VW_QEMUD_FROM_CLIENT, (int32_t)type);
    if ((at = vw_xsf_find(a, n, used, "payload")) >= 0) {
        if ((r = vw_xsf_parse_bytes(a[at].value, &raw, &raw_len, NULL)) < 0) {
            snprintf(err, err_len, "line %u: payload: not x\"hex\" or a string", a[at].line);
            goto cleanup;
        }
        r = vw_cf_buf_append(&body, raw, raw_len);
    } else if (arm != NULL) {
        r = vw_xsf_encode(arm, "", a, n, used, &body, err, err_len);
    } else {
        snprintf(err, err_len, "type = %lld has no arm: give the payload", (long long)type);
        r = VW_E_DISCRIMINANT;
    }
    if (r < 0 || (r = vw_xsf_check_used(a, n, used, err, err_len)) < 0) {
        goto cleanup;
    }
    /* §1.4: { length; prog } then { serial; union qemud_packet_client_data } */
    put_be32(hdr, length >= 0 ? (uint32_t)length : (uint32_t)(16 + body.len));
    put_be32(hdr + 4, (uint32_t)prog);
    put_be32(hdr + 8, (uint32_t)serial);
    put_be32(hdr + 12, (uint32_t)type);
    if ((r = vw_cf_buf_append(out, hdr, sizeof(hdr))) == 0 &&
        (r = vw_cf_buf_append(out, body.p, body.len)) < 0) {
        out->len -= sizeof(hdr);
    }
cleanup:
    free(raw);
    if (used != small) {
        free(used);
    }
    vw_cf_buf_free(&body);
    return r;
}

/* ---- receiving ---- */

struct vw_cf_framer {
    struct vw_qemud_framer f;
    struct vw_xsf_items items;
};

static struct vw_cf_framer *qemud_framer_new(void) {
    /* not calloc: vw_qemud_framer_init sets every field the framer reads before writing,
     * and zeroing its 256 KiB buffer for every connection cost ~190 Ir per benchmark pair */
    struct vw_cf_framer *f = malloc(sizeof(*f));

    if (f != NULL) {
        vw_qemud_framer_init(&f->f);
        f->items = (struct vw_xsf_items){ 0 };
    }
    return f;
}

static void qemud_framer_free(struct vw_cf_framer *f) {
    if (f != NULL) {
        vw_xsf_items_free(&f->items);
        free(f);
    }
}

static int fields(struct vw_cf_msg *out, const struct vw_qemud_msg *m,
                  const struct vw_xsf_items *items) {
    int r;

    if ((r = vw_cf_msg_add_u64(out, "length", m->length)) < 0 ||
        (r = vw_cf_msg_add_u64(out, "prog", m->prog)) < 0 ||
        (r = vw_cf_msg_add_u64(out, "serial", m->serial)) < 0 ||
        (r = vw_cf_msg_add_u64(out, "inReplyTo", m->in_reply_to)) < 0 ||
        (r = vw_xsf_add_name(out, "type", vw_qemud_type_name(m->direction, m->type),
                             m->type)) < 0) {
        return r;
    }
    /* "length=%u serial=%u inReplyTo=%u type=%s" from the values just formatted (fields 0,
     * 2, 3, 4), without printf: it is built for every message */
    char *s = out->summary;
    size_t cap = sizeof(out->summary), at = 0;
    at = vw_cf_put(s, cap, at, "length=");
    at = vw_cf_put(s, cap, at, out->fields[0].value);
    at = vw_cf_put(s, cap, at, " serial=");
    at = vw_cf_put(s, cap, at, out->fields[2].value);
    at = vw_cf_put(s, cap, at, " inReplyTo=");
    at = vw_cf_put(s, cap, at, out->fields[3].value);
    at = vw_cf_put(s, cap, at, " type=");
    vw_cf_put(s, cap, at, out->fields[4].value);
    /* items[0] is the union, the arm follows */
    return items->num > 1 ? vw_xsf_flatten(out, "", items->v + 1, items->num - 1) : 0;
}

/* header_fields: what an undecodable message claims (length, prog, serial, inReplyTo). */
static int header_fields(struct vw_cf_msg *out, struct vw_span msg) {
    static const char *const names[] = { "length", "prog", "serial", "inReplyTo", "type" };
    int r;

    for (size_t i = 0; i < 5 && 4 * i + 4 <= msg.len; i++) {
        uint32_t v = vw_load_be32(msg.p + 4 * i);
        if ((r = vw_xsf_add_uint(out, names[i], v)) < 0) {
            return r;
        }
    }
    return 0;
}

/* struct qemud_dec: one framed message and where its decode goes (vw_cf_decode_fn). */
struct qemud_dec {
    struct vw_qemud_msg *m;
    struct vw_span msg;
    struct vw_xsf_items *items;
};

static int qemud_decode(void *ctx, struct vw_diag *diag, struct vw_diag *lax, unsigned flags) {
    struct qemud_dec *d = ctx;

    return vw_qemud_decode(d->m, diag, lax, d->msg.p, d->msg.len, VW_QEMUD_FROM_SERVER, flags,
                           vw_xsf_collect, d->items);
}

static int decode_message(struct vw_cf_framer *f, struct vw_cf_msg *out) {
    struct vw_qemud_msg m;
    struct qemud_dec d = { .m = &m, .items = &f->items };
    int rc;

    vw_qemud_message(&f->f, &d.msg);
    if ((rc = vw_cf_decode_twice(out, &f->items, qemud_decode, &d)) == 0) {
        return fields(out, &m, &f->items);
    }
    snprintf(out->summary, sizeof(out->summary), "invalid (%s)", vw_err_name(rc));
    return header_fields(out, d.msg);
}

static int qemud_feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                      struct vw_cf_msg *out) {
    int r = vw_qemud_feed(&f->f, in, len, used);

    return vw_cf_feed_step(f, r, f->f.msg_start, "length", decode_message, out);
}

const struct vw_cf_adapter vw_cf_adapter_qemud = {
    .protocol = "qemud",
    .encode = qemud_encode,
    .framer_new = qemud_framer_new,
    .framer_free = qemud_framer_free,
    .feed = qemud_feed,
};
