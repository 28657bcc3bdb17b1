/* transcript.c -- the strict transcript parser (transcript.h). */
#include "transcript.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "match.h"

/* struct vw_txn_store: a loaded transcript shared by the loads of the same file. */
struct vw_txn_store {
    struct vw_txn master;        /* owns the storage (its |store| is NULL) */
    unsigned long refs;          /* the struct vw_txn copies that point here */
    char *path;
    struct stat id;              /* st_dev, st_ino, st_size, st_mtim when it was read */
};

/* The last file loaded, while a copy of it is alive (cleared when its store is freed): a
 * weak reference, so nothing outlives the transcripts.  The runner is single-threaded. */
static struct vw_txn_store *vw_txn_last;

/* Limits: a step waits at most an hour; expect-fd counts what one SCM_RIGHTS message can
 * carry (Linux SCM_MAX_FD, unix(7)). */
#define VW_TXN_MS_MAX 3600000u
#define VW_TXN_FDS_MAX 253u

/* What an indented line below the current step continues. */
enum { CONT_NONE, CONT_ASSIGN, CONT_HEX };

struct pctx {
    const char *file;
    unsigned line;
    char *err;
    size_t err_len;
    struct vw_txn *t;            /* the transcript being built: its arena owns the strings */
    struct vw_cf_buf canon;      /* scratch for canonical values, reused for every value */
};

__attribute__((format(printf, 3, 4)))
static int fail(struct pctx *c, int code, const char *fmt, ...) {
    va_list ap;
    int n;

    if (c->err_len == 0) {
        return code;
    }
    n = snprintf(c->err, c->err_len, "%s:%u: ", c->file, c->line);
    if (n >= 0 && (size_t)n < c->err_len) {
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* dup_n copies |n| bytes and a NUL into the transcript's arena (freed by vw_txn_cleanup). */
static char *dup_n(struct pctx *c, const char *s, size_t n) {
    return vw_cf_arena_strndup(&c->t->arena, s, n);
}

static bool is_space(char c) {
    return c == ' ' || c == '\t';
}

/* trim narrows [*s, *s + *n) to its non-blank middle. */
static void trim(const char **s, size_t *n) {
    while (*n > 0 && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1])) {
        (*n)--;
    }
}

/* next_word cuts the first blank-separated word off [*s, *s + *n). */
static bool next_word(const char **s, size_t *n, const char **w, size_t *wn) {
    trim(s, n);
    if (*n == 0) {
        return false;
    }
    *w = *s;
    *wn = 0;
    while (*wn < *n && !is_space((*s)[*wn])) {
        (*wn)++;
    }
    *s += *wn;
    *n -= *wn;
    return true;
}

static bool word_is(const char *w, size_t wn, const char *lit) {
    return strlen(lit) == wn && memcmp(w, lit, wn) == 0;
}

/* parse_ms reads a decimal count in [min, max]. */
static bool parse_uint(const char *w, size_t wn, unsigned min, unsigned max, unsigned *out) {
    unsigned long v = 0;

    if (wn == 0 || wn > 10) {
        return false;
    }
    for (size_t i = 0; i < wn; i++) {
        if (w[i] < '0' || w[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned long)(w[i] - '0');
    }
    if (v < min || v > max) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* ctl8 says whether the 8 bytes at |s| may hold a control character (a byte under 0x20, tab
 * included, or 0x7f): a word at a time, so the parser's per-line check is not per byte. */
static bool ctl8(const char *s) {
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t x;

    memcpy(&x, s, 8);
    /* a byte b < 0x20 (b - 0x20 borrows, b's top bit clear); a byte equal to 0x7f */
    return (((x - 0x20 * ones) & ~x & highs) | (((x ^ 0x7f * ones) - ones) & ~(x ^ 0x7f * ones)
                                                & highs)) != 0;
}

/* first_ctl returns where the byte-by-byte control check of [s, s + n) must start: n when
 * 8-byte words (the last one overlapping) show no control character at all, else the start
 * of the first word that may hold one. */
static size_t first_ctl(const char *s, size_t n) {
    size_t i = 0;

    while (i + 8 <= n && !ctl8(s + i)) {
        i += 8;
    }
    if (i == n || (i + 8 > n && n >= 8 && !ctl8(s + n - 8))) {
        return n;                   /* the tail lies in a clean overlapping word */
    }
    return i;
}

/* name_ok: a case id, protocol name or feature: [A-Za-z0-9_.:-]+ */
static bool name_ok(const char *s, size_t n) {
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '.' || c == ':' || c == '-')) {
            return false;
        }
    }
    return true;
}

