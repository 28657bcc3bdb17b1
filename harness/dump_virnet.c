/* dump_virnet.c -- renderings of libvirt RPC messages; see dump_virnet.h. */
#include <inttypes.h>
#include <string.h>

#include "dump.h"
#include "dump_virnet.h"

#define PATH_MAX_LEN 256    /* longest item path shown; longer ones are cut */
#define SUMMARY_LEAVES 8    /* leaves shown on the one-line summary */
#define STRING_SHOWN 64     /* bytes of a string shown */
#define OPAQUE_SHOWN 32     /* bytes of opaque data shown */

void vw_dump_virnet_header(FILE *f, uint32_t len, const struct vw_virnet_header *h) {
    const struct vw_virnet_program *prog = vw_virnet_program_find(h->prog, h->vers);
    const struct vw_virnet_proc *proc = prog != NULL ? vw_virnet_proc_find(h->prog, h->proc)
                                                     : NULL;

    fprintf(f,
            "len=%" PRIu32 " prog=0x%08" PRIx32 " %s vers=%" PRIu32 " proc=%" PRId32
            " %s type=%s(%" PRId32 ") serial=%" PRIu32 " status=%s(%" PRId32 ")",
            len, h->prog, prog != NULL ? prog->name : "?", h->vers, h->proc,
            proc != NULL ? proc->name : "?", vw_virnet_type_name(h->type), h->type, h->serial,
            vw_virnet_status_name(h->status), h->status);
}

/* ---- payload items with their paths ---- */

struct level {
    size_t path_len;                 /* length of this node's path */
    const struct vw_xs_type *type;
    uint64_t next;                   /* ARRAY/VECTOR: index of the next element */
};

struct walker {
    FILE *f;
    const char *indent;              /* NULL: summary mode */
    char path[PATH_MAX_LEN];
    struct level levels[VW_XS_DEPTH_MAX + 2];
    unsigned leaves;                 /* summary: leaves printed */
    bool is_error;                   /* summary of a remote_error */
    int32_t error_code;
    bool error_has_message;
    struct vw_span error_message;
};

static bool is_leaf(const struct vw_xs_item *it) {
    switch (it->type->kind) {
    case VW_XS_STRUCT:
    case VW_XS_VECTOR:
    case VW_XS_ARRAY:
    case VW_XS_UNION:
        return false;
    case VW_XS_OPTIONAL:
        return it->u == 0;
    default:
        return true;
    }
}

static void print_value(FILE *f, const struct vw_xs_item *it) {
    switch (it->type->kind) {
    case VW_XS_VOID:
        fputs("void", f);
        break;
    case VW_XS_INT:
    case VW_XS_HYPER:
    case VW_XS_ENUM:
    case VW_XS_CHAR:
    case VW_XS_SHORT:
        fprintf(f, "%" PRId64, it->i);
        break;
    case VW_XS_UINT:
    case VW_XS_UHYPER:
    case VW_XS_UCHAR:
    case VW_XS_USHORT:
        fprintf(f, "%" PRIu64, it->u);
        break;
    case VW_XS_BOOL:
        fputs(it->u != 0 ? "true" : "false", f);
        break;
    case VW_XS_STRING:
        vw_dump_string(f, it->bytes, STRING_SHOWN);
        break;
    case VW_XS_OPAQUE:
    case VW_XS_FIXED_OPAQUE:
        vw_dump_hex(f, it->bytes, OPAQUE_SHOWN);
        break;
    case VW_XS_VECTOR:
        fprintf(f, "%" PRIu32 " elements", it->type->n);
        break;
    case VW_XS_ARRAY:
        fprintf(f, "%" PRIu64 " elements", it->u);
        break;
    case VW_XS_OPTIONAL:
        fputs(it->u != 0 ? "present" : "NULL", f);
        break;
    case VW_XS_STRUCT:
        fputs("struct", f);
        break;
    case VW_XS_UNION:
        fprintf(f, "discriminant %" PRId64, it->i);
        break;
    }
}

/* set_path builds the path of |it| from its parent's: ".name", "[k]" for an element, "*" for
 * what an optional points to. */
static void set_path(struct walker *w, const struct vw_xs_item *it) {
    unsigned d = it->depth < VW_XS_DEPTH_MAX + 1 ? it->depth : VW_XS_DEPTH_MAX + 1;
    size_t n = d > 0 ? w->levels[d - 1].path_len : strlen(w->path);
    int k = 0;

    if (d > 0) {
        struct level *parent = &w->levels[d - 1];
        if (parent->type->kind == VW_XS_ARRAY || parent->type->kind == VW_XS_VECTOR) {
            k = snprintf(w->path + n, sizeof(w->path) - n, "[%" PRIu64 "]", parent->next++);
        } else if (it->name != NULL) {
            k = snprintf(w->path + n, sizeof(w->path) - n, ".%s", it->name);
        } else if (parent->type->kind == VW_XS_OPTIONAL) {
            k = snprintf(w->path + n, sizeof(w->path) - n, "*");
        }
        n += k > 0 ? (size_t)k : 0;
        n = n < sizeof(w->path) ? n : sizeof(w->path) - 1;
        w->path[n] = '\0';
    }
    w->levels[d] = (struct level){ .path_len = n, .type = it->type };
}

