/* t_adapter_qga.c -- the conformance adapter for qemu-ga (conformance/adapter_qga.c).
 *
 * Usage: t_adapter_qga SESSION.s2c.bin SERVER.vec
 *
 *   - the real agent's replies (corpus/samples/qga/session.s2c.bin, real-servers.md §2) fed
 *     whole, byte by byte and in 7-byte chunks give the same events, and the fields the
 *     transcripts match (error.class, return.supported_commands[0].name, id, ...);
 *   - every case of corpus/vectors/qga/server.vec ([func = qga_stream, from = server]) gives
 *     the vector's events (sync, framing errors, valid, lenient and invalid messages), whole
 *     and chunked;
 *   - flattening rules of adapter.h (counts, {} and [], null, reals, escapes, JSON order), the
 *     lenient mode (single-quoted strings), the schema check of a return whose id names its
 *     command, and the limits on fields, paths and values;
 *   - encode from assignments gives the expected compact JSON, errors leave the output alone,
 *     and encoded replies fed back give the assigned fields.
 * The last line is "N checks, N failed"; the exit status is 1 if any failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "adapters.h"
#include "vec.h"

#define EVENTS_MAX 8192

static const struct vw_cf_adapter *ad = &vw_cf_adapter_qga;
static unsigned num_checks, num_failed;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
    va_list ap;

    num_checks++;
    if (ok) {
        return;
    }
    num_failed++;
    fputs("FAIL: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

/* struct evs: the messages and events of one feeding. */
struct evs {
    struct vw_cf_msg *m;
    size_t n;
    int rc;             /* last negative return of feed, 0 if none */
};

static void evs_free(struct evs *e) {
    for (size_t i = 0; i < e->n; i++) {
        vw_cf_msg_cleanup(&e->m[i]);
    }
    free(e->m);
    memset(e, 0, sizeof(*e));
}

/* feed_all feeds |p| in |chunk|-byte pieces (0: whole) through a fresh framer. */
static void feed_all(const uint8_t *p, size_t len, size_t chunk, struct evs *e) {
    struct vw_cf_framer *f = ad->framer_new();
    size_t off = 0;

    memset(e, 0, sizeof(*e));
    if (f == NULL) {
        e->rc = VW_E_NOMEM;
        return;
    }
    while (off < len) {
        size_t end = chunk == 0 || len - off < chunk ? len : off + chunk;
        while (off < end) {
            struct vw_cf_msg m;
            size_t used = 0;
            int r = ad->feed(f, p + off, end - off, &used, &m);
            off += used;
            if (r == 0) {
                vw_cf_msg_cleanup(&m);
                continue;
            }
            struct vw_cf_msg *grown = realloc(e->m, (e->n + 1) * sizeof(*grown));
            if (grown == NULL) {
                vw_cf_msg_cleanup(&m);
                e->rc = VW_E_NOMEM;
                goto done;
            }
            e->m = grown;
            e->m[e->n++] = m;
            if (r < 0) {
                e->rc = r;
                goto done;
            }
        }
    }
done:
    ad->framer_free(f);
}

/* render writes the events as text: kind, strictness, code, offset, fields. */
static void render(const struct evs *e, char *out, size_t cap) {
    size_t len = 0;

    out[0] = 0;
    for (size_t i = 0; i < e->n && len < cap; i++) {
        const struct vw_cf_msg *m = &e->m[i];
        len += (size_t)snprintf(out + len, cap - len, "[%d %d %d %zu %s|", m->kind, m->strictness,
                                m->code, m->offset, m->summary);
        for (size_t k = 0; k < m->num_fields && len < cap; k++) {
            len += (size_t)snprintf(out + len, cap - len, " %s=%s", m->fields[k].path,
                                    m->fields[k].value);
        }
        if (len < cap) {
            len += (size_t)snprintf(out + len, cap - len, "]");
        }
    }
}

