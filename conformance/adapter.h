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
#include <string.h>

#include "err.h"

/* struct vw_cf_buf: a growable byte buffer owned by the runner (vw_cf_buf_append). */
struct vw_cf_buf {
    uint8_t *p;
    size_t len, cap;
};

/* vw_cf_buf_append appends |n| bytes; returns 0 or VW_E_NOMEM (|b| unchanged). */
VW_MUST_USE int vw_cf_buf_append(struct vw_cf_buf *b, const void *data, size_t n);
/* vw_cf_buf_reserve makes room for |n| more bytes (b->cap - b->len >= n) without changing
 * b->len; returns 0 or VW_E_NOMEM (|b| unchanged). */
VW_MUST_USE int vw_cf_buf_reserve(struct vw_cf_buf *b, size_t n);
void vw_cf_buf_free(struct vw_cf_buf *b);

/* struct vw_cf_arena: bump allocation from blocks that never move, all freed at once by
 * vw_cf_arena_free: the strings of one decoded message or of one transcript, instead of one
 * malloc per string.  Blocks double from VW_CF_ARENA_BLOCK_MIN up to VW_CF_ARENA_BLOCK_MAX
 * bytes; a request larger than half the next block gets a block of its own, so the memory
 * stays within twice what was asked plus one block. */
#define VW_CF_ARENA_BLOCK_MIN 512u
#define VW_CF_ARENA_BLOCK_MAX 65536u

struct vw_cf_arena_block;

struct vw_cf_arena {
    struct vw_cf_arena_block *head;  /* the block allocated from; NULL when empty */
    uint8_t *cur;                    /* its next free byte (8-byte aligned) */
    size_t left, cap;                /* bytes free at |cur|; usable bytes of |head| */
};

/* vw_cf_arena_alloc returns |n| bytes aligned to 8, owned by |a|; NULL when out of memory
 * (|a| unchanged).  The common case (room in the current block) is inline. */
VW_MUST_USE void *vw_cf_arena_alloc_block(struct vw_cf_arena *a, size_t n);

VW_MUST_USE static inline void *vw_cf_arena_alloc(struct vw_cf_arena *a, size_t n) {
    size_t need = (n + 7) & ~(size_t)7;

    if (need - 1 < a->left) {       /* 0 < need <= left (n near SIZE_MAX wraps to 0) */
        void *p = a->cur;
        a->cur += need;
        a->left -= need;
        return p;
    }
    return vw_cf_arena_alloc_block(a, n);
}

/* vw_cf_arena_strndup copies |n| bytes of |s| and a NUL into |a|; NULL on ENOMEM. */
VW_MUST_USE char *vw_cf_arena_strndup(struct vw_cf_arena *a, const char *s, size_t n);

/* vw_cf_arena_free frees every block of |a| and empties it; an empty arena is a no-op. */
void vw_cf_arena_free(struct vw_cf_arena *a);

/* vw_cf_fmt_u64 / vw_cf_fmt_i64 write |v| in decimal (canonical integer text, adapter.h
 * "Fields") and a NUL to |buf|, which has room for VW_CF_FMT_MAX bytes; they return the
 * length without the NUL.  No printf: a decoded message has several numbers per field set. */
#define VW_CF_FMT_MAX 21u
size_t vw_cf_fmt_u64(char *buf, uint64_t v);
size_t vw_cf_fmt_i64(char *buf, int64_t v);

/* vw_cf_put appends the NUL-terminated |s| to the text |buf| of |cap| bytes (|cap| > 0) whose
 * first |at| bytes are used, truncating (snprintf-like: the text stays NUL-terminated); it
 * returns the new length.  vw_cf_put_u64 / vw_cf_put_i64 append a number.  For the one-line
 * summaries of decoded messages. */
static inline size_t vw_cf_put(char *buf, size_t cap, size_t at, const char *s) {
    /* inline: for a literal piece the compiler knows strlen and copies it in a few moves */
    size_t n = strlen(s);

    if (at >= cap) {
        at = cap - 1;
    }
    if (n > cap - 1 - at) {
        n = cap - 1 - at;
    }
    memcpy(buf + at, s, n);
    buf[at + n] = '\0';
    return at + n;
}
size_t vw_cf_put_u64(char *buf, size_t cap, size_t at, uint64_t v);
size_t vw_cf_put_i64(char *buf, size_t cap, size_t at, int64_t v);

