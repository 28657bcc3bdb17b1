/* decode_virnet.c -- `virtwire decode --protocol virnet`: libvirt RPC byte streams.
 *
 * Messages are cut by the byte-fed framer (reference/virnet.h) from 64 KiB reads, so memory is
 * bounded by the framer's limit (VW_VIRNET_LEN_MAX) whatever the input.  Both directions may be
 * mixed: the type tells a reply from a call.  One line per message:
 *
 *   msg N (stream offset S): len=L prog=0xPPPPPPPP NAME vers=V proc=P PROCNAME
 *       type=TYPENAME(T) serial=X status=STATUSNAME(Y)<payload summary>
 *
 * (on one line), printed for every message whose header is there, valid or not.  A message
 * that fails to decode is reported on stderr and the next one is decoded (the length word
 * frames it); a bad length word ends the stream (virnet-oncrpc.md §1.1: libvirt closes the
 * connection; there is no sync marker).  A file carries no SCM_RIGHTS data, so the number of
 * fds received is unknown (-1) and fd counts are only checked against their maximum. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pump.h"
#include "dump_virnet.h"
#include "virnet.h"

struct stream_state {
    const struct vw_decode_opts *opts;
    struct vw_virnet_framer framer;
    size_t num_msgs;
    int num_invalid;
};

static void on_message(struct stream_state *st) {
    const struct vw_decode_opts *o = st->opts;
    struct vw_diag diag = { 0 }, hdiag = { 0 }, lax = { 0 };
    struct vw_virnet_header h;
    struct vw_virnet_msg m;
    struct vw_span msg;
    size_t start = st->framer.msg_start;
    uint32_t len = 0;
    int r;

    vw_virnet_message(&st->framer, &msg);
    r = vw_virnet_decode(&m, &diag, &lax, msg.p, msg.len, -1, o->flags, NULL, NULL);
    if (vw_virnet_decode_header(&len, &h, &hdiag, msg.p, msg.len) == 0) {
        fprintf(o->out, "msg %zu (stream offset %zu): ", st->num_msgs, start);
        vw_dump_virnet_header(o->out, len, &h);
        if (r == 0) {
            vw_dump_virnet_summary(o->out, &m, msg.p);
        } else {
            fprintf(o->out, " invalid (%s)", vw_err_name(r));
        }
        fputc('\n', o->out);
        if (r == 0 && o->verbose) {
            vw_dump_virnet_fields(o->out, &m, msg.p, "    ");
        }
    }
    if (r < 0) {
        vw_decode_report(o->err, "msg", st->num_msgs, start, &diag, "invalid message:");
        st->num_invalid++;
    } else if (lax.code != 0) {
        vw_decode_report(o->err, "msg", st->num_msgs, start, &lax, "accepted non-canonical");
    }
    st->num_msgs++;
}

static int feed_message(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    return vw_virnet_feed(&((struct stream_state *)ctx)->framer, p, len, used);
}

static void on_message_ctx(void *ctx) {
    on_message(ctx);
}

int vw_decode_virnet(int fd, const struct vw_decode_opts *opts) {
    struct stream_state *st = calloc(1, sizeof(*st));
    int rc = 0, r;

    if (st == NULL) {
        return -1;
    }
    st->opts = opts;
    vw_virnet_framer_init(&st->framer);
    if (vw_decode_pump(fd, opts->err, feed_message, on_message_ctx, st, &r) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (r < 0) {
        fprintf(opts->err,
                "virtwire: msg %zu (stream offset %zu): framing error %s at stream "
                "offset %zu, field length: %s; the rest of the stream cannot be "
                "framed\n",
                st->num_msgs, st->framer.msg_start, vw_err_name(r),
                st->framer.msg_start, vw_err_text(r));
        st->num_invalid++;
        goto done;
    }
    if (vw_virnet_pending(&st->framer)) {
        vw_decode_report_pending(opts->err, "msg", st->num_msgs, st->framer.msg_start,
                                 st->framer.stream_pos);
        st->num_invalid++;
    }
done:
    fprintf(opts->out, "%zu messages, %d invalid\n", st->num_msgs, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    vw_virnet_framer_cleanup(&st->framer);
    free(st);
    return rc;
}
