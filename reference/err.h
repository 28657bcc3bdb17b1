/* err.h -- error codes shared by every reference codec.
 *
 * Every fallible function returns 0 (or a positive count where documented) or one of these
 * negative codes.  Decoders also fill a struct vw_diag with the byte offset of the first
 * offending byte and the field being read, so a user sees where a message went wrong. */
#ifndef VW_ERR_H
#define VW_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define VW_MUST_USE __attribute__((warn_unused_result))
/* Error paths: out of line and laid out away from the hot code. */
#define VW_COLD __attribute__((cold, noinline))
/* Hot decode primitives: inlined whole.  Left to itself gcc inlines only their first branch
 * and passes the decoder to the rest by pointer, which keeps the cursor in memory. */
#define VW_INLINE inline __attribute__((always_inline))
/* A hot path's larger branch kept out of line, so the smaller one needs no register saves. */
#define VW_NOINLINE __attribute__((noinline))
#else
#define VW_MUST_USE
#define VW_COLD
#define VW_INLINE inline
#define VW_NOINLINE
#endif

enum vw_err {
    VW_OK = 0,
    VW_E_SHORT = -1,           /* input ends inside an item */
    VW_E_PADDING = -2,         /* non-zero XDR padding (RFC 4506 §3 "residual zero bytes") */
    VW_E_BOOL = -3,            /* bool or optional-data discriminant not 0/1 (RFC 4506 §4.4) */
    VW_E_ENUM = -4,            /* enum value with no assignment (RFC 4506 §4.3) */
    VW_E_TOO_LONG = -5,        /* length or count over its declared maximum */
    VW_E_STRING_NUL = -6,      /* NUL inside an XDR string (cannot round-trip through C) */
    VW_E_TRAILING = -7,        /* bytes left after a complete message or body */
    VW_E_NOSPACE = -8,         /* encoder: output buffer too small */
    VW_E_AGAIN = -9,           /* framer: need more bytes */
    VW_E_NOMEM = -10,          /* allocation failed (framers only; decoders never allocate) */
    VW_E_INVALID = -11,        /* a caller passed an argument outside the API contract */
    VW_E_RPC_VERSION = -12,    /* ONC RPC rpcvers != 2 (RFC 5531 §9) */
    VW_E_DISCRIMINANT = -13,   /* union discriminant with no arm (msg_type, reply_stat, ...) */
    VW_E_AUTH_NONE_BODY = -14, /* AUTH_NONE with a non-empty body (RFC 5531 §10.1) */
    VW_E_AUTH_SYS_FILL = -15,  /* AUTH_SYS parameters do not fill the body exactly */
    VW_E_FRAGMENT = -16,       /* record marking: empty non-last fragment (RFC 5531 §11) */
    VW_E_RECORD_TOO_LONG = -17,/* record marking: record over the framer's maximum */
    VW_E_UNKNOWN_PROC = -18,   /* procedure the codec has no argument/result type for */
    VW_E_RANGE = -19,          /* char/short sent as an XDR int does not fit its C type */
    VW_E_LENGTH = -20,         /* length word out of range or not matching the contents */
    VW_E_PROGRAM = -21,        /* program or version the protocol does not define */
    VW_E_MSG_TYPE = -22,       /* message type or status not allowed here */
    VW_E_FDS = -23,            /* fd count over its maximum or not matching the fds passed */
    VW_E_SYNTAX = -24,         /* text that does not parse (JSON, HTTP-like header, XML) */
    VW_E_NESTING = -25,        /* nesting deeper than the protocol's limit */
    VW_E_RESYNC = -26,         /* bytes of an unfinished message discarded at a sync marker */
    VW_E_MEMBER = -27,         /* required member missing, or a member not allowed here */
    VW_E_TYPE = -28,           /* value of the wrong type for its schema */
    VW_E_CTRUNC = -29,         /* ancillary data truncated by the kernel (MSG_CTRUNC) */
};

#define VW_E_MIN_CODE (-29)

/* struct vw_diag: where a decode failed (or, in lenient mode, where the first non-canonical
 * item was accepted).  |offset| counts from the start of the message handed to the decoder. */
struct vw_diag {
    int code;          /* 0 while nothing was recorded */
    size_t offset;     /* first offending byte; for VW_E_SHORT the start of the short item */
    const char *field; /* innermost field being decoded, a static string, or NULL */
};

/* vw_err_name returns the enum name of |code| ("VW_E_PADDING"), or "VW_E_?" if unknown. */
const char *vw_err_name(int code);

/* vw_err_text returns a one-line English description of |code|. */
const char *vw_err_text(int code);

/* vw_err_from_name maps "VW_E_PADDING" back to its code; returns 1 (not an error code) when the
 * name is unknown.  Used by the test-vector runner. */
int vw_err_from_name(const char *name);

/* vw_diag_set records |code| at |offset| unless an error is already recorded. */
void vw_diag_set(struct vw_diag *diag, int code, size_t offset);

/* vw_diag_field names the field of a recorded error that has no field name yet. */
void vw_diag_field(struct vw_diag *diag, const char *field);

#endif
