/* adapter_qga.c -- the conformance adapter for qemu-ga 7.2 (historic-qemud-openhook-qga.md
 * §3.3, §3.4; real-servers.md §2), protocol name "qga", over reference/qga.h.
 *
 * Encode (a structured `send`): the assignments build one JSON object, serialized compactly
 * in assignment order with no trailing newline (the agent needs none, real-servers.md §2
 * "Exact bytes"):
 *     execute = guest-sync          a bare identifier is a JSON string
 *     arguments.id = 5              decimal, 0x or negative integers; 1.5 is a JSON real
 *     id = "abc"                    "C-escaped" strings (as match.h vw_cf_unescape; UTF-8)
 *     arguments.paths[0] = "/"      "[i]" appends element i (indices from 0, no gaps)
 * plus true, false, null, {} and [].  Opaque x"..", `*` and `absent` have no JSON form.
 * Most qga transcripts send `send json` text instead (raw, verbatim).
 *
 * Receive: vw_qga_feed frames the server's bytes.  A 0xFF at a message boundary is
 * VW_CF_SYNC; a framing error is VW_CF_FRAMING_ERROR with the error code and its stream
 * offset, and framing goes on (the agent answers garbage with error replies and recovers,
 * real-servers.md §2 "Resync, errors and limits"), so this adapter never ends the stream.
 * A framed message is checked strictly as a reply (vw_qga_msg_decode, §3.3 "Output": return
 * xor error, error exactly {class, desc} with a QapiErrorClass, optional id).  A message
 * rejected only for single-quoted strings (a QEMU lexer extension) is VW_CF_LENIENT.
 *
 * Schema checks of returns.  A reply does not name its command and the runner does not tell
 * the adapter what it sent, so the return value is checked against the qemu-ga 7.2 schema
 * (§3.4, reference/qga_schema.h) only when the reply's id names the command: a JSON string
 * whose text up to the first '#' is a qemu-ga 7.2 command ("guest-info", "guest-info#2").
 * Transcripts that want the schema check send that id ({"execute":"guest-info",
 * "id":"guest-info"}; the agent copies the id into the reply, qapi/qmp-dispatch.c); a return
 * that does not fit is VW_CF_INVALID with the schema error.  Other replies are checked by
 * their envelope and by the transcript's constraints.
 *
 * Fields (adapter.h), in JSON order: "return", "error", "error.class", "error.desc", "id";
 * members as "return.host-name", elements as "return.supported_commands[3].name".  Values:
 * strings double-quoted with C escapes of their UTF-8 bytes (\" \\, printable ASCII as is,
 * every other byte \xhh, as vw_dump_string); integers in decimal; reals as jansson prints
 * them; true, false, null; an empty object {} and an empty array []; a non-empty array its
 * element count; a non-empty object {...} (so `return = *` holds for any return).  The
 * top-level object has no field of its own.  An invalid message is flattened too when it is
 * a JSON object, for the diff.  Limits, so a hostile server cannot make the runner allocate
 * without bound: VW_CF_QGA_FIELDS_MAX fields, paths up to VW_CF_QGA_PATH_MAX bytes and
 * values up to VW_CF_QGA_VALUE_MAX bytes; what is beyond is left out (a longer value is cut
 * and ends in ...) and |detail| says so. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapter.h"
#include "adapters.h"
#include "qga.h"
#include "qga_schema.h"
#include "xdr.h"    /* VW_DEC_LENIENT */

#define VW_CF_QGA_FIELDS_MAX 16384u       /* guest-info has 171 fields */
#define VW_CF_QGA_PATH_MAX 4096u          /* 1024 nested arrays (VW_QGA_NESTING_MAX) fit */
#define VW_CF_QGA_VALUE_MAX (1u << 20)    /* one value's text; a guest-file-read is smaller */
#define VW_CF_QGA_FIELD_BYTES_MAX (64u << 20) /* all fields of one message together */
#define VW_CF_QGA_LINE_JSON 160           /* bytes of JSON on a summary line */

struct vw_cf_framer {
    struct vw_qga_framer qga;
    size_t num_msgs;
};

/* ---- encode ---- */

static int enc_fail(char *err, size_t err_len, const struct vw_txn_assign *a, const char *what) {
    snprintf(err, err_len, "line %u: %s = %s: %s", a->line, a->path, a->value, what);
    return VW_E_SYNTAX;
}

