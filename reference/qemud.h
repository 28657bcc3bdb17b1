/* qemud.h -- libvirt's 2007 "qemud" XDR protocol (historic-qemud-openhook-qga.md §1): a strict
 * decoder and encoder for whole messages, and a byte-fed framer for a stream of them.
 *
 * A message is a header { u32 length; u32 prog; } (§1.4: length counts the 8 header bytes and
 * everything after), then from the client { u32 serial; union qemud_packet_client_data } and
 * from the server { u32 serial; u32 inReplyTo; union qemud_packet_server_data }.  The unions
 * switch on an enum (§1.3) with no default arm; every arm is a fixed-size struct (§1.4) whose
 * char and unsigned char arrays rpcgen sends one 4-byte XDR int per element (§1.5).  Both
 * unions and every body struct are vw_xs_type tables (xs.h), so decoding visits one
 * struct vw_xs_item per node and vw_qemud_encode re-encodes from that item list.
 *
 * Strict rules, each a named error at a byte offset (message offsets count from the length
 * word):
 *   VW_E_SHORT         the input ends before the end the length word announces (or inside
 *                      the length word)
 *   VW_E_LENGTH        length word under VW_QEMUD_LEN_MIN or over VW_QEMUD_LEN_MAX (§1.6), or
 *                      ending inside the body: all |length| bytes are there and the body needs
 *                      more, which is also how a stream cut by its length words sees it
 *                      (offset 0, field "length")
 *   VW_E_PROGRAM       prog != QEMUD_PROGRAM (§1.2, §1.6; offset 4)
 *   VW_E_DISCRIMINANT  packet type outside the direction's enum (§1.3: no default arm)
 *   VW_E_RANGE         a char not in [-128, 127] or an unsigned char not in [0, 255] (§1.5)
 *   VW_E_TRAILING      bytes after the body, inside the length word or after it
 * Lenient mode (VW_DEC_LENIENT) accepts what libtirpc's filters accept: out-of-range chars
 * (xdr_char / xdr_u_char truncate) and trailing bytes (xdrmem ignores them), noting the first
 * in |lax|. */
#ifndef VW_QEMUD_H
#define VW_QEMUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"
#include "xs.h"

/* §1.2 constants (libvirt qemud/protocol.x, 2007). */
#define VW_QEMUD_PROGRAM 0x20001A64u
#define VW_QEMUD_HEADER_LEN 8u           /* QEMUD_PKT_HEADER_XDR_LEN */
#define VW_QEMUD_UUID_RAW_LEN 16u
#define VW_QEMUD_MAX_NAME_LEN 50u
#define VW_QEMUD_MAX_XML_LEN 4096u
#define VW_QEMUD_MAX_IFNAME_LEN 50u       /* "was IF_NAMESIZE" */
#define VW_QEMUD_MAX_NUM_DOMAINS 100u
#define VW_QEMUD_MAX_NUM_NETWORKS 100u
#define VW_QEMUD_MAX_DOMAINS_NAME_BUF 5000u
#define VW_QEMUD_MAX_NETWORKS_NAME_BUF 5000u
#define VW_QEMUD_MAX_ERROR_LEN 1024u
#define VW_QEMUD_PATH_MAX 4096u           /* PATH_MAX of Linux/glibc, passed through (§1.2) */
#define VW_QEMUD_MODEL_LEN 32u            /* get_node_info_reply.model[32] (§1.4) */

/* Length word bounds.  The server refuses length > REMOTE_MESSAGE_MAX (262144, §1.6), the size
 * of its per-client buffer.  It has no lower bound, but a length under the header plus the
 * serial can never hold a message, and a framer needs a length beyond the header to advance. */
#define VW_QEMUD_LEN_MAX 262144u
#define VW_QEMUD_LEN_MIN (VW_QEMUD_HEADER_LEN + 4u)

/* §1.5 largest messages: client DOMAIN_SAVE 8+4+4+16388, server LIST_DEFINED_* 8+4+4+4+20004. */
#define VW_QEMUD_CLIENT_MSG_MAX 16404u
#define VW_QEMUD_SERVER_MSG_MAX 20024u

/* Items one message's union visits at most: the union, the arm struct, its fields, and each
 * array element: list_defined_*_reply has union + struct + numDomains + vector + 5000 chars. */
#define VW_QEMUD_ITEMS_MAX 5004u

/* §1.3 discriminants. */
#define VW_QEMUD_CLIENT_PKT_MAX 38        /* client types are 0 .. 37 */
#define VW_QEMUD_SERVER_PKT_MAX 39        /* server types are 0 (FAILURE) .. 38 */
#define VW_QEMUD_SERVER_PKT_FAILURE 0

enum vw_qemud_dir { VW_QEMUD_FROM_CLIENT = 0, VW_QEMUD_FROM_SERVER = 1 };

