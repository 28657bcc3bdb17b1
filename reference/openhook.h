/* openhook.h -- QEMU's May 2012 open-hook-fd protocol (historic-qemud-openhook-qga.md §2.1,
 * §2.2) in its two encodings: a strict decoder and encoder for whole messages, a byte-fed
 * framer, and the rule for the fds that come with a message.
 *
 * Host byte order, as proposed (§2.1: "All integers are in host byte order"):
 *   request  u32 message_size; u32 command = 1 (QEMU_OPEN); u32 flags; u32 mode;
 *            u16 filename_len; u8 filename[filename_len]          (no padding, no NUL)
 *   reply    u32 message_size; u32 command = 1; s32 result      (0, or a negated errno)
 * The XDR variant the review asked for (§2.2; RFC 4506): the same fields, each a 4-byte
 * big-endian XDR int, the filename an XDR string<4096> (u32 length, bytes, zero padding).
 * In both, message_size is first and counts the whole message, its 8-byte header included.
 *
 * Strict rules, each a named error at a byte offset from the message's first byte:
 *   VW_E_SHORT         the input ends before message_size bytes (or inside the header)
 *   VW_E_LENGTH        message_size under the header, over the direction's maximum, or not
 *                      the size the fields need (offset 0, field "message_size"); host order:
 *                      filename_len not matching message_size - 18
 *   VW_E_DISCRIMINANT  command other than QEMU_OPEN (offset 4)
 *   VW_E_RANGE         a reply result > 0 or under -VW_OPENHOOK_ERRNO_MAX
 *   VW_E_TOO_LONG      XDR filename length over VW_OPENHOOK_XDR_PATH_MAX
 *   VW_E_PADDING       non-zero XDR string padding (RFC 4506 §3)
 *   VW_E_STRING_NUL    a NUL inside the filename (it could not name a file)
 *   VW_E_TRAILING      bytes after the message
 * Order: message_size is checked as soon as its 4 bytes are in, then command; the fields are
 * read from min(input, message_size) bytes, so a strict prefix of a valid message is always
 * VW_E_SHORT, and fields that need more than a complete message_size is VW_E_LENGTH (offset
 * 0), exactly as a stream cut by its message_size words sees it.
 * Lenient mode (VW_DEC_LENIENT) applies to the XDR encoding only and accepts what libtirpc's
 * xdr_string accepts: non-zero padding and a NUL inside the filename, noting the first in
 * |lax|.  The host-order encoding has no libtirpc counterpart and is strict in both modes.
 * A reply's result range, message_size and trailing bytes are rules of §2.1 itself and are
 * strict in both modes. */
#ifndef VW_OPENHOOK_H
#define VW_OPENHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"

enum vw_openhook_encoding { VW_OPENHOOK_HOST = 0, VW_OPENHOOK_XDR = 1 };
enum vw_openhook_dir { VW_OPENHOOK_FROM_CLIENT = 0, VW_OPENHOOK_FROM_SERVER = 1 };

#define VW_OPENHOOK_QEMU_OPEN 1u          /* §2.1 "1. QEMU_OPEN (1)", the only command */
#define VW_OPENHOOK_HEADER_LEN 8u         /* u32 message_size; u32 command */
#define VW_OPENHOOK_HOST_REQ_FIXED 18u    /* header + flags + mode + u16 filename_len */
#define VW_OPENHOOK_XDR_REQ_FIXED 20u     /* header + flags + mode + the string's u32 length */
#define VW_OPENHOOK_REPLY_LEN 12u         /* header + s32 result, both encodings */
#define VW_OPENHOOK_HOST_PATH_MAX 65535u  /* the u16 filename_len */
#define VW_OPENHOOK_XDR_PATH_MAX 4096u    /* string<4096> (§2.2, PATH_MAX) */
#define VW_OPENHOOK_ERRNO_MAX 4095        /* Linux MAX_ERRNO: results are 0 or -1 .. -4095 */
#define VW_OPENHOOK_HOST_MSG_MAX (VW_OPENHOOK_HOST_REQ_FIXED + VW_OPENHOOK_HOST_PATH_MAX)
#define VW_OPENHOOK_XDR_MSG_MAX (VW_OPENHOOK_XDR_REQ_FIXED + VW_OPENHOOK_XDR_PATH_MAX)

/* struct vw_openhook_msg: one decoded message; |filename| views the input. */
struct vw_openhook_msg {
    int encoding;            /* enum vw_openhook_encoding */
    int direction;           /* enum vw_openhook_dir */
    uint32_t message_size;
    uint32_t command;
    uint32_t flags, mode;    /* request only */
    struct vw_span filename; /* request only */
    int32_t result;          /* reply only: 0, or a negated errno */
};

