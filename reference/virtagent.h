/* virtagent.h -- the 2010-2011 virtagent protocol (historic-qemud-openhook-qga.md §3.1): an
 * HTTP-like header and an XML-RPC body per message, both peers (QEMU on the host, qemu-va in
 * the guest) sending requests and responses over one byte stream.
 *
 * Wire format (§3.1, va_http_hdr_init at f32b88973): the sentinel 0xFF, then
 *     POST /RPC2 HTTP/1.1\r\n        (a request)   or   HTTP/1.1 200 OK\r\n  (a response)
 *     Content-Type: text/xml\r\n
 *     Content-Length: N\r\n
 *     X-Virtagent-Client-Tag: TAG\r\n            (TAG is "none" when the sender has none)
 *     \r\n
 * then the body: an XML-RPC methodCall or methodResponse of exactly N bytes.
 *
 * Framing (vw_va_feed, after the reader va_http_read_handler, §3.1): bytes before a sentinel
 * are skipped by the reader; here they are VW_E_RESYNC at the first discarded byte.  The header
 * runs to the first "\n\r\n"; a 0xFF inside it truncates the message (VW_E_RESYNC at its
 * sentinel) and starts a new one; more than VW_VA_HDR_LEN_MAX header bytes is VW_E_TOO_LONG;
 * the header must hold one "Content-Length: " line with a canonical decimal (VW_E_MEMBER when
 * missing or repeated, VW_E_SYNTAX when not canonical, VW_E_TOO_LONG over
 * VW_VA_CONTENT_LEN_MAX).  After a framing error the bytes up to the next sentinel are skipped
 * without a second report.
 *
 * Strict header rules (vw_va_decode; message offsets count from the sentinel):
 *   VW_E_SYNTAX     first line neither "POST /RPC2 HTTP/1.1" nor "HTTP/1.1 200 OK"; a line not
 *                   ended by CRLF or holding a control byte; a line without ": "; a client tag
 *                   that is empty or not printable ASCII [lenient: noted]
 *   VW_E_MEMBER     a header name other than the three above or a repeated one [lenient:
 *                   noted]; Content-Length missing; Content-Type or the client tag missing
 *                   [lenient: noted]; the three in another order than va_http_hdr_init writes
 *                   them [lenient: noted, "non-canonical"]
 *   VW_E_TYPE       Content-Type other than "text/xml" [lenient: noted; the reader ignores it]
 *   VW_E_TOO_LONG   client tag over VW_VA_TAG_MAX [lenient: noted; the reader keeps 64 bytes]
 *   VW_E_SHORT / VW_E_TRAILING   fewer / more body bytes than Content-Length
 *   VW_E_MSG_TYPE   a request line with a methodResponse body, or a status line with a
 *                   methodCall
 * and the XML-RPC rules of virtagent_xmlrpc.c (VW_E_SYNTAX, VW_E_MEMBER, VW_E_TYPE,
 * VW_E_NESTING, VW_E_RANGE, VW_E_ENUM, VW_E_UNKNOWN_PROC, VW_E_TRAILING), strict in both
 * modes. */
#ifndef VW_VIRTAGENT_H
#define VW_VIRTAGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"

/* §3.1 constants (virtagent-common.[ch] at f32b88973). */
#define VW_VA_SENTINEL 0xFFu                        /* VA_SENTINEL */
#define VW_VA_HDR_LEN_MAX 4096u                     /* VA_HDR_LEN_MAX: bytes after the sentinel */
#define VW_VA_CONTENT_LEN_MAX (2u * 1024u * 1024u)  /* VA_CONTENT_LEN_MAX */
#define VW_VA_TAG_MAX 64u                           /* the reader copies MIN(len, 64) bytes */
#define VW_VA_MSG_MAX (1u + VW_VA_HDR_LEN_MAX + VW_VA_CONTENT_LEN_MAX)
/* [project limit: the facts give none for virtagent] struct/array nesting of one value. */
#define VW_VA_NESTING_MAX 64u
/* Items one body can produce: every value takes at least "<value></value>" (15 bytes), every
 * member at least 30, so a body of n bytes yields at most n / 15 + 1 items. */
#define VW_VA_ITEMS_MAX (VW_VA_CONTENT_LEN_MAX / 15u + 1u)

enum vw_va_kind { VW_VA_REQUEST = 1, VW_VA_RESPONSE = 2, VW_VA_FAULT = 3 };

