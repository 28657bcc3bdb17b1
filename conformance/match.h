/* match.h -- transcript values and the `expect` matcher (conformance/transcript.h, "Values").
 *
 * Values are compared canonically: integers by number (0x10 equals 16), strings by their bytes
 * after unescaping ("\x41" equals "A"), opaque x"..." by bytes, everything else (true, false,
 * null, {}, [], enum names) as text.  A received value that is not a transcript literal is
 * compared as text.
 *
 * Captures: `$name` in an expect binds on first use and must equal the bound value after; a
 * case has one capture table; captures are substituted into send values and `send json` text. */
#ifndef VW_CONFORMANCE_MATCH_H
#define VW_CONFORMANCE_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "adapter.h"
#include "err.h"

/* vw_cf_value_canon appends the canonical text of the literal |in| (|len| bytes, the whole
 * value) to |out|: integers in decimal, strings re-escaped (vw_cf_escape), x"..." in lower
 * case, true/false/null/{}/[] and identifiers as they are.  `*`, `absent` and `$name` are
 * not literals.  Returns 0, VW_E_SYNTAX (|out| unchanged) or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_value_canon(const char *in, size_t len, struct vw_cf_buf *out);

/* vw_cf_value_is_canon says whether |in| (|len| bytes) is a literal already in canonical form
 * (vw_cf_value_canon would append exactly |in|), checked without building anything: decimal
 * integers without leading zeros of up to 18 digits (an optional '-' before a non-zero one),
 * strings of printable ASCII without '"' or '\\' inside, x"..." in lower-case hex of whole
 * bytes, true/false/null/{}/[] and identifiers other than `absent`.  false means "not sure":
 * vw_cf_value_canon decides (it may still accept, e.g. 0x10, or reject). */
bool vw_cf_value_is_canon(const char *in, size_t len);

/* vw_cf_unescape reads the C-escaped double-quoted string at |in| (|len| bytes, |in|[0] is
 * '"'), appends its bytes to |out| and sets |*used| to the bytes read including both quotes.
 * Escapes: \\ \" \' \n \r \t \0 \a \b \f \v \xHH (exactly two hex digits).  Returns 0,
 * VW_E_SYNTAX (unknown escape, control character, no closing quote) or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_unescape(const char *in, size_t len, size_t *used, struct vw_cf_buf *out);

/* vw_cf_escape appends |len| bytes as a canonical C-escaped double-quoted string to |out|:
 * printable ASCII as itself, \" \\ \n \r \t, every other byte \xHH.  0 or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_escape(const void *bytes, size_t len, struct vw_cf_buf *out);

/* vw_cf_is_capture says whether |v| is a `$name` capture reference ($ + [A-Za-z_][A-Za-z0-9_]*). */
bool vw_cf_is_capture(const char *v);

/* vw_cf_value_equal says whether two value texts are equal canonically (see above). */
bool vw_cf_value_equal(const char *a, const char *b);

/* struct vw_cf_captures: the capture table of one case (names without the '$'). */
struct vw_cf_capture {
    char *name;
    char *value;
};

struct vw_cf_captures {
    struct vw_cf_capture *items;
    size_t num;
};

/* vw_cf_captures_get returns the value bound to |name| (without '$'), or NULL. */
const char *vw_cf_captures_get(const struct vw_cf_captures *c, const char *name);

/* vw_cf_captures_set binds |name| to |value| (copies; rebinding replaces); 0 or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_captures_set(struct vw_cf_captures *c, const char *name,
                                   const char *value);

void vw_cf_captures_cleanup(struct vw_cf_captures *c);

/* vw_cf_match checks every constraint of an expect step against |m|.  Returns 1 when all
 * match (new captures bound in |caps|), 0 on a mismatch (|caps| unchanged; one line
 * "path: expected X, got Y" per failed constraint, then "received: SUMMARY", appended to
 * |diff|, NUL-terminated), or VW_E_NOMEM. */
VW_MUST_USE int vw_cf_match(const struct vw_txn_assign *cons, size_t num_cons,
                            const struct vw_cf_msg *m, struct vw_cf_captures *caps,
                            struct vw_cf_buf *diff);

/* vw_cf_subst appends |text| (|len| bytes) to |out| with every `$name` replaced by its bound
 * value.  Returns 0, VW_E_MEMBER (a capture used before it was bound; its name in |err|) or
 * VW_E_NOMEM. */
VW_MUST_USE int vw_cf_subst(const struct vw_cf_captures *caps, const char *text, size_t len,
                            struct vw_cf_buf *out, char *err, size_t err_len);

#endif
