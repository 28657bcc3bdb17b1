/* match.c -- transcript values, captures and the expect matcher (match.h). */
#include "match.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* ident_list: [in, in + len) is a bare identifier (an enum name: letters, digits, '_', '-', '.'
 * after a letter or '_'), or several joined by '|' without spaces (open(2) flag names such as
 * O_RDONLY|O_DIRECTORY, conformance/adapter_openhook.c), other than `absent`.  Its canonical
 * text is itself. */
static bool ident_list(const char *in, size_t len) {
    bool start = true;              /* the next character begins an identifier */

    for (size_t i = 0; i < len; i++) {
        if (start) {
            if (!is_ident_start(in[i])) {
                return false;
            }
            start = false;
        } else if (in[i] == '|') {
            start = true;
        } else if (!is_ident_char(in[i]) && in[i] != '-' && in[i] != '.') {
            return false;
        }
    }
    return !start && !(len == 6 && memcmp(in, "absent", 6) == 0);
}

bool vw_cf_is_capture(const char *v) {
    if (v[0] != '$' || !is_ident_start(v[1])) {
        return false;
    }
    for (size_t i = 2; v[i] != '\0'; i++) {
        if (!is_ident_char(v[i])) {
            return false;
        }
    }
    return true;
}

int vw_cf_escape(const void *bytes, size_t len, struct vw_cf_buf *out) {
    const uint8_t *p = bytes;
    size_t start = out->len;
    int r = vw_cf_buf_append(out, "\"", 1);

    for (size_t i = 0; i < len && r == 0; i++) {
        char tmp[8];
        uint8_t c = p[i];

        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            r = vw_cf_buf_append(out, tmp, 2);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            tmp[0] = '\\';
            tmp[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            r = vw_cf_buf_append(out, tmp, 2);
        } else if (c >= 0x20 && c < 0x7f) {
            r = vw_cf_buf_append(out, &c, 1);
        } else {
            snprintf(tmp, sizeof(tmp), "\\x%02x", c);
            r = vw_cf_buf_append(out, tmp, 4);
        }
    }
    if (r == 0) {
        r = vw_cf_buf_append(out, "\"", 1);
    }
    if (r != 0) {
        out->len = start;
    }
    return r;
}

int vw_cf_unescape(const char *in, size_t len, size_t *used, struct vw_cf_buf *out) {
    size_t start = out->len, i = 1;
    int r = 0;

    if (len == 0 || in[0] != '"') {
        return VW_E_SYNTAX;
    }
    while (r == 0) {
        uint8_t c;

        if (i >= len) {
            r = VW_E_SYNTAX;        /* no closing quote */
            break;
        }
        c = (uint8_t)in[i];
        if (c == '"') {
            *used = i + 1;
            return 0;
        }
        if (c < 0x20 || c == 0x7f) {
            r = VW_E_SYNTAX;        /* control characters must be escaped */
            break;
        }
        if (c != '\\') {
            r = vw_cf_buf_append(out, &c, 1);
            i++;
            continue;
        }
        if (i + 1 >= len) {
            r = VW_E_SYNTAX;
            break;
        }
        switch (in[i + 1]) {
        case '\\': c = '\\'; break;
        case '"': c = '"'; break;
        case '\'': c = '\''; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case '0': c = 0; break;
        case 'a': c = 7; break;
        case 'b': c = 8; break;
        case 'f': c = 12; break;
        case 'v': c = 11; break;
        case 'x':
            if (i + 3 >= len || hexval(in[i + 2]) < 0 || hexval(in[i + 3]) < 0) {
                r = VW_E_SYNTAX;
                continue;
            }
            c = (uint8_t)(hexval(in[i + 2]) * 16 + hexval(in[i + 3]));
            i += 2;
            break;
        default:
            r = VW_E_SYNTAX;        /* unknown escape */
            continue;
        }
        r = vw_cf_buf_append(out, &c, 1);
        i += 2;
    }
    out->len = start;
    return r;
}

