/* decode_qemud.c -- `virtwire decode --protocol qemud --from client|server`: a stream of
 * messages of one direction of libvirt's 2007 qemud protocol (historic-qemud-openhook-qga.md §1).
 *
 * Messages are cut by their length words (vw_qemud_feed), so a message that fails to decode is
 * reported and the next one is decoded; a length word the server would refuse (over
 * REMOTE_MESSAGE_MAX, §1.6, or under header + serial) ends the stream, as there is no other
 * frame.  Memory: the framer's fixed 256 KiB buffer and one item array, whatever the input. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pump.h"
#include "qemud.h"

struct stream_state {
    const struct vw_decode_opts *opts;
    int direction;
    struct vw_qemud_framer framer;
    struct vw_xs_item items[VW_QEMUD_ITEMS_MAX];
    size_t num_msgs;
    int num_invalid;
};

static void on_message(struct stream_state *st) {
    const struct vw_decode_opts *o = st->opts;
    struct vw_qemud_items c = { .items = st->items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag diag = { 0 }, lax = { 0 };
    struct vw_qemud_msg m;
    struct vw_span msg;
    int r;

    vw_qemud_message(&st->framer, &msg);
    r = vw_qemud_decode(&m, &diag, &lax, msg.p, msg.len, st->direction, o->flags,
                        vw_qemud_collect, &c);
    if (r < 0) {
        vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &diag,
                         "invalid message:");
        st->num_invalid++;
        st->num_msgs++;
        return;
    }
    fprintf(o->out, "#%zu @%zu len=%zu: ", st->num_msgs, st->framer.msg_start, msg.len);
    vw_dump_qemud_line(o->out, &m, c.items, c.num);
    fputc('\n', o->out);
    if (o->verbose) {
        vw_dump_qemud_fields(o->out, &m, c.items, c.num, "    ");
    }
    if (lax.code != 0) {
        vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &lax,
                         "accepted non-canonical");
    }
    st->num_msgs++;
}

static int feed_message(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    return vw_qemud_feed(&((struct stream_state *)ctx)->framer, p, len, used);
}

static void on_message_ctx(void *ctx) {
    on_message(ctx);
}

int vw_decode_qemud(int fd, const struct vw_decode_opts *opts) {
    struct stream_state *st;
    int rc = 0, r;

    /* the two directions have different envelopes and unions (§1.4): no guessing */
    if (vw_decode_need_from(opts, "qemud") < 0) {
        return -1;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL) {
        return -1;
    }
    st->opts = opts;
    st->direction = opts->from == VW_FROM_SERVER ? VW_QEMUD_FROM_SERVER : VW_QEMUD_FROM_CLIENT;
    vw_qemud_framer_init(&st->framer);
    if (vw_decode_pump(fd, opts->err, feed_message, on_message_ctx, st, &r) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (r < 0) {
        fprintf(opts->err,
                "virtwire: message %zu (stream offset %zu): framing error %s at stream "
                "offset %zu, field length: length word %u outside [%u, %u]: %s; the "
                "rest of the stream cannot be framed\n",
                st->num_msgs, st->framer.msg_start, vw_err_name(r),
                st->framer.msg_start, (unsigned)st->framer.length,
                VW_QEMUD_LEN_MIN, VW_QEMUD_LEN_MAX, vw_err_text(r));
        st->num_invalid++;
        goto done;
    }
    if (vw_qemud_pending(&st->framer)) {
        vw_decode_report_pending(opts->err, "message", st->num_msgs, st->framer.msg_start,
                                 st->framer.stream_pos);
        st->num_invalid++;
    }
done:
    fprintf(opts->out, "%zu messages, %d invalid\n", st->num_msgs, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    free(st);
    return rc;
}