void vw_txn_cleanup(struct vw_txn *t) {
    if (t->store != NULL) {
        struct vw_txn_store *s = t->store;

        if (--s->refs == 0) {
            if (vw_txn_last == s) {
                vw_txn_last = NULL;
            }
            vw_txn_cleanup(&s->master);
            free(s->path);
            free(s);
        }
        memset(t, 0, sizeof(*t));
        return;
    }
    free(t->requires);          /* the strings are in the arena */
    for (size_t i = 0; i < t->num_steps; i++) {
        vw_cf_buf_free(&t->steps[i].raw);
    }
    free(t->steps);
    free(t->assign_pool);
    vw_cf_arena_free(&t->arena);
    memset(t, 0, sizeof(*t));
}

/* hex_line appends the hex bytes of [s, s + n) (blanks ignored, whole bytes) to |out|. */
static int hex_line(struct pctx *c, const char *s, size_t n, struct vw_cf_buf *out) {
    int hi = -1;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int d = (ch >= '0' && ch <= '9') ? ch - '0'
                : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;

        if (is_space(ch)) {
            continue;
        }
        if (d < 0) {
            return fail(c, VW_E_SYNTAX, "'%c' is not a hex digit", ch);
        }
        if (hi < 0) {
            hi = d;
            continue;
        }
        uint8_t b = (uint8_t)(hi * 16 + d);
        hi = -1;
        if (vw_cf_buf_append(out, &b, 1) != 0) {
            return fail(c, VW_E_NOMEM, "out of memory");
        }
    }
    if (hi >= 0) {
        return fail(c, VW_E_SYNTAX, "odd number of hex digits");
    }
    return 0;
}

/* parse_options reads `timeout=MS` words; any other word is an error. */
static int parse_options(struct pctx *c, const char *s, size_t n, bool waits,
                         struct vw_txn_step *st) {
    const char *w;
    size_t wn;
    bool seen = false;

    while (next_word(&s, &n, &w, &wn)) {
        if (wn > 8 && memcmp(w, "timeout=", 8) == 0 && waits && !seen) {
            if (!parse_uint(w + 8, wn - 8, 1, VW_TXN_MS_MAX, &st->timeout_ms)) {
                return fail(c, VW_E_SYNTAX, "bad timeout '%.*s' (1..%u ms)", (int)wn, w,
                            VW_TXN_MS_MAX);
            }
            seen = true;
            continue;
        }
        return fail(c, VW_E_SYNTAX, "unexpected '%.*s'", (int)wn, w);
    }
    return 0;
}

/* parse_count reads the single number argument of expect-fd, expect-silence and wait. */
static int parse_count(struct pctx *c, const char *kw, const char *s, size_t n, unsigned min,
                       unsigned max, unsigned *out) {
    const char *w;
    size_t wn;

    if (!next_word(&s, &n, &w, &wn)) {
        return fail(c, VW_E_SYNTAX, "%s needs a number", kw);
    }
    if (!parse_uint(w, wn, min, max, out)) {
        return fail(c, VW_E_SYNTAX, "%s: bad number '%.*s' (%u..%u)", kw, (int)wn, w, min, max);
    }
    trim(&s, &n);
    if (n != 0) {
        return fail(c, VW_E_SYNTAX, "unexpected '%.*s'", (int)n, s);
    }
    return 0;
}