/* struct vw_cf_field: one decoded field; both strings are owned by the message (its arena). */
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
    struct vw_cf_field *fields;  /* owned: in |arena| */
    size_t num_fields;
    size_t cap_fields;           /* allocated entries of |fields| */
    int num_fds;                 /* fds that arrived with it (SCM_RIGHTS), -1 if unknown */
    struct vw_cf_arena arena;    /* the fields and their strings; one copy of a message
                                  * (a struct copy moves the ownership) cleans it up */
};

enum { VW_CF_MSG = 0, VW_CF_SYNC = 1, VW_CF_FRAMING_ERROR = 2 };

/* vw_cf_msg_add_field appends a field (copies both strings); 0 or VW_E_NOMEM (|m| unchanged).
 * vw_cf_msg_add_field_n takes a value of |value_len| bytes, not NUL-terminated. */
VW_MUST_USE int vw_cf_msg_add_field(struct vw_cf_msg *m, const char *path, const char *value);
VW_MUST_USE int vw_cf_msg_add_field_n(struct vw_cf_msg *m, const char *path, const char *value,
                                      size_t value_len);

/* vw_cf_msg_add_u64 / vw_cf_msg_add_i64 append a field whose value is |v| in decimal,
 * formatted straight into the message's arena; 0 or VW_E_NOMEM (|m| unchanged).  Inline, so
 * the length of a literal path is known where it is called; vw_cf_msg_add_num does the work
 * (|path_len| bytes of |path|, then a NUL; the value |v|, negated when |neg|). */
VW_MUST_USE int vw_cf_msg_add_num(struct vw_cf_msg *m, const char *path, size_t path_len,
                                  uint64_t v, bool neg);

VW_MUST_USE static inline int vw_cf_msg_add_u64(struct vw_cf_msg *m, const char *path,
                                                uint64_t v) {
    return vw_cf_msg_add_num(m, path, strlen(path), v, false);
}

VW_MUST_USE static inline int vw_cf_msg_add_i64(struct vw_cf_msg *m, const char *path,
                                                int64_t v) {
    /* -(v + 1) + 1 has no overflow at INT64_MIN */
    return v >= 0 ? vw_cf_msg_add_num(m, path, strlen(path), (uint64_t)v, false)
                  : vw_cf_msg_add_num(m, path, strlen(path), (uint64_t)(-(v + 1)) + 1, true);
}

/* vw_cf_msg_add_fields appends |n| fields to |m| and returns the first of them, with |bytes|
 * bytes of |m|'s arena at |*out_text| for their texts: the caller sets every path and value
 * of the |n| entries (NUL-terminated strings in that text) before |m| is read again.  For an
 * adapter that writes a fixed set of header fields in one piece.  NULL on ENOMEM (the field
 * list unchanged, except possibly a larger copy of it in the arena). */
VW_MUST_USE struct vw_cf_field *vw_cf_msg_add_fields(struct vw_cf_msg *m, size_t n, size_t bytes,
                                                     char **out_text);

/* vw_cf_msg_field returns the value at |path|, or NULL when the message has none. */
const char *vw_cf_msg_field(const struct vw_cf_msg *m, const char *path);

/* vw_cf_msg_clear empties |m| without freeing: every member zero and |detail| and |summary|
 * empty strings.  The bytes after their NULs are not cleared (416 bytes per message nobody
 * reads), so it is cheaper than a memset of the whole message. */
static inline void vw_cf_msg_clear(struct vw_cf_msg *m) {
    memset(m, 0, offsetof(struct vw_cf_msg, detail));
    m->detail[0] = '\0';
    m->summary[0] = '\0';
    memset(&m->fields, 0, sizeof(*m) - offsetof(struct vw_cf_msg, fields));
}

/* vw_cf_msg_cleanup frees what |m| owns and empties it (vw_cf_msg_clear). */
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