static int hexval(int c) {
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

/* unescape decodes the C-escaped string literal |s| (with its quotes) into |*out| (malloc'd,
 * NUL-terminated, |*out_len| bytes).  Returns 0, VW_E_SYNTAX or VW_E_NOMEM. */
static int unescape(const char *s, char **out, size_t *out_len) {
    size_t n = strlen(s), k = 0;
    char *buf;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
        return VW_E_SYNTAX;
    }
    if ((buf = malloc(n)) == NULL) {
        return VW_E_NOMEM;
    }
    for (size_t i = 1; i < n - 1; i++) {
        char c = s[i];
        if (c == '"') {
            free(buf);
            return VW_E_SYNTAX;
        }
        if (c != '\\') {
            buf[k++] = c;
            continue;
        }
        if (++i >= n - 1) {
            free(buf);
            return VW_E_SYNTAX;
        }
        switch (s[i]) {
        case '\\': buf[k++] = '\\'; break;
        case '"': buf[k++] = '"'; break;
        case '\'': buf[k++] = '\''; break;
        case 'n': buf[k++] = '\n'; break;
        case 'r': buf[k++] = '\r'; break;
        case 't': buf[k++] = '\t'; break;
        case '0': buf[k++] = 0; break;
        case 'a': buf[k++] = '\a'; break;
        case 'b': buf[k++] = '\b'; break;
        case 'f': buf[k++] = '\f'; break;
        case 'v': buf[k++] = '\v'; break;
        case 'x':
            if (i + 2 > n - 2 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
                free(buf);
                return VW_E_SYNTAX;
            }
            buf[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
            break;
        default:
            free(buf);
            return VW_E_SYNTAX;
        }
    }
    buf[k] = 0;
    *out = buf;
    *out_len = k;
    return 0;
}

static bool is_ident(const char *s) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) {
        return false;
    }
    for (; *s != 0; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.')) {
            return false;
        }
    }
    return true;
}

/* parse_number reads a decimal or 0x integer (optional '-') into an int64 JSON integer, or a
 * decimal real.  Returns the new value, or NULL with |*why| set. */
static json_t *parse_number(const char *s, const char **why) {
    const char *d = s[0] == '-' ? s + 1 : s;
    char *end;

    if (!(*d >= '0' && *d <= '9')) {
        *why = "not a value (string, number, true, false, null, {}, [] or an identifier)";
        return NULL;
    }
    errno = 0;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
        unsigned long long u = strtoull(d + 2, &end, 16);
        unsigned long long lim = s == d ? (unsigned long long)INT64_MAX
                                        : (unsigned long long)INT64_MAX + 1;
        if (d[2] == 0 || *end != 0 || errno != 0 || u > lim) {
            *why = "not an integer in int64 (jansson's range)";
            return NULL;
        }
        if (s == d) {
            return json_integer((json_int_t)u);
        }
        return json_integer(u == lim ? INT64_MIN : -(json_int_t)u);
    }
    long long v = strtoll(s, &end, 10);
    if (*end == 0 && errno == 0) {
        return json_integer(v);
    }
    if (*end == 0) {
        *why = "not an integer in int64 (jansson's range)";
        return NULL;
    }
    errno = 0;
    double r = strtod(s, &end);
    if (*end != 0 || errno != 0) {
        *why = "not a number";
        return NULL;
    }
    return json_real(r);
}

/* parse_value turns one assigned value into a new JSON value, or NULL with |*why| set. */
static json_t *parse_value(const char *s, const char **why) {
    if (s[0] == '"') {
        char *bytes;
        size_t len;
        json_t *v;
        int r = unescape(s, &bytes, &len);
        if (r < 0) {
            *why = r == VW_E_NOMEM ? "out of memory" : "bad C-escaped string";
            return NULL;
        }
        if ((v = json_stringn(bytes, len)) == NULL) {
            *why = "a JSON string must be UTF-8";
        }
        free(bytes);
        return v;
    }
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        return json_boolean(s[0] == 't');
    }
    if (strcmp(s, "null") == 0) {
        return json_null();
    }
    if (strcmp(s, "{}") == 0) {
        return json_object();
    }
    if (strcmp(s, "[]") == 0) {
        return json_array();
    }
    if (strcmp(s, "absent") == 0 || strcmp(s, "*") == 0 || s[0] == '$') {
        *why = "a constraint, not a value to send";
        return NULL;
    }
    if (s[0] == 'x' && s[1] == '"') {
        *why = "opaque bytes have no JSON form";
        return NULL;
    }
    if (is_ident(s)) {
        return json_string(s);   /* an enum name or a command: a JSON string */
    }
    return parse_number(s, why);
}

