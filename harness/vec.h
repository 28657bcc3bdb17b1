/* vec.h -- reader for test vector files (.vec), after BoringSSL's file_test.
 *
 * A .vec file holds cases as data:
 *
 *     # corpus/vectors/xdr/opaque.vec -- source: RFC 4506 §4.10
 *     [func = xdr_get_opaque, max = 8]
 *
 *     name:  non-zero padding
 *     in:    00000001 41 0000ff      # a comment runs from " #" to the end of the line
 *     error: VW_E_PADDING
 *     offset: 7
 *
 * - A line whose first non-blank character is '#' is a comment; so is " # ..." after a value
 *   (outside a quoted string).
 * - "[key = value, ...]" starts a section: it names the function (func = ...) and the parameters
 *   of every case after it, up to the next section.
 * - A case is a run of "key: value" lines ended by a blank line or the end of the file.  A line
 *   that starts with blanks continues the value of the line before it (joined with a space).
 *   Every case has a "name:"; a key appears at most once per case and per section.
 * - Every key of a case and every parameter of its section must be read by the code that runs
 *   the case (vw_vec_get / vw_vec_param mark them); vw_vec_report_unused names the rest, so a
 *   misspelt key fails the run instead of being ignored.
 *
 * Byte values (vw_vec_parse_bytes) are a sequence of tokens, concatenated:
 *     hex digits, two per byte, blanks allowed between bytes   00000003 616263 00
 *     a C-escaped string (\\ \" \n \r \t \0 \xHH)            "abc\x00"
 *     either one followed by *N, repeated N times              "a"*255   00*3
 *     "" alone means no bytes. */
#ifndef VW_VEC_H
#define VW_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest value vw_vec_parse_bytes produces: vectors are small by design. */
#define VW_VEC_BYTES_MAX (1u << 20)

/* Room for one reason of a value parser (|err| below). */
#define VW_VEC_ERR_LEN 512

struct vw_vec_kv {
    char *key;
    char *value;
    unsigned line;
    bool used;
};

/* struct vw_vec_case: one case, valid until the next vw_vec_next or vw_vec_file_free. */
struct vw_vec_case {
    const char *path;
    unsigned line;              /* first line of the case */
    const char *name;           /* value of "name:" (read by the parser itself) */
    const char *func;           /* "func" of the section */
    unsigned section_line;
    struct vw_vec_kv *params;   /* section parameters except func */
    size_t num_params;
    struct vw_vec_kv *keys;     /* case keys, in file order */
    size_t num_keys;
    bool failed;                /* set by vw_vec_fail (and the vw_vec_get_* readers) */
};

struct vw_vec_file;

/* vw_vec_file_open reads the whole file at |path| into |*out| (owned by the caller; release with
 * vw_vec_file_free).  Returns 0, or -1 after printing "path: reason" to stdout. */
int vw_vec_file_open(struct vw_vec_file **out, const char *path);

/* vw_vec_file_free releases |f|; NULL does nothing. */
void vw_vec_file_free(struct vw_vec_file *f);

/* vw_vec_next parses the next case into |*out| (owned by |f|).  Returns 1 for a case, 0 at the
 * end of the file, -1 on a syntax error, printed as "path:line: reason"; after -1 the rest of
 * the file is not read. */
int vw_vec_next(struct vw_vec_file *f, struct vw_vec_case **out);

/* vw_vec_get returns the case key |key|, marking it read, or NULL when the case has none. */
const struct vw_vec_kv *vw_vec_get(struct vw_vec_case *c, const char *key);

/* vw_vec_param returns the section parameter |key|, marking it read, or NULL. */
const struct vw_vec_kv *vw_vec_param(struct vw_vec_case *c, const char *key);

/* vw_vec_has says whether the case has |key|, without marking it read. */
bool vw_vec_has(const struct vw_vec_case *c, const char *key);

/* vw_vec_report_unused prints every key and parameter of |c| nobody read (each one fails the
 * case) and returns how many there were. */
size_t vw_vec_report_unused(struct vw_vec_case *c);

/* vw_vec_fail prints "path:line: [case name] message" for a failure found at |line| (0 means the
 * first line of the case) and marks the case failed. */
void vw_vec_fail(struct vw_vec_case *c, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Typed case keys.  Each reads the case key |key| (marking it read) and returns 1 with the value
 * in |*out|, 0 when the case has no such key (|*out| untouched), or -1 when the value does not
 * parse: then the reason is reported with vw_vec_fail at the key's line. */
int vw_vec_get_i64(struct vw_vec_case *c, const char *key, int64_t *out);
int vw_vec_get_u64(struct vw_vec_case *c, const char *key, uint64_t *out);
int vw_vec_get_bool(struct vw_vec_case *c, const char *key, bool *out);

/* vw_vec_get_bytes: the value as vw_vec_parse_bytes reads it (|*out| malloc'd; free it). */
int vw_vec_get_bytes(struct vw_vec_case *c, const char *key, uint8_t **out, size_t *out_len);

/* vw_vec_get_code: an error code name (VW_E_...), or |zero| ("none", "VW_OK"; NULL for no
 * such spelling) for 0. */
int vw_vec_get_code(struct vw_vec_case *c, const char *key, const char *zero, int *out);

/* Value parsers.  Each returns 0, or -1 and a reason in |err| (|err_len| bytes). */

/* vw_vec_parse_bytes decodes |s| (syntax above) into |*out| (malloc'd, at least 1 byte, owned by
 * the caller) and |*out_len|. */
int vw_vec_parse_bytes(const char *s, uint8_t **out, size_t *out_len, char *err, size_t err_len);

/* vw_vec_parse_u64 reads a decimal or 0x-hex number with no sign. */
int vw_vec_parse_u64(const char *s, uint64_t *out, char *err, size_t err_len);

/* vw_vec_parse_i64 reads a decimal or 0x-hex number with an optional '-'. */
int vw_vec_parse_i64(const char *s, int64_t *out, char *err, size_t err_len);

/* vw_vec_parse_bool reads yes/no or true/false. */
int vw_vec_parse_bool(const char *s, bool *out, char *err, size_t err_len);

/* vw_vec_parse_list reads "[n, n, ...]" ("[]" is empty) into at most |max| numbers. */
int vw_vec_parse_list(const char *s, uint64_t *out, size_t max, size_t *out_num, char *err,
                      size_t err_len);

#endif