/* Which peer's stream is decoded (`--from`): the host (QEMU, the side that drives the guest
 * agent: its requests go to guest-side methods) or the guest (qemu-va: its requests go to
 * host-side methods).  VW_VA_FROM_ANY allows the methods of either side. */
enum vw_va_from { VW_VA_FROM_ANY = 0, VW_VA_FROM_HOST = 1, VW_VA_FROM_GUEST = 2 };

/* XML-RPC value types, plus MEMBER for a struct member (its name, then its value). */
enum vw_va_vtype {
    VW_VA_INT = 1,      /* <i4> or <int> */
    VW_VA_BOOL,
    VW_VA_STRING,       /* <string> or bare text in <value> */
    VW_VA_DOUBLE,
    VW_VA_DATETIME,     /* <dateTime.iso8601> */
    VW_VA_BASE64,
    VW_VA_STRUCT,
    VW_VA_MEMBER,
    VW_VA_ARRAY,
};

/* struct vw_va_item: one node of a body's values in pre-order: a STRUCT is followed by |num|
 * MEMBER items, each followed by its value; an ARRAY by |num| values. */
struct vw_va_item {
    int type;               /* enum vw_va_vtype */
    unsigned depth;         /* struct/array levels above it (0 = a param or the response) */
    size_t offset;          /* message offset of its <value> (MEMBER: <member>) */
    struct vw_span text;    /* STRING, DOUBLE, DATETIME, BASE64: the text; MEMBER: the name */
    bool raw;               /* |text| is XML character data (references not expanded); an
                             * item built by hand has raw = false: plain bytes */
    int64_t i;              /* INT, BOOL */
    uint32_t num;           /* STRUCT: members; ARRAY: elements */
};

/* struct vw_va_items: a caller's array the decoder appends to.  When it is full, decoding goes
 * on and |overflow| is set (the message's validity does not depend on |cap|). */
struct vw_va_items {
    struct vw_va_item *items;
    size_t cap;
    size_t num;
    bool overflow;
};

/* struct vw_va_method: a method of §3.1 with its parameter and return forms. */
struct vw_va_method {
    const char *name;
    unsigned served_by;        /* bit VW_VA_FROM_HOST / VW_VA_FROM_GUEST: whose server has it */
    unsigned num_params;
    unsigned params[1];        /* VW_VA_F_* masks */
    unsigned ret;
};

/* Value forms a schema position allows (masks). */
#define VW_VA_F_INT 0x001u
#define VW_VA_F_BOOL 0x002u
#define VW_VA_F_STRING 0x004u
#define VW_VA_F_DOUBLE 0x008u
#define VW_VA_F_DATETIME 0x010u
#define VW_VA_F_BASE64 0x020u
#define VW_VA_F_STRUCT 0x040u     /* any struct */
#define VW_VA_F_ARRAY 0x080u      /* any array */
#define VW_VA_F_CAPS 0x100u       /* struct {version: string, methods: array of string} */
#define VW_VA_F_STRARRAY 0x200u   /* array of string */
#define VW_VA_F_MODE 0x400u       /* string halt | powerdown | reboot (va.shutdown) */
#define VW_VA_F_FAULT 0x800u      /* struct {faultCode: int, faultString: string} */
#define VW_VA_F_ANY 0x0ffu

/* struct vw_va_msg: one decoded message; spans view the input. */
struct vw_va_msg {
    int kind;                          /* enum vw_va_kind */
    size_t hdr_end;                    /* message offset of the body */
    struct vw_span tag;                /* X-Virtagent-Client-Tag value */
    uint32_t content_len;
    struct vw_span body;
    const struct vw_va_method *method; /* requests: the method; else NULL */
    struct vw_span method_name;        /* requests */
    uint32_t num_params;               /* requests: params; responses 1; faults 0 */
    int32_t fault_code;                /* faults */
    struct vw_span fault_string;       /* faults: raw XML text */
    size_t first_item, num_items;      /* this message's values in the caller's item list */
};

/* vw_va_methods lists the methods of §3.1; |*out_num| gets their number. */
const struct vw_va_method *vw_va_methods(size_t *out_num);

/* vw_va_method_find returns the method named by the |len| bytes at |name|, or NULL. */
const struct vw_va_method *vw_va_method_find(const uint8_t *name, size_t len);

/* vw_va_decode decodes the |len| bytes at |buf| (sentinel included) as exactly one message of
 * the stream of |from| (enum vw_va_from), appending its values to |items| (may be NULL).
 * Returns 0 or an error listed above with |diag| (may be NULL) set; lenient notes (flags
 * VW_DEC_LENIENT) go to |lax|.  On error |*out| and |items->num| are unchanged. */
