/* oracle_qemud.h -- the independent qemud decoder the differential fuzz target compares
 * reference/qemud.c against.
 *
 * It decodes with the rpcgen filters generated from reference/protocols/qemud.x
 * (xdr_vwq_packet_header, xdr_vwq_packet_client, xdr_vwq_packet_server) over libtirpc's xdrmem
 * stream, the way the 2007 server did (historic-qemud-openhook-qga.md §1.6): header first
 * (prog must be QEMUD_PROGRAM, length at most REMOTE_MESSAGE_MAX), then header and body again
 * from a stream of exactly |length| bytes.  It shares no code with vw_xdr_* or vw_xs_*.
 *
 * Memory: every qemud struct is fixed-size (char and unsigned char vectors, ints, one hyper;
 * no string<>, opaque<> or T<>), so libtirpc allocates nothing and no length needs clamping.
 * The decoded struct (at most 20 KiB) lives in a static buffer: not thread-safe. */
#ifndef VW_ORACLE_QEMUD_H
#define VW_ORACLE_QEMUD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* struct vw_oracle_qemud: what the oracle saw. */
struct vw_oracle_qemud {
    int ok;              /* 1: the message decoded; 0: libtirpc (or the header check) refused */
    const char *failed;  /* !ok: "header", "length", "prog", "short" or "body" */
    uint32_t length;     /* the length word */
    size_t pos;          /* ok: xdr_getpos after the body; bytes from there to |length| were
                          * not read (xdrmem ignores them) */
    size_t out_len;      /* ok: bytes of the canonical re-encoding in the caller's buffer */
};

/* vw_oracle_qemud_decode decodes the |len| bytes at |buf| as one message from the client
 * (|direction| 0) or the server (1) and, when it decodes, encodes the decoded struct again the
 * way the server wrote replies (§1.5: body first, then length = xdr_getpos at offset 0) into
 * |out| (|cap| bytes).  Framing checks mirror reference/qemud.c: the length word must lie in
 * [12, 262144] and inside the input.  Returns 0 (see |res->ok|), VW_E_INVALID (bad direction)
 * or VW_E_NOSPACE (|cap| too small for the re-encoding). */
VW_MUST_USE int vw_oracle_qemud_decode(struct vw_oracle_qemud *res, const uint8_t *buf,
                                       size_t len, int direction, uint8_t *out, size_t cap);

#endif
