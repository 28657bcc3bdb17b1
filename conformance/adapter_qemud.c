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

/* The client packet type names (§1.3) indexed by type, and their lengths: filled on first use
 * and read-only after, instead of once per send. */
static const char *type_names[VW_QEMUD_CLIENT_PKT_MAX];
static size_t type_name_lens[VW_QEMUD_CLIENT_PKT_MAX];
static bool type_names_unique;      /* no name twice: the last match may be tried first */
static size_t type_last;            /* the index the last name lookup found */

static void fill_type_names(void) {
    static bool filled;

    if (!filled) {
        type_names_unique = true;
        for (int32_t i = 0; i < VW_QEMUD_CLIENT_PKT_MAX; i++) {
            type_names[i] = vw_qemud_type_name(VW_QEMUD_FROM_CLIENT, i);
            type_name_lens[i] = type_names[i] != NULL ? strlen(type_names[i]) : 0;
            for (int32_t j = 0; j < i && type_names[i] != NULL; j++) {
                if (type_names[j] != NULL && strcmp(type_names[i], type_names[j]) == 0) {
                    type_names_unique = false;
                }
            }
        }
        filled = true;
    }
}

/* parse_type reads the `type` value: a client packet name (the first equal entry of the
 * table, as vw_xsf_parse_int with names would find it; with unique names the entry the last
 * lookup found is tried first, then the others where length and first byte agree) or an
 * integer in [INT32_MIN, UINT32_MAX]. */