/* struct seg: one step of an assigned path, a member key or an element index. */
struct seg {
    const char *key;     /* NULL for an index */
    size_t key_len;
    size_t index;
};

/* next_seg reads the path segment at |*p|; returns 1 (|*sg| set), 0 at the end, -1 bad. */
static int next_seg(const char **p, bool first, struct seg *sg) {
    const char *s = *p;

    if (*s == 0) {
        return first ? -1 : 0;
    }
    if (*s == '[') {
        char *end;
        if (first || !(s[1] >= '0' && s[1] <= '9')) {
            return -1;
        }
        errno = 0;
        unsigned long long i = strtoull(s + 1, &end, 10);
        if (*end != ']' || errno != 0 || i >= VW_CF_QGA_FIELDS_MAX) {
            return -1;
        }
        *sg = (struct seg){ .key = NULL, .index = (size_t)i };
        *p = end + 1;
        return 1;
    }
    if (!first) {
        if (*s != '.') {
            return -1;
        }
        s++;
    }
    size_t n = strcspn(s, ".[");
    if (n == 0) {
        return -1;
    }
    *sg = (struct seg){ .key = s, .key_len = n };
    *p = s + n;
    return 1;
}

/* child returns the existing container or value at |sg| in |parent|, or NULL. */
static json_t *child(json_t *parent, const struct seg *sg) {
    if (sg->key != NULL) {
        char key[VW_CF_QGA_PATH_MAX];
        if (!json_is_object(parent) || sg->key_len >= sizeof(key)) {
            return NULL;
        }
        memcpy(key, sg->key, sg->key_len);
        key[sg->key_len] = 0;
        return json_object_get(parent, key);
    }
    return json_is_array(parent) ? json_array_get(parent, sg->index) : NULL;
}

/* put stores |v| (a new reference, always consumed) at |sg| in |parent|. */
static int put(json_t *parent, const struct seg *sg, json_t *v, const char **why) {
    if (sg->key != NULL) {
        char key[VW_CF_QGA_PATH_MAX];
        if (!json_is_object(parent)) {
            json_decref(v);
            *why = "a member below a value that is not an object";
            return VW_E_SYNTAX;
        }
        if (sg->key_len >= sizeof(key)) {
            json_decref(v);
            *why = "path too long";
            return VW_E_TOO_LONG;
        }
        memcpy(key, sg->key, sg->key_len);
        key[sg->key_len] = 0;
        return json_object_set_new(parent, key, v) == 0 ? 0 : VW_E_NOMEM;
    }
    if (!json_is_array(parent)) {
        json_decref(v);
        *why = "an element below a value that is not an array";
        return VW_E_SYNTAX;
    }
    if (sg->index != json_array_size(parent)) {
        json_decref(v);
        *why = "array elements are assigned in order from [0], without gaps";
        return VW_E_SYNTAX;
    }
    return json_array_append_new(parent, v) == 0 ? 0 : VW_E_NOMEM;
}

/* assign places one `path = value` into |root|. */
static int assign(json_t *root, const struct vw_txn_assign *a, char *err, size_t err_len) {
    const char *p = a->path, *why = "bad path (key, .key, [index])";
    struct seg sg, next;
    json_t *node = root, *v;
    int r = next_seg(&p, true, &sg);

    if (r < 0) {
        return enc_fail(err, err_len, a, why);
    }
    while ((r = next_seg(&p, false, &next)) == 1) {
        json_t *c = child(node, &sg);
        if (c == NULL) {
            c = next.key != NULL ? json_object() : json_array();
            if (c == NULL) {
                return VW_E_NOMEM;
            }
            if ((r = put(node, &sg, json_incref(c), &why)) < 0) {
                json_decref(c);
                return r == VW_E_NOMEM ? r : enc_fail(err, err_len, a, why);
            }
            json_decref(c);     /* |node| holds it */
        }
        node = c;
        sg = next;
    }
    if (r < 0) {
        return enc_fail(err, err_len, a, why);
    }
    if (child(node, &sg) != NULL) {
        return enc_fail(err, err_len, a, "assigned twice (or below a value assigned before)");
    }
    if ((v = parse_value(a->value, &why)) == NULL) {
        return enc_fail(err, err_len, a, why);
    }
    if ((r = put(node, &sg, v, &why)) < 0) {
        return r == VW_E_NOMEM ? r : enc_fail(err, err_len, a, why);
    }
    return 0;
}