/* field_is checks that message |m| has |path| = |want| (NULL: absent). */
static void field_is(const struct vw_cf_msg *m, const char *what, const char *path,
                     const char *want) {
    const char *got = vw_cf_msg_field(m, path);

    if (want == NULL) {
        check(got == NULL, "%s: %s: want absent, got %s", what, path, got);
        return;
    }
    check(got != NULL && strcmp(got, want) == 0, "%s: %s: want %s, got %s", what, path, want,
          got != NULL ? got : "(absent)");
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
        fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    } else {
        *len = (size_t)n;
    }
    if (f != NULL) {
        fclose(f);
    }
    return p;
}

/* chunking_same checks that 1- and 7-byte chunks give what the whole input gives. */
static void chunking_same(const char *what, const uint8_t *p, size_t len) {
    static char whole[1 << 16], other[1 << 16];
    static const size_t chunks[] = { 1, 2, 7 };
    struct evs e;

    feed_all(p, len, 0, &e);
    render(&e, whole, sizeof(whole));
    evs_free(&e);
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        feed_all(p, len, chunks[i], &e);
        render(&e, other, sizeof(other));
        evs_free(&e);
        check(strcmp(whole, other) == 0, "%s: %zu-byte chunks differ:\n  whole %s\n  chunk %s",
              what, chunks[i], whole, other);
    }
}

/* ---- the real agent's session (real-servers.md §2) ---- */

static void test_session(const char *path) {
    struct evs e;
    size_t len = 0;
    uint8_t *p = read_file(path, &len);

    check(p != NULL, "%s: cannot read", path);
    if (p == NULL) {
        return;
    }
    chunking_same("session", p, len);
    feed_all(p, len, 0, &e);
    check(e.n == 9 && e.rc == 0, "session: want 9 events, got %zu (rc %d)", e.n, e.rc);
    if (e.n == 9) {
        for (size_t i = 0; i < 9; i++) {
            check(e.m[i].kind == (i == 1 ? VW_CF_SYNC : VW_CF_MSG) &&
                  e.m[i].strictness == VW_CF_STRICT && e.m[i].num_fds == -1,
                  "session event %zu: kind %d strictness %d (%s)", i, e.m[i].kind,
                  e.m[i].strictness, e.m[i].summary);
        }
        field_is(&e.m[0], "partial+0xFF error", "error", "{...}");
        field_is(&e.m[0], "partial+0xFF error", "error.class", "\"GenericError\"");
        field_is(&e.m[0], "partial+0xFF error", "error.desc",
                 "\"JSON parse error, stray '\\xef\\xbf\\xbd'\"");
        field_is(&e.m[0], "partial+0xFF error", "return", NULL);
        check(e.m[1].num_fields == 0, "sync has no fields");
        field_is(&e.m[2], "sync-delimited", "return", "424242");
        field_is(&e.m[3], "ping", "return", "{}");
        field_is(&e.m[4], "info", "return", "{...}");
        field_is(&e.m[4], "info", "return.version", "\"7.2.22\"");
        field_is(&e.m[4], "info", "return.supported_commands", "42");
        field_is(&e.m[4], "info", "return.supported_commands[0].name", "\"guest-get-cpustats\"");
        field_is(&e.m[4], "info", "return.supported_commands[0].enabled", "true");
        field_is(&e.m[4], "info", "return.supported_commands[2].enabled", "false");
        field_is(&e.m[4], "info", "return.supported_commands[41].success-response", "true");
        field_is(&e.m[4], "info", "return.supported_commands[42].name", NULL);
        field_is(&e.m[5], "sync with id", "return", "1234");
        field_is(&e.m[5], "sync with id", "id", "\"s1\"");
        check(e.m[5].num_fields == 2 && strcmp(e.m[5].fields[0].path, "return") == 0 &&
              strcmp(e.m[5].fields[1].path, "id") == 0, "fields in JSON order");
        field_is(&e.m[6], "host-name", "return.host-name", "\"vm\"");
        field_is(&e.m[7], "blocked", "error.class", "\"CommandNotFound\"");
        field_is(&e.m[7], "blocked", "error.desc", "\"Command guest-exec has been disabled\"");
        field_is(&e.m[8], "file-read", "error.desc", "\"handle '4242' has not been found\"");
        check(strstr(e.m[4].summary, "#3 @116 len=3235: reply return {") == e.m[4].summary,
              "summary as virtwire decode: %s", e.m[4].summary);
    }
    evs_free(&e);
    free(p);
}

