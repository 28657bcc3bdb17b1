/* qga.h -- the qemu-ga 7.2 protocol (historic-qemud-openhook-qga.md §3.3): a byte-fed framer
 * over a stream of JSON texts (qga_lex.c) and the strict check of one framed message as a
 * request or a reply (qga_msg.c).
 *
 * Framing follows QEMU's json-lexer.c / json-streamer.c closely enough to find the exact
 * message boundaries the agent finds:
 *   - tokens: strings in double or single quotes [QEMU extension] with the escapes
 *     \b \f \n \r \t \/ \\ \" \' \u; numbers as in JSON; keywords [a-z]+ (the parser, not the
 *     lexer, rejects anything but true/false/null); whitespace ' ' \t \r \n between tokens;
 *   - a message ends at the token after which the braces and brackets balance, or one of the
 *     counts goes negative (a top-level scalar or a stray '}' is a message of its own; QEMU
 *     answers it with an error).  A number or keyword ends only at the next byte, so a bare
 *     "42" at the end of the input stays pending, as in the agent (real-servers.md §2);
 *   - limits (json-streamer.c): the bytes of a message's tokens plus one over
 *     VW_QGA_TOKEN_MAX, more than VW_QGA_TOKEN_COUNT_MAX tokens -> VW_E_TOO_LONG; braces plus
 *     brackets over VW_QGA_NESTING_MAX -> VW_E_NESTING.  The pending message is discarded and
 *     framing goes on with the next token (json-streamer.c resets and emits the error);
 *     a single unfinished token over VW_QGA_TOKEN_MAX (json-lexer.c) is VW_E_TOO_LONG and the
 *     lexer restarts at the next byte, as QEMU does ("the lexer then desynchronises");
 *   - 0xFF (invalid in UTF-8; §3.2 "treat as a flush event") with nothing pending is a legal
 *     sync marker (VW_QGA_EV_SYNC), in both directions: a client sends it before
 *     guest-sync-delimited, the agent before that command's reply.  With an unfinished
 *     message pending it is VW_E_RESYNC at the offset of the first discarded byte; framing
 *     resumes right after the 0xFF;
 *   - any other byte no token can start or continue (a control char, 0xFE, an upper-case
 *     letter, '+', a bad escape, "01", "-x") is VW_E_SYNTAX at that byte: the pending message
 *     is discarded and the framer skips, like json-lexer.c IN_RECOVERY (QEMU commit 0f07a5d5),
 *     up to a structural char [ ] { } : , or a control char other than \t or 0xFE (framed
 *     again from that byte), or a 0xFF (a sync marker, consumed).
 * Every decision depends on the bytes alone, never on how they were chunked.
 *
 * The framed message is handed up as canonical JSON for jansson: whitespace dropped, one
 * space after a number or keyword token, a single-quoted string rewritten with double quotes,
 * \' rewritten as '.  Such rewrites are noted (sq_offset) because the strict decoder reports
 * them.  Memory: one buffer holding the current message, at most VW_QGA_BUF_MAX bytes;
 * bytes past the token limit are counted, not stored. */
#ifndef VW_QGA_H
#define VW_QGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define VW_QGA_TOKEN_MAX (64u << 20)      /* json-streamer.c MAX_TOKEN_SIZE, 64 MiB */
#define VW_QGA_TOKEN_COUNT_MAX (2u << 20) /* json-streamer.c MAX_TOKEN_COUNT, 2097152 */
#define VW_QGA_NESTING_MAX 1024           /* json-streamer.c MAX_NESTING */
/* The buffer: stored token bytes (at most VW_QGA_TOKEN_MAX, each '"' of a single-quoted
 * string stored as two bytes) plus one separator per token. */
#define VW_QGA_BUF_MAX ((size_t)2 * VW_QGA_TOKEN_MAX + VW_QGA_TOKEN_COUNT_MAX)
#define VW_QGA_SYNC 0xff                  /* the sync marker byte (§3.2, §3.3) */

/* Events returned by vw_qga_feed. */
enum {
    VW_QGA_EV_MESSAGE = 1, /* a message is complete: vw_qga_frame() */
    VW_QGA_EV_SYNC = 2,    /* a 0xFF at a message boundary, at event.offset */
    VW_QGA_EV_ERROR = 3,   /* a framing error: event.code at event.offset */
};

