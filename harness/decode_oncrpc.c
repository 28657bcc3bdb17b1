/* decode_oncrpc.c -- `virtwire decode --protocol onc-rpc`: record-marked ONC RPC streams.
 *
 * Records are reassembled by the byte-fed framer from 64 KiB reads, so memory is bounded by
 * the framer's record limit whatever the input.  A record that fails to decode is reported
 * and the next record is decoded (record marking keeps the frame); a framing error ends the
 * stream, since record marking has no sync marker.  Replies are matched to the calls seen
 * earlier in the same stream by xid, so portmap/rpcbind results are decoded too. */
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "decode.h"
#include "dump.h"
#include "oncrpc.h"
#include "pmap.h"
#include "pump.h"
#include "recmark.h"

#define CALL_MEMORY 256  /* calls remembered for matching replies; the oldest is forgotten */

struct call_seen {
    uint32_t xid;
    uint32_t prog;
    uint32_t vers;
    uint32_t proc;
    bool used;
};

struct stream_state {
    const struct vw_decode_opts *opts;
    struct vw_rm_framer framer;
    struct call_seen calls[CALL_MEMORY];
    size_t next_call;
    size_t num_records;
    int num_invalid;
};

static void report(struct stream_state *st, size_t record_start, const struct vw_diag *diag,
                   const char *what) {
    size_t stream_off = vw_rm_stream_offset(&st->framer, diag->offset);

    fprintf(st->opts->err,
            "virtwire: record %zu (stream offset %zu): %s %s at record byte %zu "
            "(stream offset %zu)%s%s: %s\n",
            st->num_records, record_start, what, vw_err_name(diag->code), diag->offset,
            stream_off, diag->field != NULL ? ", field " : "",
            diag->field != NULL ? diag->field : "", vw_err_text(diag->code));
}

static void remember_call(struct stream_state *st, const struct vw_rpc_msg *m) {
    st->calls[st->next_call] = (struct call_seen){ .xid = m->xid, .prog = m->call.prog,
                                                   .vers = m->call.vers, .proc = m->call.proc,
                                                   .used = true };
    st->next_call = (st->next_call + 1) % CALL_MEMORY;
}

static const struct call_seen *find_call(const struct stream_state *st, uint32_t xid) {
    for (size_t i = 0; i < CALL_MEMORY; i++) {
        size_t k = (st->next_call + CALL_MEMORY - 1 - i) % CALL_MEMORY;  /* newest first */
        if (st->calls[k].used && st->calls[k].xid == xid) {
            return &st->calls[k];
        }
    }
    return NULL;
}

/* decode_body decodes portmap/rpcbind arguments or results into |*body|.  Returns 1 when a
 * body was decoded, 0 when the message carries none this codec knows (kept opaque), or a
 * negative error with |*diag| set. */
static int decode_body(struct stream_state *st, struct vw_span rec, const struct vw_rpc_msg *m,
                       struct vw_pmap_body *body, struct vw_diag *diag, struct vw_diag *lax) {
    const struct call_seen *call;
    struct vw_span span;
    uint32_t vers, proc;
    bool is_reply = m->mtype == VW_RPC_REPLY;
    int r;

    if (!is_reply) {
        if (m->call.prog != VW_PMAP_PROG) {
            return 0;
        }
        vers = m->call.vers;
        proc = m->call.proc;
        span = m->call.args;
    } else {
        if (m->reply.stat != VW_RPC_MSG_ACCEPTED || m->reply.accept_stat != VW_RPC_SUCCESS ||
            (call = find_call(st, m->xid)) == NULL || call->prog != VW_PMAP_PROG) {
            return 0;
        }
        vers = call->vers;
        proc = call->proc;
        span = m->reply.results;
    }
    r = vw_pmap_decode(body, diag, lax, rec.p, span, vers, proc, is_reply, st->opts->flags);
    if (r == VW_E_UNKNOWN_PROC) {
        return 0;  /* header checked, body kept opaque */
    }
    return r < 0 ? r : 1;
}

static void on_record(struct stream_state *st) {
    const struct vw_decode_opts *o = st->opts;
    const struct vw_rm_fragment *frags;
    struct vw_diag diag = { 0 }, body_diag = { 0 }, lax = { 0 };
    struct vw_pmap_body body;
    struct vw_rpc_msg m;
    struct vw_span rec;
    size_t num_frags, record_start;
    int r;

    vw_rm_record(&st->framer, &rec, &frags, &num_frags);
    record_start = st->framer.record_start;
    r = vw_rpc_msg_decode(&m, &diag, &lax, rec.p, rec.len, o->flags);
    if (r < 0) {
        report(st, record_start, &diag, "invalid message:");
        st->num_invalid++;
        st->num_records++;
        return;
    }
    r = decode_body(st, rec, &m, &body, &body_diag, &lax);
    fprintf(o->out, "#%zu @%zu len=%zu", st->num_records, record_start, rec.len);
    if (num_frags > 1) {
        fprintf(o->out, " fragments=%zu", num_frags);
    }
    fputs(": ", o->out);
    vw_dump_rpc_line(o->out, &m);
    if (r == 1 && !o->verbose) {
        fputs(" -> ", o->out);
        vw_dump_pmap_line(o->out, &body);
    }
    fputc('\n', o->out);
    if (o->verbose) {
        vw_dump_rpc_fields(o->out, &m, "    ");
        if (r == 1) {
            vw_dump_pmap_fields(o->out, &body, "    ");
        }
    }
    if (m.mtype == VW_RPC_CALL) {
        remember_call(st, &m);
    }
    if (r < 0) {
        report(st, record_start, &body_diag,
               m.mtype == VW_RPC_CALL ? "invalid arguments:" : "invalid results:");
        st->num_invalid++;
    }
    if (lax.code != 0) {
        report(st, record_start, &lax, "accepted non-canonical");
    }
    st->num_records++;
}

static int feed_record(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    return vw_rm_feed(&((struct stream_state *)ctx)->framer, p, len, used);
}

static void on_record_ctx(void *ctx) {
    on_record(ctx);
}

int vw_decode_oncrpc(int fd, const struct vw_decode_opts *opts) {
    struct stream_state *st = calloc(1, sizeof(*st));
    int rc = 0, r;

    if (st == NULL) {
        return -1;
    }
    st->opts = opts;
    vw_rm_framer_init(&st->framer, VW_RM_RECORD_MAX_DEFAULT);
    if (vw_decode_pump(fd, opts->err, feed_record, on_record_ctx, st, &r) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (r < 0) {
        fprintf(opts->err,
                "virtwire: record %zu (stream offset %zu): framing error %s at stream "
                "offset %zu: %s; the rest of the stream cannot be framed\n",
                st->num_records, st->framer.record_start, vw_err_name(r),
                st->framer.stream_pos - 4, vw_err_text(r));
        st->num_invalid++;
        goto done;
    }
    if (vw_rm_pending(&st->framer)) {
        fprintf(opts->err,
                "virtwire: record %zu (stream offset %zu): VW_E_SHORT at stream offset %zu: "
                "the stream ends inside a record\n",
                st->num_records, st->framer.record_start, st->framer.stream_pos);
        st->num_invalid++;
    }
done:
    fprintf(opts->out, "%zu records, %d invalid\n", st->num_records, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    vw_rm_framer_cleanup(&st->framer);
    free(st);
    return rc;
}