/* ---- corpus/vectors/qga/server.vec ---- */

/* vec_events renders |e| in t_qga.c's event syntax (msg@START+LEN=ok, sync@OFF, ...). */
static void vec_events(const struct evs *e, char *out, size_t cap) {
    size_t len = 0;

    out[0] = 0;
    for (size_t i = 0; i < e->n && len + 1 < cap; i++) {
        const struct vw_cf_msg *m = &e->m[i];
        const char *sep = i != 0 ? " " : "";
        size_t start = 0, mlen = 0, num = 0, first = 0;
        const char *b = strstr(m->summary, "; bytes ");
        if (m->kind == VW_CF_SYNC) {
            len += (size_t)snprintf(out + len, cap - len, "%ssync@%s", sep,
                                    strchr(m->summary, '@') + 1);
        } else if (m->kind == VW_CF_FRAMING_ERROR) {
            if (b != NULL && sscanf(b, "; bytes %zu..", &first) != 1) {
                first = (size_t)-1;
            }
            len += (size_t)snprintf(out + len, cap - len, "%serr:%s@%zu/%zu", sep,
                                    vw_err_name(m->code), first, m->offset);
        } else {
            if (sscanf(m->summary, "#%zu @%zu len=%zu:", &num, &start, &mlen) != 3) {
                start = mlen = (size_t)-1;
            }
            len += (size_t)snprintf(out + len, cap - len, "%smsg@%zu+%zu=", sep, start, mlen);
            if (m->strictness == VW_CF_STRICT) {
                len += (size_t)snprintf(out + len, cap - len, "ok");
            } else if (m->strictness == VW_CF_LENIENT) {
                len += (size_t)snprintf(out + len, cap - len, "ok~%s@%zu", vw_err_name(m->code),
                                        m->offset);
            } else {
                len += (size_t)snprintf(out + len, cap - len, "%s@%zu", vw_err_name(m->code),
                                        m->offset);
            }
        }
    }
}

static void run_vec_case(struct vw_vec_case *c) {
    const struct vw_vec_kv *in = vw_vec_get(c, "in"), *ev = vw_vec_get(c, "events");
    const struct vw_vec_kv *path = vw_vec_get(c, "path"), *from = vw_vec_param(c, "from");
    static char got[EVENTS_MAX];
    char err[512];
    uint8_t *bytes = NULL;
    size_t len = 0;
    struct evs e;

    if (in == NULL || ev == NULL || from == NULL || strcmp(from->value, "server") != 0 ||
        vw_vec_parse_bytes(in->value, &bytes, &len, err, sizeof(err)) < 0) {
        check(0, "%s:%u: [%s] needs in, events and from = server", c->path, c->line, c->name);
        free(bytes);
        return;
    }
    feed_all(bytes, len, 0, &e);
    vec_events(&e, got, sizeof(got));
    check(strcmp(got, ev->value) == 0, "%s:%u: [%s]\n  want %s\n  got  %s", c->path, c->line,
          c->name, ev->value, got);
    if (path != NULL) {
        int found = 0;
        for (size_t i = 0; i < e.n; i++) {
            found |= e.m[i].strictness == VW_CF_INVALID &&
                     strncmp(e.m[i].detail, path->value, sizeof(e.m[i].detail) - 1) == 0;
        }
        check(found, "%s:%u: [%s] detail: want %s", c->path, c->line, c->name, path->value);
    }
    evs_free(&e);
    chunking_same(c->name, bytes, len);
    check(vw_vec_report_unused(c) == 0, "%s:%u: unused keys", c->path, c->line);
    free(bytes);
}

static void test_vectors(const char *path) {
    struct vw_vec_file *f;
    struct vw_vec_case *c;
    unsigned n = 0;
    int r;

    if (vw_vec_file_open(&f, path) < 0) {
        check(0, "%s: cannot open", path);
        return;
    }
    while ((r = vw_vec_next(f, &c)) == 1) {
        n++;
        run_vec_case(c);
    }
    check(r == 0 && n >= 20, "%s: %u cases read, end %d", path, n, r);
    vw_vec_file_free(f);
}

