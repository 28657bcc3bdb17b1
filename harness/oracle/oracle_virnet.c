/* oracle_virnet.c -- libvirt payload decoding with the rpcgen filters of virnet.x over
 * libtirpc; see oracle_virnet.h.
 *
 * Independence: nothing here calls a vw_xdr_* or vw_xs_* function, and the table below is the
 * oracle's own: the fuzz target checks it names the same payloads as reference/virnet_procs.c.
 *
 * Why the guard stream bounds memory without changing the outcome (the argument of
 * oracle_oncrpc.c, restated for these payloads).  Pass 1 reads through a stream whose getlong
 * returns L + 1 for any 32-bit value above the payload length L; every integer the filters
 * read (xdr_int, xdr_u_int, xdr_enum, xdr_bool, xdr_char, xdr_u_char, xdr_u_short, both
 * halves of xdr_quad_t / xdr_u_quad_t) goes through x_getlong, and x_inline answers NULL so
 * rpcgen's inline paths fall back to it.
 *   - At a string length or array count the true value V > L cannot be satisfied by L bytes
 *     (every element takes at least 4), and neither can L + 1: both decodes fail there, pass 1
 *     after allocating at most (L + 2) times the element size.
 *   - At an optional-data discriminant (xdr_pointer's bool, the only discriminant in virnet.x:
 *     it has no unions) both values are non-zero, i.e. present.
 *   - Anywhere else the value is only stored.
 * So pass 1 takes the path of the real decode and fails where it fails.  When it succeeds no
 * clamped value was a length, and pass 2 runs the plain xdrmem decode for the real values
 * (skipped when nothing was clamped); it must end at the same position. */
#include "oracle_virnet.h"

#include <rpc/rpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_xdr.h"
#include "vwv_virnet.h"

/* Program numbers, repeated here so the oracle does not read reference/ (virnet-oncrpc.md §2). */
#define O_REMOTE 0x20008086u
#define O_QEMU 0x20008087u
#define O_LXC 0x00068000u
#define O_KEEPALIVE 0x6b656570u
#define O_ADMIN 0x06900690u

typedef vw_oracle_virnet_filter_fn filter_fn;

/* One typed wrapper per rpcgen filter: no function-pointer casts. */
#define WRAP(t)                                    \
    static bool_t f_##t(XDR *x, void *obj) {       \
        return xdr_vwv_##t(x, (vwv_##t *)obj);     \
    }

static bool_t f_void(XDR *x, void *obj) {
    (void)x;
    (void)obj;
    return TRUE;
}

WRAP(error)
WRAP(stream_hole)
WRAP(connect_open_args)
WRAP(connect_get_type_ret)
WRAP(connect_get_version_ret)
WRAP(node_get_info_ret)
WRAP(connect_get_capabilities_ret)
WRAP(dom_only)
WRAP(dom_flags)
WRAP(domain_create_xml_args)
WRAP(domain_define_xml_args)
WRAP(domain_define_xml_flags_args)
WRAP(one_string)
WRAP(one_int)
WRAP(one_uhyper)
WRAP(domain_get_info_ret)
WRAP(connect_list_domains_ret)
WRAP(auth_list_ret)
WRAP(auth_sasl_start_args)
WRAP(auth_sasl_ret)
WRAP(auth_sasl_step_args)
WRAP(domain_event_lifecycle_msg)
WRAP(domain_get_security_label_ret)
WRAP(node_get_security_model_ret)
WRAP(domain_get_state_ret)
WRAP(connect_list_all_domains_args)
WRAP(connect_list_all_domains_ret)
WRAP(callback_register_any_args)
WRAP(domain_event_callback_lifecycle_msg)
WRAP(domain_get_messages_ret)
WRAP(qemu_monitor_command_args)
WRAP(admin_connect_open_args)

struct entry {
    uint32_t prog;
    int32_t proc;
    enum vw_oracle_virnet_which which;
    filter_fn filter;
    size_t size;            /* of the C struct the filter fills */
};

#define A VW_ORACLE_VIRNET_ARGS
#define R VW_ORACLE_VIRNET_RET
#define M VW_ORACLE_VIRNET_MSG
#define E(prog, proc, w, t) { (prog), (proc), (w), f_##t, sizeof(vwv_##t) }
#define EV(prog, proc, w) { (prog), (proc), (w), f_void, 1 }