/* canon_int: decimal or 0x, optional '-', within int64 .. uint64. */
static int canon_int(const char *in, size_t len, struct vw_cf_buf *out) {
    bool neg = false;
    uint64_t v = 0;
    size_t i = 0, n;
    unsigned base = 10;
    char tmp[VW_CF_FMT_MAX + 1];

    if (i < len && in[i] == '-') {
        neg = true;
        i++;
    }
    if (len - i > 2 && in[i] == '0' && (in[i + 1] == 'x' || in[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    if (i >= len) {
        return VW_E_SYNTAX;
    }
    for (; i < len; i++) {
        int d = hexval(in[i]);

        if (d < 0 || (unsigned)d >= base) {
            return VW_E_SYNTAX;
        }
        if (v > (UINT64_MAX - (uint64_t)d) / base) {
            return VW_E_SYNTAX;     /* over 2^64 - 1 */
        }
        v = v * base + (uint64_t)d;
    }
    if (neg && v > (uint64_t)INT64_MAX + 1) {
        return VW_E_SYNTAX;         /* under -2^63 */
    }
    tmp[0] = '-';
    n = vw_cf_fmt_u64(tmp + 1, v);      /* no printf: this runs for every integer value */
    return neg && v != 0 ? vw_cf_buf_append(out, tmp, n + 1) : vw_cf_buf_append(out, tmp + 1, n);
}

int vw_cf_value_canon(const char *in, size_t len, struct vw_cf_buf *out) {
    static const char *const words[] = { "true", "false", "null", "{}", "[]" };
    size_t start = out->len;
    int r;

    if (len == 0) {
        return VW_E_SYNTAX;
    }
    if (in[0] == '-' || (in[0] >= '0' && in[0] <= '9')) {
        return canon_int(in, len, out);
    }
    if (in[0] == '"') {
        struct vw_cf_buf bytes = { 0 };
        size_t used = 0, k = 1;

        /* already canonical (vw_cf_escape's form) when it holds only printable ASCII other
         * than '"' and '\\' and ends at the closing quote: copied as it is */
        while (k < len && in[k] >= 0x20 && in[k] < 0x7f && in[k] != '"' && in[k] != '\\') {
            k++;
        }
        if (k == len - 1 && len >= 2 && in[k] == '"') {
            return vw_cf_buf_append(out, in, len);
        }
        r = vw_cf_unescape(in, len, &used, &bytes);
        if (r == 0 && used != len) {
            r = VW_E_SYNTAX;        /* text after the closing quote */
        }
        if (r == 0) {
            r = vw_cf_escape(bytes.p, bytes.len, out);
        }
        vw_cf_buf_free(&bytes);
        return r;
    }
    if (in[0] == 'x' && len >= 3 && in[1] == '"' && in[len - 1] == '"') {
        r = vw_cf_buf_append(out, "x\"", 2);
        for (size_t i = 2; i + 1 < len && r == 0; i++) {
            int d = hexval(in[i]);
            char c = "0123456789abcdef"[d < 0 ? 0 : d];

            r = d < 0 ? VW_E_SYNTAX : vw_cf_buf_append(out, &c, 1);
        }
        if (r == 0 && (len - 3) % 2 != 0) {
            r = VW_E_SYNTAX;        /* half a byte */
        }
        if (r == 0) {
            r = vw_cf_buf_append(out, "\"", 1);
        }
        if (r != 0) {
            out->len = start;
        }
        return r;
    }
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i]) == len && memcmp(words[i], in, len) == 0) {
            return vw_cf_buf_append(out, in, len);
        }
    }
    /* a bare identifier (enum name) or a '|'-joined list of them; `absent` is a constraint */
    if (!ident_list(in, len)) {
        return VW_E_SYNTAX;
    }
    return vw_cf_buf_append(out, in, len);
}