/* struct vw_qemud_msg: one decoded message; |body| views the input. */
struct vw_qemud_msg {
    int direction;                        /* enum vw_qemud_dir */
    uint32_t length, prog, serial, in_reply_to;  /* in_reply_to: server only, else 0 */
    int32_t type;                         /* the union discriminant */
    const struct vw_xs_type *body_type;   /* the arm's type (vw_xs_void for a void arm) */
    struct vw_span body;                  /* the arm's bytes, after the discriminant */
};

/* vw_qemud_data_type is the union type of |direction| (NULL for an unknown direction). */
const struct vw_xs_type *vw_qemud_data_type(int direction);

/* vw_qemud_arm_type is the arm type of |type| in |direction|, or NULL when it has none. */
const struct vw_xs_type *vw_qemud_arm_type(int direction, int32_t type);

/* vw_qemud_type_name names a packet type without its prefix ("DOMAIN_CREATE"), or "?". */
const char *vw_qemud_type_name(int direction, int32_t type);

/* vw_qemud_body_offset is where the union starts in a message of |direction| (12 or 16). */
size_t vw_qemud_body_offset(int direction);

/* vw_qemud_decode decodes the |len| bytes at |buf| as exactly one message of |direction|,
 * passing every node of the union (pre-order, offsets from |buf|) to |visit| (may be NULL).
 * Returns 0, VW_E_INVALID (bad direction) or an error listed above, with |diag| (may be NULL)
 * set; lenient notes go to |lax|.  On error |*out| is untouched and items already visited
 * must be discarded. */
VW_MUST_USE int vw_qemud_decode(struct vw_qemud_msg *out, struct vw_diag *diag,
                                struct vw_diag *lax, const uint8_t *buf, size_t len,
                                int direction, unsigned flags, vw_xs_visit_fn visit, void *ctx);

/* struct vw_qemud_items collects visited items into a caller array (vw_qemud_collect). */
struct vw_qemud_items {
    struct vw_xs_item *items;
    size_t cap;
    size_t num;
};

/* vw_qemud_collect is a vw_xs_visit_fn appending to a struct vw_qemud_items; it returns
 * VW_E_NOSPACE when the array is full. */
int vw_qemud_collect(void *ctx, const struct vw_xs_item *item);

/* vw_qemud_encode appends a message of |m->direction| with |m->serial| (and |m->in_reply_to|)
 * and the union given by |items| (pre-order, as decoding visits them; the first is the union
 * whose discriminant must equal |m->type|); prog is QEMUD_PROGRAM and the length word is the
 * encoded length (§1.5).  Returns 0, VW_E_NOSPACE, VW_E_TOO_LONG or VW_E_INVALID (items that
 * do not follow the type, or a message over VW_QEMUD_LEN_MAX); on error |e| is unchanged. */
VW_MUST_USE int vw_qemud_encode(struct vw_xdr_enc *e, const struct vw_qemud_msg *m,
                                const struct vw_xs_item *items, size_t num_items);

/* vw_qemud_reencode encodes a decoded |m| again: it re-reads |m->body| as |m->body_type| into
 * |scratch| (|cap| items, VW_QEMUD_ITEMS_MAX always suffice) with |flags|, then calls
 * vw_qemud_encode.  A strictly decoded message gives its input bytes back. */
VW_MUST_USE int vw_qemud_reencode(struct vw_xdr_enc *e, const struct vw_qemud_msg *m,
                                  unsigned flags, struct vw_xs_item *scratch, size_t cap);

/* ---- framing a byte stream ---- */

/* struct vw_qemud_framer: cuts a stream into messages by their length words.  The buffer is
 * fixed at the largest length the server accepts; nothing is allocated. */
struct vw_qemud_framer {
    size_t stream_pos;       /* bytes consumed since init */
    size_t msg_start;        /* stream offset of the current message's length word */
    uint32_t length;         /* the current message's length word, once 4 bytes are in */
    size_t have;             /* bytes of the current message collected */
    bool done;               /* a message is complete and has not been taken yet */
    int err;                 /* sticky: an unusable length word leaves no frame */
    uint8_t buf[VW_QEMUD_LEN_MAX];
};

/* vw_qemud_framer_init prepares |f|. */
void vw_qemud_framer_init(struct vw_qemud_framer *f);

/* vw_qemud_feed consumes bytes of |in| and sets |*out_used| to how many.  Returns 1 when a
 * message is complete (vw_qemud_message; the next feed starts a new one), VW_E_AGAIN when
 * every byte was consumed and the message is unfinished, or VW_E_LENGTH when a length word is
 * under VW_QEMUD_LEN_MIN or over VW_QEMUD_LEN_MAX (§1.6: the server drops the connection);
 * that error is sticky, as the stream has no other frame. */
VW_MUST_USE int vw_qemud_feed(struct vw_qemud_framer *f, const uint8_t *in, size_t in_len,
                              size_t *out_used);

/* vw_qemud_message points |*out| at the completed message (valid until the next feed). */
void vw_qemud_message(const struct vw_qemud_framer *f, struct vw_span *out);

/* vw_qemud_pending says whether a message was started and not finished. */
bool vw_qemud_pending(const struct vw_qemud_framer *f);

#endif
