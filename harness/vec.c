/* vec.c -- reader for test vector files; see vec.h for the format. */
#define _POSIX_C_SOURCE 200809L  /* strdup, strtok_r */

#include "vec.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* A key is short and made of these characters: "out.call.cred.sys.machinename". */
#define VEC_KEY_MAX 80

struct vw_vec_file {
    char *path;
    char *text;             /* the whole file, NUL-terminated; lines are cut in place */
    char **lines;           /* each line without its end-of-line */
    size_t num_lines;
    size_t next;            /* index of the next unread line */
    bool failed;
    /* the current section */
    char *func;
    unsigned section_line;
    struct vw_vec_kv *sect;
    size_t num_sect;
    /* the current case */
    struct vw_vec_case cur;
};

static void kv_free(struct vw_vec_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void case_clear(struct vw_vec_file *f) {
    kv_free(f->cur.keys, f->cur.num_keys);
    kv_free(f->cur.params, f->cur.num_params);
    memset(&f->cur, 0, sizeof(f->cur));
}

void vw_vec_file_free(struct vw_vec_file *f) {
    if (f == NULL) {
        return;
    }
    case_clear(f);
    kv_free(f->sect, f->num_sect);
    free(f->func);
    free(f->lines);
    free(f->text);
    free(f->path);
    free(f);
}

static char *xstrdup(const char *s) {
    char *p = strdup(s);
    if (p == NULL) {
        fprintf(stdout, "vec: out of memory\n");
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (q == NULL) {
        fprintf(stdout, "vec: out of memory\n");
        exit(2);
    }
    return q;
}

int vw_vec_file_open(struct vw_vec_file **out, const char *path) {
    struct vw_vec_file *f;
    FILE *fp;
    size_t len = 0, cap = 4096, n;

    *out = NULL;
    fp = fopen(path, "rb");
    if (fp == NULL) {
        printf("%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        fclose(fp);
        printf("%s: out of memory\n", path);
        return -1;
    }
    f->path = xstrdup(path);
    f->text = xrealloc(NULL, cap);
    while ((n = fread(f->text + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            f->text = xrealloc(f->text, cap);
        }
    }
    if (ferror(fp)) {
        printf("%s: read error\n", path);
        fclose(fp);
        vw_vec_file_free(f);
        return -1;
    }
    fclose(fp);
    f->text[len] = '\0';
    if (memchr(f->text, '\0', len) != NULL) {
        printf("%s: NUL byte in a text file\n", path);
        vw_vec_file_free(f);
        return -1;
    }
    /* cut into lines, dropping "\n" and a "\r" before it */
    for (char *p = f->text; p < f->text + len;) {
        char *eol = strchr(p, '\n');
        f->lines = xrealloc(f->lines, (f->num_lines + 1) * sizeof(*f->lines));
        f->lines[f->num_lines++] = p;
        if (eol == NULL) {
            break;
        }
        *eol = '\0';
        if (eol > p && eol[-1] == '\r') {
            eol[-1] = '\0';
        }
        p = eol + 1;
    }
    *out = f;
    return 0;
}

static bool is_blank(const char *s) {
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return *s == '\0';
}

static bool is_comment(const char *s) {
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return *s == '#';
}

static bool key_char(char ch) {
    return isalnum((unsigned char)ch) || ch == '_' || ch == '.' || ch == '-';
}

/* strip_value drops an inline comment (" #" outside quotes) and blanks at both ends, in place. */
static char *strip_value(char *s) {
    bool quoted = false;
    char *end;

    for (char *p = s; *p != '\0'; p++) {
        if (quoted && *p == '\\' && p[1] != '\0') {
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (!quoted && *p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) {
        *--end = '\0';
    }
    return s;
}

static int syntax(struct vw_vec_file *f, size_t line_idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int syntax(struct vw_vec_file *f, size_t line_idx, const char *fmt, ...) {
    va_list ap;

    printf("%s:%zu: syntax error: ", f->path, line_idx + 1);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    f->failed = true;
    return -1;
}

static struct vw_vec_kv *kv_find(struct vw_vec_kv *kv, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].key, key) == 0) {
            return &kv[i];
        }
    }
    return NULL;
}

static void kv_add(struct vw_vec_kv **kv, size_t *n, const char *key, const char *value,
                   unsigned line) {
    *kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
    (*kv)[*n] = (struct vw_vec_kv){
        .key = xstrdup(key), .value = xstrdup(value), .line = line, .used = false
    };
    (*n)++;
}

/* parse_section reads "[key = value, ...]" at line |idx|. */
static int parse_section(struct vw_vec_file *f, size_t idx) {
    char *s = xstrdup(f->lines[idx]);
    char *p = s, *close, *item, *save = NULL;
    int r = 0;

    kv_free(f->sect, f->num_sect);
    f->sect = NULL;
    f->num_sect = 0;
    free(f->func);
    f->func = NULL;
    f->section_line = (unsigned)idx + 1;

    while (*p == ' ' || *p == '\t') {
        p++;
    }
    p++; /* '[' */
    close = strrchr(p, ']');
    if (close == NULL || !is_blank(strip_value(close + 1))) {
        r = syntax(f, idx, "section header must be \"[key = value, ...]\"");
        goto cleanup;
    }
    *close = '\0';
    for (item = strtok_r(p, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        char *key, *value;
        if (eq == NULL) {
            r = syntax(f, idx, "section item \"%s\" has no '='", strip_value(item));
            goto cleanup;
        }
        *eq = '\0';
        key = strip_value(item);
        value = strip_value(eq + 1);
        if (*key == '\0' || *value == '\0') {
            r = syntax(f, idx, "empty key or value in section header");
            goto cleanup;
        }
        for (const char *k = key; *k != '\0'; k++) {
            if (!key_char(*k)) {
                r = syntax(f, idx, "bad character '%c' in section key \"%s\"", *k, key);
                goto cleanup;
            }
        }
        if (strcmp(key, "func") == 0) {
            if (f->func != NULL) {
                r = syntax(f, idx, "func given twice");
                goto cleanup;
            }
            f->func = xstrdup(value);
            continue;
        }
        if (kv_find(f->sect, f->num_sect, key) != NULL) {
            r = syntax(f, idx, "section key \"%s\" given twice", key);
            goto cleanup;
        }
        kv_add(&f->sect, &f->num_sect, key, value, (unsigned)idx + 1);
    }
    if (f->func == NULL) {
        r = syntax(f, idx, "section header without \"func = ...\"");
    }
cleanup:
    free(s);
    return r;
}

int vw_vec_next(struct vw_vec_file *f, struct vw_vec_case **out) {
    struct vw_vec_kv *last = NULL;
    size_t start;

    *out = NULL;
    case_clear(f);
    if (f->failed) {
        return -1;
    }
    /* skip to the first line of a case, reading section headers on the way */
    for (;;) {
        const char *l;
        if (f->next >= f->num_lines) {
            return 0;
        }
        l = f->lines[f->next];
        if (is_blank(l) || is_comment(l)) {
            f->next++;
            continue;
        }
        if (l[strspn(l, " \t")] == '[') {
            if (parse_section(f, f->next) < 0) {
                return -1;
            }
            f->next++;
            continue;
        }
        if (l[0] == ' ' || l[0] == '\t') {
            return syntax(f, f->next, "continuation line outside a case");
        }
        break;
    }
    start = f->next;
    if (f->func == NULL) {
        return syntax(f, start, "case before any \"[func = ...]\" section");
    }
    f->cur.path = f->path;
    f->cur.line = (unsigned)start + 1;
    f->cur.func = f->func;
    f->cur.section_line = f->section_line;
    for (; f->next < f->num_lines; f->next++) {
        char *l = f->lines[f->next];
        char *colon, *value;
        size_t klen;
        char key[VEC_KEY_MAX + 1];

        if (is_blank(l)) {
            break;
        }
        if (is_comment(l)) {
            continue;
        }
        if (l[0] == ' ' || l[0] == '\t') {
            char *more = strip_value(l);
            size_t old;
            if (last == NULL) {
                return syntax(f, f->next, "continuation line outside a case");
            }
            if (*more == '\0') {
                continue;
            }
            old = strlen(last->value);
            last->value = xrealloc(last->value, old + 1 + strlen(more) + 1);
            if (old > 0) {
                last->value[old++] = ' ';
            }
            strcpy(last->value + old, more);
            continue;
        }
        if (l[0] == '[') {
            return syntax(f, f->next, "section header inside a case (a blank line must end it)");
        }
        klen = 0;
        while (key_char(l[klen])) {
            klen++;
        }
        colon = l + klen;
        while (*colon == ' ' || *colon == '\t') {
            colon++;
        }
        if (klen == 0 || *colon != ':') {
            return syntax(f, f->next, "expected \"key: value\"");
        }
        if (klen > VEC_KEY_MAX) {
            return syntax(f, f->next, "key longer than %d characters", VEC_KEY_MAX);
        }
        memcpy(key, l, klen);
        key[klen] = '\0';
        if (kv_find(f->cur.keys, f->cur.num_keys, key) != NULL) {
            return syntax(f, f->next, "key \"%s\" given twice in one case", key);
        }
        value = strip_value(colon + 1);
        kv_add(&f->cur.keys, &f->cur.num_keys, key, value, (unsigned)f->next + 1);
        last = &f->cur.keys[f->cur.num_keys - 1];
    }
    {
        struct vw_vec_kv *name = kv_find(f->cur.keys, f->cur.num_keys, "name");
        if (name == NULL || name->value[0] == '\0') {
            return syntax(f, start, "case without a \"name:\"");
        }
        name->used = true;
        f->cur.name = name->value;
    }
    for (size_t i = 0; i < f->num_sect; i++) {
        kv_add(&f->cur.params, &f->cur.num_params, f->sect[i].key, f->sect[i].value,
               f->sect[i].line);
    }
    *out = &f->cur;
    return 1;
}

const struct vw_vec_kv *vw_vec_get(struct vw_vec_case *c, const char *key) {
    struct vw_vec_kv *kv = kv_find(c->keys, c->num_keys, key);
    if (kv != NULL) {
        kv->used = true;
    }
    return kv;
}

const struct vw_vec_kv *vw_vec_param(struct vw_vec_case *c, const char *key) {
    struct vw_vec_kv *kv = kv_find(c->params, c->num_params, key);
    if (kv != NULL) {
        kv->used = true;
    }
    return kv;
}

bool vw_vec_has(const struct vw_vec_case *c, const char *key) {
    return kv_find(c->keys, c->num_keys, key) != NULL;
}

size_t vw_vec_report_unused(struct vw_vec_case *c) {
    size_t n = 0;

    for (size_t i = 0; i < c->num_keys; i++) {
        if (!c->keys[i].used) {
            vw_vec_fail(c, c->keys[i].line, "key \"%s\" was not used by %s", c->keys[i].key,
                        c->func);
            n++;
        }
    }
    for (size_t i = 0; i < c->num_params; i++) {
        if (!c->params[i].used) {
            vw_vec_fail(c, c->params[i].line, "section parameter \"%s\" was not used by %s",
                        c->params[i].key, c->func);
            n++;
        }
    }
    return n;
}

void vw_vec_fail(struct vw_vec_case *c, unsigned line, const char *fmt, ...) {
    va_list ap;

    c->failed = true;
    printf("%s:%u: [%s] ", c->path, line != 0 ? line : c->line, c->name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* VEC_GET reads the case key |key| with the parser |parse| (one of the vw_vec_parse_* below);
 * see vw_vec_get_i64 in vec.h. */
#define VEC_GET(c, key, parse, ...)                                     \
    do {                                                                \
        const struct vw_vec_kv *kv_ = vw_vec_get((c), (key));           \
        char err_[VW_VEC_ERR_LEN];                                      \
        if (kv_ == NULL) {                                              \
            return 0;                                                   \
        }                                                               \
        if (parse(kv_->value, __VA_ARGS__, err_, sizeof(err_)) < 0) {  \
            vw_vec_fail((c), kv_->line, "%s: %s", (key), err_);         \
            return -1;                                                  \
        }                                                               \
        return 1;                                                       \
    } while (0)

int vw_vec_get_i64(struct vw_vec_case *c, const char *key, int64_t *out) {
    VEC_GET(c, key, vw_vec_parse_i64, out);
}

int vw_vec_get_u64(struct vw_vec_case *c, const char *key, uint64_t *out) {
    VEC_GET(c, key, vw_vec_parse_u64, out);
}

int vw_vec_get_bool(struct vw_vec_case *c, const char *key, bool *out) {
    VEC_GET(c, key, vw_vec_parse_bool, out);
}

int vw_vec_get_bytes(struct vw_vec_case *c, const char *key, uint8_t **out, size_t *out_len) {
    VEC_GET(c, key, vw_vec_parse_bytes, out, out_len);
}

int vw_vec_get_code(struct vw_vec_case *c, const char *key, const char *zero, int *out) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    int code;

    if (kv == NULL) {
        return 0;
    }
    if (zero != NULL && strcmp(kv->value, zero) == 0) {
        *out = 0;
        return 1;
    }
    code = vw_err_from_name(kv->value);
    if (code >= 0) {
        vw_vec_fail(c, kv->line, "%s: \"%s\" is not %s%san error code name (VW_E_...)", key,
                    kv->value, zero != NULL ? zero : "", zero != NULL ? " or " : "");
        return -1;
    }
    *out = code;
    return 1;
}

static void set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static int hexval(char ch) {
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* bytes_put appends |n| bytes to the growing buffer, failing past VW_VEC_BYTES_MAX. */
static int bytes_put(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n) {
    if (n > VW_VEC_BYTES_MAX - *len) {
        return -1;
    }
    if (*len + n > *cap) {
        size_t c = *cap * 2 > *len + n ? *cap * 2 : *len + n;
        *buf = xrealloc(*buf, c);
        *cap = c;
    }
    if (n > 0) {
        memcpy(*buf + *len, p, n);
    }
    *len += n;
    return 0;
}

int vw_vec_parse_bytes(const char *s, uint8_t **out, size_t *out_len, char *err,
                       size_t err_len) {
    size_t cap = 64, len = 0;
    uint8_t *buf = xrealloc(NULL, cap);
    uint8_t *tok = xrealloc(NULL, 64);
    size_t tok_cap = 64;
    const char *p = s;
    bool any = false;

    *out = NULL;
    *out_len = 0;
    for (;;) {
        size_t tok_len = 0;
        unsigned long rep = 1;

        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        any = true;
        if (*p == '"') {
            p++;
            while (*p != '"') {
                int ch;
                if (*p == '\0') {
                    set_err(err, err_len, "unterminated string");
                    goto fail;
                }
                if (*p == '\\') {
                    static const char from[] = "\\\"nrt0", to[] = "\\\"\n\r\t";
                    const char *e = *++p != '\0' ? strchr(from, *p) : NULL;
                    if (e != NULL) {
                        ch = to[e - from];  /* "0" maps to the terminating NUL of |to| */
                        p++;
                    } else if (*p == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
                        ch = hexval(p[1]) * 16 + hexval(p[2]);
                        p += 3;
                    } else {
                        set_err(err, err_len,
                                "bad escape \\%c (use \\\\ \\\" \\n \\r \\t \\0 \\xHH)",
                                *p != '\0' ? *p : '?');
                        goto fail;
                    }
                } else {
                    ch = (unsigned char)*p++;
                }
                if (tok_len == tok_cap) {
                    tok_cap *= 2;
                    tok = xrealloc(tok, tok_cap);
                }
                tok[tok_len++] = (uint8_t)ch;
            }
            p++;
        } else if (hexval(*p) >= 0) {
            while (hexval(*p) >= 0) {
                if (hexval(p[1]) < 0) {
                    set_err(err, err_len, "odd number of hex digits near \"%.12s\"", p);
                    goto fail;
                }
                if (tok_len == tok_cap) {
                    tok_cap *= 2;
                    tok = xrealloc(tok, tok_cap);
                }
                tok[tok_len++] = (uint8_t)(hexval(p[0]) * 16 + hexval(p[1]));
                p += 2;
            }
        } else {
            set_err(err, err_len, "expected hex digits or a \"string\" near \"%.12s\"", p);
            goto fail;
        }
        if (*p == '*') {
            char *end;
            p++;
            if (!isdigit((unsigned char)*p)) {
                set_err(err, err_len, "'*' needs a decimal count");
                goto fail;
            }
            errno = 0;
            rep = strtoul(p, &end, 10);
            if (errno != 0 || rep > VW_VEC_BYTES_MAX) {
                set_err(err, err_len, "repeat count too large");
                goto fail;
            }
            p = end;
        }
        if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '"' && hexval(*p) < 0) {
            set_err(err, err_len, "unexpected '%c'", *p);
            goto fail;
        }
        for (unsigned long i = 0; i < rep; i++) {
            if (bytes_put(&buf, &len, &cap, tok, tok_len) < 0) {
                set_err(err, err_len, "more than %u bytes", VW_VEC_BYTES_MAX);
                goto fail;
            }
        }
    }
    if (!any) {
        set_err(err, err_len, "empty value (write \"\" for no bytes)");
        goto fail;
    }
    free(tok);
    *out = buf;
    *out_len = len;
    return 0;
fail:
    free(tok);
    free(buf);
    return -1;
}

static int parse_number(const char *s, bool allow_neg, bool *neg, uint64_t *mag, char *err,
                        size_t err_len) {
    const char *p = s;
    char *end;

    *neg = false;
    if (*p == '-') {
        if (!allow_neg) {
            set_err(err, err_len, "\"%s\": negative value for an unsigned field", s);
            return -1;
        }
        *neg = true;
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        set_err(err, err_len, "\"%s\" is not a number", s);
        return -1;
    }
    errno = 0;
    *mag = strtoull(p, &end, 0);
    if (errno != 0 || *end != '\0') {
        set_err(err, err_len, "\"%s\" is not a number (or is out of range)", s);
        return -1;
    }
    return 0;
}

int vw_vec_parse_u64(const char *s, uint64_t *out, char *err, size_t err_len) {
    bool neg;
    return parse_number(s, false, &neg, out, err, err_len);
}

int vw_vec_parse_i64(const char *s, int64_t *out, char *err, size_t err_len) {
    uint64_t mag;
    bool neg;

    if (parse_number(s, true, &neg, &mag, err, err_len) < 0) {
        return -1;
    }
    if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX) {
        set_err(err, err_len, "\"%s\" is out of the int64 range", s);
        return -1;
    }
    if (neg) {
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        *out = (int64_t)mag;
    }
    return 0;
}

int vw_vec_parse_bool(const char *s, bool *out, char *err, size_t err_len) {
    if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0) {
        *out = false;
        return 0;
    }
    set_err(err, err_len, "\"%s\" is not yes/no or true/false", s);
    return -1;
}

int vw_vec_parse_list(const char *s, uint64_t *out, size_t max, size_t *out_num, char *err,
                      size_t err_len) {
    const char *p = s;
    size_t n = 0;

    *out_num = 0;
    if (*p != '[') {
        set_err(err, err_len, "\"%s\": a list is written [n, n, ...]", s);
        return -1;
    }
    p++;
    while (*p == ' ') {
        p++;
    }
    if (*p == ']' && p[1] == '\0') {
        return 0;
    }
    for (;;) {
        char num[32];
        size_t k = 0;
        while (*p == ' ') {
            p++;
        }
        while (*p != ',' && *p != ']' && *p != ' ' && *p != '\0') {
            if (k + 1 >= sizeof(num)) {
                set_err(err, err_len, "list item too long");
                return -1;
            }
            num[k++] = *p++;
        }
        num[k] = '\0';
        while (*p == ' ') {
            p++;
        }
        if (n == max) {
            set_err(err, err_len, "list longer than %zu items", max);
            return -1;
        }
        if (vw_vec_parse_u64(num, &out[n], err, err_len) < 0) {
            return -1;
        }
        n++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == ']' && p[1] == '\0') {
            break;
        }
        set_err(err, err_len, "\"%s\": a list is written [n, n, ...]", s);
        return -1;
    }
    *out_num = n;
    return 0;
}
