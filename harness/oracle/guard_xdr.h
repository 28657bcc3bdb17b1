/* guard_xdr.h -- a decode-only XDR stream over memory that clamps every 32-bit word above the
 * stream's length to length + 1.
 *
 * libtirpc's xdr_bytes, xdr_string and xdr_array allocate the declared size before reading;
 * fed a length word of 4 MiB they allocate 4 MiB even when the input is 20 bytes.  Through
 * this stream such a length word reads as "one byte more than there is", so the filter fails
 * (or allocates little) exactly where it would have failed anyway for lack of input.  The
 * oracles re-decode with plain xdrmem whenever a word was clamped, so the values they report
 * are never the clamped ones (the argument is in oracle_oncrpc.c and oracle_virnet.c). */
#ifndef VW_GUARD_XDR_H
#define VW_GUARD_XDR_H

#include <stdint.h>

#include <rpc/rpc.h>

struct vw_guard_xdr {
    XDR inner;              /* xdrmem over the input */
    u_int limit;            /* the input length */
    unsigned num_clamped;   /* words read as limit + 1 */
};

/* vw_guard_xdr_create makes |x| decode the |len| bytes at |buf| through |g|, which must
 * outlive |x|.  xdrmem never writes to its buffer on decode; |buf| is not modified. */
void vw_guard_xdr_create(XDR *x, struct vw_guard_xdr *g, const uint8_t *buf, u_int len);

#endif
