/* xs_fields.h -- XDR schema items (reference/xs.h) as the flat (path, value) fields of
 * adapter.h, and back: what the XDR protocol adapters (adapter_virnet.c, adapter_qemud.c,
 * adapter_oncrpc.c, adapter_openhook.c) share.
 *
 * Paths, from the pre-order item list vw_xs_decode visits, under a root path (often ""):
 *   - a struct member: "parent.name" ("name" under the empty root); a struct has no field of
 *     its own;
 *   - an element of an array or vector: "parent[i]"; an array's count is at its own path
 *     ("domains" = 2), a vector (fixed length) has no count field;
 *   - optional data (RFC 4506 §4.19): absent is `null` at its path; present, the element
 *     sits at the same path (a string's value, a struct's members below it);
 *   - a union: its discriminant (decimal) at its path, the arm at "path.armname" (at the
 *     union's own path when the arm has no name);
 *   - void: no field.
 * Values (adapter.h): integers in decimal (enums too: xs schemas carry no enum names; the
 * adapters name their header enums), bool true/false, strings C-escaped and double-quoted,
 * opaque x"hex".  rpcgen char arrays are C strings, so a vector or array of char is ONE
 * string field at its path (a vector's trailing NULs dropped, and put back on encode) and one
 * of unsigned char is x"hex" [not elements: a qemud xml is char[4096]]; when an element does
 * not fit a byte (lenient decode, VW_E_RANGE) the elements are listed one by one instead.
 *
 * Building (the reverse), from `path = value` assignments under the same root:
 *   - a missing optional is absent, `null` makes it absent, any assignment at or below its
 *     path makes it present;
 *   - an array's count is the explicit assignment at its path, else one past the highest
 *     index assigned below it ("domains[1].name" gives 2), else 0;
 *   - a missing mandatory scalar, a union without its discriminant, a value of the wrong
 *     type: an error naming the path; an assignment the schema never reads is reported by
 *     vw_xsf_check_used ("unknown path"). */
#ifndef VW_CONFORMANCE_XS_FIELDS_H
#define VW_CONFORMANCE_XS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "err.h"
#include "xs.h"

#define VW_XSF_PATH_MAX 512u      /* longest path built; deeper schemas fail with TOO_LONG */
#define VW_XSF_ITEMS_MAX 1048576u /* items of one message: bounded by its bytes anyway */

/* struct vw_xsf_items: a growable item list (owned) filled by vw_xsf_collect. */
struct vw_xsf_items {
    struct vw_xs_item *v;
    size_t num, cap;
};

/* vw_xsf_collect is a vw_xs_visit_fn appending to a struct vw_xsf_items; VW_E_NOMEM when it
 * cannot grow (or past VW_XSF_ITEMS_MAX). */
int vw_xsf_collect(void *ctx, const struct vw_xs_item *item);

void vw_xsf_items_reset(struct vw_xsf_items *l);   /* num = 0, keeps the memory */
void vw_xsf_items_free(struct vw_xsf_items *l);

/* vw_xsf_flatten appends the fields of |items| (one whole decoded value, pre-order, the first
 * item its top) to |m|, paths under |root|.  Returns 0, VW_E_NOMEM, VW_E_TOO_LONG (a path over
 * VW_XSF_PATH_MAX) or VW_E_INVALID (items that are not one value); |m| may then hold some of
 * the fields. */
VW_MUST_USE int vw_xsf_flatten(struct vw_cf_msg *m, const char *root,
                               const struct vw_xs_item *items, size_t num_items);

/* struct vw_xsf_build: items built from assignments, and the bytes their spans point to. */
struct vw_xsf_build {
    struct vw_xsf_items items;
    uint8_t **owned;
    size_t num_owned, owned_cap;
};

void vw_xsf_build_cleanup(struct vw_xsf_build *b);

