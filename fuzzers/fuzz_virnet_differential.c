/* Target functions: vw_xs_decode_body (strict and lenient) and vw_xs_encode over the libvirt
 * payload schemas of reference/virnet_procs.c (vw_virnet_proc_find, vw_virnet_error_type,
 * vw_virnet_stream_hole_type), against the rpcgen + libtirpc oracle of harness/oracle/
 * (vw_oracle_virnet_decode: the filters of reference/protocols/virnet.x over xdrmem).
 *
 * Input: a 4-byte selector, then the payload.
 *   byte 0   program: REMOTE, QEMU, LXC, KEEPALIVE, ADMIN (value % 5)
 *   byte 1-2 procedure, big-endian
 *   byte 3   payload (value % 5): args, ret, msg, error (virNetMessageError), stream hole
 *            (error and stream hole ignore bytes 0-2)
 * A selector naming no payload is skipped.  harness/mkseeds.c writes the seeds in this format.
 *
 * Properties; a violation prints the input and both views, then abort()s:
 *   (t) the two procedure tables name the same payloads (checked once for the whole table at
 *       start-up, and for the selected payload on every input);
 *   (s) strict acceptance: lenient accepts with no note, our re-encoding (vw_xs_encode of the
 *       items) is the input byte for byte, and libtirpc accepts, consumes every byte and
 *       re-encodes the same bytes;
 *   (l) lenient acceptance is exactly libtirpc's acceptance, and when both accept our lenient
 *       items, read the way libtirpc stores them (char/short truncated to their C type, a
 *       string cut at its first NUL), re-encode to libtirpc's re-encoding byte for byte;
 *   (b) when only libtirpc accepts, strict's code is one of libtirpc's known laxities
 *       (virnet-oncrpc.md §5.5: VW_E_BOOL, VW_E_PADDING, VW_E_ENUM, VW_E_RANGE,
 *       VW_E_STRING_NUL, VW_E_TRAILING) and lenient noted exactly that code at strict's
 *       offset.  Each class is counted; VW_DIFF_STATS=1 prints the table at exit. */
#include "fuzz.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_virnet.h"
#include "virnet_procs.h"
#include "xs.h"

/* Items of one decode: each item but a struct, vector or void consumes at least 4 bytes and
 * every struct or vector of these schemas holds at least one such item, so a payload of at
 * most VW_ORACLE_VIRNET_INPUT_MAX bytes gives well under this many. */
#define ITEMS_MAX (VW_ORACLE_VIRNET_INPUT_MAX + 64u)
#define SELECTOR_LEN 4u

struct items {
    struct vw_xs_item v[ITEMS_MAX];
    size_t n;
};

static struct items strict_items, lenient_items;
static uint8_t enc_buf[VW_ORACLE_VIRNET_INPUT_MAX + 64];

static const uint32_t progs[] = {
    VW_VIRNET_REMOTE_PROGRAM, VW_VIRNET_QEMU_PROGRAM, VW_VIRNET_LXC_PROGRAM,
    VW_VIRNET_KEEPALIVE_PROGRAM, VW_VIRNET_ADMIN_PROGRAM,
};
static const char *const which_name[VW_ORACLE_VIRNET_NUM_WHICH] = {
    "args", "ret", "msg", "error", "stream_hole",
};

static unsigned long num_skipped, num_both_accept, num_both_reject;
static unsigned long num_lax[1 - VW_E_MIN_CODE];

static void print_stats(void) {
    fprintf(stderr,
            "virnet_differential: skipped %lu, both-accept %lu, both-reject %lu, "
            "libtirpc-only accepts:",
            num_skipped, num_both_accept, num_both_reject);
    for (int i = 1; i < 1 - VW_E_MIN_CODE; i++) {
        if (num_lax[i] != 0) {
            fprintf(stderr, " %s=%lu", vw_err_name(-i), num_lax[i]);
        }
    }
    fputc('\n', stderr);
}

static const struct vw_xs_type *ours(const struct vw_virnet_proc *p,
                                     enum vw_oracle_virnet_which w) {
    if (p == NULL) {
        return NULL;
    }
    switch (w) {
    case VW_ORACLE_VIRNET_ARGS: return p->args;
    case VW_ORACLE_VIRNET_RET: return p->ret;
    case VW_ORACLE_VIRNET_MSG: return p->msg;
    default: return NULL;
    }
}