/* Every payload of every procedure virnet.x describes (virnet-oncrpc.md §2, §2.2). */
static const struct entry table[] = {
    E(O_LXC, 1, A, dom_flags), EV(O_LXC, 1, R),
    E(O_ADMIN, 1, A, admin_connect_open_args), EV(O_ADMIN, 1, R),
    EV(O_ADMIN, 2, A), EV(O_ADMIN, 2, R),
    EV(O_ADMIN, 3, A), E(O_ADMIN, 3, R, one_uhyper),
    E(O_REMOTE, 1, A, connect_open_args), EV(O_REMOTE, 1, R),
    EV(O_REMOTE, 2, A), EV(O_REMOTE, 2, R),
    EV(O_REMOTE, 3, A), E(O_REMOTE, 3, R, connect_get_type_ret),
    EV(O_REMOTE, 4, A), E(O_REMOTE, 4, R, connect_get_version_ret),
    EV(O_REMOTE, 6, A), E(O_REMOTE, 6, R, node_get_info_ret),
    EV(O_REMOTE, 7, A), E(O_REMOTE, 7, R, connect_get_capabilities_ret),
    E(O_REMOTE, 9, A, dom_only), EV(O_REMOTE, 9, R),
    E(O_REMOTE, 10, A, domain_create_xml_args), E(O_REMOTE, 10, R, dom_only),
    E(O_REMOTE, 11, A, domain_define_xml_args), E(O_REMOTE, 11, R, dom_only),
    E(O_REMOTE, 12, A, dom_only), EV(O_REMOTE, 12, R),
    E(O_REMOTE, 14, A, dom_flags), E(O_REMOTE, 14, R, one_string),
    E(O_REMOTE, 15, A, dom_only), E(O_REMOTE, 15, R, one_int),
    E(O_REMOTE, 16, A, dom_only), E(O_REMOTE, 16, R, domain_get_info_ret),
    E(O_REMOTE, 19, A, dom_only), E(O_REMOTE, 19, R, one_string),
    E(O_REMOTE, 23, A, one_string), E(O_REMOTE, 23, R, dom_only),
    E(O_REMOTE, 28, A, dom_only), EV(O_REMOTE, 28, R),
    E(O_REMOTE, 34, A, dom_only), EV(O_REMOTE, 34, R),
    E(O_REMOTE, 35, A, dom_only), EV(O_REMOTE, 35, R),
    E(O_REMOTE, 37, A, one_int), E(O_REMOTE, 37, R, connect_list_domains_ret),
    EV(O_REMOTE, 51, A), E(O_REMOTE, 51, R, one_int),
    EV(O_REMOTE, 59, A), E(O_REMOTE, 59, R, one_string),
    E(O_REMOTE, 60, A, one_int), E(O_REMOTE, 60, R, one_int),
    EV(O_REMOTE, 66, A), E(O_REMOTE, 66, R, auth_list_ret),
    EV(O_REMOTE, 67, A), E(O_REMOTE, 67, R, one_string),
    E(O_REMOTE, 68, A, auth_sasl_start_args), E(O_REMOTE, 68, R, auth_sasl_ret),
    E(O_REMOTE, 69, A, auth_sasl_step_args), E(O_REMOTE, 69, R, auth_sasl_ret),
    EV(O_REMOTE, 70, A), E(O_REMOTE, 70, R, one_int),
    EV(O_REMOTE, 105, A), E(O_REMOTE, 105, R, one_int),
    EV(O_REMOTE, 106, A), E(O_REMOTE, 106, R, one_int),
    E(O_REMOTE, 107, M, domain_event_lifecycle_msg),
    EV(O_REMOTE, 110, A), E(O_REMOTE, 110, R, one_string),
    E(O_REMOTE, 121, A, dom_only), E(O_REMOTE, 121, R, domain_get_security_label_ret),
    EV(O_REMOTE, 122, A), E(O_REMOTE, 122, R, node_get_security_model_ret),
    E(O_REMOTE, 151, A, dom_only), E(O_REMOTE, 151, R, one_int),
    EV(O_REMOTE, 157, A), E(O_REMOTE, 157, R, one_uhyper),
    E(O_REMOTE, 183, A, dom_flags), E(O_REMOTE, 183, R, one_int),
    E(O_REMOTE, 196, A, dom_flags), E(O_REMOTE, 196, R, dom_only),
    E(O_REMOTE, 212, A, dom_flags), E(O_REMOTE, 212, R, domain_get_state_ret),
    E(O_REMOTE, 231, A, dom_flags), EV(O_REMOTE, 231, R),
    E(O_REMOTE, 234, A, dom_flags), EV(O_REMOTE, 234, R),
    E(O_REMOTE, 273, A, connect_list_all_domains_args),
    E(O_REMOTE, 273, R, connect_list_all_domains_ret),
    E(O_REMOTE, 316, A, callback_register_any_args), E(O_REMOTE, 316, R, one_int),
    E(O_REMOTE, 317, A, one_int), EV(O_REMOTE, 317, R),
    E(O_REMOTE, 318, M, domain_event_callback_lifecycle_msg),
    E(O_REMOTE, 350, A, domain_define_xml_flags_args), E(O_REMOTE, 350, R, dom_only),
    EV(O_REMOTE, 360, A), EV(O_REMOTE, 360, R),
    EV(O_REMOTE, 361, A), EV(O_REMOTE, 361, R),
    E(O_REMOTE, 426, A, dom_flags), E(O_REMOTE, 426, R, domain_get_messages_ret),
    E(O_QEMU, 1, A, qemu_monitor_command_args), E(O_QEMU, 1, R, one_string),
    EV(O_KEEPALIVE, 1, M), EV(O_KEEPALIVE, 2, M),
};

