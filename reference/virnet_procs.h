/* virnet_procs.h -- the libvirt RPC programs (libvirt 9.0) and the XDR schemas (xs.h) of their
 * procedures' payloads: arguments of a CALL, results of a REPLY with status OK, the body of an
 * event MESSAGE.  Facts: ../shared/protocols/virnet-oncrpc.md §2.
 *
 * virnet.h decodes the envelope and asks here which schema a payload must follow. */
#ifndef VW_VIRNET_PROCS_H
#define VW_VIRNET_PROCS_H

#include <stdint.h>

#include "xs.h"

#define VW_VIRNET_REMOTE_PROGRAM 0x20008086u
#define VW_VIRNET_QEMU_PROGRAM 0x20008087u
#define VW_VIRNET_LXC_PROGRAM 0x00068000u
#define VW_VIRNET_KEEPALIVE_PROGRAM 0x6b656570u /* "keep" */
#define VW_VIRNET_ADMIN_PROGRAM 0x06900690u
#define VW_VIRNET_PROGRAM_VERSION 1u            /* every program above is at version 1 */

#define VW_VIRNET_STRING_MAX 4194304u           /* REMOTE_STRING_MAX, ADMIN_STRING_MAX (9.0) */

struct vw_virnet_proc;

/* struct vw_virnet_program: a program libvirt 9.0 defines, with its procedures indexed by
 * number (O(1) lookup, as libvirt's dispatcher indexes its array). */
struct vw_virnet_program {
    uint32_t prog;
    uint32_t vers;
    const char *name;                   /* "REMOTE", "QEMU", "LXC", "KEEPALIVE", "ADMIN" */
    const struct vw_virnet_proc *procs; /* procs[n] is procedure n; name NULL: no schema */
    uint32_t num_procs;                 /* one past the highest procedure number */
};

/* struct vw_virnet_proc: one procedure.  A NULL schema means the procedure has no such
 * payload in 9.0 (a MESSAGE-only event has no args or ret; a call has no msg); &vw_xs_void
 * means the payload exists and is empty. */
struct vw_virnet_proc {
    uint32_t prog;
    int32_t proc;
    const char *name;                   /* "CONNECT_OPEN" (without the REMOTE_PROC_ prefix) */
    const struct vw_xs_type *args;      /* CALL (and CALL_WITH_FDS after the fd count) */
    const struct vw_xs_type *ret;       /* REPLY + OK (and REPLY_WITH_FDS) */
    const struct vw_xs_type *msg;       /* MESSAGE + OK */
};

/* The five programs, sorted by program number (virnet_procs.c). */
#define VW_VIRNET_NUM_PROGRAMS 5
extern const struct vw_virnet_program vw_virnet_programs[VW_VIRNET_NUM_PROGRAMS];

/* vw_virnet_program_find returns the program |prog| at version |vers|, or NULL. */
const struct vw_virnet_program *vw_virnet_program_find(uint32_t prog, uint32_t vers);

/* vw_virnet_program_of returns the program |prog| whatever its version, or NULL; the caller
 * compares |vers| (the envelope needs both answers from one lookup). */
static inline const struct vw_virnet_program *vw_virnet_program_of(uint32_t prog) {
    /* a switch on the five numbers: a few compares, no loop, no call */
    switch (prog) {
    case VW_VIRNET_LXC_PROGRAM:
        return &vw_virnet_programs[0];
    case VW_VIRNET_ADMIN_PROGRAM:
        return &vw_virnet_programs[1];
    case VW_VIRNET_REMOTE_PROGRAM:
        return &vw_virnet_programs[2];
    case VW_VIRNET_QEMU_PROGRAM:
        return &vw_virnet_programs[3];
    case VW_VIRNET_KEEPALIVE_PROGRAM:
        return &vw_virnet_programs[4];
    default:
        return NULL;
    }
}

/* vw_virnet_proc_find returns the procedure |proc| of |prog|, or NULL when the codec has no
 * schema for it (the envelope is still checked; the payload is kept opaque). */
const struct vw_virnet_proc *vw_virnet_proc_find(uint32_t prog, int32_t proc);

/* vw_virnet_program_proc returns the procedure |proc| of program |g|, or NULL: one bounds
 * check and one index, for the decode path. */
static inline const struct vw_virnet_proc *
vw_virnet_program_proc(const struct vw_virnet_program *g, int32_t proc) {
    const struct vw_virnet_proc *p;

    if ((uint32_t)proc >= g->num_procs) {
        return NULL;  /* negative numbers wrap past every table */
    }
    p = &g->procs[(uint32_t)proc];
    return p->name != NULL ? p : NULL;
}

/* vw_virnet_proc_at returns the |i|th procedure with a schema, or NULL past the last; for
 * seeds, dumps and tests that walk the table. */
const struct vw_virnet_proc *vw_virnet_proc_at(size_t i);

/* Schemas the envelope needs (virnetprotocol.x): the error struct of REPLY/STREAM + ERROR
 * (virNetMessageError, the layout of remote_error) and the stream hole of STREAM_HOLE +
 * CONTINUE (virNetStreamHole). */
extern const struct vw_xs_type vw_virnet_error_type;
extern const struct vw_xs_type vw_virnet_stream_hole_type;

#endif