static int parse_type(const char *v, int64_t *out) {
    size_t n = strlen(v);

    fill_type_names();
    if (type_names_unique && type_name_lens[type_last] == n && type_names[type_last] != NULL &&
        memcmp(type_names[type_last], v, n) == 0) {
        *out = (int64_t)type_last;
        return 0;
    }
    for (size_t i = 0; i < VW_QEMUD_CLIENT_PKT_MAX; i++) {
        if (type_name_lens[i] == n && type_names[i] != NULL && type_names[i][0] == v[0] &&
            memcmp(type_names[i], v, n) == 0) {
            type_last = i;
            *out = (int64_t)i;
            return 0;
        }
    }
    return vw_xsf_parse_int(v, INT32_MIN, UINT32_MAX, NULL, 0, out);
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The assignments the encoder reads itself, in the order they are checked. */
enum { H_LENGTH, H_PROG, H_SERIAL, H_TYPE, H_PAYLOAD, H_COUNT };

/* header_slot tells which of the encoder's own paths |p| is (H_*), or H_COUNT for an arm
 * member: one pass over the assignments instead of one search per header field. */
static int header_slot(const char *p) {
    switch (p[0]) {
    case 'l':
        return strcmp(p, "length") == 0 ? H_LENGTH : H_COUNT;
    case 'p':
        return strcmp(p, "prog") == 0 ? H_PROG : strcmp(p, "payload") == 0 ? H_PAYLOAD : H_COUNT;
    case 's':
        return strcmp(p, "serial") == 0 ? H_SERIAL : H_COUNT;
    case 't':
        return strcmp(p, "type") == 0 ? H_TYPE : H_COUNT;
    default:
        return H_COUNT;
    }
}

static int qemud_encode(const struct vw_txn_assign *a, size_t n, struct vw_cf_buf *out,
                        char *err, size_t err_len) {
    static const char *const what[] = { "length", "prog", "serial", "type" };
    bool small[32] = { false };     /* the usual send has a few assignments: no calloc */
    bool *used = n < 32 ? small : calloc(n + 1, sizeof(*used));
    const struct vw_xs_type *arm;
    uint8_t *raw = NULL;
    /* -1 (computed), QEMUD_PROGRAM (§1.2), serial 0; type required */
    int64_t hdr[H_PAYLOAD] = { -1, VW_QEMUD_PROGRAM, 0, -1 };
    long at[H_COUNT] = { -1, -1, -1, -1, -1 };
    size_t raw_len = 0, start = out->len;
    int r = 0;

    if (used == NULL) {
        return VW_E_NOMEM;
    }
    /* the first assignment at each header path is the one read (vw_xsf_find); a second one
     * stays unused and vw_xsf_check_used reports it as assigned twice */
    for (size_t i = 0; i < n; i++) {
        int k = header_slot(a[i].path);
        if (k < H_COUNT && at[k] < 0) {
            at[k] = (long)i;
            used[i] = true;
        }
    }
    for (int k = H_LENGTH; k <= H_TYPE && r == 0; k++) {
        if (at[k] < 0) {
            continue;
        }
        r = k == H_TYPE ? parse_type(a[at[k]].value, &hdr[k])
                        : vw_xsf_parse_int(a[at[k]].value, INT32_MIN, UINT32_MAX, NULL, 0,
                                           &hdr[k]);
        if (r < 0) {
            snprintf(err, err_len, "line %u: %s = %s: not a valid %s", a[at[k]].line, what[k],
                     a[at[k]].value, what[k]);
        }
    }
    if (r < 0) {
        goto cleanup;
    }
    if (at[H_TYPE] < 0) {
        snprintf(err, err_len, "type: missing (the packet type is required)");
        r = VW_E_MEMBER;
        goto cleanup;
    }
    /* §1.4: { length; prog } then { serial; union qemud_packet_client_data }: the 16 header
     * bytes first, the arm encoded straight after them in |out|, the length filled last */
    if ((r = vw_cf_buf_reserve(out, 16)) < 0) {
        goto cleanup;
    }
    out->len += 16;
    arm = vw_qemud_arm_type(VW_QEMUD_FROM_CLIENT, (int32_t)hdr[H_TYPE]);
    if (at[H_PAYLOAD] >= 0) {
        if ((r = vw_xsf_parse_bytes(a[at[H_PAYLOAD]].value, &raw, &raw_len, NULL)) < 0) {
            snprintf(err, err_len, "line %u: payload: not x\"hex\" or a string",
                     a[at[H_PAYLOAD]].line);
            goto cleanup;
        }
        r = vw_cf_buf_append(out, raw, raw_len);
    } else if (arm != NULL) {
        r = vw_xsf_encode(arm, "", a, n, used, out, err, err_len);
    } else {
        snprintf(err, err_len, "type = %lld has no arm: give the payload",
                 (long long)hdr[H_TYPE]);
        r = VW_E_DISCRIMINANT;
    }
    if (r < 0 || (r = vw_xsf_check_used(a, n, used, err, err_len)) < 0) {
        goto cleanup;
    }
    put_be32(out->p + start, hdr[H_LENGTH] >= 0 ? (uint32_t)hdr[H_LENGTH]
                                                : (uint32_t)(out->len - start));
    put_be32(out->p + start + 4, (uint32_t)hdr[H_PROG]);
    put_be32(out->p + start + 8, (uint32_t)hdr[H_SERIAL]);
    put_be32(out->p + start + 12, (uint32_t)hdr[H_TYPE]);
cleanup:
    if (r < 0) {
        out->len = start;           /* nothing appended on error */
    }
    free(raw);
    if (used != small) {
        free(used);
    }
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

/* prog_text returns QEMUD_PROGRAM in decimal (§1.2), formatted on first use: nearly every
 * message carries it, so its nine digits are copied, not divided out, per message. */
static const char *prog_text(size_t *len) {
    static char text[VW_CF_FMT_MAX];
    static size_t text_len;

    if (text_len == 0) {
        text_len = vw_cf_fmt_u64(text, VW_QEMUD_PROGRAM);
    }
    *len = text_len;
    return text;
}

/* put_num writes "path\0" and the decimal |v| with its NUL at |*t| as field |f|, advancing
 * |*t|; returns the value's length.  |path_len| includes the path's NUL. */
static size_t put_num(struct vw_cf_field *f, char **t, const char *path, size_t path_len,
                      uint32_t v) {
    size_t n;

    memcpy(*t, path, path_len);
    f->path = *t;
    f->value = *t + path_len;
    if (v == VW_QEMUD_PROGRAM) {
        const char *p = prog_text(&n);
        memcpy(f->value, p, n + 1);
    } else {
        n = vw_cf_fmt_u64(f->value, v);
    }
    *t += path_len + n + 1;
    return n;
}

#define VW_LIT(s) (s), sizeof(s)    /* a literal path and its size with the NUL */

/* fields adds the header fields (§1.4) in one piece of the arena, the summary from the same
 * texts, then the arm's members. */
static int fields(struct vw_cf_msg *out, const struct vw_qemud_msg *m,
                  const struct vw_xsf_items *items) {
    const char *name = vw_qemud_type_name(m->direction, m->type);
    char tnum[VW_CF_FMT_MAX + 1];
    size_t name_len, len[4];
    struct vw_cf_field *f;
    char *t;

    if (name == NULL || strcmp(name, "?") == 0) {
        /* no name: the type in decimal (vw_xsf_add_name) */
        name_len = vw_cf_fmt_i64(tnum, m->type);
        name = tnum;
    } else {
        name_len = strlen(name);
    }
    /* "length\0N\0prog\0N\0serial\0N\0inReplyTo\0N\0type\0NAME\0", each N at most
     * VW_CF_FMT_MAX - 1 digits */
    f = vw_cf_msg_add_fields(out, 5, 7 + 5 + 7 + 10 + 5 + 4 * VW_CF_FMT_MAX + name_len + 1,
                             &t);
    if (f == NULL) {
        return VW_E_NOMEM;
    }
    len[0] = put_num(&f[0], &t, VW_LIT("length"), m->length);
    len[1] = put_num(&f[1], &t, VW_LIT("prog"), m->prog);
    len[2] = put_num(&f[2], &t, VW_LIT("serial"), m->serial);
    len[3] = put_num(&f[3], &t, VW_LIT("inReplyTo"), m->in_reply_to);
    memcpy(t, "type", 5);
    f[4].path = t;
    f[4].value = t + 5;
    memcpy(t + 5, name, name_len + 1);
    /* "length=%u serial=%u inReplyTo=%u type=%s" from the texts just written, without
     * printf or strlen: it is built for every message */
    char *s = out->summary;
    size_t at = 0, cap = sizeof(out->summary);
    if (7 + len[0] + 8 + len[2] + 11 + len[3] + 6 + name_len < cap) {
        memcpy(s, "length=", 7);
        memcpy(s + 7, f[0].value, len[0]);
        at = 7 + len[0];
        memcpy(s + at, " serial=", 8);
        memcpy(s + at + 8, f[2].value, len[2]);
        at += 8 + len[2];
        memcpy(s + at, " inReplyTo=", 11);
        memcpy(s + at + 11, f[3].value, len[3]);
        at += 11 + len[3];
        memcpy(s + at, " type=", 6);
        memcpy(s + at + 6, name, name_len + 1);
    } else {
        /* (a name too long for one line: truncated as the pieces come) */
        at = vw_cf_put(s, cap, at, "length=");
        at = vw_cf_put(s, cap, at, f[0].value);
        at = vw_cf_put(s, cap, at, " serial=");
        at = vw_cf_put(s, cap, at, f[2].value);
        at = vw_cf_put(s, cap, at, " inReplyTo=");
        at = vw_cf_put(s, cap, at, f[3].value);
        at = vw_cf_put(s, cap, at, " type=");
        vw_cf_put(s, cap, at, name);
    }
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
