/* virnet.h -- the libvirt RPC ("virnet") envelope as libvirt 9.0 speaks it: the length word, the
 * 24-byte header, the payload each type/status combination carries, the fd count of the
 * *_WITH_FDS types, an encoder and a byte-fed framer.
 *
 * Facts: ../shared/protocols/virnet-oncrpc.md §1 (framing, header, payloads, error struct), §2
 * (programs), §4 (streams), §9 (where the docs and the code disagree, the code wins).
 *
 * Payloads with an XDR layout are decoded with the schema interpreter (xs.h) from the schemas
 * of virnet_procs.h.  Decoding never allocates: spans point into the input, and the payload's
 * items go to a visitor (discard them if the decode then fails).  Decoders are failure-atomic.
 *
 * Strict mode rejects everything libvirt 9.0 does not send.  Lenient mode accepts what
 * libvirt's XDR layer accepts (§1.3: the header's enums are read with xdr_enum, which takes any
 * value; the dispatcher, not the XDR layer, drops what it does not expect), each time with a
 * note in |lax|:
 *   - a type or status with no assignment, a type/status combination §1.5 does not define, a
 *     procedure that has no payload of that kind (a CALL of a MESSAGE-only event), and a known
 *     program at another version: VW_E_MSG_TYPE / VW_E_PROGRAM, payload kept opaque;
 *   - bytes after the payload: VW_E_TRAILING [libvirt ignores them, §1.5 "never checks that
 *     the buffer was fully consumed"]; plus the XDR notes of xdr.h and xs.h.
 * Errors in both modes: a length word out of range or not matching the input (VW_E_LENGTH), an
 * fd count over 32 or not matching the fds received (VW_E_FDS), a payload that is not its
 * schema, a short input. */
#ifndef VW_VIRNET_H
#define VW_VIRNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "virnet_procs.h"
#include "xdr.h"
#include "xs.h"

/* §1.2 constants (9.0 values, checked against the binaries). */
#define VW_VIRNET_LEN_SIZE 4u               /* VIR_NET_MESSAGE_LEN_MAX: the length word */
#define VW_VIRNET_HEADER_SIZE 24u           /* VIR_NET_MESSAGE_HEADER_MAX: 6 XDR words */
#define VW_VIRNET_MESSAGE_MAX 33554432u     /* VIR_NET_MESSAGE_MAX (excludes the length word) */
#define VW_VIRNET_PAYLOAD_MAX 33554408u     /* VIR_NET_MESSAGE_PAYLOAD_MAX = MAX - 24 */
#define VW_VIRNET_LEGACY_PAYLOAD_MAX 262120u /* VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX (§4 chunks) */
#define VW_VIRNET_NUM_FDS_MAX 32u           /* VIR_NET_MESSAGE_NUM_FDS_MAX */
#define VW_VIRNET_FD_COUNT_SIZE 4u          /* §1.5: an xdr_u_int, not an int8 (§9.4) */
/* §1.1: the length word counts itself; the smallest message is a header with no payload, the
 * largest is what virNetMessageDecodeLength accepts (len - 4 <= VIR_NET_MESSAGE_MAX). */
#define VW_VIRNET_LEN_MIN (VW_VIRNET_LEN_SIZE + VW_VIRNET_HEADER_SIZE)  /* 28 */
#define VW_VIRNET_LEN_MAX (VW_VIRNET_LEN_SIZE + VW_VIRNET_MESSAGE_MAX)  /* 33554436 */

/* Byte offsets of the header words in a message (the length word is at 0). */
enum {
    VW_VIRNET_OFF_PROG = 4,
    VW_VIRNET_OFF_VERS = 8,
    VW_VIRNET_OFF_PROC = 12,
    VW_VIRNET_OFF_TYPE = 16,
    VW_VIRNET_OFF_SERIAL = 20,
    VW_VIRNET_OFF_STATUS = 24,
    VW_VIRNET_OFF_PAYLOAD = 28,
};