bool vw_cf_value_is_canon(const char *in, size_t len) {
    size_t i = 0;

    if (len == 0) {
        return false;
    }
    if (in[0] == '-' || (in[0] >= '0' && in[0] <= '9')) {
        i = in[0] == '-';
        /* at most 18 digits is within int64 either way; no leading zero, no "-0" */
        if (len - i == 0 || len - i > 18 || (in[i] == '0' && (len - i > 1 || i == 1))) {
            return false;
        }
        for (; i < len; i++) {
            if (in[i] < '0' || in[i] > '9') {
                return false;
            }
        }
        return true;
    }
    if (in[0] == '"') {
        for (i = 1; i + 1 < len; i++) {
            if (in[i] < 0x20 || in[i] >= 0x7f || in[i] == '"' || in[i] == '\\') {
                return false;       /* (a byte over 0x7f is negative here, also false) */
            }
        }
        return len >= 2 && in[len - 1] == '"';
    }
    if (in[0] == 'x' && len >= 3 && in[1] == '"') {
        if (in[len - 1] != '"' || (len - 3) % 2 != 0) {
            return false;
        }
        for (i = 2; i + 1 < len; i++) {
            if (!((in[i] >= '0' && in[i] <= '9') || (in[i] >= 'a' && in[i] <= 'f'))) {
                return false;
            }
        }
        return true;
    }
    if ((len == 2 && (memcmp(in, "{}", 2) == 0 || memcmp(in, "[]", 2) == 0))) {
        return true;
    }
    /* true, false, null and enum names are identifiers (or '|'-joined lists of them) */
    return ident_list(in, len);
}

bool vw_cf_value_equal(const char *a, const char *b) {
    struct vw_cf_buf ca = { 0 }, cb = { 0 };
    bool eq;

    if (strcmp(a, b) == 0) {
        return true;
    }
    if (vw_cf_value_canon(a, strlen(a), &ca) == 0 && vw_cf_value_canon(b, strlen(b), &cb) == 0) {
        eq = ca.len == cb.len && memcmp(ca.p, cb.p, ca.len) == 0;
    } else {
        eq = false;                 /* not both literals and not the same text */
    }
    vw_cf_buf_free(&ca);
    vw_cf_buf_free(&cb);
    return eq;
}

const char *vw_cf_captures_get(const struct vw_cf_captures *c, const char *name) {
    for (size_t i = 0; i < c->num; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            return c->items[i].value;
        }
    }
    return NULL;
}

int vw_cf_captures_set(struct vw_cf_captures *c, const char *name, const char *value) {
    char *v = strdup(value), *n = NULL;
    struct vw_cf_capture *items;

    if (v == NULL) {
        return VW_E_NOMEM;
    }
    for (size_t i = 0; i < c->num; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            free(c->items[i].value);
            c->items[i].value = v;
            return 0;
        }
    }
    n = strdup(name);
    items = n != NULL ? realloc(c->items, (c->num + 1) * sizeof(*items)) : NULL;
    if (items == NULL) {
        free(n);
        free(v);
        return VW_E_NOMEM;
    }
    items[c->num].name = n;
    items[c->num].value = v;
    c->items = items;
    c->num++;
    return 0;
}

void vw_cf_captures_cleanup(struct vw_cf_captures *c) {
    for (size_t i = 0; i < c->num; i++) {
        free(c->items[i].name);
        free(c->items[i].value);
    }
    free(c->items);
    c->items = NULL;
    c->num = 0;
}

static int diff_line(struct vw_cf_buf *diff, const char *path, const char *want, const char *got) {
    const char *parts[] = { path, ": expected ", want, ", got ", got, "\n" };
    int r = 0;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && r == 0; i++) {
        r = vw_cf_buf_append(diff, parts[i], strlen(parts[i]));
    }
    return r;
}