static int visit(void *ctx, const struct vw_xs_item *it) {
    struct walker *w = ctx;
    const char *p;

    set_path(w, it);
    if (w->indent != NULL) {
        fprintf(w->f, "%s%s (%s): ", w->indent, w->path, it->type->name);
        print_value(w->f, it);
        fputc('\n', w->f);
        return 0;
    }
    if (w->is_error) {
        if (it->depth == 1 && it->name != NULL && strcmp(it->name, "code") == 0) {
            w->error_code = (int32_t)it->i;
        } else if (it->type->kind == VW_XS_STRING && strcmp(w->path, "error.message*") == 0) {
            w->error_has_message = true;
            w->error_message = it->bytes;
        }
        return 0;
    }
    if (!is_leaf(it) || it->type->kind == VW_XS_VOID) {
        return 0;
    }
    if (w->leaves++ == SUMMARY_LEAVES) {
        fputs(" ...", w->f);
    }
    if (w->leaves > SUMMARY_LEAVES) {
        return 0;
    }
    p = strchr(w->path, '.');  /* the summary leaves out the root name and the '*'s */
    fputc(' ', w->f);
    for (p = p != NULL ? p + 1 : w->path; *p != '\0'; p++) {
        if (*p != '*') {
            fputc(*p, w->f);
        }
    }
    fputc('=', w->f);
    print_value(w->f, it);
    return 0;
}

/* root_name names a payload: args, ret, msg, error, hole, or payload. */
static const char *root_name(const struct vw_virnet_msg *m) {
    if (m->body_type == &vw_virnet_error_type) {
        return "error";
    }
    if (m->body_type == &vw_virnet_stream_hole_type) {
        return "hole";
    }
    if (m->body_kind == VW_VIRNET_BODY_XDR && m->body_type != &vw_xs_void) {
        switch (m->hdr.type) {
        case VW_VIRNET_CALL:
        case VW_VIRNET_CALL_WITH_FDS:
            return "args";
        case VW_VIRNET_REPLY:
        case VW_VIRNET_REPLY_WITH_FDS:
            return "ret";
        case VW_VIRNET_MESSAGE:
            return "msg";
        default:
            break;
        }
    }
    return "payload";
}

/* walk_body re-reads the payload (already checked by vw_virnet_decode) for the visitor. */
static void walk_body(struct walker *w, const struct vw_virnet_msg *m, const uint8_t *base) {
    snprintf(w->path, sizeof(w->path), "%s", root_name(m));
    if (vw_xs_decode_body(m->body_type, base, m->body.p, m->body.len, VW_DEC_LENIENT, NULL, NULL,
                          visit, w) < 0) {
        fputs(" (payload unreadable)", w->f);
    }
}

void vw_dump_virnet_summary(FILE *f, const struct vw_virnet_msg *m, const uint8_t *base) {
    struct walker w = { .f = f };

    if (m->has_fds) {
        fprintf(f, " fds=%" PRIu32, m->num_fds);
    }
    switch (m->body_kind) {
    case VW_VIRNET_BODY_RAW:
        fprintf(f, " data=%zuB%s", m->body.len, m->body.len == 0 ? " (EOF)" : "");
        return;
    case VW_VIRNET_BODY_OPAQUE:
        fprintf(f, " payload=%zuB opaque%s", m->body.len,
                m->program == NULL   ? " (unknown program)"
                : m->proc == NULL    ? " (unknown procedure)"
                                     : " (no payload rule for this type/status)");
        return;
    case VW_VIRNET_BODY_XDR:
        break;
    }
    if (m->body_type == &vw_xs_void) {
        if (m->hdr.type == VW_VIRNET_STREAM && m->hdr.status == VW_VIRNET_ERROR) {
            fputs(" (abort)", f);
        }
        return;
    }
    w.is_error = m->body_type == &vw_virnet_error_type;
    walk_body(&w, m, base);
    if (w.is_error) {
        fprintf(f, " error code=%" PRId32 " ", w.error_code);
        if (w.error_has_message) {
            vw_dump_string(f, w.error_message, STRING_SHOWN);
        } else {
            fputs("NULL", f);
        }
    }
}

void vw_dump_virnet_fields(FILE *f, const struct vw_virnet_msg *m, const uint8_t *base,
                           const char *indent) {
    const struct vw_virnet_header *h = &m->hdr;
    struct walker w = { .f = f, .indent = indent };

    fprintf(f, "%slength: %" PRIu32 "\n", indent, m->len);
    fprintf(f, "%sprog: 0x%08" PRIx32 " (%s)\n", indent, h->prog,
            m->program != NULL ? m->program->name : "?");
    fprintf(f, "%svers: %" PRIu32 "\n", indent, h->vers);
    fprintf(f, "%sproc: %" PRId32 " (%s)\n", indent, h->proc,
            m->proc != NULL ? m->proc->name : "?");
    fprintf(f, "%stype: %" PRId32 " (%s)\n", indent, h->type, vw_virnet_type_name(h->type));
    fprintf(f, "%sserial: %" PRIu32 "\n", indent, h->serial);
    fprintf(f, "%sstatus: %" PRId32 " (%s)\n", indent, h->status,
            vw_virnet_status_name(h->status));
    if (m->has_fds) {
        fprintf(f, "%snum_fds: %" PRIu32 "\n", indent, m->num_fds);
    }
    if (m->body_kind != VW_VIRNET_BODY_XDR) {
        fprintf(f, "%spayload (%s): %zu bytes ", indent,
                m->body_kind == VW_VIRNET_BODY_RAW ? "stream data" : "opaque", m->body.len);
        vw_dump_hex(f, m->body, OPAQUE_SHOWN);
        fputc('\n', f);
        return;
    }
    walk_body(&w, m, base);
}