/* virNetMessageType (§1.3). */
enum vw_virnet_type {
    VW_VIRNET_CALL = 0,
    VW_VIRNET_REPLY = 1,
    VW_VIRNET_MESSAGE = 2,
    VW_VIRNET_STREAM = 3,
    VW_VIRNET_CALL_WITH_FDS = 4,
    VW_VIRNET_REPLY_WITH_FDS = 5,
    VW_VIRNET_STREAM_HOLE = 6,
};

/* virNetMessageStatus (§1.3). */
enum vw_virnet_status {
    VW_VIRNET_OK = 0,
    VW_VIRNET_ERROR = 1,
    VW_VIRNET_CONTINUE = 2,
};

/* virNetMessageHeader (§1.3); |type| and |status| keep whatever value was on the wire. */
struct vw_virnet_header {
    uint32_t prog;
    uint32_t vers;
    int32_t proc;
    int32_t type;
    uint32_t serial;
    int32_t status;
};

/* What the payload is. */
enum vw_virnet_body_kind {
    VW_VIRNET_BODY_XDR,    /* decoded with |body_type| (args, ret, msg, error, hole, or void) */
    VW_VIRNET_BODY_RAW,    /* STREAM + CONTINUE: stream data, not XDR (§1.5, §4) */
    VW_VIRNET_BODY_OPAQUE, /* not decoded: unknown program or procedure, or (lenient) a
                            * combination the protocol does not define */
};

/* struct vw_virnet_msg: one decoded message; spans point into the input. */
struct vw_virnet_msg {
    uint32_t len;                               /* the length word (counts itself) */
    struct vw_virnet_header hdr;
    uint32_t num_fds;                           /* the fd count; 0 unless |has_fds| */
    bool has_fds;                               /* type is CALL_WITH_FDS or REPLY_WITH_FDS */
    const struct vw_virnet_program *program;    /* NULL: unknown program (or version) */
    const struct vw_virnet_proc *proc;          /* NULL: no schema for the procedure */
    enum vw_virnet_body_kind body_kind;
    const struct vw_xs_type *body_type;         /* BODY_XDR: the schema; otherwise NULL */
    struct vw_span body;                        /* the payload after the header and fd count */
};

/* vw_virnet_type_name / vw_virnet_status_name: "CALL", "OK", ...; "?" for unassigned values. */
const char *vw_virnet_type_name(int32_t type);
const char *vw_virnet_status_name(int32_t status);

/* vw_virnet_decode_header reads the length word and the header of the message at |buf| (|len|
 * bytes, at least the first 28 of the message) into |*out_len| and |*out| without judging
 * them beyond the length word's range.  For reporting what a message claims to be even when it
 * does not decode.  Returns 0, VW_E_SHORT or VW_E_LENGTH; on error nothing is written. */
VW_MUST_USE int vw_virnet_decode_header(uint32_t *out_len, struct vw_virnet_header *out,
                                        struct vw_diag *diag, const uint8_t *buf, size_t len);

/* vw_virnet_decode decodes exactly one whole message, length word included, from the |len|
 * bytes at |buf| into |*out|.  |fds_received| is how many fds arrived with it as SCM_RIGHTS
 * (§1.5), or -1 when that is unknown (a message read from a file).  |flags|: VW_DEC_LENIENT.
 * The payload's items go to |visit| (may be NULL) in pre-order, offsets counted from |buf|.
 *
 * Returns 0 or: VW_E_SHORT (input shorter than the length word says); VW_E_LENGTH (length word
 * under 28 or over 33554436, or input longer than it says); VW_E_PROGRAM (a known program at a
 * version it does not have, except in an error REPLY, which is how the server answers such a
 * call, echoing the bad version, §2; lenient: noted); VW_E_MSG_TYPE (type or status unassigned,
 * or a combination with no payload rule; lenient: noted); VW_E_FDS (fd count over 32, fd count not
 * equal to |fds_received|, or fds received with a message that has no count); VW_E_TRAILING
 * (payload longer than its schema; lenient: noted); the payload errors of xs.h; VW_E_INVALID
 * (|fds_received| < -1).  On error |*out| is untouched and |diag| holds the code, the offset
 * from |buf| and the field. */