/* ---- flattening, lenient mode, schema by id, limits ---- */

/* one feeds |text| whole and returns its only event in |*out| (caller cleans up). */
static int one(const char *text, struct vw_cf_msg *out) {
    struct evs e;

    feed_all((const uint8_t *)text, strlen(text), 0, &e);
    if (e.n != 1) {
        check(0, "%.60s: want 1 event, got %zu", text, e.n);
        evs_free(&e);
        return -1;
    }
    *out = e.m[0];
    free(e.m);
    return 0;
}

static void test_flatten(void) {
    static const char *const want[][2] = {
        { "return", "{...}" }, { "return.a", "[]" }, { "return.b", "{}" },
        { "return.c", "null" }, { "return.d", "1.5" }, { "return.e", "2" },
        { "return.e[0]", "-1" }, { "return.e[1]", "2" }, { "return.e[1][0]", "false" },
        { "return.e[1][1]", "{...}" }, { "return.e[1][1].k", "\"v\"" },
        { "return.f", "\"q\\\"b\\\\t\\x09\\xc3\\xa9\"" }, { "id", "7" },
    };
    struct vw_cf_msg m;

    if (one("{\"return\": {\"a\": [], \"b\": {}, \"c\": null, \"d\": 1.5, "
            "\"e\": [-1, [false, {\"k\": \"v\"}]], \"f\": \"q\\\"b\\\\t\\t\\u00e9\"}, "
            "\"id\": 7}\n", &m) == 0) {
        check(m.kind == VW_CF_MSG && m.strictness == VW_CF_STRICT, "flatten: strict message");
        check(m.num_fields == sizeof(want) / sizeof(want[0]), "flatten: %zu fields",
              m.num_fields);
        for (size_t i = 0; i < m.num_fields && i < sizeof(want) / sizeof(want[0]); i++) {
            check(strcmp(m.fields[i].path, want[i][0]) == 0 &&
                  strcmp(m.fields[i].value, want[i][1]) == 0, "flatten %zu: want %s = %s, got "
                  "%s = %s", i, want[i][0], want[i][1], m.fields[i].path, m.fields[i].value);
        }
        vw_cf_msg_cleanup(&m);
    }
    /* a top-level array return: counts and elements at "return[i]" */
    if (one("{\"return\": [{\"name\": \"eth0\"}]}", &m) == 0) {
        field_is(&m, "array return", "return", "1");
        field_is(&m, "array return", "return[0].name", "\"eth0\"");
        vw_cf_msg_cleanup(&m);
    }
}

static void test_lenient(void) {
    struct vw_cf_msg m;

    /* [QEMU extension] json-lexer.c takes 'strings'; no JSON text has them (§3.3) */
    if (one("{'return': 'vm'}", &m) == 0) {
        check(m.kind == VW_CF_MSG && m.strictness == VW_CF_LENIENT && m.code == VW_E_SYNTAX &&
              m.offset == 1, "single quotes: LENIENT VW_E_SYNTAX@1, got %d %s@%zu",
              m.strictness, vw_err_name(m.code), m.offset);
        field_is(&m, "single quotes", "return", "\"vm\"");
        vw_cf_msg_cleanup(&m);
    }
    /* an envelope error stays INVALID though the quotes alone would be lenient */
    if (one("{'return': 1, 'x': 2}", &m) == 0) {
        check(m.strictness == VW_CF_INVALID && m.code == VW_E_MEMBER,
              "single quotes + bad envelope: INVALID VW_E_MEMBER, got %d %s", m.strictness,
              vw_err_name(m.code));
        field_is(&m, "single quotes + bad envelope", "x", "2");
        vw_cf_msg_cleanup(&m);
    }
    /* a keyword other than true/false/null: invalid in both modes */
    if (one("{\"return\": nul}", &m) == 0) {
        check(m.strictness == VW_CF_INVALID && m.code == VW_E_SYNTAX, "bad keyword: INVALID");
        check(m.num_fields == 0, "bad keyword: not JSON, no fields");
        vw_cf_msg_cleanup(&m);
    }
}

