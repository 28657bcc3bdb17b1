/* adapter_feed.h -- the receive path the XDR protocol adapters (adapter_virnet.c,
 * adapter_qemud.c, adapter_oncrpc.c, adapter_openhook.c) share: after their framer, a framing
 * error or one framed message decoded strictly, then leniently when that fails (adapter.h
 * `feed`), classified by vw_xsf_verdict. */
#ifndef VW_CONFORMANCE_ADAPTER_FEED_H
#define VW_CONFORMANCE_ADAPTER_FEED_H

#include <stddef.h>

#include "adapter.h"
#include "err.h"
#include "xs_fields.h"

/* vw_cf_decode_fn decodes the adapter's framed message (its |ctx|) with the reference
 * decoder: |lax| NULL and |flags| 0 strictly, else VW_DEC_LENIENT with |lax| notes. */
typedef int (*vw_cf_decode_fn)(void *ctx, struct vw_diag *diag, struct vw_diag *lax,
                               unsigned flags);

/* vw_cf_decode_twice starts |*out| as a VW_CF_MSG without fds, decodes strictly and, when that
 * fails, leniently (|items|, if not NULL, emptied before each), and fills the strictness, code
 * and detail of |out| (vw_xsf_verdict).  Returns 0 when either decode succeeded, else the
 * strict decode's error. */
VW_MUST_USE int vw_cf_decode_twice(struct vw_cf_msg *out, struct vw_xsf_items *items,
                                   vw_cf_decode_fn decode, void *ctx);

/* vw_cf_decode_msg_fn fills |out| from the message |f| has framed (0 or a negative code). */
typedef int (*vw_cf_decode_msg_fn)(struct vw_cf_framer *f, struct vw_cf_msg *out);

/* vw_cf_feed_step finishes an adapter's feed after its framer returned |r|: VW_E_AGAIN gives
 * 0 (more bytes needed); another error fills |out| with a framing error ("VW_E_X at stream
 * offset |stream_off|, field |field|: text") and returns |r|; else |decode| fills |out| from
 * the framed message and 1 is returned, or its error with |out| cleaned up. */
VW_MUST_USE int vw_cf_feed_step(struct vw_cf_framer *f, int r, size_t stream_off,
                                const char *field, vw_cf_decode_msg_fn decode,
                                struct vw_cf_msg *out);

#endif
