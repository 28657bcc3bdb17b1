/* oracle_oncrpc.h -- the independent ONC RPC / portmap decoder the differential fuzz target
 * compares reference/ against.
 *
 * The oracle decodes with the rpcgen filters generated from reference/protocols/oncrpc.x
 * (xdr_vwx_*) over libtirpc's xdrmem stream, so its view is libtirpc 1.3.3's view: it shares no
 * code with the vw_xdr_* decoders.  Results come back in the project's structs (struct
 * vw_rpc_msg, struct vw_pmap_body) whose spans point into memory the oracle owns, or into the
 * caller's input for the rest-of-record views (call.args, reply.results).
 *
 * Memory: libtirpc's xdr_bytes / xdr_string / xdr_array allocate the declared length before
 * reading.  The message and AUTH_SYS filters only hold bounded items (opaque body<400>,
 * machinename<255>, gids<16>).  Portmap bodies hold unbounded ones (string<>, opaque<>), so
 * they are first decoded through a guard stream that clamps every integer above the stream
 * length to length + 1 (no length above the stream length can be satisfied, so that decode
 * fails exactly where the real one would, after a small allocation); only when that succeeds
 * does the real xdrmem decode run.  See oracle_oncrpc.c for the argument.
 *
 * Limits: pmaplist / rpcblist / rpcb_entry_list chains are decoded (and freed) by recursion,
 * about three stack frames per entry, and an entry takes at least 20 bytes.  Inputs are
 * therefore capped at VW_ORACLE_INPUT_MAX; a fuzz target must skip larger inputs (libFuzzer
 * -max_len=65536 or less). */
#ifndef VW_ORACLE_ONCRPC_H
#define VW_ORACLE_ONCRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cur.h"
#include "err.h"
#include "oncrpc.h"
#include "pmap.h"

/* Largest record the oracle accepts: 64 KiB holds at most 3277 chain entries, about 10,000
 * recursive frames, well inside an 8 MiB stack even with ASan's larger frames. */
#define VW_ORACLE_INPUT_MAX 65536u

struct vw_oracle_store;
struct vw_oracle_body_store;

/* struct vw_oracle_msg: one message as libtirpc reads it. */
struct vw_oracle_msg {
    bool ok;                 /* the message (and an AUTH_SYS credential) decoded */
    const char *failed;      /* !ok: "rpc_msg" or "cred.auth_sys" */
    struct vw_rpc_msg msg;   /* ok: all fields; strings are (ptr, strlen) as libtirpc keeps them */
    size_t pos;              /* xdr_getpos after xdr_vwx_rpc_msg: header bytes consumed */
    size_t sys_pos;          /* AUTH_SYS credential: xdr_getpos in the credential body */
    struct vw_oracle_store *store;  /* private; freed by vw_oracle_msg_cleanup */
};

/* One decoded list entry; which member is set follows body.kind (pmap.h). */
union vw_oracle_entry {
    struct vw_pmap_mapping mapping;
    struct vw_rpcb rpcb;
    struct vw_rpcb_entry entry;
};

/* struct vw_oracle_body: a portmap / rpcbind body as libtirpc reads it. */
struct vw_oracle_body {
    bool ok;                          /* the body decoded */
    size_t pos;                       /* ok: xdr_getpos, bytes of the body consumed */
    struct vw_pmap_body body;         /* ok: kind, vers and fields; list.raw stays empty */
    union vw_oracle_entry *entries;   /* ok, list kinds: body.list.num_entries entries */
    struct vw_oracle_body_store *store;  /* private; freed by vw_oracle_body_cleanup */
};

/* vw_oracle_msg_decode decodes the record of |len| bytes at |buf| (record marking removed)
 * with xdr_vwx_rpc_msg over xdrmem, then an AUTH_SYS credential body with
 * xdr_vwx_authsys_parms over an xdrmem of its own.  The message is accepted only when both
 * decode: an AUTH_SYS credential that does not decode fails the message, as in reference/
 * (VW_E_AUTH_SYS_FILL or VW_E_TOO_LONG there) and as in libtirpc's server, which answers
 * AUTH_BADCRED.  Only the credential is decoded as AUTH_SYS, never a verifier.
 * |out->msg.call.args| / |out->msg.reply.results| (SUCCESS) view the rest of |buf|.
 * Call vw_oracle_msg_cleanup(out) afterwards, whatever the result.  Returns 0 (see |out->ok|),
 * VW_E_INVALID (len over VW_ORACLE_INPUT_MAX) or VW_E_NOMEM. */
VW_MUST_USE int vw_oracle_msg_decode(struct vw_oracle_msg *out, const uint8_t *buf, size_t len);

/* vw_oracle_msg_cleanup frees what vw_oracle_msg_decode allocated; safe to call twice. */
void vw_oracle_msg_cleanup(struct vw_oracle_msg *m);

/* vw_oracle_body_decode decodes |body| as the arguments (|is_reply| false) or results of
 * procedure |proc| of program 100000 version |vers|, with the oracle's own type table
 * (RFC 1833: v2 NULL..CALLIT, v3 NULL..TADDR2UADDR, v4 adds GETVERSADDR, INDIRECT,
 * GETADDRLIST; GETSTAT is not modelled).  Trailing bytes are not an error (xdrmem ignores
 * them): compare |out->pos| with |body.len|.  Call vw_oracle_body_cleanup(out) afterwards.
 * Returns 0 (see |out->ok|), VW_E_UNKNOWN_PROC (no type known; |out| then holds nothing),
 * VW_E_INVALID (body over VW_ORACLE_INPUT_MAX) or VW_E_NOMEM. */
VW_MUST_USE int vw_oracle_body_decode(struct vw_oracle_body *out, struct vw_span body,
                                      uint32_t vers, uint32_t proc, bool is_reply);

/* vw_oracle_body_cleanup frees what vw_oracle_body_decode allocated; safe to call twice. */
void vw_oracle_body_cleanup(struct vw_oracle_body *b);

/* vw_oracle_msg_diff compares an accepted oracle message with |m| (decoded by reference/)
 * field by field, in wire order, and returns the name of the first field that differs
 * ("xid", "call.cred.sys.machinename", ...), or NULL when they agree.  Strings compare as
 * libtirpc sees them: |m|'s bytes up to the first NUL [RFC-lax: libtirpc truncates a string at
 * an embedded NUL, protocols §5.5]. */
const char *vw_oracle_msg_diff(const struct vw_oracle_msg *o, const struct vw_rpc_msg *m);

/* vw_oracle_body_diff is vw_oracle_msg_diff for an accepted body; list entries of |b| are
 * walked with vw_pmap_list_next (reference/ side only). */
const char *vw_oracle_body_diff(const struct vw_oracle_body *o, const struct vw_pmap_body *b);

/* vw_oracle_body_dump prints every field of an oracle body, list entries included, one per
 * line prefixed by |indent|. */
void vw_oracle_body_dump(FILE *f, const struct vw_oracle_body *o, const char *indent);

#endif
