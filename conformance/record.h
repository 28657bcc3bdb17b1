/* record.h -- turn a relayed conversation into a transcript (transcript.h): the part of
 * `virtwire record` that does no I/O.  The relay (harness/cmd_record.c) feeds the bytes each
 * side sent, in the order they arrived, and the fds that came with them; this frames both
 * directions with the protocol's adapter (adapter.h) and writes one step per message.
 *
 * Client messages become sends:
 *   - a structured `send` with the fields the adapter decoded, when the message decodes and
 *     the adapter's encoder gives back exactly the same bytes from those fields (checked
 *     here for every message; the computed length field is left out when the encoder
 *     recomputes it to the same value);
 *   - qga: `send json TEXT`, the request's exact bytes (real-servers.md §2: the agent needs
 *     no newline; whitespace between messages is dropped, except after a message ending in
 *     a number or keyword, which the agent frames only at the next byte), or `send text`
 *     when the text holds control bytes or a `$name` the runner would substitute;
 *     a 0xFF sync byte is `send hex ff`;
 *   - anything else (no decode, no exact re-encode, bytes the framer cannot frame):
 *     `send hex`, with the adapter's summary as a comment;
 *   - fds that came with a client message: `send-fd PATH` before it (the path the fd
 *     names, /proc/self/fd; one regular file per message, or the transcript is partial).
 * Server messages become `expect` steps with every field the adapter decoded (a computed
 * length or fragment count left out), `expect sync` for a qga 0xFF, `expect-fd N` after a
 * message that came with fds, and `expect-close` when the server closed first.
 *
 * Values the server chooses and that change between runs are not written as literals
 * (record.c, table |rules|, each with its source): `*` for clocks (virnet cpuTime, qga
 * guest-get-time), captures `$name1`, `$name2` ... for handles the client uses again (virnet
 * callbackID, event serials; qga file handles and guest-exec pids): the same recorded value
 * gets the same capture, and a later structured send (or qga `send json`) that carries it
 * uses the capture.  Values the client chose and the server echoes stay literal: a virnet
 * REPLY serial is its CALL's (virnet-oncrpc.md §1.3), an ONC RPC reply xid its call's
 * (RFC 5531 §9), a qga reply id and a guest-sync return the request's (§3.4).
 *
 * Memory is bounded: bytes of an unfinished message are kept up to VW_REC_PENDING_MAX per
 * direction and the transcript up to VW_TXN_FILE_MAX (what vw_txn_load reads); past either
 * the recording stops (VW_E_TOO_LONG) and what was recorded is kept. */
#ifndef VW_CONFORMANCE_RECORD_H
#define VW_CONFORMANCE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "err.h"

/* Bytes of one unfinished message kept per direction: a message bigger than the transcript
 * limit could not be written anyway (hex doubles it). */
#define VW_REC_PENDING_MAX (1u << 20)

enum { VW_REC_CLIENT = 0, VW_REC_SERVER = 1 };

struct vw_rec;

/* vw_rec_new makes a recorder for |protocol| (an adapter name, adapter.h).  NULL when there is
 * no such adapter or memory is short. */
struct vw_rec *vw_rec_new(const char *protocol);

/* vw_rec_free(NULL) does nothing. */
void vw_rec_free(struct vw_rec *r);

/* vw_rec_feed records |len| bytes that |from| (VW_REC_CLIENT / VW_REC_SERVER) sent, with the
 * |num_fds| fds that came with them (|fd_paths|: what each names, NULL when unknown; only
 * used for the client's).  Returns 0, or VW_E_TOO_LONG (a message or the transcript over its
 * limit), VW_E_NOMEM, or the framer's code when the server's stream can no longer be framed;
 * after an error the recording is over (vw_rec_error says why) and later calls do nothing. */
VW_MUST_USE int vw_rec_feed(struct vw_rec *r, int from, const uint8_t *p, size_t len,
                            const char *const *fd_paths, size_t num_fds);

/* vw_rec_eof records that |from| closed its side.  A server closing first is `expect-close`.
 * Returns 0, or VW_E_SHORT when that side stopped inside a message (the recording is over). */
VW_MUST_USE int vw_rec_eof(struct vw_rec *r, int from);

/* vw_rec_stop ends the recording with |reason| (the transcript is marked partial); the first
 * reason is kept. */
void vw_rec_stop(struct vw_rec *r, const char *reason);

/* vw_rec_error returns why the recording stopped early, or NULL when it did not. */
const char *vw_rec_error(const struct vw_rec *r);

/* vw_rec_messages counts the messages recorded from |from|. */
size_t vw_rec_messages(const struct vw_rec *r, int from);

struct vw_rec_header {
    const char *case_id;         /* the file name without .txn */
    const char *title;           /* NULL: "recorded PROTOCOL session" */
    const char *upstream;        /* for spec: "recorded with virtwire record from URI" */
};

/* vw_rec_write appends the transcript (header, then the steps; a partial one says so at its
 * top and where it stops) to |out|, then parses it back with vw_txn_parse.  Returns 0,
 * VW_E_NOMEM, or VW_E_SYNTAX when the text does not parse (a recorder bug; the reason in
 * |err|, the text still in |out|). */
VW_MUST_USE int vw_rec_write(struct vw_rec *r, const struct vw_rec_header *h,
                             struct vw_cf_buf *out, char *err, size_t err_len);

#endif
