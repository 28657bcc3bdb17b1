/* oracle_openhook.h -- the independent decoder of the XDR open-hook-fd encoding
 * (historic-qemud-openhook-qga.md §2.2) the openhook_decode fuzz target compares
 * reference/openhook.c against.
 *
 * It decodes with the rpcgen filters generated from reference/protocols/openhook.x
 * (xdr_vwo_request, xdr_vwo_reply) over libtirpc's xdrmem stream, the way a 2012 server built
 * on libtirpc would: read message_size, refuse it outside the direction's bounds (the same
 * bounds as reference/openhook.c: it is a framing word, not an XDR item), then decode the
 * message from a stream of exactly message_size bytes.  It shares no code with vw_xdr_* or
 * vw_xs_*.
 *
 * Memory: string<4096> is the only variable item; xdr_string checks the bound before it
 * allocates, and the oracle hands it a static 4097-byte buffer, so libtirpc allocates
 * nothing.  Not thread-safe (static buffer). */
#ifndef VW_ORACLE_OPENHOOK_H
#define VW_ORACLE_OPENHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* struct vw_oracle_openhook: what the oracle saw. */
struct vw_oracle_openhook {
    int ok;                 /* 1: the message decoded; 0: libtirpc or the framing refused */
    const char *failed;     /* !ok: "short", "message_size" or "xdr" */
    uint32_t message_size;
    size_t pos;             /* ok: xdr_getpos after the body; bytes from there to
                             * message_size were not read (xdrmem ignores them) */
    uint32_t command, flags, mode;
    const char *filename;   /* ok, request: the C string libtirpc produced (static) */
    size_t filename_len;    /* strlen(filename): libtirpc truncates at a NUL */
    int32_t result;         /* ok, reply */
    size_t out_len;         /* ok: bytes of the canonical re-encoding in the caller's buffer */
};

/* vw_oracle_openhook_decode decodes the |len| bytes at |buf| as one XDR open-hook-fd message
 * from the client (|direction| 0) or the server (1) and, when it decodes, encodes the decoded
 * struct again (message_size = the encoded length) into |out| (|cap| bytes).  Bytes after
 * message_size are not looked at (they belong to the next message).  Returns 0 (see
 * |res->ok|), VW_E_INVALID (bad direction) or VW_E_NOSPACE (|cap| too small). */
VW_MUST_USE int vw_oracle_openhook_decode(struct vw_oracle_openhook *res, const uint8_t *buf,
                                          size_t len, int direction, uint8_t *out,
                                          size_t cap);

#endif
