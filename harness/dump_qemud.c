/* dump_qemud.c -- readable renderings of qemud messages (historic-qemud-openhook-qga.md §1)
 * from the item list vw_qemud_decode visits.
 *
 * Fixed char vectors (§1.5, one XDR int per char) are shown as C strings up to their first
 * NUL, unsigned char uuid[16] as a UUID, int32_t domains[100] as its first numDomains entries,
 * and the packed name buffers of LIST_*_REPLY as the names at i * QEMUD_MAX_NAME_LEN (§1.4,
 * "server packs name i at byte offset i*QEMUD_MAX_NAME_LEN"). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "dump.h"
#include "qemud.h"

#define SHOW_CHARS 64   /* characters of a char vector in the summary line */
#define BUF_MAX 5000    /* the largest char vector: QEMUD_MAX_*_NAME_BUF */

/* vec_bytes packs the |n| element items after the vector item |v| into |out| (their low
 * bytes; lenient decodes keep out-of-range values, truncated here as libtirpc does). */
static size_t vec_bytes(const struct vw_xs_item *v, size_t avail, uint8_t *out, size_t cap) {
    size_t n = v->type->n;

    if (n > avail) {
        n = avail;
    }
    if (n > cap) {
        n = cap;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)v[1 + i].u;
    }
    return n;
}

/* cstr is the C string at the start of |s|: up to its first NUL. */
static struct vw_span cstr(const uint8_t *p, size_t n) {
    const uint8_t *nul = memchr(p, 0, n);
    return (struct vw_span){ .p = p, .len = nul != NULL ? (size_t)(nul - p) : n };
}

static void put_uuid(FILE *f, const uint8_t *u, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
    }
}

static bool is_name_buf(const struct vw_xs_item *v) {
    return v->type->elem->kind == VW_XS_CHAR &&
           (v->type->n == VW_QEMUD_MAX_DOMAINS_NAME_BUF ||
            v->type->n == VW_QEMUD_MAX_NETWORKS_NAME_BUF) &&
           v->name != NULL && (strcmp(v->name, "domains") == 0 || strcmp(v->name, "networks") == 0);
}

/* put_vector prints the vector item |v| (its elements follow it) with |count| (the struct's
 * num* field, or -1) bounding id lists and name buffers; |max| characters of a string. */
static void put_vector(FILE *f, const struct vw_xs_item *v, size_t avail, int64_t count,
                       size_t max) {
    static uint8_t b[BUF_MAX];
    size_t n;

    if (v->type->elem->kind == VW_XS_INT) {
        size_t k = count < 0 ? 0 : (size_t)count;
        if (k > v->type->n || k > avail) {
            k = v->type->n < avail ? v->type->n : avail;
        }
        fputc('[', f);
        for (size_t i = 0; i < k; i++) {
            fprintf(f, "%s%" PRId64, i > 0 ? ", " : "", v[1 + i].i);
        }
        fputc(']', f);
        return;
    }
    n = vec_bytes(v, avail, b, sizeof(b));
    if (v->type->elem->kind == VW_XS_UCHAR) {
        put_uuid(f, b, n);
        return;
    }
    if (is_name_buf(v)) {
        size_t k = count < 0 ? 0 : (size_t)count, slots = n / VW_QEMUD_MAX_NAME_LEN;
        fputc('[', f);
        for (size_t i = 0; i < k && i < slots; i++) {
            fputs(i > 0 ? ", " : "", f);
            vw_dump_string(f, cstr(b + i * VW_QEMUD_MAX_NAME_LEN, VW_QEMUD_MAX_NAME_LEN), max);
        }
        fputc(']', f);
        return;
    }
    vw_dump_string(f, cstr(b, n), max);
}

/* walk_fields calls |fn| for each field of the arm struct (depth 2) with the struct's last
 * count field seen (numDomains, numNetworks). */
typedef void (*field_fn)(FILE *f, const struct vw_xs_item *it, size_t avail, int64_t count,
                         void *ctx);