/* check_tables: property (t) for every entry of both tables. */
static void check_tables(void) {
    const struct vw_virnet_proc *p;
    uint32_t prog;
    int32_t proc;
    enum vw_oracle_virnet_which w;

    for (size_t i = 0; (p = vw_virnet_proc_at(i)) != NULL; i++) {
        for (int k = VW_ORACLE_VIRNET_ARGS; k <= VW_ORACLE_VIRNET_MSG; k++) {
            w = (enum vw_oracle_virnet_which)k;
            if ((ours(p, w) != NULL) != vw_oracle_virnet_known(p->prog, p->proc, w)) {
                fprintf(stderr, "virnet_differential: (t) tables differ at %#x %d %s (%s)\n",
                        (unsigned)p->prog, (int)p->proc, which_name[k], p->name);
                abort();
            }
        }
    }
    for (size_t i = 0; vw_oracle_virnet_at(i, &prog, &proc, &w); i++) {
        if (ours(vw_virnet_proc_find(prog, proc), w) == NULL) {
            fprintf(stderr, "virnet_differential: (t) oracle-only payload %#x %d %s\n",
                    (unsigned)prog, (int)proc, which_name[w]);
            abort();
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    check_tables();
    if (getenv("VW_DIFF_STATS") != NULL) {
        atexit(print_stats);
    }
    return 0;
}

static int collect(void *ctx, const struct vw_xs_item *it) {
    struct items *s = ctx;

    if (s->n >= ITEMS_MAX) {
        fprintf(stderr, "virnet_differential: more than %u items: ITEMS_MAX is wrong\n",
                ITEMS_MAX);
        abort();
    }
    s->v[s->n++] = *it;
    return 0;
}

struct run {
    const uint8_t *data;    /* the whole input */
    size_t size;
    const uint8_t *p;       /* the payload */
    size_t n;
    const struct vw_xs_type *t;
    const char *what;
    int rs, rl, ro;
    struct vw_diag ds, dl, lax;
    struct vw_oracle_virnet o;
};

static void hex(const char *label, const uint8_t *p, size_t n) {
    fprintf(stderr, "  %s (%zu bytes):", label, n);
    for (size_t i = 0; i < n && i < 512; i++) {
        fprintf(stderr, "%s%02x", i % 4 == 0 ? " " : "", p[i]);
    }
    fprintf(stderr, "%s\n", n > 512 ? " ..." : "");
}

static void print_rc(const char *who, int r, const struct vw_diag *d) {
    fprintf(stderr, "  %-8s %s", who, r == 0 ? "accept" : vw_err_name(r));
    if (r < 0) {
        fprintf(stderr, " at %zu (%s)", d->offset, d->field != NULL ? d->field : "-");
    }
    fputc('\n', stderr);
}

static _Noreturn void fail(const struct run *r, const char *what, const char *detail) {
    fprintf(stderr, "virnet_differential: %s%s%s\n  payload: %s\n", what,
            detail != NULL ? ": " : "", detail != NULL ? detail : "", r->what);
    hex("payload", r->p, r->n);
    print_rc("strict", r->rs, &r->ds);
    print_rc("lenient", r->rl, &r->dl);
    if (r->lax.code != 0) {
        fprintf(stderr, "  lenient noted %s at %zu\n", vw_err_name(r->lax.code), r->lax.offset);
    }
    fprintf(stderr, "  oracle   %s pos %zu\n", r->o.ok ? "accept" : "reject", r->o.pos);
    if (r->o.ok) {
        hex("oracle re-encoding", r->o.canon, r->o.canon_len);
    }
    abort();
}

/* encode_items re-encodes |s| with |t| into enc_buf; returns the length or aborts. */
static size_t encode_items(const struct run *r, const struct items *s) {
    struct vw_xdr_enc e;
    size_t pos = 0;
    int rc;

    vw_xdr_enc_init(&e, enc_buf, sizeof(enc_buf));
    if ((rc = vw_xs_encode(r->t, &e, s->v, s->n, &pos)) < 0 || pos != s->n) {
        fail(r, "vw_xs_encode refused decoded items", rc < 0 ? vw_err_name(rc) : "items left");
    }
    return e.len;
}

/* as_libtirpc rewrites lenient items the way libtirpc stores them (virnet-oncrpc.md §5.5):
 * xdr_char / xdr_u_char / xdr_short / xdr_u_short truncate to the C type, and xdr_string's C
 * string ends at the first NUL.  bool and optional discriminants re-encode as 0/1 already. */
static void as_libtirpc(struct items *s) {
    for (size_t i = 0; i < s->n; i++) {
        struct vw_xs_item *it = &s->v[i];
        const uint8_t *nul;

        switch (it->type->kind) {
        case VW_XS_CHAR:
            it->u = (uint32_t)(int32_t)(int8_t)(uint8_t)it->u;
            break;
        case VW_XS_UCHAR:
            it->u &= 0xffu;
            break;
        case VW_XS_SHORT:
            it->u = (uint32_t)(int32_t)(int16_t)(uint16_t)it->u;
            break;
        case VW_XS_USHORT:
            it->u &= 0xffffu;
            break;
        case VW_XS_STRING:
            if (it->bytes.len > 0 && (nul = memchr(it->bytes.p, 0, it->bytes.len)) != NULL) {
                it->bytes.len = (size_t)(nul - it->bytes.p);
            }
            break;
        default:
            break;
        }
    }
}

static bool is_lax_class(int code) {
    switch (code) {
    case VW_E_BOOL:        /* xdr_bool / xdr_pointer: any non-zero is TRUE */
    case VW_E_PADDING:     /* padding read into a scratch buffer, never checked */
    case VW_E_ENUM:        /* xdr_enum has no range check */
    case VW_E_RANGE:       /* xdr_char / xdr_u_char / xdr_u_short truncate */
    case VW_E_STRING_NUL:  /* xdr_string keeps the bytes, the C string ends at the NUL */
    case VW_E_TRAILING:    /* xdrmem does not require the buffer to be consumed */
        return true;
    default:
        return false;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char what[160];
    enum vw_oracle_virnet_which w;
    const struct vw_virnet_proc *proc = NULL;
    struct run r;
    uint32_t prog;
    int32_t num;
    size_t len;

    if (size < SELECTOR_LEN || size - SELECTOR_LEN > VW_ORACLE_VIRNET_INPUT_MAX) {
        num_skipped++;
        return 0;
    }
    memset(&r, 0, sizeof(r));
    prog = progs[data[0] % (sizeof(progs) / sizeof(progs[0]))];
    num = (int32_t)((uint32_t)data[1] << 8 | data[2]);
    w = (enum vw_oracle_virnet_which)(data[3] % VW_ORACLE_VIRNET_NUM_WHICH);
    if (w == VW_ORACLE_VIRNET_ERROR) {
        r.t = &vw_virnet_error_type;
    } else if (w == VW_ORACLE_VIRNET_STREAM_HOLE) {
        r.t = &vw_virnet_stream_hole_type;
    } else {
        proc = vw_virnet_proc_find(prog, num);
        r.t = ours(proc, w);
        if ((r.t != NULL) != vw_oracle_virnet_known(prog, num, w)) {
            fprintf(stderr, "virnet_differential: (t) tables differ at %#x %d %s\n",
                    (unsigned)prog, (int)num, which_name[w]);
            abort();
        }
        if (r.t == NULL) {
            num_skipped++;
            return 0;
        }
    }
    snprintf(what, sizeof(what), "%s %s (%s)", proc != NULL ? proc->name : "-", which_name[w],
             r.t->name);
    r.what = what;
    r.data = data;
    r.size = size;
    r.p = data + SELECTOR_LEN;
    r.n = size - SELECTOR_LEN;

    strict_items.n = 0;
    lenient_items.n = 0;
    r.rs = vw_xs_decode_body(r.t, r.p, r.p, r.n, 0, &r.ds, NULL, collect, &strict_items);
    r.rl = vw_xs_decode_body(r.t, r.p, r.p, r.n, VW_DEC_LENIENT, &r.dl, &r.lax, collect,
                             &lenient_items);
    if (r.rs > 0 || r.rs < VW_E_MIN_CODE || r.rl > 0 || r.rl < VW_E_MIN_CODE) {
        fail(&r, "a decode returned a code outside enum vw_err", NULL);
    }
    if ((r.ro = vw_oracle_virnet_decode(&r.o, prog, num, w, r.p, r.n)) < 0) {
        fail(&r, "oracle failed", vw_err_name(r.ro));
    }

    /* (s) strict acceptance */
    if (r.rs == 0) {
        if (r.rl != 0 || r.lax.code != 0 || lenient_items.n != strict_items.n) {
            fail(&r, "(s) strict accepts but lenient differs", NULL);
        }
        len = encode_items(&r, &strict_items);
        if (len != r.n || memcmp(enc_buf, r.p, len) != 0) {
            fail(&r, "(s) strict re-encoding is not the input", NULL);
        }
        if (!r.o.ok || r.o.pos != r.n || r.o.canon_len != r.n ||
            memcmp(r.o.canon, r.p, r.n) != 0) {
            fail(&r, "(s) strict accepts but libtirpc rejects or re-encodes differently", NULL);
        }
    }
    /* (l) lenient is libtirpc */
    if ((r.rl == 0) != r.o.ok) {
        fail(&r, "(l) lenient and libtirpc disagree on acceptance", NULL);
    }
    if (r.rl == 0) {
        as_libtirpc(&lenient_items);
        len = encode_items(&r, &lenient_items);
        if (len != r.o.canon_len || memcmp(enc_buf, r.o.canon, len) != 0) {
            fail(&r, "(l) lenient and libtirpc re-encode differently", NULL);
        }
    }
    /* (b) classify libtirpc-only acceptance */
    if (r.rs == 0) {
        num_both_accept++;
    } else if (r.o.ok) {
        if (!is_lax_class(r.rs)) {
            fail(&r, "(b) strict rejects outside libtirpc's lax classes", vw_err_name(r.rs));
        }
        if (r.lax.code != r.rs || r.lax.offset != r.ds.offset) {
            fail(&r, "(b) lenient did not note strict's error at strict's offset",
                 vw_err_name(r.rs));
        }
        num_lax[-r.rs]++;
    } else {
        num_both_reject++;
    }
    vw_oracle_virnet_cleanup(&r.o);
    return 0;
}