/* parse_step reads a step line (keyword at column 0) into |st|; sets |*cont|. */
static int parse_step(struct pctx *c, const char *s, size_t n, unsigned default_timeout,
                      struct vw_txn_step *st, int *cont) {
    const char *kw = NULL, *w = NULL;
    size_t kn = 0, wn = 0;

    *cont = CONT_NONE;
    st->line = c->line;
    st->timeout_ms = default_timeout;
    next_word(&s, &n, &kw, &kn);
    if (word_is(kw, kn, "send") || word_is(kw, kn, "garbage")) {
        bool garbage = kw[0] == 'g';
        size_t restn;
        const char *rest;

        if (!next_word(&s, &n, &w, &wn)) {
            if (garbage) {
                return fail(c, VW_E_SYNTAX, "garbage needs 'hex'");
            }
            st->kind = VW_TXN_SEND;
            *cont = CONT_ASSIGN;
            return 0;
        }
        st->kind = VW_TXN_SEND_RAW;
        st->is_garbage = garbage;
        rest = s;
        restn = n;
        trim(&rest, &restn);
        if (word_is(w, wn, "hex")) {
            *cont = CONT_HEX;
            return hex_line(c, rest, restn, &st->raw);
        }
        if (garbage) {
            return fail(c, VW_E_SYNTAX, "garbage takes hex, not '%.*s'", (int)wn, w);
        }
        if (word_is(w, wn, "text")) {
            size_t used = 0;
            int r = vw_cf_unescape(rest, restn, &used, &st->raw);

            if (r == VW_E_NOMEM) {
                return fail(c, r, "out of memory");
            }
            if (r != 0 || used != restn) {
                return fail(c, VW_E_SYNTAX, "send text needs one \"C-escaped\" string");
            }
            if (st->raw.len == 0) {
                return fail(c, VW_E_SYNTAX, "send text: nothing to send");
            }
            return 0;
        }
        if (word_is(w, wn, "json")) {
            if (restn == 0) {
                return fail(c, VW_E_SYNTAX, "send json: nothing to send");
            }
            if (vw_cf_buf_append(&st->raw, rest, restn) != 0) {
                return fail(c, VW_E_NOMEM, "out of memory");
            }
            for (size_t i = 0; i + 1 < restn; i++) {
                char d = rest[i + 1];
                if (rest[i] == '$' && ((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')
                                       || d == '_')) {
                    st->raw_has_captures = 1;
                }
            }
            return 0;
        }
        return fail(c, VW_E_SYNTAX, "send takes hex, text or json, not '%.*s'", (int)wn, w);
    }
    if (word_is(kw, kn, "send-fd")) {
        st->kind = VW_TXN_SEND_FD;
        trim(&s, &n);
        if (n == 0) {
            return fail(c, VW_E_SYNTAX, "send-fd needs a path");
        }
        st->path = dup_n(c, s, n);
        return st->path == NULL ? fail(c, VW_E_NOMEM, "out of memory") : 0;
    }
    if (word_is(kw, kn, "expect")) {
        const char *s2 = s;
        size_t n2 = n;

        st->kind = VW_TXN_EXPECT;
        if (next_word(&s2, &n2, &w, &wn) && word_is(w, wn, "sync")) {
            st->kind = VW_TXN_EXPECT_SYNC;
            s = s2;
            n = n2;
        } else {
            *cont = CONT_ASSIGN;
        }
        return parse_options(c, s, n, true, st);
    }
    if (word_is(kw, kn, "expect-fd")) {
        st->kind = VW_TXN_EXPECT_FD;
        return parse_count(c, "expect-fd", s, n, 0, VW_TXN_FDS_MAX, &st->count);
    }
    if (word_is(kw, kn, "expect-close")) {
        st->kind = VW_TXN_EXPECT_CLOSE;
        return parse_options(c, s, n, true, st);
    }
    if (word_is(kw, kn, "expect-silence")) {
        st->kind = VW_TXN_EXPECT_SILENCE;
        return parse_count(c, "expect-silence", s, n, 1, VW_TXN_MS_MAX, &st->count);
    }
    if (word_is(kw, kn, "resync")) {
        st->kind = VW_TXN_RESYNC;
        return parse_options(c, s, n, true, st);
    }
    if (word_is(kw, kn, "disconnect")) {
        st->kind = VW_TXN_DISCONNECT;
        return parse_options(c, s, n, false, st);
    }
    if (word_is(kw, kn, "reconnect")) {
        const char *s2 = s;
        size_t n2 = n;

        /* `reconnect raw`: no implicit sync after it on a chardev: target (replay.h) */
        st->kind = VW_TXN_RECONNECT;
        if (next_word(&s2, &n2, &w, &wn) && word_is(w, wn, "raw")) {
            st->raw_connect = 1;
            s = s2;
            n = n2;
        }
        return parse_options(c, s, n, true, st);
    }
    if (word_is(kw, kn, "observe")) {
        const char *s2 = s;
        size_t n2 = n;

        st->kind = VW_TXN_OBSERVE;
        /* observe MS [bytes=N]: the count first, then the option */
        if (next_word(&s2, &n2, &w, &wn) && next_word(&s2, &n2, &w, &wn)) {
            if (wn <= 6 || memcmp(w, "bytes=", 6) != 0 ||
                !parse_uint(w + 6, wn - 6, 1, VW_TXN_FILE_MAX, &st->stop_bytes)) {
                return fail(c, VW_E_SYNTAX, "observe: bad option '%.*s' (bytes=1..%u)",
                            (int)wn, w, VW_TXN_FILE_MAX);
            }
            n = (size_t)(w - s);
        }
        return parse_count(c, "observe", s, n, 1, VW_TXN_MS_MAX, &st->count);
    }
    if (word_is(kw, kn, "wait")) {
        st->kind = VW_TXN_WAIT;
        return parse_count(c, "wait", s, n, 0, VW_TXN_MS_MAX, &st->count);
    }
    return fail(c, VW_E_SYNTAX, "unknown step '%.*s'", (int)kn, kw);
}

/* path_ok: a field path: [A-Za-z0-9_.[]-]+ (a table lookup per byte: every assignment) */
static bool path_ok(const char *s, size_t n) {
    static bool table[256];
    static bool filled;

    if (!filled) {
        for (int ch = 0; ch < 256; ch++) {
            table[ch] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                        || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '['
                        || ch == ']' || ch == '-';
        }
        filled = true;
    }
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!table[(unsigned char)s[i]]) {
            return false;
        }
    }
    return true;
}

