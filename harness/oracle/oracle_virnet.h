/* oracle_virnet.h -- the independent decoder of libvirt 9.0 RPC payloads the differential fuzz
 * target compares reference/virnet_procs.c against.
 *
 * The oracle decodes with the rpcgen filters generated from reference/protocols/virnet.x
 * (xdr_vwv_*) over libtirpc's xdrmem stream, so its view is libtirpc 1.3.3's (and libvirt
 * 9.0's, which decodes with the same primitives, virnet-oncrpc.md §5.5): it shares no code
 * with reference/.  A payload is decoded into a calloc'ed C struct, re-encoded with the same
 * filter into canonical bytes, and freed with the filter in XDR_FREE mode.
 *
 * Memory: libtirpc's xdr_string / xdr_array allocate the declared size before reading (up to
 * 4 MiB per remote_nonnull_string).  Every payload is therefore first decoded through a guard
 * stream that clamps each 32-bit integer above the payload length L to L + 1 (see
 * oracle_virnet.c): a length or count above L can never be satisfied, so that decode fails
 * where the real one would, after allocating at most (L + 1) times an element size.  Inputs
 * are capped at VW_ORACLE_VIRNET_INPUT_MAX. */
#ifndef VW_ORACLE_VIRNET_H
#define VW_ORACLE_VIRNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rpc/xdr.h>

#include "err.h"

/* Largest payload the oracle takes: with the clamp, one allocation is at most 64 KiB times the
 * largest element (a vwv_nonnull_domain, 32 bytes). */
#define VW_ORACLE_VIRNET_INPUT_MAX 65536u

/* Which payload of a procedure (virnet-oncrpc.md §1.5); ERROR and STREAM_HOLE ignore the
 * program and procedure. */
enum vw_oracle_virnet_which {
    VW_ORACLE_VIRNET_ARGS,         /* CALL */
    VW_ORACLE_VIRNET_RET,          /* REPLY + OK */
    VW_ORACLE_VIRNET_MSG,          /* MESSAGE + OK */
    VW_ORACLE_VIRNET_ERROR,        /* REPLY/STREAM + ERROR: virNetMessageError */
    VW_ORACLE_VIRNET_STREAM_HOLE,  /* STREAM_HOLE + CONTINUE: virNetStreamHole */
    VW_ORACLE_VIRNET_NUM_WHICH,
};

/* struct vw_oracle_virnet: one payload as libtirpc reads it. */
struct vw_oracle_virnet {
    bool ok;                /* the payload decoded */
    size_t pos;             /* ok: xdr_getpos, bytes consumed (trailing bytes are not an error) */
    uint8_t *canon;         /* ok: the decoded struct re-encoded by the same filter (malloc'ed) */
    size_t canon_len;
};

/* vw_oracle_virnet_known says whether the oracle's own table has a filter for that payload. */
bool vw_oracle_virnet_known(uint32_t prog, int32_t proc, enum vw_oracle_virnet_which which);

/* vw_oracle_virnet_at gives the |i|th (prog, proc, which) of the oracle's table (ERROR and
 * STREAM_HOLE excluded); returns false past the last.  For tests that compare tables. */
bool vw_oracle_virnet_at(size_t i, uint32_t *out_prog, int32_t *out_proc,
                         enum vw_oracle_virnet_which *out_which);

/* An rpcgen filter of the oracle's table, typed as the filter functions are written. */
typedef bool_t (*vw_oracle_virnet_filter_fn)(XDR *x, void *obj);

/* vw_oracle_virnet_filter gives the rpcgen filter of payload |which| of procedure |proc| of
 * program |prog| and the size of the C struct it fills, for code that decodes the way libvirt
 * does (xdrmem, the filter into a zeroed struct, the filter again in XDR_FREE mode) without
 * the guard stream and the re-encode of vw_oracle_virnet_decode (bench/bench_virnet.c).
 * Returns false, writing nothing, when the table has no filter for that payload. */
bool vw_oracle_virnet_filter(uint32_t prog, int32_t proc, enum vw_oracle_virnet_which which,
                             vw_oracle_virnet_filter_fn *out_filter, size_t *out_size);

/* vw_oracle_virnet_decode decodes the |len| bytes at |buf| as payload |which| of procedure
 * |proc| of program |prog| and, when that succeeds, re-encodes it into |out->canon|.  Call
 * vw_oracle_virnet_cleanup(out) afterwards, whatever the result.  Returns 0 (see |out->ok|),
 * VW_E_UNKNOWN_PROC (no filter; |out| then holds nothing), VW_E_INVALID (len over
 * VW_ORACLE_VIRNET_INPUT_MAX) or VW_E_NOMEM. */
VW_MUST_USE int vw_oracle_virnet_decode(struct vw_oracle_virnet *out, uint32_t prog,
                                        int32_t proc, enum vw_oracle_virnet_which which,
                                        const uint8_t *buf, size_t len);

/* vw_oracle_virnet_cleanup frees what vw_oracle_virnet_decode allocated; safe to call twice. */
void vw_oracle_virnet_cleanup(struct vw_oracle_virnet *o);

#endif