static void test_schema_by_id(void) {
    struct vw_cf_msg m;

    /* §3.4 guest-get-host-name returns GuestHostName {host-name: str} */
    if (one("{\"return\": {\"host-name\": 5}, \"id\": \"guest-get-host-name\"}", &m) == 0) {
        check(m.strictness == VW_CF_INVALID && m.code == VW_E_TYPE &&
              strstr(m.detail, "return.host-name") != NULL,
              "schema by id: INVALID VW_E_TYPE at return.host-name, got %d %s %s",
              m.strictness, vw_err_name(m.code), m.detail);
        field_is(&m, "schema by id", "return.host-name", "5");
        vw_cf_msg_cleanup(&m);
    }
    if (one("{\"return\": {\"host-name\": \"vm\"}, \"id\": \"guest-get-host-name#7\"}", &m) == 0) {
        check(m.strictness == VW_CF_STRICT && strstr(m.summary, "reply to guest-get-host-name"),
              "schema by id#n: STRICT, named in the summary: %s", m.summary);
        vw_cf_msg_cleanup(&m);
    }
    if (one("{\"return\": {\"host-name\": \"vm\", \"x\": 1}, \"id\": \"guest-get-host-name\"}",
            &m) == 0) {
        check(m.strictness == VW_CF_INVALID && m.code == VW_E_MEMBER,
              "schema by id: an unknown member is VW_E_MEMBER, got %s", vw_err_name(m.code));
        vw_cf_msg_cleanup(&m);
    }
    /* guest-ping returns {} */
    if (one("{\"return\": 1, \"id\": \"guest-ping\"}", &m) == 0) {
        check(m.strictness == VW_CF_INVALID, "schema by id: guest-ping returns {}");
        vw_cf_msg_cleanup(&m);
    }
    /* an id that names no command, or an error reply: envelope only */
    if (one("{\"return\": 1, \"id\": \"guest-nosuch\"}", &m) == 0) {
        check(m.strictness == VW_CF_STRICT, "unknown command id: envelope only");
        vw_cf_msg_cleanup(&m);
    }
    if (one("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": \"guest-info\"}",
            &m) == 0) {
        check(m.strictness == VW_CF_STRICT, "error reply with a command id: strict");
        vw_cf_msg_cleanup(&m);
    }
}

static void test_framing(void) {
    struct evs e;
    const char *in = "\x01{\"return\": 1}\xff\xff{\"ret";

    feed_all((const uint8_t *)in, strlen(in), 0, &e);
    check(e.n == 4 && e.m[0].kind == VW_CF_FRAMING_ERROR && e.m[0].code == VW_E_SYNTAX &&
          e.m[0].offset == 0 && e.m[1].kind == VW_CF_MSG && e.m[2].kind == VW_CF_SYNC &&
          e.m[3].kind == VW_CF_SYNC && e.rc == 0,
          "framing: error, message, two syncs; pending tail (got %zu events)", e.n);
    evs_free(&e);
    /* 0xFF inside a message: VW_E_RESYNC, then framing goes on */
    in = "{\"return\": \xff{\"return\": 2}";
    feed_all((const uint8_t *)in, strlen(in), 0, &e);
    check(e.n == 2 && e.m[0].kind == VW_CF_FRAMING_ERROR && e.m[0].code == VW_E_RESYNC &&
          e.m[1].kind == VW_CF_MSG, "framing: resync then the next message");
    if (e.n == 2) {
        field_is(&e.m[1], "after resync", "return", "2");
    }
    evs_free(&e);
}

/* a reply's trailing newline is taken with it (no stray bytes after a reply) */
static void test_trailing_newline(void) {
    static const char in[] = "{\"return\": 1}\r\n \n{\"return\": 2}\n";
    struct vw_cf_framer *f = ad->framer_new();
    struct vw_cf_msg m;
    size_t used = 0;

    if (f == NULL) {
        check(0, "framer_new");
        return;
    }
    int r = ad->feed(f, (const uint8_t *)in, strlen(in), &used, &m);
    check(r == 1 && used == 17, "trailing whitespace: first message takes 17 bytes, took %zu (%d)",
          used, r);
    vw_cf_msg_cleanup(&m);
    r = ad->feed(f, (const uint8_t *)in + used, strlen(in) - used, &used, &m);
    check(r == 1 && used == 14, "trailing whitespace: second message takes 14 bytes, took %zu",
          used);
    field_is(&m, "after whitespace", "return", "2");
    vw_cf_msg_cleanup(&m);
    ad->framer_free(f);
}

