/* mkseeds_virnet_procs.c -- seeds of fuzz_virnet_differential, written by the reference
 * encoder (vw_xs_encode); called from mkseeds.c.
 *
 * Each seed is the 4-byte selector of fuzzers/fuzz_virnet_differential.c (program index,
 * procedure big-endian, payload index) and a payload:
 *   - one per payload schema of reference/virnet_procs.c (and the error and stream-hole
 *     structs), encoded from an item list built by walking the schema with typical values;
 *   - the real payloads of virnet-oncrpc.md §8 and §3 [WIRE], decoded strictly and re-encoded,
 *     so a seed is always the encoder's output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkseeds.h"
#include "virnet_procs.h"
#include "xs.h"


#define ITEMS_CAP 1024
#define PAYLOAD_CAP 4096

/* Program index of the selector byte 0, in the fuzz target's order. */
static const uint32_t progs[] = {
    VW_VIRNET_REMOTE_PROGRAM, VW_VIRNET_QEMU_PROGRAM, VW_VIRNET_LXC_PROGRAM,
    VW_VIRNET_KEEPALIVE_PROGRAM, VW_VIRNET_ADMIN_PROGRAM,
};
static const char *const which_name[] = { "args", "ret", "msg", "error", "stream_hole" };

static const char *dir;

static void die(const char *what) {
    fprintf(stderr, "vw_mkseeds: virnet_differential: %s\n", what);
    exit(1);
}

static void write_seed(const char *name, uint32_t prog, int32_t proc, unsigned which,
                       const uint8_t *p, size_t n) {
    uint8_t sel[4] = { 0, (uint8_t)((uint32_t)proc >> 8), (uint8_t)proc, (uint8_t)which };

    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        if (progs[i] == prog) {
            sel[0] = (uint8_t)i;
        }
    }
    vw_mkseeds_write(dir, "virnet_differential", name, sel, sizeof(sel), p, n);
}

struct build {
    struct vw_xs_item v[ITEMS_CAP];
    size_t n;
};

/* example appends the items of a typical value of |t|: numbers 1 (hypers 9000000, the 9.0
 * lib_ver), strings "vw", a fixed pattern for opaque[n], one element per array, optional
 * data present, the first arm of a union. */
static void example(struct build *b, const struct vw_xs_type *t, const char *name,
                    unsigned depth) {
    static const uint8_t pattern[64] = {
        0xd9, 0x50, 0x9c, 0x57, 0xac, 0x40, 0x44, 0xbf, 0x8e, 0xa2, 0x5f, 0xdb, 0x48, 0x1b,
        0x6e, 0xac,
    };
    struct vw_xs_item *it;

    if (b->n >= ITEMS_CAP || depth > VW_XS_DEPTH_MAX) {
        die("example too large");
    }
    it = &b->v[b->n++];
    *it = (struct vw_xs_item){ .type = t, .name = name, .depth = depth, .u = 1, .i = 1 };
    switch (t->kind) {
    case VW_XS_HYPER:
    case VW_XS_UHYPER:
        it->u = 9000000;
        it->i = 9000000;
        break;
    case VW_XS_ENUM:
        it->u = (uint32_t)t->lo;
        it->i = t->lo;
        break;
    case VW_XS_STRING:
    case VW_XS_OPAQUE:
        it->bytes = (struct vw_span){ .p = (const uint8_t *)"vw", .len = 2 };
        break;
    case VW_XS_FIXED_OPAQUE:
        if (t->n > sizeof(pattern)) {
            die("opaque[n] over the pattern");
        }
        it->bytes = (struct vw_span){ .p = pattern, .len = t->n };
        break;
    case VW_XS_VECTOR:
        for (uint32_t k = 0; k < t->n; k++) {
            example(b, t->elem, NULL, depth + 1);
        }
        break;
    case VW_XS_ARRAY:
    case VW_XS_OPTIONAL:
        example(b, t->elem, NULL, depth + 1);
        break;
    case VW_XS_STRUCT:
        for (size_t k = 0; k < t->num_fields; k++) {
            example(b, t->fields[k].type, t->fields[k].name, depth + 1);
        }
        break;
    case VW_XS_UNION:
        if (t->num_arms == 0) {
            die("union without arms");
        }
        it->u = (uint32_t)t->arms[0].value;
        it->i = t->arms[0].value;
        example(b, t->arms[0].type, t->arms[0].name, depth + 1);
        break;
    default:
        break;
    }
}

static void write_example(const char *name, uint32_t prog, int32_t proc, unsigned which,
                          const struct vw_xs_type *t) {
    static struct build b;
    uint8_t out[PAYLOAD_CAP];
    struct vw_xdr_enc e;
    size_t pos = 0;

    b.n = 0;
    example(&b, t, NULL, 0);
    vw_xdr_enc_init(&e, out, sizeof(out));
    if (vw_xs_encode(t, &e, b.v, b.n, &pos) < 0 || pos != b.n) {
        die(name);
    }
    write_seed(name, prog, proc, which, out, e.len);
}

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct build *b = ctx;

    if (b->n >= ITEMS_CAP) {
        return VW_E_NOSPACE;
    }
    b->v[b->n++] = *it;
    return 0;
}