static int qga_encode(const struct vw_txn_assign *assigns, size_t num_assigns,
                      struct vw_cf_buf *out, char *err, size_t err_len) {
    json_t *root = json_object();
    char *text = NULL;
    int r = 0;

    if (root == NULL) {
        return VW_E_NOMEM;
    }
    for (size_t i = 0; i < num_assigns && r == 0; i++) {
        r = assign(root, &assigns[i], err, err_len);
    }
    if (r == 0) {
        /* compact, members in assignment order (jansson keeps insertion order) */
        text = json_dumps(root, JSON_COMPACT);
        r = text == NULL ? VW_E_NOMEM : vw_cf_buf_append(out, text, strlen(text));
    }
    if (r == VW_E_NOMEM) {
        snprintf(err, err_len, "out of memory");
    }
    free(text);
    json_decref(root);
    return r;
}

/* ---- receive: flatten ---- */

struct flat {
    struct vw_cf_msg *m;
    char path[VW_CF_QGA_PATH_MAX];
    size_t bytes;           /* path and value bytes added so far */
    bool cut;               /* a limit left fields out or cut a value */
};

/* escape_string writes |s| (|n| bytes) as a double-quoted C-escaped value into a new string,
 * at most VW_CF_QGA_VALUE_MAX bytes (then cut with ..."). */
static char *escape_string(struct flat *fl, const char *s, size_t n) {
    size_t cap = n > VW_CF_QGA_VALUE_MAX / 4 ? VW_CF_QGA_VALUE_MAX : 4 * n + 3;
    char *out = malloc(cap + 8), *o = out;

    if (out == NULL) {
        return NULL;
    }
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((size_t)(o - out) + 4 > cap) {
            memcpy(o, "...", 3);
            o += 3;
            fl->cut = true;
            break;
        }
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            *o++ = (char)c;
        } else {
            o += sprintf(o, "\\x%02x", c);
        }
    }
    *o++ = '"';
    *o = 0;
    return out;
}

/* add adds the field at |fl->path| unless a limit says no; 0 or VW_E_NOMEM. */
static int add(struct flat *fl, const char *value) {
    size_t n = strlen(fl->path) + strlen(value);

    if (fl->m->num_fields >= VW_CF_QGA_FIELDS_MAX || n > VW_CF_QGA_FIELD_BYTES_MAX - fl->bytes) {
        fl->cut = true;
        return 0;
    }
    fl->bytes += n;
    return vw_cf_msg_add_field(fl->m, fl->path, value);
}

static int flatten(struct flat *fl, const json_t *v);

/* descend appends |fmt|'s segment to the path, flattens |v| there and restores the path. */
static int descend(struct flat *fl, const json_t *v, const char *key, size_t index) {
    size_t len = strlen(fl->path), n;
    char num[VW_CF_FMT_MAX];
    int r;

    /* ".key" ("key" at the top) or "[index]", without printf: one per field */
    if (key != NULL) {
        size_t kn = strlen(key), dot = len != 0;
        n = kn + dot;
        if (n < sizeof(fl->path) - len) {
            fl->path[len] = '.';
            memcpy(fl->path + len + dot, key, kn + 1);
        }
    } else {
        size_t dn = vw_cf_fmt_u64(num, index);
        n = dn + 2;
        if (n < sizeof(fl->path) - len) {
            fl->path[len] = '[';
            memcpy(fl->path + len + 1, num, dn);
            memcpy(fl->path + len + 1 + dn, "]", 2);
        }
    }
    if (n >= sizeof(fl->path) - len) {
        fl->path[len] = 0;
        fl->cut = true;      /* a path over VW_CF_QGA_PATH_MAX: left out */
        return 0;
    }
    r = flatten(fl, v);
    fl->path[len] = 0;
    return r;
}

