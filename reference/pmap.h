/* pmap.h -- bodies of the portmapper / rpcbind program 100000 (RFC 1833 §2 rpcbind v3/v4,
 * §3 portmap v2): the arguments and results of each procedure.
 *
 * vw_pmap_decode reads the body that vw_rpc_msg_decode left as call.args or reply.results.
 * Lists (DUMP, GETADDRLIST) are optional-data chains of unbounded length: they are validated
 * and counted at decode time and kept as a view; vw_pmap_list_next walks them again. */
#ifndef VW_PMAP_H
#define VW_PMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"

#define VW_PMAP_PROG 100000u
#define VW_PMAP_VERS_PORTMAP 2u
#define VW_PMAP_VERS_RPCBIND3 3u
#define VW_PMAP_VERS_RPCBIND4 4u

/* Procedure numbers (RFC 1833; v4 additions from libtirpc rpcb_prot.x). */
enum vw_pmap_proc {
    VW_PMAP_NULL = 0,
    VW_PMAP_SET = 1,
    VW_PMAP_UNSET = 2,
    VW_PMAP_GETPORT = 3,       /* v2; GETADDR in v3/v4 */
    VW_PMAP_DUMP = 4,
    VW_PMAP_CALLIT = 5,        /* v2, v3; BCAST in v4 */
    VW_PMAP_GETTIME = 6,       /* v3, v4 */
    VW_PMAP_UADDR2TADDR = 7,   /* v3, v4 */
    VW_PMAP_TADDR2UADDR = 8,   /* v3, v4 */
    VW_PMAP_GETVERSADDR = 9,   /* v4 */
    VW_PMAP_INDIRECT = 10,     /* v4 */
    VW_PMAP_GETADDRLIST = 11,  /* v4 */
    VW_PMAP_GETSTAT = 12,      /* v4: body kept opaque (see README, "not covered") */
};

/* Body types.  The set of fields used depends on |kind|. */
enum vw_pmap_kind {
    VW_PMAP_K_VOID,
    VW_PMAP_K_MAPPING,      /* struct mapping {prog, vers, prot, port} */
    VW_PMAP_K_BOOL,
    VW_PMAP_K_UINT,         /* GETPORT port, GETTIME seconds */
    VW_PMAP_K_PMAPLIST,     /* mapping chain */
    VW_PMAP_K_CALL_ARGS,    /* {prog, vers, proc, opaque args<>} (v2 call_args, rpcb_rmtcallargs) */
    VW_PMAP_K_CALL_RESULT,  /* v2 {port, opaque res<>} */
    VW_PMAP_K_RPCB,         /* {prog, vers, netid, addr, owner} */
    VW_PMAP_K_STRING,       /* universal address */
    VW_PMAP_K_RPCBLIST,     /* rpcb chain */
    VW_PMAP_K_RMTCALL_RES,  /* {string addr<>, opaque results<>} */
    VW_PMAP_K_NETBUF,       /* {maxlen, opaque buf<>} */
    VW_PMAP_K_ENTRYLIST,    /* rpcb_entry chain */
};

struct vw_pmap_mapping {
    uint32_t prog;
    uint32_t vers;
    uint32_t prot;          /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    uint32_t port;
};

struct vw_rpcb {
    uint32_t prog;
    uint32_t vers;
    struct vw_span netid;
    struct vw_span addr;
    struct vw_span owner;
};

struct vw_rpcb_entry {
    struct vw_span maddr;
    struct vw_span nc_netid;
    uint32_t nc_semantics;
    struct vw_span nc_protofmly;
    struct vw_span nc_proto;
};

/* union vw_pmap_entry: one list entry, as the list's kind says. */
union vw_pmap_entry {
    struct vw_pmap_mapping m;  /* VW_PMAP_K_PMAPLIST */
    struct vw_rpcb b;          /* VW_PMAP_K_RPCBLIST */
    struct vw_rpcb_entry e;    /* VW_PMAP_K_ENTRYLIST */
};

struct vw_pmap_list {
    uint32_t num_entries;
    struct vw_span raw;     /* the chain from its first discriminant to its terminating 0 */
};

struct vw_pmap_body {
    enum vw_pmap_kind kind;
    uint32_t vers;
    bool value_bool;
    uint32_t value_uint;
    struct vw_pmap_mapping mapping;
    struct vw_rpcb rpcb;
    struct {
        uint32_t prog, vers, proc;
        struct vw_span args;
    } call_args;
    struct {
        uint32_t port;
        struct vw_span addr;
        struct vw_span results;
    } call_result;          /* K_CALL_RESULT uses port, K_RMTCALL_RES uses addr */
    struct vw_span string;
    struct {
        uint32_t maxlen;
        struct vw_span buf;
    } netbuf;
    struct vw_pmap_list list;
};

struct vw_pmap_list_iter {
    struct vw_xdr_dec d;
    enum vw_pmap_kind kind;
};

/* vw_pmap_body_kind gives the body type of |proc| in version |vers|, the arguments when
 * |is_reply| is false and the results when true.  Returns 0 or VW_E_UNKNOWN_PROC. */
VW_MUST_USE int vw_pmap_body_kind(uint32_t vers, uint32_t proc, bool is_reply,
                                  enum vw_pmap_kind *out);

/* vw_pmap_decode decodes |body| (a view into the message at |base|, for offsets) as the
 * arguments (|is_reply| false) or results of |proc| in version |vers|.  The body must be
 * consumed exactly (strict).  On error |*out| is untouched.  Returns 0, VW_E_UNKNOWN_PROC or a
 * decode error (VW_E_SHORT, VW_E_PADDING, VW_E_BOOL, VW_E_TOO_LONG, VW_E_STRING_NUL,
 * VW_E_TRAILING). */
VW_MUST_USE int vw_pmap_decode(struct vw_pmap_body *out, struct vw_diag *diag,
                               struct vw_diag *lax, const uint8_t *base, struct vw_span body,
                               uint32_t vers, uint32_t proc, bool is_reply, unsigned flags);

/* vw_pmap_encode appends |b| to |e|; lists are re-encoded entry by entry from |b->list.raw|.
 * Returns 0, VW_E_NOSPACE, VW_E_TOO_LONG or VW_E_INVALID; on error |e| is unchanged. */
VW_MUST_USE int vw_pmap_encode(struct vw_xdr_enc *e, const struct vw_pmap_body *b);

/* vw_pmap_list_begin starts a walk over a decoded list; vw_pmap_list_next fills the next entry
 * (a struct vw_pmap_mapping, vw_rpcb or vw_rpcb_entry as |b->kind| says) and returns 1, or 0
 * at the end. */
void vw_pmap_list_begin(struct vw_pmap_list_iter *it, const struct vw_pmap_body *b);
int vw_pmap_list_next(struct vw_pmap_list_iter *it, void *out_entry);

/* vw_pmap_proc_name names |proc| of version |vers| ("GETPORT", "GETADDR", ...), or "?". */
const char *vw_pmap_proc_name(uint32_t vers, uint32_t proc);

#endif