VW_MUST_USE int vw_virnet_decode(struct vw_virnet_msg *out, struct vw_diag *diag,
                                 struct vw_diag *lax, const uint8_t *buf, size_t len,
                                 int fds_received, unsigned flags, vw_xs_visit_fn visit,
                                 void *ctx);

/* vw_virnet_decode_general is vw_virnet_decode without its shortcut for the common messages:
 * the same arguments, results and diagnostics on every input.  For the fuzz target that checks
 * exactly that (fuzz_virnet_paths); callers use vw_virnet_decode. */
VW_MUST_USE int vw_virnet_decode_general(struct vw_virnet_msg *out, struct vw_diag *diag,
                                         struct vw_diag *lax, const uint8_t *buf, size_t len,
                                         int fds_received, unsigned flags,
                                         vw_xs_visit_fn visit, void *ctx);

/* vw_virnet_encode appends the message |m| to |e|: a length word it computes, the header, the
 * fd count when |m->hdr.type| is a *_WITH_FDS type, then the payload: BODY_XDR re-encoded from
 * |items| (as the decoder visited them; all must be used), otherwise |m->body| as it is.
 * |m->len| and |m->has_fds| are ignored.  Returns 0, VW_E_NOSPACE, VW_E_TOO_LONG (over
 * VW_VIRNET_LEN_MAX, or a length over its maximum inside the payload) or VW_E_INVALID (items
 * that do not follow |m->body_type|); on error |e| is unchanged. */
VW_MUST_USE int vw_virnet_encode(struct vw_xdr_enc *e, const struct vw_virnet_msg *m,
                                 const struct vw_xs_item *items, size_t num_items);

/* ---- framer ---- */

/* struct vw_virnet_framer: cuts a byte stream into messages by their length words. */
struct vw_virnet_framer {
    size_t stream_pos;      /* bytes consumed since init */
    size_t msg_start;       /* stream offset of the current message's length word */
    uint32_t want;          /* the current message's length word once read, else 0 */
    bool done;              /* a message is complete and has not been taken yet */
    uint8_t *buf;           /* the message so far, length word included (owned) */
    size_t buf_len;
    size_t buf_cap;
    int err;                /* sticky error: a stream with a bad length word stays broken */
    void *(*realloc_fn)(void *, size_t); /* allocator, for failure injection in tests */
};

/* vw_virnet_framer_init prepares |f|; vw_virnet_framer_cleanup frees what it owns (it may then
 * be initialised again). */
void vw_virnet_framer_init(struct vw_virnet_framer *f);
void vw_virnet_framer_cleanup(struct vw_virnet_framer *f);

/* vw_virnet_feed consumes bytes of |in| (|in_len| bytes) and sets |*out_used| to how many.
 * Returns 1 when a message is complete (read it with vw_virnet_message; the next feed starts a
 * new one), VW_E_AGAIN when every byte was consumed and the message is unfinished, or an error:
 * VW_E_LENGTH (a length word under 28 or over 33554436, §1.1; its stream offset is
 * |f->msg_start|; libvirt closes the connection) or VW_E_NOMEM.  Errors are sticky: the stream
 * has no sync marker.  The buffer grows with the bytes received, never with a length word. */
VW_MUST_USE int vw_virnet_feed(struct vw_virnet_framer *f, const uint8_t *in, size_t in_len,
                               size_t *out_used);

/* vw_virnet_message points |*out| at the completed message, length word included (valid until
 * the next feed or cleanup); an empty span when none is complete. */
void vw_virnet_message(const struct vw_virnet_framer *f, struct vw_span *out);

/* vw_virnet_pending says whether a message has been started and not finished. */
bool vw_virnet_pending(const struct vw_virnet_framer *f);

#endif