static int flatten(struct flat *fl, const json_t *v) {
    char num[64];
    const char *key;
    json_t *m;
    size_t i;
    int r = 0;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (fl->path[0] != 0 && (r = add(fl, json_object_size(v) == 0 ? "{}" : "{...}")) < 0) {
            return r;
        }
        json_object_foreach((json_t *)v, key, m) {
            if ((r = descend(fl, m, key, 0)) < 0) {
                return r;
            }
        }
        return 0;
    case JSON_ARRAY:
        vw_cf_fmt_u64(num, json_array_size(v));
        if ((r = add(fl, json_array_size(v) == 0 ? "[]" : num)) < 0) {
            return r;
        }
        json_array_foreach(v, i, m) {
            if ((r = descend(fl, m, NULL, i)) < 0) {
                return r;
            }
        }
        return 0;
    case JSON_STRING: {
        char *s = escape_string(fl, json_string_value(v), json_string_length(v));
        if (s == NULL) {
            return VW_E_NOMEM;
        }
        r = add(fl, s);
        free(s);
        return r;
    }
    case JSON_INTEGER:
        vw_cf_fmt_i64(num, (int64_t)json_integer_value(v));   /* json_int_t: long long */
        return add(fl, num);
    case JSON_REAL: {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (s == NULL) {
            return VW_E_NOMEM;
        }
        r = add(fl, s);
        free(s);
        return r;
    }
    case JSON_TRUE:
        return add(fl, "true");
    case JSON_FALSE:
        return add(fl, "false");
    default:
        return add(fl, "null");
    }
}

/* ---- receive: framer ---- */

static struct vw_cf_framer *qga_framer_new(void) {
    struct vw_cf_framer *f = calloc(1, sizeof(*f));

    if (f != NULL) {
        vw_qga_framer_init(&f->qga);
    }
    return f;
}

static void qga_framer_free(struct vw_cf_framer *f) {
    if (f != NULL) {
        vw_qga_framer_cleanup(&f->qga);
        free(f);
    }
}

/* id_command returns the command a reply's id names ("guest-info", "guest-info#2"), or NULL. */
static const struct vw_qga_command *id_command(const json_t *id) {
    char name[64];
    const char *s;
    size_t n;

    if (id == NULL || !json_is_string(id)) {
        return NULL;
    }
    s = json_string_value(id);
    n = strcspn(s, "#");
    if (n >= sizeof(name)) {
        return NULL;
    }
    memcpy(name, s, n);
    name[n] = 0;
    return vw_qga_command_find(name);
}

/* cut copies |src| into |dst| (|n| bytes), cut short when it does not fit. */
static void cut(char *dst, size_t n, const char *src) {
    size_t len = strlen(src);

    if (len >= n) {
        len = n - 1;
    }
    memcpy(dst, src, len);
    dst[len] = 0;
}

/* json_short is vw_qga_json_short (compact JSON, cut with "...") with the values whose text
 * is known written directly: {} [] true false null and integers (what json_dumps prints for
 * them), so the usual short reply needs no json_dumps for its summary line. */
static void json_short(const json_t *v, char *buf, size_t len) {
    const char *lit = NULL;
    char num[VW_CF_FMT_MAX];

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        lit = json_object_size(v) == 0 ? "{}" : NULL;
        break;
    case JSON_ARRAY:
        lit = json_array_size(v) == 0 ? "[]" : NULL;
        break;
    case JSON_TRUE:
        lit = "true";
        break;
    case JSON_FALSE:
        lit = "false";
        break;
    case JSON_NULL:
        lit = "null";
        break;
    case JSON_INTEGER:
        vw_cf_fmt_i64(num, (int64_t)json_integer_value(v));
        lit = num;
        break;
    default:
        break;
    }
    if (lit == NULL || strlen(lit) >= len) {
        vw_qga_json_short(v, buf, len);
        return;
    }
    memcpy(buf, lit, strlen(lit) + 1);
}