/* match_one checks one constraint; new bindings go to |fresh|.  1 ok, 0 mismatch, < 0 error. */
static int match_one(const struct vw_txn_assign *c, const struct vw_cf_msg *m,
                     const struct vw_cf_captures *caps, struct vw_cf_captures *fresh,
                     struct vw_cf_buf *diff) {
    const char *got = vw_cf_msg_field(m, c->path);
    const char *shown = got != NULL ? got : "absent";

    /* the first byte tells the kinds of constraint apart without a call */
    if (c->value[0] == '*' && c->value[1] == '\0') {
        return got != NULL ? 1 : diff_line(diff, c->path, "a value (*)", "absent");
    }
    if (c->value[0] == 'a' && strcmp(c->value, "absent") == 0) {
        return got == NULL ? 1 : diff_line(diff, c->path, "absent", got);
    }
    if (c->value[0] == '$' && vw_cf_is_capture(c->value)) {
        const char *name = c->value + 1;
        const char *bound = vw_cf_captures_get(caps, name);

        if (bound == NULL) {
            bound = vw_cf_captures_get(fresh, name);
        }
        if (bound == NULL) {
            if (got == NULL) {
                return diff_line(diff, c->path, c->value, "absent");
            }
            int r = vw_cf_captures_set(fresh, name, got);
            return r < 0 ? r : 1;
        }
        if (got != NULL && vw_cf_value_equal(bound, got)) {
            return 1;
        }
        struct vw_cf_buf want = { 0 };
        int r = vw_cf_buf_append(&want, c->value, strlen(c->value));
        const char *eq = " = ";
        if (r == 0) {
            r = vw_cf_buf_append(&want, eq, 3);
        }
        if (r == 0) {
            r = vw_cf_buf_append(&want, bound, strlen(bound) + 1);
        }
        if (r == 0) {
            r = diff_line(diff, c->path, (const char *)want.p, shown);
        }
        vw_cf_buf_free(&want);
        return r;
    }
    if (got != NULL && vw_cf_value_equal(c->value, got)) {
        return 1;
    }
    return diff_line(diff, c->path, c->value, shown);
}

int vw_cf_match(const struct vw_txn_assign *cons, size_t num_cons, const struct vw_cf_msg *m,
                struct vw_cf_captures *caps, struct vw_cf_buf *diff) {
    struct vw_cf_captures fresh = { 0 };
    size_t diff_start = diff->len;
    bool ok = true;
    int r = 0;

    for (size_t i = 0; i < num_cons && r >= 0; i++) {
        size_t before = diff->len;

        r = match_one(&cons[i], m, caps, &fresh, diff);
        if (r >= 0 && diff->len != before) {
            ok = false;             /* match_one appended a diff line */
        }
    }
    if (r >= 0 && ok) {
        for (size_t i = 0; i < fresh.num && r >= 0; i++) {
            r = vw_cf_captures_set(caps, fresh.items[i].name, fresh.items[i].value);
        }
    }
    if (r >= 0 && !ok) {
        const char *lead = "received: ";
        r = vw_cf_buf_append(diff, lead, strlen(lead));
        if (r == 0) {
            r = vw_cf_buf_append(diff, m->summary, strnlen(m->summary, sizeof(m->summary)));
        }
        if (r == 0) {
            r = vw_cf_buf_append(diff, "\n", 1);
        }
    }
    if (r == 0) {
        r = vw_cf_buf_append(diff, "", 1);   /* NUL-terminate; not counted in len */
        diff->len--;
    }
    vw_cf_captures_cleanup(&fresh);
    if (r < 0) {
        diff->len = diff_start;
        return r;
    }
    return ok ? 1 : 0;
}

int vw_cf_subst(const struct vw_cf_captures *caps, const char *text, size_t len,
                struct vw_cf_buf *out, char *err, size_t err_len) {
    size_t start = out->len, i = 0;
    int r = 0;

    while (i < len && r == 0) {
        if (text[i] == '$' && i + 1 < len && is_ident_start(text[i + 1])) {
            size_t j = i + 1;
            char name[128];
            const char *v;

            while (j < len && is_ident_char(text[j])) {
                j++;
            }
            snprintf(name, sizeof(name), "%.*s", (int)(j - i - 1), text + i + 1);
            v = vw_cf_captures_get(caps, name);
            if (v == NULL) {
                snprintf(err, err_len, "capture $%s used before it was bound", name);
                r = VW_E_MEMBER;
                break;
            }
            r = vw_cf_buf_append(out, v, strlen(v));
            i = j;
        } else {
            r = vw_cf_buf_append(out, &text[i], 1);
            i++;
        }
    }
    if (r != 0) {
        out->len = start;
    }
    return r;
}