/* struct vw_qga_event: the last event of a framer. */
struct vw_qga_event {
    int kind;          /* VW_QGA_EV_* */
    int code;          /* EV_ERROR: VW_E_SYNTAX, VW_E_RESYNC, VW_E_TOO_LONG or VW_E_NESTING */
    size_t offset;     /* EV_ERROR: the offending byte; EV_SYNC: the 0xFF; EV_MESSAGE: start */
    size_t start;      /* EV_ERROR: first discarded byte (== offset when nothing was pending);
                        * EV_MESSAGE: first byte of the message's first token */
    size_t end;        /* EV_MESSAGE: one past its last token's last byte; EV_ERROR
                        * VW_E_RESYNC: the 0xFF */
    const char *what;  /* EV_ERROR: a static description ("stray byte", ...) */
};

/* struct vw_qga_frame: one framed message, valid until the next vw_qga_feed. */
struct vw_qga_frame {
    const uint8_t *p;  /* canonical JSON text (see above), p[len] == 0 */
    size_t len;
    size_t start, end; /* stream offsets of its first and one past its last token byte */
    size_t num_tokens;
    size_t sq_offset;  /* message offset of the first single-quoted string or \' ... */
    bool has_sq;       /* ... when there is one (a QEMU lexer extension) */
    size_t kw_offset;  /* message offset of the first keyword that is not true/false/null */
    bool has_bad_kw;
};

enum {
    VW_QGA_LEX_START = 0, VW_QGA_LEX_RECOVERY, VW_QGA_LEX_DQ, VW_QGA_LEX_DQ_ESC,
    VW_QGA_LEX_SQ, VW_QGA_LEX_SQ_ESC, VW_QGA_LEX_NEG, VW_QGA_LEX_ZERO, VW_QGA_LEX_INT,
    VW_QGA_LEX_DOT, VW_QGA_LEX_FRAC, VW_QGA_LEX_EXP, VW_QGA_LEX_EXP_SIGN, VW_QGA_LEX_EXP_DIGITS,
    VW_QGA_LEX_KEYWORD,
};

/* struct vw_qga_framer: initialize with vw_qga_framer_init, release with
 * vw_qga_framer_cleanup.  Fields are read-only for callers except realloc_fn. */
struct vw_qga_framer {
    void *(*realloc_fn)(void *, size_t); /* realloc by default; tests make it fail */
    /* the limits, VW_QGA_*_MAX by default; tests lower them to reach them with small inputs */
    uint64_t token_max;
    size_t count_max;
    long nesting_max;
    int state;              /* VW_QGA_LEX_* */
    size_t pos;             /* stream offset of the next byte */
    /* the pending message */
    bool pending;           /* at least one token of it has begun */
    size_t msg_start;
    long braces, brackets;  /* json-streamer.c brace_count, bracket_count */
    size_t num_tokens;
    uint64_t token_bytes;   /* bytes of its complete tokens (json-streamer.c token_size) */
    size_t tok_start;
    uint64_t tok_len;
    bool sep;               /* the last token was a number or keyword */
    char kw[6];
    size_t kw_len;
    size_t sq_offset, kw_offset;
    bool has_sq, has_bad_kw;
    uint8_t *buf;
    size_t len, cap;
    bool overflow;          /* the limit is exceeded: bytes are no longer stored */
    bool done;              /* the last event was a message: reset before the next byte */
    struct vw_qga_event event;
};

void vw_qga_framer_init(struct vw_qga_framer *f);
void vw_qga_framer_cleanup(struct vw_qga_framer *f);

/* vw_qga_feed frames up to |len| bytes at |p| and sets |*used| to the bytes consumed.
 * Returns an event (VW_QGA_EV_*, described by f->event; a message by vw_qga_frame) after
 * which the caller feeds the rest, VW_E_AGAIN when every byte was taken and no event
 * happened, or VW_E_NOMEM when the buffer could not grow (the pending message is dropped and
 * framing goes on as after a framing error). */
VW_MUST_USE int vw_qga_feed(struct vw_qga_framer *f, const uint8_t *p, size_t len,
                            size_t *used);