static void summarize(struct vw_cf_msg *out, const struct vw_qga_frame *fr, size_t num,
                      const struct vw_qga_msg *m, const struct vw_qga_command *cmd) {
    char id[VW_CF_QGA_LINE_JSON] = "", body[VW_CF_QGA_LINE_JSON] = "";
    char *s = out->summary;
    size_t cap = sizeof(out->summary), len;

    /* "#%zu @%zu len=%zu: " without printf (a line for every message) */
    len = vw_cf_put(s, cap, 0, "#");
    len = vw_cf_put_u64(s, cap, len, num);
    len = vw_cf_put(s, cap, len, " @");
    len = vw_cf_put_u64(s, cap, len, fr->start);
    len = vw_cf_put(s, cap, len, " len=");
    len = vw_cf_put_u64(s, cap, len, fr->end - fr->start);
    len = vw_cf_put(s, cap, len, ": ");

    if (m == NULL) {
        snprintf(out->summary + len, sizeof(out->summary) - len, "invalid reply %s at byte %zu: %s",
                 vw_err_name(out->code), out->offset, out->detail);
        return;
    }
    if (m->id != NULL) {
        json_short(m->id, id, sizeof(id));
    }
    if (m->kind == VW_QGA_RETURN) {
        json_short(m->ret, body, sizeof(body));
    } else {
        json_t *d = json_string(m->err_desc);
        vw_qga_json_short(d, body, sizeof(body));
        json_decref(d);
    }
    /* "reply[ to CMD][ id=ID] return BODY" or "... error CLASS BODY"; a long line is cut */
    len = vw_cf_put(s, cap, len, "reply");
    if (cmd != NULL) {
        len = vw_cf_put(s, cap, len, " to ");
        len = vw_cf_put(s, cap, len, vw_qga_command_name(cmd));
    }
    if (m->id != NULL) {
        len = vw_cf_put(s, cap, len, " id=");
        len = vw_cf_put(s, cap, len, id);
    }
    if (m->kind == VW_QGA_RETURN) {
        len = vw_cf_put(s, cap, len, " return ");
    } else {
        len = vw_cf_put(s, cap, len, " error ");
        len = vw_cf_put(s, cap, len, m->err_class != NULL ? m->err_class : "(null)");
        len = vw_cf_put(s, cap, len, " ");
    }
    vw_cf_put(s, cap, len, body);
}

/* on_message decodes the framed message into |out|: strict, then lenient; 0 or VW_E_NOMEM. */
static int on_message(struct vw_cf_framer *f, struct vw_cf_msg *out) {
    struct vw_diag diag = { 0 }, lax = { 0 };
    char path[VW_QGA_PATH_MAX] = "";
    const struct vw_qga_command *cmd = NULL;
    struct vw_qga_msg m = { 0 };
    struct vw_qga_frame fr;
    struct flat *fl;
    int r;

    vw_qga_frame(&f->qga, &fr);
    out->kind = VW_CF_MSG;
    r = vw_qga_msg_decode(&m, &diag, &lax, path, &fr, VW_QGA_FROM_SERVER, 0);
    if (r == VW_E_SYNTAX && fr.has_sq) {
        /* [QEMU extension] single-quoted strings: the agent's lexer takes them (§3.3) */
        char strict_path[VW_QGA_PATH_MAX];
        struct vw_diag strict = diag;
        memcpy(strict_path, path, sizeof(strict_path));
        if (vw_qga_msg_decode(&m, &diag, &lax, path, &fr, VW_QGA_FROM_SERVER,
                              VW_DEC_LENIENT) == 0) {
            out->strictness = VW_CF_LENIENT;
            r = 0;
        }
        diag = strict;
        memcpy(path, strict_path, sizeof(path));
    }
    if (r == 0 && (cmd = id_command(m.id)) != NULL && vw_qga_msg_check(&m, cmd, &diag, path) < 0) {
        /* the return value against the command the id names (§3.4) */
        out->strictness = VW_CF_INVALID;
    }
    if (r == VW_E_NOMEM) {
        return r;
    }
    if (r < 0) {
        out->strictness = VW_CF_INVALID;
    }
    if (out->strictness != VW_CF_STRICT) {
        out->code = diag.code;
        out->offset = diag.offset;
        cut(out->detail, sizeof(out->detail), path);
    }
    if ((fl = malloc(sizeof(*fl))) == NULL) {
        vw_qga_msg_cleanup(&m);
        return VW_E_NOMEM;
    }
    /* not calloc: zeroing the 4 KiB path for every message cost more than the decode */
    fl->m = out;
    fl->path[0] = 0;
    fl->bytes = 0;
    fl->cut = false;
    if (m.root != NULL) {
        r = flatten(fl, m.root);
    } else {
        /* an invalid message: its fields still help the diff when it is a JSON object */
        json_t *root = json_loadb((const char *)fr.p, fr.len, JSON_DECODE_ANY, NULL);
        r = json_is_object(root) ? flatten(fl, root) : 0;
        json_decref(root);
    }
    if (fl->cut && out->strictness == VW_CF_STRICT) {
        snprintf(out->detail, sizeof(out->detail),
                 "fields left out or cut (limits: %u fields, paths %u bytes, values %u bytes)",
                 VW_CF_QGA_FIELDS_MAX, VW_CF_QGA_PATH_MAX, VW_CF_QGA_VALUE_MAX);
    }
    free(fl);
    summarize(out, &fr, f->num_msgs++, out->strictness == VW_CF_INVALID ? NULL : &m, cmd);
    vw_qga_msg_cleanup(&m);
    return r;
}