static const struct entry error_entry = { 0, 0, VW_ORACLE_VIRNET_ERROR, f_error,
                                          sizeof(vwv_error) };
static const struct entry hole_entry = { 0, 0, VW_ORACLE_VIRNET_STREAM_HOLE, f_stream_hole,
                                         sizeof(vwv_stream_hole) };

#undef EV
#undef E
#undef M
#undef R
#undef A

static const struct entry *lookup(uint32_t prog, int32_t proc, enum vw_oracle_virnet_which w) {
    if (w == VW_ORACLE_VIRNET_ERROR) {
        return &error_entry;
    }
    if (w == VW_ORACLE_VIRNET_STREAM_HOLE) {
        return &hole_entry;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].prog == prog && table[i].proc == proc && table[i].which == w) {
            return &table[i];
        }
    }
    return NULL;
}

bool vw_oracle_virnet_known(uint32_t prog, int32_t proc, enum vw_oracle_virnet_which which) {
    return lookup(prog, proc, which) != NULL;
}

bool vw_oracle_virnet_at(size_t i, uint32_t *out_prog, int32_t *out_proc,
                         enum vw_oracle_virnet_which *out_which) {
    if (i >= sizeof(table) / sizeof(table[0])) {
        return false;
    }
    *out_prog = table[i].prog;
    *out_proc = table[i].proc;
    *out_which = table[i].which;
    return true;
}

bool vw_oracle_virnet_filter(uint32_t prog, int32_t proc, enum vw_oracle_virnet_which which,
                             vw_oracle_virnet_filter_fn *out_filter, size_t *out_size) {
    const struct entry *e = lookup(prog, proc, which);

    if (e == NULL) {
        return false;
    }
    *out_filter = e->filter;
    *out_size = e->size;
    return true;
}

/* ---- decode, re-encode, free ---- */

static void obj_free(const struct entry *e, void *obj) {
    XDR x;

    memset(&x, 0, sizeof(x));
    x.x_op = XDR_FREE;  /* what xdr_free does, without casting the filter to xdrproc_t */
    (void)e->filter(&x, obj);
    memset(obj, 0, e->size);
}

int vw_oracle_virnet_decode(struct vw_oracle_virnet *out, uint32_t prog, int32_t proc,
                            enum vw_oracle_virnet_which which, const uint8_t *buf,
                            size_t len) {
    const struct entry *e = lookup(prog, proc, which);
    struct vw_guard_xdr g;
    void *obj;
    XDR x;
    u_int pos;
    bool_t ok;

    memset(out, 0, sizeof(*out));
    if (e == NULL) {
        return VW_E_UNKNOWN_PROC;
    }
    if (len > VW_ORACLE_VIRNET_INPUT_MAX) {
        return VW_E_INVALID;
    }
    if ((obj = calloc(1, e->size)) == NULL) {
        return VW_E_NOMEM;
    }
    /* pass 1: guarded */
    vw_guard_xdr_create(&x, &g, buf, (u_int)len);
    ok = e->filter(&x, obj);
    pos = XDR_GETPOS(&x);
    if (ok && g.num_clamped != 0) {
        /* pass 2: the real values, from plain xdrmem */
        obj_free(e, obj);
        xdrmem_create(&x, (char *)(uintptr_t)buf, (u_int)len, XDR_DECODE);
        if (!e->filter(&x, obj) || xdr_getpos(&x) != pos) {
            fprintf(stderr, "oracle_virnet: guarded and plain xdrmem decodes disagree\n");
            abort();  /* a bug in the guard argument, never an input property */
        }
        xdr_destroy(&x);
    }
    if (!ok) {
        obj_free(e, obj);
        free(obj);
        return 0;
    }
    out->pos = pos;
    /* re-encode: libtirpc's canonical form is never longer than what it consumed (strings
     * can only shrink, at an embedded NUL); 4 spare bytes keep malloc(0) out of the way */
    if ((out->canon = malloc((size_t)pos + 4)) == NULL) {
        obj_free(e, obj);
        free(obj);
        return VW_E_NOMEM;
    }
    xdrmem_create(&x, (char *)out->canon, pos + 4, XDR_ENCODE);
    if (!e->filter(&x, obj)) {
        fprintf(stderr, "oracle_virnet: re-encoding a decoded payload failed\n");
        abort();
    }
    out->canon_len = xdr_getpos(&x);
    xdr_destroy(&x);
    obj_free(e, obj);
    free(obj);
    out->ok = true;
    return 0;
}

void vw_oracle_virnet_cleanup(struct vw_oracle_virnet *o) {
    free(o->canon);
    memset(o, 0, sizeof(*o));
}