/* vw_qga_frame describes the message of the last VW_QGA_EV_MESSAGE. */
void vw_qga_frame(const struct vw_qga_framer *f, struct vw_qga_frame *out);

/* vw_qga_pending says whether the input so far ends inside a message (or token). */
bool vw_qga_pending(const struct vw_qga_framer *f);

/* ---- messages (qga_msg.c) ---- */

#define VW_QGA_PATH_MAX 256

enum { VW_QGA_FROM_CLIENT = 1, VW_QGA_FROM_SERVER = 2 };
enum { VW_QGA_REQUEST = 1, VW_QGA_RETURN = 2, VW_QGA_ERROR = 3 };

/* struct vw_qga_msg: a checked request or reply.  Owns |root|; release with
 * vw_qga_msg_cleanup.  The other pointers borrow from |root|. */
struct vw_qga_msg {
    int kind;                /* VW_QGA_REQUEST, VW_QGA_RETURN, VW_QGA_ERROR */
    json_t *root;
    const char *execute;     /* request: the command */
    const json_t *arguments; /* request: NULL when absent */
    const json_t *id;        /* NULL when absent */
    const json_t *ret;       /* VW_QGA_RETURN */
    const char *err_class;   /* VW_QGA_ERROR: one of the five classes */
    const char *err_desc;
};

/* vw_qga_msg_decode parses |fr| with jansson (JSON_REJECT_DUPLICATES) and checks it as a
 * request (|direction| VW_QGA_FROM_CLIENT) or a reply (VW_QGA_FROM_SERVER), §3.3:
 *   request  an object with only execute (string), arguments (object), id (any); exec-oob is
 *            not allowed (qga dispatches with allow_oob=false); execute is required;
 *   reply    an object with exactly one of return (any) and error, and optionally id; error is
 *            exactly {class, desc}, both strings, class one of GenericError, CommandNotFound,
 *            DeviceNotActive, DeviceNotFound, KVMMissingCap.
 * Errors (|diag| offset from the message start, field a static name; |path| the JSON path):
 *   VW_E_SYNTAX  not JSON (jansson), a duplicate key, a keyword not true/false/null; strict
 *                only: a single-quoted string or \' (lenient: accepted, noted in |lax|)
 *   VW_E_TYPE    not an object; execute, arguments, error, class or desc of the wrong type
 *   VW_E_MEMBER  a member missing or not allowed, both return and error, exec-oob
 *   VW_E_ENUM    an error class that is not one of the five
 *   VW_E_NOMEM   jansson could not allocate
 * On error |*out| is untouched and nothing is owned. */
VW_MUST_USE int vw_qga_msg_decode(struct vw_qga_msg *out, struct vw_diag *diag,
                                  struct vw_diag *lax, char path[VW_QGA_PATH_MAX],
                                  const struct vw_qga_frame *fr, int direction, unsigned flags);

/* ---- schema (qga_check.c, over reference/qga_schema.h) ---- */

struct vw_qga_command;

/* vw_qga_msg_check checks a decoded message against the qemu-ga 7.2 schema (§3.4): a
 * request's arguments against its command (found by name), a VW_QGA_RETURN reply's value
 * against |cmd|, the command it answers (NULL: not known).  Returns 0 when checked and
 * valid, 1 when there was nothing to check (a command qemu-ga 7.2 does not have, a reply whose
 * command is not known, an error reply), or VW_E_MEMBER, VW_E_TYPE, VW_E_RANGE, VW_E_ENUM
 * with |diag| (offset 0: the message's first byte; field "arguments" or "return") and the
 * JSON path of the offending value in |path|. */
VW_MUST_USE int vw_qga_msg_check(const struct vw_qga_msg *m, const struct vw_qga_command *cmd,
                                 struct vw_diag *diag, char path[VW_QGA_PATH_MAX]);

/* vw_qga_msg_cleanup releases |m|'s JSON and clears it; a cleared message does nothing. */
void vw_qga_msg_cleanup(struct vw_qga_msg *m);

/* vw_qga_json_short writes |v| as compact JSON into |buf| (|len| bytes), cut with "..." at
 * |len| - 1; for output lines. */
void vw_qga_json_short(const json_t *v, char *buf, size_t len);

#endif
