/* adapter_feed.c -- the XDR adapters' shared receive path; see adapter_feed.h. */
#include "adapter_feed.h"

#include <stdio.h>
#include <string.h>

#include "xdr.h"

int vw_cf_decode_twice(struct vw_cf_msg *out, struct vw_xsf_items *items,
                       vw_cf_decode_fn decode, void *ctx) {
    struct vw_diag diag = { 0 }, ldiag = { 0 }, lax = { 0 };
    int rc, lrc = 0;

    vw_cf_msg_clear(out);
    out->kind = VW_CF_MSG;
    out->num_fds = -1;
    if (items != NULL) {
        vw_xsf_items_reset(items);
    }
    rc = decode(ctx, &diag, NULL, 0);
    if (rc < 0) {
        /* strict failed: the lenient decode tells LENIENT from INVALID (adapter.h) */
        if (items != NULL) {
            vw_xsf_items_reset(items);
        }
        lrc = decode(ctx, &ldiag, &lax, VW_DEC_LENIENT);
    }
    vw_xsf_verdict(out, rc, &diag, lrc);
    return rc == 0 || lrc == 0 ? 0 : rc;
}

int vw_cf_feed_step(struct vw_cf_framer *f, int r, size_t stream_off, const char *field,
                    vw_cf_decode_msg_fn decode, struct vw_cf_msg *out) {
    if (r == VW_E_AGAIN) {
        return 0;
    }
    if (r < 0) {
        memset(out, 0, sizeof(*out));
        out->kind = VW_CF_FRAMING_ERROR;
        out->strictness = VW_CF_INVALID;
        out->code = r;
        out->num_fds = -1;
        snprintf(out->detail, sizeof(out->detail), "%s at stream offset %zu, field %s: %s",
                 vw_err_name(r), stream_off, field, vw_err_text(r));
        snprintf(out->summary, sizeof(out->summary), "framing error: %s", vw_err_name(r));
        return r;
    }
    if ((r = decode(f, out)) < 0) {
        vw_cf_msg_cleanup(out);
        return r;
    }
    return 1;
}