/* capture_ok: [s, s + n) is a `$name` capture reference (vw_cf_is_capture, not terminated). */
static bool capture_ok(const char *s, size_t n) {
    if (n < 2 || s[0] != '$' || !((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')
                                  || s[1] == '_')) {
        return false;
    }
    for (size_t i = 2; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
              || ch == '_')) {
            return false;
        }
    }
    return true;
}

/* add_assign appends one assignment to the transcript's pool, as the last of |st|'s. */
static int add_assign(struct pctx *c, struct vw_txn_step *st, const char *path,
                      const char *value) {
    struct vw_txn *t = c->t;

    if (t->num_pool == t->cap_pool) {
        /* doubling: a transcript of n assignments costs O(n) copies */
        size_t cap = t->cap_pool != 0 ? 2 * t->cap_pool : 64;
        struct vw_txn_assign *a = cap <= SIZE_MAX / sizeof(*a)
                                      ? realloc(t->assign_pool, cap * sizeof(*a)) : NULL;
        if (a == NULL) {
            return fail(c, VW_E_NOMEM, "out of memory");
        }
        t->assign_pool = a;
        t->cap_pool = cap;
    }
    t->assign_pool[t->num_pool++] = (struct vw_txn_assign){ .path = path, .value = value,
                                                            .line = c->line };
    st->num_assigns++;
    /* the step's run is the pool's tail; earlier steps are re-pointed when parsing ends */
    st->assigns = t->assign_pool + t->num_pool - st->num_assigns;
    return 0;
}