static void test_limits(void) {
    size_t n = 20000, len = 0;
    char *big = malloc(2 * n + 64);
    struct vw_cf_msg m;

    if (big == NULL) {
        check(0, "limits: malloc");
        return;
    }
    /* more elements than VW_CF_QGA_FIELDS_MAX: fields stop, the message stays strict */
    len += (size_t)sprintf(big, "{\"return\": [");
    for (size_t i = 0; i < n; i++) {
        if (i != 0) {
            big[len++] = ',';
        }
        big[len++] = '0';
    }
    len += (size_t)sprintf(big + len, "]}");
    if (one(big, &m) == 0) {
        check(m.strictness == VW_CF_STRICT && m.num_fields == 16384 &&
              strstr(m.detail, "left out") != NULL, "limits: %zu fields, detail %s",
              m.num_fields, m.detail);
        vw_cf_msg_cleanup(&m);
    }
    free(big);
    /* a value over VW_CF_QGA_VALUE_MAX is cut; a key over the path limit is left out */
    n = (1u << 20) + 10;
    if ((big = malloc(n + 5100)) == NULL) {
        check(0, "limits: malloc");
        return;
    }
    len = (size_t)sprintf(big, "{\"return\": {\"s\": \"");
    memset(big + len, 'a', n);
    len += n;
    len += (size_t)sprintf(big + len, "\", \"");
    memset(big + len, 'k', 5000);
    len += 5000;
    sprintf(big + len, "\": 1}}");
    if (one(big, &m) == 0) {
        const char *s = vw_cf_msg_field(&m, "return.s");
        check(s != NULL && strlen(s) <= (1u << 20) + 8 && strcmp(s + strlen(s) - 4, "...\"") == 0,
              "limits: a long value is cut with ...");
        check(m.num_fields == 2, "limits: the over-long path is left out (%zu fields)",
              m.num_fields);
        vw_cf_msg_cleanup(&m);
    }
    free(big);
}

/* ---- encode ---- */

struct enc_case {
    const char *name;
    const char *paths[8], *values[8];
    const char *want;      /* NULL: an error */
};

static const struct enc_case enc_cases[] = {
    { "guest-sync with id", { "execute", "arguments.id", "id" },
      { "guest-sync", "5", "\"abc\"" },
      "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":5},\"id\":\"abc\"}" },
    { "ping", { "execute" }, { "\"guest-ping\"" }, "{\"execute\":\"guest-ping\"}" },
    { "scalars", { "a", "b", "c", "d", "e", "f", "g", "h" },
      { "true", "false", "null", "{}", "[]", "-7", "0x10", "1.5" },
      "{\"a\":true,\"b\":false,\"c\":null,\"d\":{},\"e\":[],\"f\":-7,\"g\":16,\"h\":1.5}" },
    { "escapes", { "s" }, { "\"q\\\"b\\\\\\n\\t\\xc3\\xa9\\'\"" },
      "{\"s\":\"q\\\"b\\\\\\n\\t\xc3\xa9'\"}" },
    { "int64 range", { "a", "b" }, { "9223372036854775807", "-0x8000000000000000" },
      "{\"a\":9223372036854775807,\"b\":-9223372036854775808}" },
    { "arrays", { "arguments.p[0]", "arguments.p[1]", "arguments.l[0].a", "arguments.l[0].b",
                  "arguments.l[1].a", "arguments.m[0][0]" },
      { "\"/\"", "\"/tmp\"", "1", "2", "3", "4" },
      "{\"arguments\":{\"p\":[\"/\",\"/tmp\"],\"l\":[{\"a\":1,\"b\":2},{\"a\":3}],"
      "\"m\":[[4]]}}" },
    { "gap", { "a[1]" }, { "1" }, NULL },
    { "twice", { "a", "a" }, { "1", "2" }, NULL },
    { "below a scalar", { "a", "a.b" }, { "1", "2" }, NULL },
    { "index below an object", { "a.b", "a[0]" }, { "1", "2" }, NULL },
    { "bad value", { "a" }, { "@" }, NULL },
    { "opaque", { "a" }, { "x\"00\"" }, NULL },
    { "constraint", { "a" }, { "absent" }, NULL },
    { "wildcard", { "a" }, { "*" }, NULL },
    { "not UTF-8", { "a" }, { "\"\\xff\"" }, NULL },
    { "bad escape", { "a" }, { "\"\\q\"" }, NULL },
    { "cut \\x", { "a" }, { "\"\\x4\"" }, NULL },
    { "unquoted quote", { "a" }, { "\"a\"b\"" }, NULL },
    { "empty segment", { "a..b" }, { "1" }, NULL },
    { "index first", { "[0]" }, { "1" }, NULL },
    { "bad index", { "a[x]" }, { "1" }, NULL },
    { "int64 overflow", { "a" }, { "9223372036854775808" }, NULL },
    { "hex overflow", { "a" }, { "0x8000000000000000" }, NULL },
    { "trailing junk", { "a" }, { "12ab" }, NULL },
};