VW_MUST_USE int vw_va_decode(struct vw_va_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                             const uint8_t *buf, size_t len, int from, unsigned flags,
                             struct vw_va_items *items);

/* vw_va_decode_body checks the XML-RPC document |body| (message offset |base|) of a message of
 * |kind| (REQUEST, or RESPONSE meaning a response or a fault) and fills |out|'s kind, method,
 * method_name, num_params, fault_code, fault_string, first_item and num_items.  Errors and
 * atomicity as vw_va_decode (virtagent_xmlrpc.c). */
VW_MUST_USE int vw_va_decode_body(struct vw_va_msg *out, struct vw_diag *diag,
                                  struct vw_span body, size_t base, int kind, int from,
                                  struct vw_va_items *items);

/* vw_va_encode writes the message |m| (kind, tag, method_name for a request) with the values
 * |items| (pre-order: a request's params at depth 0, a response's one value, a fault's struct)
 * into |buf| (|cap| bytes): sentinel, the header as va_http_hdr_init writes it with the body's
 * length, then the body in this project's layout (xmlrpc-c's exact bytes are UNCONFIRMED,
 * §4 item 4).  Sets |*out_len|.  Returns 0, VW_E_NOSPACE (|buf| untouched; |*out_len| gets
 * the size needed), VW_E_TOO_LONG (body or tag over its limit) or VW_E_INVALID (items that do
 * not form values, text with control bytes). */
VW_MUST_USE int vw_va_encode(uint8_t *buf, size_t cap, size_t *out_len,
                             const struct vw_va_msg *m, const struct vw_va_item *items,
                             size_t num_items);

/* vw_va_encode_body writes only the body of vw_va_encode (|buf| NULL: measure only). */
VW_MUST_USE int vw_va_encode_body(uint8_t *buf, size_t cap, size_t *out_len,
                                  const struct vw_va_msg *m, const struct vw_va_item *items,
                                  size_t num_items);

/* vw_va_content_length parses the |n| bytes at |v| as a Content-Length value: a canonical
 * decimal (digits only, no sign, no leading zero; VW_E_SYNTAX otherwise) not over
 * VW_VA_CONTENT_LEN_MAX (VW_E_TOO_LONG). */
VW_MUST_USE int vw_va_content_length(const uint8_t *v, size_t n, uint32_t *out);

/* vw_va_text copies the characters of |text| (expanding references when |raw|) to |out| (at
 * most |cap| bytes) and returns their full length. */
size_t vw_va_text(struct vw_span text, bool raw, uint8_t *out, size_t cap);

/* ---- framing a byte stream ---- */

/* struct vw_va_framer: cuts a stream into messages; the buffer grows with the bytes received
 * (never with a Content-Length) up to VW_VA_MSG_MAX. */
struct vw_va_framer {
    size_t stream_pos;          /* bytes consumed since init */
    size_t msg_start;           /* stream offset of the current message's sentinel */
    size_t err_offset;          /* stream offset of the last framing error */
    int state;                  /* private */
    uint32_t content_len;       /* the current message's, once its header is in */
    size_t hdr_end;             /* message offset of the body, once its header is in */
    uint8_t *buf;               /* the current message, sentinel first (owned) */
    size_t buf_len, buf_cap;
    void *(*realloc_fn)(void *, size_t); /* allocator, for failure injection in tests */
};

/* vw_va_framer_init prepares |f|; vw_va_framer_cleanup frees what it owns. */
void vw_va_framer_init(struct vw_va_framer *f);
void vw_va_framer_cleanup(struct vw_va_framer *f);

/* vw_va_feed consumes bytes of |in| and sets |*out_used|.  Returns 1 when a message is complete
 * (vw_va_message; the next feed starts looking for a sentinel), VW_E_AGAIN when every byte was
 * consumed, or a framing error listed above at stream offset |f->err_offset|; feeding the
 * rest goes on (resynchronising at the next 0xFF).  VW_E_NOMEM is sticky. */
VW_MUST_USE int vw_va_feed(struct vw_va_framer *f, const uint8_t *in, size_t in_len,
                           size_t *out_used);

/* vw_va_message points |*out| at the completed message (valid until the next feed). */
void vw_va_message(const struct vw_va_framer *f, struct vw_span *out);

/* vw_va_pending says whether the stream so far ends inside a message. */
bool vw_va_pending(const struct vw_va_framer *f);

#endif