/* parse_assign reads an indented `path = value` line into |st|.  A literal is stored in its
 * canonical form (match.h), made in the parser's one scratch buffer. */
static int parse_assign(struct pctx *c, const char *s, size_t n, struct vw_txn_step *st) {
    const char *eq = memchr(s, '=', n), *p = s, *v;
    size_t pn, vn;
    bool expect = st->kind == VW_TXN_EXPECT;
    char *path, *value;

    if (eq == NULL) {
        return fail(c, VW_E_SYNTAX, "expected 'path = value'");
    }
    pn = (size_t)(eq - s);
    trim(&p, &pn);
    v = eq + 1;
    vn = (size_t)(s + n - v);
    trim(&v, &vn);
    if (!path_ok(p, pn)) {
        return fail(c, VW_E_SYNTAX, "bad path '%.*s'", (int)pn, p);
    }
    if (vn == 0) {
        return fail(c, VW_E_SYNTAX, "%.*s: missing value", (int)pn, p);
    }
    for (size_t i = 0; i < st->num_assigns; i++) {
        const char *q = st->assigns[i].path;
        if (q[0] == p[0] && strncmp(q, p, pn) == 0 && q[pn] == '\0') {
            return fail(c, VW_E_SYNTAX, "duplicate path '%.*s'", (int)pn, p);
        }
    }
    if (word_is(v, vn, "*") || word_is(v, vn, "absent")) {
        if (!expect) {
            return fail(c, VW_E_SYNTAX, "'%.*s' only in expect", (int)vn, v);
        }
    } else if (v[0] == '$') {
        if (!capture_ok(v, vn)) {
            return fail(c, VW_E_SYNTAX, "bad capture name '%.*s'", (int)vn, v);
        }
    } else if (!vw_cf_value_is_canon(v, vn)) {
        /* not canonical as written (or not a literal): canonicalise, or reject */
        int r;

        c->canon.len = 0;
        if ((r = vw_cf_value_canon(v, vn, &c->canon)) != 0) {
            return r == VW_E_NOMEM ? fail(c, r, "out of memory")
                                   : fail(c, VW_E_SYNTAX, "bad value '%.*s'", (int)vn, v);
        }
        v = (const char *)c->canon.p;
        vn = c->canon.len;
    }
    /* path and value in one piece of the arena: "path\0value\0" */
    if ((path = vw_cf_arena_alloc(&c->t->arena, pn + vn + 2)) == NULL) {
        return fail(c, VW_E_NOMEM, "out of memory");
    }
    memcpy(path, p, pn);
    path[pn] = '\0';
    value = path + pn + 1;
    memcpy(value, v, vn);
    value[vn] = '\0';
    return add_assign(c, st, path, value);
}