/* write_real decodes a captured payload strictly and writes its re-encoding. */
static void write_real(const char *name, uint32_t prog, int32_t proc, unsigned which,
                       const struct vw_xs_type *t, const uint8_t *p, size_t n) {
    static struct build b;
    uint8_t out[PAYLOAD_CAP];
    struct vw_diag diag = { 0 };
    struct vw_xdr_enc e;
    size_t pos = 0;

    b.n = 0;
    if (vw_xs_decode_body(t, p, p, n, 0, &diag, NULL, collect, &b) < 0) {
        die(name);
    }
    vw_xdr_enc_init(&e, out, sizeof(out));
    if (vw_xs_encode(t, &e, b.v, b.n, &pos) < 0 || e.len != n || memcmp(out, p, n) != 0) {
        die(name);
    }
    write_seed(name, prog, proc, which, out, e.len);
}

/* Captured payloads, virnet-oncrpc.md §8 and §3 [WIRE]. */
static const uint8_t connect_open_args[] = {
    0, 0, 0, 1, 0, 0, 0, 0x0f, 'q', 'e', 'm', 'u', ':', '/', '/', '/', 's', 'e', 's', 's',
    'i', 'o', 'n', 0, 0, 0, 0, 6,
};
static const uint8_t auth_list_ret[] = { 0, 0, 0, 1, 0, 0, 0, 0 };
static const uint8_t get_info_ret[] = {
    0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0x19, 0x08, 0xb1, 0x00,
};
static const uint8_t lib_version_ret[] = { 0, 0, 0, 0, 0, 0x89, 0x54, 0x40 };
static const uint8_t callback_lifecycle_msg[] = {
    0, 0, 0, 0, 0, 0, 0, 6, 'p', 'r', 'o', 'b', 'e', '1', 0, 0,
    0xd9, 0x50, 0x9c, 0x57, 0xac, 0x40, 0x44, 0xbf, 0x8e, 0xa2, 0x5f, 0xdb, 0x48, 0x1b, 0x6e, 0xac,
    0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0,
};
static const uint8_t error_unknown_proc[] = {
    0, 0, 0, 0x27, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0x17,
    'u', 'n', 'k', 'n', 'o', 'w', 'n', ' ', 'p', 'r', 'o', 'c', 'e', 'd', 'u', 'r',
    'e', ':', ' ', '9', '9', '9', '9', 0, 0, 0, 0, 2, 0, 0, 0, 0,
    0, 0, 0, 1, 0, 0, 0, 2, '%', 's', 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x17,
    'u', 'n', 'k', 'n', 'o', 'w', 'n', ' ', 'p', 'r', 'o', 'c', 'e', 'd', 'u', 'r',
    'e', ':', ' ', '9', '9', '9', '9', 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,
};
static const uint8_t hostname_ret[] = { 0, 0, 0, 2, 'v', 'm', 0, 0 };

void vw_mkseeds_virnet_procs(const char *outdir) {
    static const unsigned which_args = 0, which_ret = 1, which_msg = 2, which_error = 3,
                          which_hole = 4;
    const struct vw_virnet_proc *p;
    char name[160];

    dir = outdir;
    for (size_t i = 0; (p = vw_virnet_proc_at(i)) != NULL; i++) {
        const struct vw_xs_type *ts[3] = { p->args, p->ret, p->msg };
        const struct vw_virnet_program *prog =
            vw_virnet_program_find(p->prog, VW_VIRNET_PROGRAM_VERSION);
        for (unsigned w = 0; w < 3; w++) {
            if (ts[w] != NULL) {
                snprintf(name, sizeof(name), "%s-%s-%s", prog != NULL ? prog->name : "?",
                         p->name, which_name[w]);
                write_example(name, p->prog, p->proc, w, ts[w]);
            }
        }
    }
    write_example("error", 0, 0, which_error, &vw_virnet_error_type);
    write_example("stream_hole", 0, 0, which_hole, &vw_virnet_stream_hole_type);
    write_real("wire-CONNECT_OPEN-args", VW_VIRNET_REMOTE_PROGRAM, 1, which_args,
               vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 1)->args, connect_open_args,
               sizeof(connect_open_args));
    write_real("wire-AUTH_LIST-ret", VW_VIRNET_REMOTE_PROGRAM, 66, which_ret,
               vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 66)->ret, auth_list_ret,
               sizeof(auth_list_ret));
    write_real("wire-DOMAIN_GET_INFO-ret", VW_VIRNET_REMOTE_PROGRAM, 16, which_ret,
               vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 16)->ret, get_info_ret,
               sizeof(get_info_ret));
    write_real("wire-CONNECT_GET_LIB_VERSION-ret", VW_VIRNET_REMOTE_PROGRAM, 157, which_ret,
               vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 157)->ret, lib_version_ret,
               sizeof(lib_version_ret));
    write_real("wire-CONNECT_GET_HOSTNAME-ret", VW_VIRNET_REMOTE_PROGRAM, 59, which_ret,
               vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 59)->ret, hostname_ret,
               sizeof(hostname_ret));
    write_real("wire-DOMAIN_EVENT_CALLBACK_LIFECYCLE-msg", VW_VIRNET_REMOTE_PROGRAM, 318,
               which_msg, vw_virnet_proc_find(VW_VIRNET_REMOTE_PROGRAM, 318)->msg,
               callback_lifecycle_msg, sizeof(callback_lifecycle_msg));
    write_real("wire-error-unknown-procedure", 0, 0, which_error, &vw_virnet_error_type,
               error_unknown_proc, sizeof(error_unknown_proc));
}
