/* transcript.c -- the strict transcript parser (transcript.h). */
#include "transcript.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

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

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
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

static void free_step(struct vw_txn_step *s) {
    vw_cf_buf_free(&s->raw);
    free(s->path);
    for (size_t i = 0; i < s->num_assigns; i++) {
        free((char *)s->assigns[i].path);
        free((char *)s->assigns[i].value);
    }
    free(s->assigns);
    memset(s, 0, sizeof(*s));
}

void vw_txn_cleanup(struct vw_txn *t) {
    free(t->file);
    free(t->protocol);
    free(t->transport);
    free(t->case_id);
    free(t->title);
    free(t->spec);
    for (size_t i = 0; i < t->num_requires; i++) {
        free(t->requires[i]);
    }
    free(t->requires);
    for (size_t i = 0; i < t->num_steps; i++) {
        free_step(&t->steps[i]);
    }
    free(t->steps);
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
    const char *kw, *w;
    size_t kn, wn;

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
        st->path = dup_n(s, n);
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
    if (word_is(kw, kn, "disconnect") || word_is(kw, kn, "reconnect")) {
        st->kind = kw[0] == 'd' ? VW_TXN_DISCONNECT : VW_TXN_RECONNECT;
        return parse_options(c, s, n, false, st);
    }
    if (word_is(kw, kn, "wait")) {
        st->kind = VW_TXN_WAIT;
        return parse_count(c, "wait", s, n, 0, VW_TXN_MS_MAX, &st->count);
    }
    return fail(c, VW_E_SYNTAX, "unknown step '%.*s'", (int)kn, kw);
}

/* path_ok: a field path: [A-Za-z0-9_.[]-]+ */
static bool path_ok(const char *s, size_t n) {
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
              || ch == '_' || ch == '.' || ch == '[' || ch == ']' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* parse_assign reads an indented `path = value` line into |st|. */
static int parse_assign(struct pctx *c, const char *s, size_t n, struct vw_txn_step *st) {
    const char *eq = memchr(s, '=', n), *p = s, *v;
    size_t pn, vn;
    bool expect = st->kind == VW_TXN_EXPECT;
    struct vw_cf_buf canon = { 0 };
    struct vw_txn_assign *a;
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
        if (strlen(st->assigns[i].path) == pn && memcmp(st->assigns[i].path, p, pn) == 0) {
            return fail(c, VW_E_SYNTAX, "duplicate path '%.*s'", (int)pn, p);
        }
    }
    if (word_is(v, vn, "*") || word_is(v, vn, "absent")) {
        if (!expect) {
            return fail(c, VW_E_SYNTAX, "'%.*s' only in expect", (int)vn, v);
        }
        value = dup_n(v, vn);
    } else if (v[0] == '$') {
        value = dup_n(v, vn);
        if (value != NULL && !vw_cf_is_capture(value)) {
            free(value);
            return fail(c, VW_E_SYNTAX, "bad capture name '%.*s'", (int)vn, v);
        }
    } else {
        int r = vw_cf_value_canon(v, vn, &canon);
        if (r != 0) {
            vw_cf_buf_free(&canon);     /* a failed canon may have grown the buffer */
            return r == VW_E_NOMEM ? fail(c, r, "out of memory")
                                   : fail(c, VW_E_SYNTAX, "bad value '%.*s'", (int)vn, v);
        }
        value = dup_n((const char *)canon.p, canon.len);
        vw_cf_buf_free(&canon);
    }
    path = dup_n(p, pn);
    a = path != NULL && value != NULL
            ? realloc(st->assigns, (st->num_assigns + 1) * sizeof(*a)) : NULL;
    if (a == NULL) {
        free(path);
        free(value);
        return fail(c, VW_E_NOMEM, "out of memory");
    }
    a[st->num_assigns] = (struct vw_txn_assign){ .path = path, .value = value, .line = c->line };
    st->assigns = a;
    st->num_assigns++;
    return 0;
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
            if ((req[t->num_requires] = dup_n(w, wn)) == NULL) {
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
    *slot = dup_n(v, vn);
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
    struct pctx c = { .file = file != NULL ? file : "-", .err = err, .err_len = err_len };
    struct vw_txn t = { 0 };
    bool in_header = true, header_seen = false;
    int cont = CONT_NONE, r = 0;
    size_t pos = 0;

    if (err_len > 0) {
        err[0] = '\0';
    }
    if (len > VW_TXN_FILE_MAX) {
        return fail(&c, VW_E_TOO_LONG, "transcript over %u bytes", VW_TXN_FILE_MAX);
    }
    if ((t.file = dup_n(c.file, strlen(c.file))) == NULL) {
        return fail(&c, VW_E_NOMEM, "out of memory");
    }
    while (pos < len && r == 0) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos, tn = n;
        const char *ts = s;

        pos += n + (nl != NULL ? 1 : 0);
        c.line++;
        for (size_t i = 0; i < n; i++) {
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
        struct vw_txn_step *steps = realloc(t.steps, (t.num_steps + 1) * sizeof(*steps));
        if (steps == NULL) {
            r = fail(&c, VW_E_NOMEM, "out of memory");
            break;
        }
        t.steps = steps;
        memset(&steps[t.num_steps], 0, sizeof(*steps));
        t.num_steps++;
        r = parse_step(&c, s, n, t.timeout_ms != 0 ? t.timeout_ms : VW_TXN_TIMEOUT_DEFAULT_MS,
                       &steps[t.num_steps - 1], &cont);
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

int vw_txn_load(struct vw_txn *out, const char *path, char *err, size_t err_len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    const char *base, *dot;
    struct vw_txn t;
    int r;

    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return VW_E_INVALID;
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
    *out = t;
    return 0;
}