/* set_header stores one `key: value` header line. */
static int set_header(struct pctx *c, struct vw_txn *t, const char *k, size_t kn, const char *v,
                      size_t vn) {
    char **slot = NULL;

    if (word_is(k, kn, "protocol")) {
        slot = &t->protocol;
    } else if (word_is(k, kn, "transport")) {
        slot = &t->transport;
        if (!word_is(v, vn, "stream") && !word_is(v, vn, "chardev") && !word_is(v, vn, "any")) {
            return fail(c, VW_E_SYNTAX, "transport must be stream, chardev or any");
        }
    } else if (word_is(k, kn, "case")) {
        slot = &t->case_id;
    } else if (word_is(k, kn, "title")) {
        slot = &t->title;
    } else if (word_is(k, kn, "spec")) {
        slot = &t->spec;
    } else if (word_is(k, kn, "timeout")) {
        if (t->timeout_ms != 0) {
            return fail(c, VW_E_SYNTAX, "duplicate header 'timeout'");
        }
        if (!parse_uint(v, vn, 1, VW_TXN_MS_MAX, &t->timeout_ms)) {
            return fail(c, VW_E_SYNTAX, "bad timeout '%.*s' (1..%u ms)", (int)vn, v,
                        VW_TXN_MS_MAX);
        }
        return 0;
    } else if (word_is(k, kn, "connect")) {
        if (t->connect_raw) {
            return fail(c, VW_E_SYNTAX, "duplicate header 'connect'");
        }
        if (!word_is(v, vn, "raw")) {
            return fail(c, VW_E_SYNTAX, "connect must be raw");
        }
        t->connect_raw = 1;
        return 0;
    } else if (word_is(k, kn, "tier")) {
        if (t->tier != VW_TXN_TIER_NONE) {
            return fail(c, VW_E_SYNTAX, "duplicate header 'tier'");
        }
        if (word_is(v, vn, "informational")) {
            t->tier = VW_TXN_TIER_INFORMATIONAL;
        } else if (word_is(v, vn, "non-strict")) {
            t->tier = VW_TXN_TIER_NONSTRICT;
        } else {
            return fail(c, VW_E_SYNTAX, "tier must be informational or non-strict");
        }
        return 0;
    } else if (word_is(k, kn, "requires")) {
        const char *w;
        size_t wn;

        if (t->requires != NULL) {
            return fail(c, VW_E_SYNTAX, "duplicate header 'requires'");
        }
        while (next_word(&v, &vn, &w, &wn)) {
            char **req = realloc(t->requires, (t->num_requires + 1) * sizeof(*req));
            if (req == NULL) {
                return fail(c, VW_E_NOMEM, "out of memory");
            }
            t->requires = req;
            if (!name_ok(w, wn)) {
                return fail(c, VW_E_SYNTAX, "bad feature name '%.*s'", (int)wn, w);
            }
            if ((req[t->num_requires] = dup_n(c, w, wn)) == NULL) {
                return fail(c, VW_E_NOMEM, "out of memory");
            }
            t->num_requires++;
        }
        return 0;
    } else {
        return fail(c, VW_E_SYNTAX, "unknown header '%.*s'", (int)kn, k);
    }
    if (*slot != NULL) {
        return fail(c, VW_E_SYNTAX, "duplicate header '%.*s'", (int)kn, k);
    }
    if ((slot == &t->protocol || slot == &t->case_id) && !name_ok(v, vn)) {
        return fail(c, VW_E_SYNTAX, "bad %.*s '%.*s'", (int)kn, k, (int)vn, v);
    }
    *slot = dup_n(c, v, vn);
    return *slot == NULL ? fail(c, VW_E_NOMEM, "out of memory") : 0;
}

/* header_line parses `key: value`; returns 1 when the line is not a header line. */
static int header_line(struct pctx *c, struct vw_txn *t, const char *s, size_t n) {
    const char *colon = memchr(s, ':', n), *v;
    size_t kn, vn;

    if (colon == NULL) {
        return 1;
    }
    kn = (size_t)(colon - s);
    for (size_t i = 0; i < kn; i++) {
        if (s[i] < 'a' || s[i] > 'z') {
            return 1;
        }
    }
    if (kn == 0) {
        return 1;
    }
    v = colon + 1;
    vn = n - kn - 1;
    trim(&v, &vn);
    if (vn == 0) {
        return fail(c, VW_E_SYNTAX, "header '%.*s' has no value", (int)kn, s);
    }
    return set_header(c, t, s, kn, v, vn);
}