/* vw_openhook_decode decodes the |len| bytes at |buf| as exactly one message of |direction|
 * in |encoding|.  Returns 0, VW_E_INVALID (bad encoding or direction) or an error listed
 * above, with |diag| (may be NULL) set; lenient notes go to |lax| (may be NULL).  On error
 * |*out| is untouched. */
VW_MUST_USE int vw_openhook_decode(struct vw_openhook_msg *out, struct vw_diag *diag,
                                   struct vw_diag *lax, const uint8_t *buf, size_t len,
                                   int encoding, int direction, unsigned flags);

/* vw_openhook_encode appends |m| (its encoding, direction and fields; message_size is
 * computed, m->message_size is ignored) to |e|.  Returns 0, VW_E_NOSPACE, VW_E_TOO_LONG
 * (filename over the encoding's maximum) or VW_E_INVALID (unknown encoding or direction,
 * m->command not VW_OPENHOOK_QEMU_OPEN, NULL filename bytes); on error |e| is unchanged.
 * It writes what it is given: a result out of range or a NUL in the filename is encoded (a
 * test server may send them on purpose) and the decoder then refuses it.  The XDR body goes
 * through the schema interpreter (vw_xs_encode).  A decoded message re-encodes to its input
 * (lenient: to the canonical bytes). */
VW_MUST_USE int vw_openhook_encode(struct vw_xdr_enc *e, const struct vw_openhook_msg *m);

/* vw_openhook_request fills |*out| with a QEMU_OPEN request in |encoding| (|filename| is
 * borrowed); vw_openhook_reply with a reply carrying |result|.  Return 0 or VW_E_INVALID
 * (unknown encoding, |*out| untouched). */
VW_MUST_USE int vw_openhook_request(struct vw_openhook_msg *out, int encoding, uint32_t flags,
                                    uint32_t mode, struct vw_span filename);
VW_MUST_USE int vw_openhook_reply(struct vw_openhook_msg *out, int encoding, int32_t result);

/* vw_openhook_fds_expected is the number of fds |m| must arrive with under §2.1: 1 for a
 * reply with result 0, else 0. */
size_t vw_openhook_fds_expected(const struct vw_openhook_msg *m);

/* vw_openhook_check_fds applies the fd rule of §2.1 to a decoded |m| that arrived with
 * |num_fds| descriptors, |ctrunc| when recvmsg reported MSG_CTRUNC: a reply with result 0
 * carries exactly one fd; an error reply and a request carry none.  Returns 0, VW_E_CTRUNC
 * (checked first: the count is unknown) or VW_E_FDS, with |diag| set (offset 0). */
VW_MUST_USE int vw_openhook_check_fds(const struct vw_openhook_msg *m, size_t num_fds,
                                      bool ctrunc, struct vw_diag *diag);

/* ---- framing a byte stream ---- */

/* struct vw_openhook_framer: cuts a stream of one encoding and direction into messages by
 * their message_size words.  The buffer is fixed at the largest message; nothing is
 * allocated. */
struct vw_openhook_framer {
    int encoding, direction;
    size_t stream_pos;       /* bytes consumed since init */
    size_t msg_start;        /* stream offset of the current message */
    uint32_t message_size;   /* once 4 bytes are in */
    size_t have;             /* bytes of the current message collected */
    bool done;               /* a message is complete and has not been taken yet */
    int err;                 /* sticky: an unusable size word leaves no frame */
    uint8_t buf[VW_OPENHOOK_HOST_MSG_MAX];
};

/* vw_openhook_framer_init prepares |f| for |encoding| and |direction|; VW_E_INVALID if
 * either is unknown. */
VW_MUST_USE int vw_openhook_framer_init(struct vw_openhook_framer *f, int encoding,
                                        int direction);

/* vw_openhook_feed consumes bytes of |in| and sets |*out_used|.  Returns 1 when a message is
 * complete (vw_openhook_message gives it; the next feed starts a new one), VW_E_AGAIN when
 * every byte was consumed and the message is unfinished, or VW_E_LENGTH (sticky) when a
 * message_size is under the header or over the direction's maximum. */
VW_MUST_USE int vw_openhook_feed(struct vw_openhook_framer *f, const uint8_t *in, size_t len,
                                 size_t *out_used);

/* vw_openhook_message points |*out| at the complete message (valid until the next feed; an
 * empty span when none is complete) and gives its stream offset (|out_stream_offset| may be
 * NULL). */
void vw_openhook_message(const struct vw_openhook_framer *f, struct vw_span *out,
                         size_t *out_stream_offset);

/* vw_openhook_pending says whether a message was started and not finished. */
bool vw_openhook_pending(const struct vw_openhook_framer *f);

#endif