static int qga_feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                    struct vw_cf_msg *out) {
    const struct vw_qga_event *ev = &f->qga.event;
    int r = vw_qga_feed(&f->qga, in, len, used);

    memset(out, 0, sizeof(*out));
    out->num_fds = -1;
    if (r == VW_E_AGAIN) {
        return 0;
    }
    if (r == VW_E_NOMEM) {
        /* the framer dropped the pending message and goes on: report it, keep framing */
        out->kind = VW_CF_FRAMING_ERROR;
        out->strictness = VW_CF_INVALID;
        out->code = VW_E_NOMEM;
        out->offset = f->qga.pos;
        snprintf(out->summary, sizeof(out->summary),
                 "stream offset %zu: VW_E_NOMEM: message dropped", f->qga.pos);
        return 1;
    }
    if (r == VW_QGA_EV_SYNC) {
        /* §3.2: 0xFF at a message boundary, the agent's prefix of a delimited reply */
        out->kind = VW_CF_SYNC;
        snprintf(out->summary, sizeof(out->summary), "sync marker @%zu", ev->offset);
        return 1;
    }
    if (r == VW_QGA_EV_ERROR) {
        out->kind = VW_CF_FRAMING_ERROR;
        out->strictness = VW_CF_INVALID;
        out->code = ev->code;
        out->offset = ev->offset;
        cut(out->detail, sizeof(out->detail), ev->what);
        snprintf(out->summary, sizeof(out->summary),
                 "framing error %s at stream offset %zu: %s; bytes %zu..%zu discarded",
                 vw_err_name(ev->code), ev->offset, ev->what, ev->start,
                 ev->code == VW_E_RESYNC ? ev->end : ev->offset);
        return 1;
    }
    if ((r = on_message(f, out)) < 0) {
        vw_cf_msg_cleanup(out);
        out->kind = VW_CF_FRAMING_ERROR;
        out->strictness = VW_CF_INVALID;
        out->code = r;
        out->num_fds = -1;
        snprintf(out->summary, sizeof(out->summary), "out of memory decoding a message");
        return r;
    }
    /* The agent ends every reply with "\n" (real-servers.md §2 "Exact bytes"): whitespace
     * right after a message, as far as it is in |in|, is taken with it, so a runner waiting
     * for silence after a reply does not see its newline as more data.  Whitespace never
     * makes an event, so the events do not change. */
    size_t ws = 0, ws_used = 0;
    while (*used + ws < len && (in[*used + ws] == ' ' || in[*used + ws] == '\t' ||
                                in[*used + ws] == '\r' || in[*used + ws] == '\n')) {
        ws++;
    }
    if (ws != 0 && vw_qga_feed(&f->qga, in + *used, ws, &ws_used) == VW_E_AGAIN) {
        *used += ws_used;
    }
    return 1;
}

const struct vw_cf_adapter vw_cf_adapter_qga = {
    .protocol = "qga",
    .encode = qga_encode,
    .framer_new = qga_framer_new,
    .framer_free = qga_framer_free,
    .feed = qga_feed,
};