int vw_txn_parse(struct vw_txn *out, const char *file, const char *text, size_t len, char *err,
                 size_t err_len) {
    struct vw_txn t = { 0 };
    struct pctx c = { .file = file != NULL ? file : "-", .err = err, .err_len = err_len,
                      .t = &t };
    bool in_header = true, header_seen = false;
    int cont = CONT_NONE, r = 0;
    size_t pos = 0;

    if (err_len > 0) {
        err[0] = '\0';
    }
    if (len > VW_TXN_FILE_MAX) {
        return fail(&c, VW_E_TOO_LONG, "transcript over %u bytes", VW_TXN_FILE_MAX);
    }
    if ((t.file = dup_n(&c, c.file, strlen(c.file))) == NULL) {
        return fail(&c, VW_E_NOMEM, "out of memory");
    }
    while (pos < len && r == 0) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos, tn = n;
        const char *ts = s;

        pos += n + (nl != NULL ? 1 : 0);
        c.line++;
        for (size_t i = first_ctl(s, n); i < n; i++) {
            if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
                r = fail(&c, VW_E_SYNTAX, "control character 0x%02x", (unsigned char)s[i]);
                break;
            }
        }
        if (r != 0) {
            break;
        }
        trim(&ts, &tn);
        if (tn > 0 && ts[0] == '#') {
            continue;               /* a comment line */
        }
        if (tn == 0) {
            if (in_header && header_seen) {
                in_header = false;  /* the blank line that ends the header */
            }
            continue;
        }
        if (in_header) {
            if (is_space(s[0])) {
                r = fail(&c, VW_E_SYNTAX, "indented line in the header");
                break;
            }
            r = header_line(&c, &t, s, n);
            if (r == 1) {
                r = fail(&c, VW_E_SYNTAX, header_seen ? "a blank line must end the header"
                                                      : "expected 'key: value'");
            }
            header_seen = true;
            continue;
        }
        if (is_space(s[0])) {
            struct vw_txn_step *st = t.num_steps > 0 ? &t.steps[t.num_steps - 1] : NULL;

            if (st == NULL || cont == CONT_NONE) {
                r = fail(&c, VW_E_SYNTAX, "indented line outside send or expect");
            } else if (cont == CONT_HEX) {
                r = hex_line(&c, ts, tn, &st->raw);
            } else {
                r = parse_assign(&c, ts, tn, st);
            }
            continue;
        }
        /* a step: the header is done, so its defaults are known */
        if (t.num_steps == t.cap_steps) {
            /* doubling: a transcript of n steps costs O(n) copies */
            size_t cap = t.cap_steps != 0 ? 2 * t.cap_steps : 16;
            struct vw_txn_step *steps = cap <= SIZE_MAX / sizeof(*steps)
                                            ? realloc(t.steps, cap * sizeof(*steps)) : NULL;
            if (steps == NULL) {
                r = fail(&c, VW_E_NOMEM, "out of memory");
                break;
            }
            t.steps = steps;
            t.cap_steps = cap;
        }
        struct vw_txn_step *steps = t.steps;
        memset(&steps[t.num_steps], 0, sizeof(*steps));
        t.num_steps++;
        r = parse_step(&c, s, n, t.timeout_ms != 0 ? t.timeout_ms : VW_TXN_TIMEOUT_DEFAULT_MS,
                       &steps[t.num_steps - 1], &cont);
    }
    vw_cf_buf_free(&c.canon);
    for (size_t i = 0, at = 0; r == 0 && i < t.num_steps; i++) {
        /* the pool may have moved since a step's run was appended */
        t.steps[i].assigns = t.steps[i].num_assigns > 0 ? t.assign_pool + at : NULL;
        at += t.steps[i].num_assigns;
    }
    for (size_t i = 0; r == 0 && i < t.num_steps; i++) {
        const struct vw_txn_step *st = &t.steps[i];

        c.line = st->line;
        if (st->kind == VW_TXN_SEND_RAW && st->raw.len == 0) {
            r = fail(&c, VW_E_SYNTAX, "send hex: nothing to send");
        } else if (st->kind == VW_TXN_SEND_FD
                   && (i + 1 >= t.num_steps || (t.steps[i + 1].kind != VW_TXN_SEND
                                                && t.steps[i + 1].kind != VW_TXN_SEND_RAW))) {
            r = fail(&c, VW_E_SYNTAX, "send-fd must be followed by a send");
        }
    }
    if (r == 0) {
        c.line = 1;
        if (t.protocol == NULL) {
            r = fail(&c, VW_E_MEMBER, "missing header 'protocol'");
        } else if (t.transport == NULL) {
            r = fail(&c, VW_E_MEMBER, "missing header 'transport'");
        } else if (t.case_id == NULL) {
            r = fail(&c, VW_E_MEMBER, "missing header 'case'");
        }
    }
    if (r != 0) {
        vw_txn_cleanup(&t);
        return r;
    }
    if (t.timeout_ms == 0) {
        t.timeout_ms = VW_TXN_TIMEOUT_DEFAULT_MS;
    }
    *out = t;
    return 0;
}