/* vw_xsf_build_items appends to |b| the pre-order items of a |t| described by the assignments
 * under |root| (|a|, |n|), marking each assignment it reads in |used| (n entries).  Returns 0,
 * or VW_E_MEMBER (missing mandatory field or discriminant), VW_E_TYPE (value of the wrong
 * type), VW_E_RANGE (integer out of its type's range), VW_E_TOO_LONG, VW_E_NOMEM, with a
 * one-line reason naming the path and line in |err|. */
VW_MUST_USE int vw_xsf_build_items(struct vw_xsf_build *b, const struct vw_xs_type *t,
                                   const char *root, const struct vw_txn_assign *a, size_t n,
                                   bool *used, char *err, size_t err_len);

/* vw_xsf_encode builds |t| from the assignments under |root| and appends its XDR encoding to
 * |out| (vw_xs_encode).  Same returns as vw_xsf_build_items, plus the encoder's. */
VW_MUST_USE int vw_xsf_encode(const struct vw_xs_type *t, const char *root,
                              const struct vw_txn_assign *a, size_t n, bool *used,
                              struct vw_cf_buf *out, char *err, size_t err_len);

/* vw_xsf_check_used returns VW_E_MEMBER with "line L: unknown path P" in |err| for the first
 * assignment not marked in |used|, else 0. */
VW_MUST_USE int vw_xsf_check_used(const struct vw_txn_assign *a, size_t n, const bool *used,
                                  char *err, size_t err_len);

/* ---- values, for the adapters' own header fields ---- */

/* vw_xsf_find returns the index of the first assignment at |path| (marking it used), or -1. */
long vw_xsf_find(const struct vw_txn_assign *a, size_t n, bool *used, const char *path);

/* vw_xsf_parse_int reads a decimal or 0x integer (optionally negative) in [lo, hi].  With
 * |names| (|num_names| entries, NULL entries skipped) a bare identifier equal to names[i]
 * gives i.  Returns 0, VW_E_TYPE or VW_E_RANGE. */
VW_MUST_USE int vw_xsf_parse_int(const char *v, int64_t lo, int64_t hi,
                                 const char *const *names, size_t num_names, int64_t *out);

/* vw_xsf_parse_u64 reads a decimal or 0x unsigned integer up to UINT64_MAX. */
VW_MUST_USE int vw_xsf_parse_u64(const char *v, uint64_t *out);

/* vw_xsf_parse_bytes reads a "C-escaped" string or x"hex" value into a new buffer
 * (|*out| malloc'd, NUL-terminated, |*out_len| bytes without the NUL; the caller frees).
 * |*is_string| (may be NULL) says which form it was.  Returns 0, VW_E_TYPE or VW_E_NOMEM. */
VW_MUST_USE int vw_xsf_parse_bytes(const char *v, uint8_t **out, size_t *out_len,
                                   bool *is_string);

/* vw_xsf_add_int / _uint / _name / _bytes append one field in canonical form: decimal, a
 * name (|name| NULL: the decimal |v|), a "C-escaped" string (|as_string|) or x"hex". */
VW_MUST_USE int vw_xsf_add_int(struct vw_cf_msg *m, const char *path, int64_t v);
VW_MUST_USE int vw_xsf_add_uint(struct vw_cf_msg *m, const char *path, uint64_t v);
VW_MUST_USE int vw_xsf_add_name(struct vw_cf_msg *m, const char *path, const char *name,
                                int64_t v);
VW_MUST_USE int vw_xsf_add_bytes(struct vw_cf_msg *m, const char *path, struct vw_span s,
                                 bool as_string);

/* vw_xsf_verdict fills |m|'s strictness from a strict decode result |strict_rc| (its |diag|)
 * and the lenient one |lenient_rc|: 0 -> STRICT; strict failed, lenient 0 -> LENIENT; both
 * failed -> INVALID; code, offset and detail ("VW_E_X at byte N, field F") from |diag|. */
void vw_xsf_verdict(struct vw_cf_msg *m, int strict_rc, const struct vw_diag *diag,
                    int lenient_rc);

#endif