static void walk_fields(FILE *f, const struct vw_xs_item *items, size_t num_items, field_fn fn,
                        void *ctx) {
    int64_t count = -1;

    for (size_t i = 0; i < num_items; i++) {
        const struct vw_xs_item *it = &items[i];
        if (it->depth != 2) {
            continue;
        }
        if (it->name != NULL && strncmp(it->name, "num", 3) == 0) {
            count = it->i;
        }
        fn(f, it, num_items - i - 1, count, ctx);
    }
}

static void line_field(FILE *f, const struct vw_xs_item *it, size_t avail, int64_t count,
                       void *ctx) {
    bool *first = ctx;

    fprintf(f, "%s%s=", *first ? "" : " ", it->name != NULL ? it->name : "?");
    *first = false;
    switch (it->type->kind) {
    case VW_XS_INT:
        fprintf(f, "%" PRId64, it->i);
        break;
    case VW_XS_VECTOR:
        put_vector(f, it, avail, count, SHOW_CHARS);
        break;
    default:
        fprintf(f, "%" PRIu64, it->u);
        break;
    }
}

void vw_dump_qemud_line(FILE *f, const struct vw_qemud_msg *m, const struct vw_xs_item *items,
                        size_t num_items) {
    bool first = true;

    fprintf(f, "%s serial=%" PRIu32, m->direction == VW_QEMUD_FROM_SERVER ? "server" : "client",
            m->serial);
    if (m->direction == VW_QEMUD_FROM_SERVER) {
        fprintf(f, " inReplyTo=%" PRIu32, m->in_reply_to);
    }
    fprintf(f, " %s", vw_qemud_type_name(m->direction, m->type));
    if (m->body_type != NULL && m->body_type->kind != VW_XS_VOID) {
        fputs(" {", f);
        walk_fields(f, items, num_items, line_field, &first);
        fputc('}', f);
    }
}

void vw_dump_qemud_fields(FILE *f, const struct vw_qemud_msg *m, const struct vw_xs_item *items,
                          size_t num_items, const char *indent) {
    int64_t count = -1;

    fprintf(f, "%slength = %" PRIu32 "\n%sprog = 0x%08" PRIx32 "\n%sserial = %" PRIu32 "\n",
            indent, m->length, indent, m->prog, indent, m->serial);
    if (m->direction == VW_QEMUD_FROM_SERVER) {
        fprintf(f, "%sinReplyTo = %" PRIu32 "\n", indent, m->in_reply_to);
    }
    for (size_t i = 0; i < num_items; i++) {
        const struct vw_xs_item *it = &items[i];
        const struct vw_xs_type *t = it->type;

        fprintf(f, "%s%*s%s: %s @%zu", indent, (int)(2 * it->depth), "",
                it->depth == 0 ? "data" : it->name != NULL ? it->name : "(void)",
                t->kind == VW_XS_STRUCT || t->kind == VW_XS_UNION || t->kind == VW_XS_VECTOR
                    ? t->name
                    : vw_xs_kind_name(t->kind),
                it->offset);
        switch (t->kind) {
        case VW_XS_UNION:
            fprintf(f, " = %" PRId64 " (%s)", it->i, vw_qemud_type_name(m->direction,
                                                                         (int32_t)it->i));
            break;
        case VW_XS_INT:
        case VW_XS_CHAR:
            fprintf(f, " = %" PRId64, it->i);
            break;
        case VW_XS_UINT:
        case VW_XS_UHYPER:
        case VW_XS_UCHAR:
            fprintf(f, " = %" PRIu64, it->u);
            break;
        case VW_XS_VECTOR:
            fputs(" = ", f);
            put_vector(f, it, num_items - i - 1, count, BUF_MAX);
            i += t->n < num_items - i - 1 ? t->n : num_items - i - 1;  /* elements shown */
            break;
        default:
            break;
        }
        if (it->depth == 2 && it->name != NULL && strncmp(it->name, "num", 3) == 0) {
            count = it->i;
        }
        fputc('\n', f);
    }
}