/* same_file: |s| was read from |path| and the file looks unchanged since (|id|). */
static bool same_file(const struct vw_txn_store *s, const char *path, const struct stat *id) {
    return strcmp(s->path, path) == 0 && s->id.st_dev == id->st_dev
           && s->id.st_ino == id->st_ino && s->id.st_size == id->st_size
           && s->id.st_mtim.tv_sec == id->st_mtim.tv_sec
           && s->id.st_mtim.tv_nsec == id->st_mtim.tv_nsec;
}

/* share turns the freshly loaded |t| into a copy of a new store remembered as the last file
 * (best effort: without memory it stays unshared). */
static void share(struct vw_txn *t, const char *path, const struct stat *id) {
    struct vw_txn_store *s = malloc(sizeof(*s));

    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return;
    }
    s->master = *t;
    s->refs = 1;
    s->id = *id;
    t->store = s;
    vw_txn_last = s;
}

int vw_txn_load(struct vw_txn *out, const char *path, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    const char *base, *dot;
    struct vw_txn t;
    struct stat id;
    bool have_id;
    int r;

    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return VW_E_INVALID;
    }
    have_id = fstat(fileno(f), &id) == 0 && S_ISREG(id.st_mode);
    if (have_id && vw_txn_last != NULL && same_file(vw_txn_last, path, &id)) {
        /* named again: the transcript parsed last time, shared (read-only) */
        fclose(f);
        *out = vw_txn_last->master;
        out->store = vw_txn_last;
        vw_txn_last->refs++;
        if (err_len > 0) {
            err[0] = '\0';
        }
        return 0;
    }
    /* read one byte past the limit to tell "at the limit" from "over it" */
    buf = malloc(VW_TXN_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory", path);
        return VW_E_NOMEM;
    }
    len = fread(buf, 1, VW_TXN_FILE_MAX + 1, f);
    r = ferror(f) ? VW_E_INVALID : 0;
    fclose(f);
    if (r != 0) {
        free(buf);
        snprintf(err, err_len, "%s: read error", path);
        return r;
    }
    r = vw_txn_parse(&t, path, buf, len, err, err_len);
    free(buf);
    if (r != 0) {
        return r;
    }
    base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    dot = strrchr(base, '.');
    size_t bn = dot != NULL && strcmp(dot, ".txn") == 0 ? (size_t)(dot - base) : strlen(base);
    if (strlen(t.case_id) != bn || memcmp(t.case_id, base, bn) != 0) {
        snprintf(err, err_len, "%s:1: case '%s' is not the file name '%.*s'", path, t.case_id,
                 (int)bn, base);
        vw_txn_cleanup(&t);
        return VW_E_SYNTAX;
    }
    if (have_id) {
        share(&t, path, &id);
    }
    *out = t;
    return 0;
}
