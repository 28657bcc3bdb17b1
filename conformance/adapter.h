/* adapter.h -- what the conformance runner needs from one protocol: encode a structured
 * `send` step, frame the bytes a server sends, and turn one received message into flat
 * fields the `expect` steps match.  One adapter per protocol (conformance/adapter_<p>.c),
 * each built only on the reference codecs (reference/) so replay decodes exactly what
 * `virtwire decode` decodes.
 *
 * Fields.  A decoded message is a list of (path, value) pairs in decode order:
 *   - paths name header fields ("prog", "type", "serial", "status") and payload fields by
 *     their schema names, with "." for members and "[i]" for elements
 *     ("domains[0].name", "return.host-name", "error.class", "ret.info.state");
 *   - an array or list also gets its count at its own path ("domains" = 2), an optional
 *     "null" or its value, a union its discriminant at the union's path;
 *   - values are canonical text: integers in decimal; enums by name when the adapter knows
 *     one (prog = REMOTE, type = REPLY, status = OK, proc = CONNECT_OPEN), else decimal;
 *     strings as C-escaped double-quoted text ("test:///default"); opaque bytes as
 *     x"0011ab"; booleans true/false; JSON objects and arrays that are empty as {} and [];
 *     JSON null as null.
 * The same paths and value syntax are what a structured `send` assigns (see conformance.h,
 * struct vw_txn_assign), so a recorded message can be written back as a send step. */
#ifndef VW_CONFORMANCE_ADAPTER_H
#define VW_CONFORMANCE_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* struct vw_cf_buf: a growable byte buffer owned by the runner (vw_cf_buf_append). */
struct vw_cf_buf {
    uint8_t *p;
    size_t len, cap;
};

/* vw_cf_buf_append appends |n| bytes; returns 0 or VW_E_NOMEM (|b| unchanged). */
VW_MUST_USE int vw_cf_buf_append(struct vw_cf_buf *b, const void *data, size_t n);
void vw_cf_buf_free(struct vw_cf_buf *b);

/* struct vw_cf_field: one decoded field; both strings are owned by the message. */
struct vw_cf_field {
    char *path;
    char *value;
};

/* Strictness of one received message. */
enum vw_cf_strictness {
    VW_CF_STRICT = 0,     /* decoded strictly: canonical */
    VW_CF_LENIENT = 1,    /* rejected strictly, accepted leniently: NON-STRICT */
    VW_CF_INVALID = 2,    /* rejected in both modes: FAIL */
};

/* struct vw_cf_msg: one received message (or framer event) as the runner sees it. */
struct vw_cf_msg {
    int kind;                    /* VW_CF_MSG, VW_CF_SYNC (qga 0xFF), VW_CF_FRAMING_ERROR */
    int strictness;              /* enum vw_cf_strictness */
    int code;                    /* strict error code (LENIENT, INVALID), else 0 */
    size_t offset;               /* its byte offset in the message */
    char detail[160];            /* field or JSON path of the error, human text */
    char summary[256];           /* one line, as `virtwire decode` prints it */
    struct vw_cf_field *fields;  /* owned */
    size_t num_fields;
    size_t cap_fields;           /* allocated entries of |fields| */
    int num_fds;                 /* fds that arrived with it (SCM_RIGHTS), -1 if unknown */
};

enum { VW_CF_MSG = 0, VW_CF_SYNC = 1, VW_CF_FRAMING_ERROR = 2 };

/* vw_cf_msg_add_field appends a field (copies both strings); 0 or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_msg_add_field(struct vw_cf_msg *m, const char *path, const char *value);

/* vw_cf_msg_field returns the value at |path|, or NULL when the message has none. */
const char *vw_cf_msg_field(const struct vw_cf_msg *m, const char *path);

/* vw_cf_msg_cleanup frees what |m| owns and zeroes it. */
void vw_cf_msg_cleanup(struct vw_cf_msg *m);

/* struct vw_txn_assign: one `path = value` line of a structured send (value already has its
 * captures substituted by the runner). */
struct vw_txn_assign {
    const char *path;
    const char *value;
    unsigned line;               /* in the transcript, for error messages */
};

/* struct vw_cf_framer: an adapter's receive-side state for one connection. */
struct vw_cf_framer;

struct vw_cf_adapter {
    const char *protocol;        /* transcript `protocol:` name: "virnet", "qga", ... */

    /* encode appends the message described by |assigns| to |out|.  Unassigned header fields
     * take documented defaults (e.g. virnet vers = the program's version, status = OK).
     * Returns 0, or a negative code with a one-line reason in |err| (unknown path, value of
     * the wrong type, ...). */
    int (*encode)(const struct vw_txn_assign *assigns, size_t num_assigns,
                  struct vw_cf_buf *out, char *err, size_t err_len);

    /* framer_new makes a framer for bytes coming from the server (NULL on ENOMEM);
     * framer_free(NULL) does nothing. */
    struct vw_cf_framer *(*framer_new)(void);
    void (*framer_free)(struct vw_cf_framer *f);

    /* feed consumes bytes of |in| (|*used| set).  Returns 1 when a message or event is ready
     * in |*out| (decoded strictly, and leniently when strict fails; the caller owns |*out|
     * and calls vw_cf_msg_cleanup), 0 when every byte was used and more are needed, or a
     * negative code when the stream can no longer be framed (|*out| describes it). */
    int (*feed)(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                struct vw_cf_msg *out);
};

/* vw_cf_adapter_find returns the adapter for a transcript protocol name, or NULL. */
const struct vw_cf_adapter *vw_cf_adapter_find(const char *protocol);

#endif