static void test_encode(void) {
    for (size_t i = 0; i < sizeof(enc_cases) / sizeof(enc_cases[0]); i++) {
        const struct enc_case *c = &enc_cases[i];
        struct vw_txn_assign as[8];
        struct vw_cf_buf out = { 0 };
        char err[256] = "";
        size_t n = 0;
        int r;

        while (n < 8 && c->paths[n] != NULL) {
            as[n] = (struct vw_txn_assign){ .path = c->paths[n], .value = c->values[n],
                                            .line = (unsigned)n + 1 };
            n++;
        }
        r = ad->encode(as, n, &out, err, sizeof(err));
        if (c->want != NULL) {
            check(r == 0 && out.len == strlen(c->want) && memcmp(out.p, c->want, out.len) == 0,
                  "encode %s: want %s, got %d %.*s %s", c->name, c->want, r, (int)out.len,
                  out.p != NULL ? (const char *)out.p : "", err);
        } else {
            check(r < 0 && out.len == 0 && err[0] != 0 && strstr(err, "line ") == err,
                  "encode %s: want an error with its line, got %d len %zu \"%s\"", c->name, r,
                  out.len, err);
        }
        vw_cf_buf_free(&out);
    }
}

/* test_roundtrip: an encoded reply, fed back, gives the assigned values as fields. */
static void test_roundtrip(void) {
    static const struct vw_txn_assign as[] = {
        { .path = "return.host-name", .value = "\"vm\"" },
        { .path = "return.list[0].name", .value = "\"eth0\"" },
        { .path = "return.list[0].up", .value = "true" },
        { .path = "return.list[1].n", .value = "-3" },
        { .path = "return.empty", .value = "{}" },
        { .path = "id", .value = "\"abc\"" },
    };
    struct vw_cf_buf out = { 0 };
    struct vw_cf_msg m;
    char err[256];

    check(ad->encode(as, 6, &out, err, sizeof(err)) == 0 && vw_cf_buf_append(&out, "", 1) == 0,
          "roundtrip: encode");
    if (out.p != NULL && one((const char *)out.p, &m) == 0) {
        check(m.strictness == VW_CF_STRICT, "roundtrip: strict");
        for (size_t i = 0; i < 6; i++) {
            field_is(&m, "roundtrip", as[i].path, as[i].value);
        }
        field_is(&m, "roundtrip", "return.list", "2");
        vw_cf_msg_cleanup(&m);
    }
    vw_cf_buf_free(&out);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: t_adapter_qga SESSION.s2c.bin SERVER.vec\n");
        return 2;
    }
    check(strcmp(ad->protocol, "qga") == 0, "protocol name");
    ad->framer_free(NULL);
    test_session(argv[1]);
    test_vectors(argv[2]);
    test_flatten();
    test_lenient();
    test_schema_by_id();
    test_framing();
    test_trailing_newline();
    test_limits();
    test_encode();
    test_roundtrip();
    printf("%u checks, %u failed\n", num_checks, num_failed);
    return num_failed != 0;
}
