/* record.c -- a relayed conversation as a transcript (record.h). */
#include "record.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "adapters.h"
#include "match.h"
#include "qga.h"
#include "transcript.h"

#define NUM(a) (sizeof(a) / sizeof((a)[0]))
#define VW_REC_HEADER_RESERVE 4096u  /* room kept for the header below VW_TXN_FILE_MAX */
#define VW_REC_HEX_LINE 32u          /* bytes per `send hex` line */
#define VW_REC_QGA_FIFO 256u         /* qga requests awaiting their reply */
#define VW_REC_CAPTURES_MAX 4096u    /* distinct captured values */

/* Fields an encoder computes: left out of sends (when the encoder gives the same bytes
 * without them) and of expects (the decoder checks them against the message anyway). */
static const struct {
    const char *protocol, *path;
} computed[] = {
    { "virnet", "len" },                 /* virnet-oncrpc.md §1.1 length word */
    { "qemud", "length" },               /* historic-qemud-openhook-qga.md §1.4 */
    { "openhook", "message_size" },      /* §2.1 */
    { "openhook-xdr", "message_size" },  /* §2.2 */
    { "onc-rpc", "fragments" },          /* RFC 5531 §11: how a record is cut is the sender's */
};

enum { RULE_ANY = 1, RULE_CAPTURE = 2 };

/* Server values that change between runs.  |path| is a whole path, or a leaf when it starts
 * with '.' (matching "x.leaf" and "leaf"); |command| restricts a qga rule to the replies of
 * that request. */
static const struct {
    const char *protocol, *command, *path;
    int kind;
    const char *name;
} rules[] = {
    /* virnet-oncrpc.md §2 table: REGISTER_ANY returns a callbackID the server picks, which
     * the events (proc 318 ...) carry and DEREGISTER_ANY sends back */
    { "virnet", NULL, ".callbackID", RULE_CAPTURE, "callbackID" },
    /* virnet-oncrpc.md §2 DOMAIN_GET_INFO: cpuTime; the test driver reads the clock */
    { "virnet", NULL, ".cpuTime", RULE_ANY, NULL },
    /* historic-qemud-openhook-qga.md §3.4: guest-get-time is the clock in ns */
    { "qga", "guest-get-time", "return", RULE_ANY, NULL },
    /* §3.4: guest-file-open returns a handle counted up from 1000 for the agent's life */
    { "qga", "guest-file-open", "return", RULE_CAPTURE, "handle" },
    { "qga", "guest-exec", "return.pid", RULE_CAPTURE, "pid" },
    { "qga", "guest-get-users", ".login-time", RULE_ANY, NULL },
};

/* JSON keys of qga requests that carry a captured value back (§3.4 guest-file-read ...). */
static const struct {
    const char *key, *name;
} qga_back[] = { { "handle", "handle" }, { "pid", "pid" } };

struct capture {
    char *name;     /* base name: callbackID */
    char *value;    /* recorded value */
    unsigned n;     /* $<name><n> */
};

struct side {
    struct vw_cf_framer *fr;     /* the adapter's framer (server; client but for qga) */
    struct vw_qga_framer qga;    /* qga client requests */
    bool use_qga, broken;
    struct vw_cf_buf pend;       /* client: bytes not yet written as a step */
    size_t fed;                  /* client: bytes of |pend| the framer has taken */
    size_t base;                 /* client qga: stream offset of pend.p[0] */
    size_t unfinished;           /* bytes of an unfinished message */
    size_t num_msgs;
    int pending_fds;
    bool ends_scalar;            /* qga client: the last message ended in a number/keyword */
};

struct vw_rec {
    const struct vw_cf_adapter *ad;
    char *protocol;
    struct side s[2];
    struct vw_cf_buf text;       /* the steps */
    struct capture *caps;
    size_t num_caps;
    char *fifo[VW_REC_QGA_FIFO]; /* qga: the commands of requests not answered yet */
    size_t fifo_head, fifo_num;
    char *fd_path;               /* client fd for the next send (one regular file) */
    bool client_eof, server_eof;
    bool has_error;
    char error[512];             /* why the recording stopped */
};

/* ---- text ---- */

static int vemit(struct vw_cf_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int vemit(struct vw_cf_buf *b, const char *fmt, va_list ap) {
    char small[512], *big = NULL;
    va_list ap2;
    int n, rc;

    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n >= 0 && (size_t)n >= sizeof(small)) {
        if ((big = malloc((size_t)n + 1)) == NULL) {
            va_end(ap2);
            return VW_E_NOMEM;
        }
        vsnprintf(big, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n < 0) {
        return VW_E_INVALID;
    }
    rc = vw_cf_buf_append(b, big != NULL ? big : small, (size_t)n);
    free(big);
    return rc;
}

static int bemit(struct vw_cf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bemit(struct vw_cf_buf *b, const char *fmt, ...) {
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vemit(b, fmt, ap);
    va_end(ap);
    return rc;
}

static int emit(struct vw_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int emit(struct vw_rec *r, const char *fmt, ...) {
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vemit(&r->text, fmt, ap);
    va_end(ap);
    return rc;
}

static int emit_buf(struct vw_rec *r, const struct vw_cf_buf *b) {
    return vw_cf_buf_append(&r->text, b->p, b->len);
}

void vw_rec_stop(struct vw_rec *r, const char *reason) {
    if (!r->has_error) {
        r->has_error = true;
        snprintf(r->error, sizeof(r->error), "%s", reason != NULL ? reason : "stopped");
    }
}

static bool stopped(const struct vw_rec *r) {
    return r->has_error;
}

/* fail stops the recording with a formatted reason and returns |code|. */
static int fail(struct vw_rec *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct vw_rec *r, int code, const char *fmt, ...) {
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    vw_rec_stop(r, msg);
    return code;
}

/* check_size stops the recording when the transcript outgrows what vw_txn_load reads. */
static int check_size(struct vw_rec *r) {
    if (r->text.len > VW_TXN_FILE_MAX - VW_REC_HEADER_RESERVE) {
        return fail(r, VW_E_TOO_LONG, "the transcript reached its limit of %u bytes "
                    "(transcript.h VW_TXN_FILE_MAX)", VW_TXN_FILE_MAX);
    }
    return 0;
}

static int emit_hex(struct vw_rec *r, const char *kw, const uint8_t *p, size_t len) {
    int rc = emit(r, "%s hex", kw);

    for (size_t i = 0; rc == 0 && i < len; i++) {
        if (i % VW_REC_HEX_LINE == 0 && i != 0) {
            rc = emit(r, "\n ");
        }
        if (rc == 0) {
            rc = emit(r, " %02x", p[i]);
        }
    }
    return rc < 0 ? rc : emit(r, "\n");
}

/* path_ok: what transcript.c accepts as a path. */
static bool path_ok(const char *s) {
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '.' || c == '[' || c == ']' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* value_ok: a literal the transcript parser reads back. */
static bool value_ok(const char *v) {
    struct vw_cf_buf canon = { 0 };
    bool ok = vw_cf_value_canon(v, strlen(v), &canon) == 0 && strchr(v, '\n') == NULL;

    vw_cf_buf_free(&canon);
    return ok;
}

static bool is_computed(const struct vw_rec *r, const char *path) {
    for (size_t i = 0; i < NUM(computed); i++) {
        if (strcmp(computed[i].protocol, r->protocol) == 0 && strcmp(computed[i].path, path) == 0) {
            return true;
        }
    }
    return false;
}

/* path_matches: |pat| a whole path, or ".leaf" for a last member named leaf. */
static bool path_matches(const char *pat, const char *path) {
    size_t pl, n;

    if (pat[0] != '.') {
        return strcmp(pat, path) == 0;
    }
    pl = strlen(pat + 1);
    n = strlen(path);
    if (n == pl) {
        return strcmp(path, pat + 1) == 0;
    }
    return n > pl && strcmp(path + n - pl, pat + 1) == 0 && path[n - pl - 1] == '.';
}

/* ---- captures ---- */

static const struct capture *cap_find(const struct vw_rec *r, const char *name,
                                      const char *value) {
    for (size_t i = 0; i < r->num_caps; i++) {
        if (strcmp(r->caps[i].name, name) == 0 && vw_cf_value_equal(r->caps[i].value, value)) {
            return &r->caps[i];
        }
    }
    return NULL;
}

/* cap_get returns the capture of |value| under |name|, adding $<name><n+1> for a new value. */
static const struct capture *cap_get(struct vw_rec *r, const char *name, const char *value) {
    const struct capture *c = cap_find(r, name, value);
    struct capture *caps;
    unsigned n = 0;

    if (c != NULL || r->num_caps >= VW_REC_CAPTURES_MAX) {
        return c;
    }
    for (size_t i = 0; i < r->num_caps; i++) {
        n += strcmp(r->caps[i].name, name) == 0;
    }
    if ((caps = realloc(r->caps, (r->num_caps + 1) * sizeof(*caps))) == NULL) {
        return NULL;
    }
    r->caps = caps;
    caps[r->num_caps] = (struct capture){ strdup(name), strdup(value), n + 1 };
    if (caps[r->num_caps].name == NULL || caps[r->num_caps].value == NULL) {
        free(caps[r->num_caps].name);
        free(caps[r->num_caps].value);
        return NULL;
    }
    return &r->caps[r->num_caps++];
}

/* ---- sends ---- */

/* flush_fds writes the `send-fd` of the fds that came with the next client message. */
static int flush_fds(struct vw_rec *r) {
    struct side *s = &r->s[VW_REC_CLIENT];
    int rc = 0;

    if (s->pending_fds == 1 && r->fd_path != NULL) {
        rc = emit(r, "send-fd %s\n", r->fd_path);
    } else if (s->pending_fds > 0) {
        rc = emit(r, "# %d fds came with the next message (not a transcript step)\n",
                  s->pending_fds);
        vw_rec_stop(r, "the client passed fds a transcript cannot express (send-fd takes one "
                    "regular file per message)");
    }
    s->pending_fds = 0;
    free(r->fd_path);
    r->fd_path = NULL;
    return rc;
}

/* field_send_value is what a send writes for a field: a capture the server chose, else the
 * literal. */
static const char *field_send_value(struct vw_rec *r, const char *path, const char *value,
                                    char *buf, size_t len) {
    for (size_t i = 0; i < NUM(rules); i++) {
        const struct capture *c;
        if (rules[i].kind != RULE_CAPTURE || strcmp(rules[i].protocol, r->protocol) != 0 ||
            rules[i].command != NULL || !path_matches(rules[i].path, path)) {
            continue;
        }
        if ((c = cap_find(r, rules[i].name, value)) != NULL) {
            snprintf(buf, len, "$%s%u", c->name, c->n);
            return buf;
        }
    }
    return value;
}

/* try_structured encodes the fields of |m| (without |skip_computed| fields) and says whether
 * that gives exactly |p|. */
static int try_structured(struct vw_rec *r, const struct vw_cf_msg *m, bool skip_computed,
                          const uint8_t *p, size_t len, bool *same) {
    struct vw_txn_assign *a = calloc(m->num_fields + 1, sizeof(*a));
    struct vw_cf_buf out = { 0 };
    char err[256];
    size_t n = 0;

    *same = false;
    if (a == NULL) {
        return VW_E_NOMEM;
    }
    for (size_t i = 0; i < m->num_fields; i++) {
        if (skip_computed && is_computed(r, m->fields[i].path)) {
            continue;
        }
        if (!path_ok(m->fields[i].path) || !value_ok(m->fields[i].value)) {
            free(a);
            return 0;
        }
        a[n++] = (struct vw_txn_assign){ m->fields[i].path, m->fields[i].value, 0 };
    }
    if (r->ad->encode(a, n, &out, err, sizeof(err)) == 0) {
        *same = out.len == len && memcmp(out.p, p, len) == 0;
    }
    vw_cf_buf_free(&out);
    free(a);
    return 0;
}

/* write_send records one client message |p| (|len| bytes) that the adapter decoded as |m|
 * (NULL: it did not frame). */
static int write_send(struct vw_rec *r, const struct vw_cf_msg *m, const uint8_t *p, size_t len) {
    bool same = false, skip = true;
    int rc;

    if ((rc = flush_fds(r)) < 0) {
        return rc;
    }
    r->s[VW_REC_CLIENT].num_msgs++;
    if (m != NULL && m->kind == VW_CF_MSG && m->strictness == VW_CF_STRICT) {
        if ((rc = try_structured(r, m, true, p, len, &same)) < 0 ||
            (!same && (skip = false, rc = try_structured(r, m, false, p, len, &same)) < 0)) {
            return rc;
        }
    }
    if (!same) {
        if (m != NULL && m->summary[0] != '\0') {
            rc = emit(r, "# client: %s\n", m->summary);
        }
        return rc < 0 ? rc : emit_hex(r, "send", p, len);
    }
    rc = emit(r, "send\n");
    for (size_t i = 0; rc == 0 && i < m->num_fields; i++) {
        const char *path = m->fields[i].path;
        char buf[128];
        if (skip && is_computed(r, path)) {
            continue;
        }
        rc = emit(r, "  %s = %s\n", path,
                  field_send_value(r, path, m->fields[i].value, buf, sizeof(buf)));
    }
    return rc;
}

/* ---- expects ---- */

/* qga_command returns the command of the request the next reply answers (may be NULL). */
static const char *qga_command(const struct vw_rec *r) {
    return r->fifo_num > 0 ? r->fifo[r->fifo_head] : NULL;
}

static void qga_pop(struct vw_rec *r) {
    if (r->fifo_num > 0) {
        free(r->fifo[r->fifo_head]);
        r->fifo[r->fifo_head] = NULL;
        r->fifo_head = (r->fifo_head + 1) % VW_REC_QGA_FIFO;
        r->fifo_num--;
    }
}

static void qga_push(struct vw_rec *r, const char *cmd) {
    if (r->fifo_num == VW_REC_QGA_FIFO) {
        qga_pop(r);    /* a client that never reads: pairing is lost, not memory */
    }
    r->fifo[(r->fifo_head + r->fifo_num) % VW_REC_QGA_FIFO] = cmd != NULL ? strdup(cmd) : NULL;
    r->fifo_num++;
}

/* expect_value is what an expect writes for a field (a capture, `*`, or the literal). */
static const char *expect_value(struct vw_rec *r, const struct vw_cf_msg *m, const char *cmd,
                                const char *path, const char *value, char *buf, size_t len) {
    const char *type = vw_cf_msg_field(m, "type");

    /* virnet-oncrpc.md §1.3: event MESSAGEs carry serial 1 (keepalive 0), the server's
     * choice, not an echo */
    if (strcmp(r->protocol, "virnet") == 0 && strcmp(path, "serial") == 0 && type != NULL &&
        strcmp(type, "MESSAGE") == 0) {
        const struct capture *c = cap_get(r, "event_serial", value);
        if (c != NULL) {
            snprintf(buf, len, "$%s%u", c->name, c->n);
            return buf;
        }
        return "*";
    }
    for (size_t i = 0; i < NUM(rules); i++) {
        if (strcmp(rules[i].protocol, r->protocol) != 0 || !path_matches(rules[i].path, path) ||
            (rules[i].command != NULL && (cmd == NULL || strcmp(cmd, rules[i].command) != 0))) {
            continue;
        }
        if (rules[i].kind == RULE_CAPTURE) {
            const struct capture *c = cap_get(r, rules[i].name, value);
            if (c != NULL) {
                snprintf(buf, len, "$%s%u", c->name, c->n);
                return buf;
            }
        }
        return "*";
    }
    return value_ok(value) ? value : "*";    /* a qga "{...}" or a real: present, any value */
}

static int write_expect(struct vw_rec *r, const struct vw_cf_msg *m) {
    const char *cmd = NULL;
    int rc = 0;

    if (strcmp(r->protocol, "qga") == 0) {
        cmd = qga_command(r);
    }
    r->s[VW_REC_SERVER].num_msgs++;
    if (m->strictness != VW_CF_STRICT) {
        rc = emit(r, "# the server's message is not strict: %s at byte %zu: %.160s\n",
                  vw_err_name(m->code), m->offset, m->detail);
    }
    if (rc == 0) {
        rc = emit(r, "expect\n");
    }
    for (size_t i = 0; rc == 0 && i < m->num_fields; i++) {
        const char *path = m->fields[i].path;
        char buf[128];
        bool dup = false;
        for (size_t j = 0; j < i; j++) {
            dup = dup || strcmp(m->fields[j].path, path) == 0;
        }
        if (dup || is_computed(r, path)) {
            continue;
        }
        if (!path_ok(path)) {
            rc = emit(r, "  # a field whose path a transcript cannot name is left out\n");
            continue;
        }
        rc = emit(r, "  %s = %s\n", path,
                  expect_value(r, m, cmd, path, m->fields[i].value, buf, sizeof(buf)));
    }
    if (rc == 0 && m->num_fds > 0) {
        rc = emit(r, "expect-fd %d\n", m->num_fds);
    }
    if (cmd != NULL || r->fifo_num > 0) {
        qga_pop(r);
    }
    return rc;
}

/* ---- client side ---- */

static void pend_drop(struct side *s, size_t n) {
    memmove(s->pend.p, s->pend.p + n, s->pend.len - n);
    s->pend.len -= n;
    s->fed = s->fed > n ? s->fed - n : 0;
    s->base += n;
}

static bool all_space(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            return false;
        }
    }
    return true;
}

/* json_ok: bytes `send json` carries verbatim: no control byte or DEL (transcript.c), no
 * `$name` (it would be substituted), no leading or trailing blank (trimmed). */
static bool json_ok(const uint8_t *p, size_t n) {
    if (n == 0 || p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
            return false;
        }
        if (p[i] == '$' && i + 1 < n &&
            ((p[i + 1] >= 'a' && p[i + 1] <= 'z') || (p[i + 1] >= 'A' && p[i + 1] <= 'Z') ||
             p[i + 1] == '_')) {
            return false;
        }
    }
    return true;
}

/* qga_gap writes client bytes between qga messages: whitespace is dropped unless the last
 * message ended in a number or keyword (the agent frames those only at the next byte). */
static int qga_gap(struct vw_rec *r, size_t n) {
    struct side *s = &r->s[VW_REC_CLIENT];
    int rc = 0;

    if (n == 0) {
        return 0;
    }
    if (!all_space(s->pend.p, n) || s->ends_scalar) {
        struct vw_cf_buf e = { 0 };
        if ((rc = flush_fds(r)) == 0 && (rc = vw_cf_escape(s->pend.p, n, &e)) == 0) {
            rc = emit(r, "send text ");
            rc = rc < 0 ? rc : emit_buf(r, &e);
            rc = rc < 0 ? rc : emit(r, "\n");
        }
        vw_cf_buf_free(&e);
    }
    s->ends_scalar = false;
    pend_drop(s, n);
    return rc;
}

/* qga_subst appends the request text with each value that a capture holds under one of the
 * qga_back keys ("handle": 1000) replaced by the capture. */
static int qga_subst(struct vw_rec *r, const uint8_t *p, size_t n, struct vw_cf_buf *out) {
    size_t i = 0, done = 0;
    int rc = 0;

    while (rc == 0 && i < n) {
        size_t k, j;
        const struct capture *c = NULL;
        char num[32];

        if (p[i] != '"') {
            i++;
            continue;
        }
        for (k = 0; k < NUM(qga_back) && c == NULL; k++) {
            size_t kl = strlen(qga_back[k].key);
            if (i + kl + 2 > n || memcmp(p + i + 1, qga_back[k].key, kl) != 0 ||
                p[i + kl + 1] != '"') {
                continue;
            }
            j = i + kl + 2;
            while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n')) {
                j++;
            }
            if (j >= n || p[j] != ':') {
                continue;
            }
            j++;
            while (j < n && (p[j] == ' ' || p[j] == '\t')) {
                j++;
            }
            size_t st = j;
            while (j < n && j - st < sizeof(num) - 1 && ((p[j] >= '0' && p[j] <= '9') ||
                                                          (j == st && p[j] == '-'))) {
                j++;
            }
            if (j == st) {
                continue;
            }
            memcpy(num, p + st, j - st);
            num[j - st] = '\0';
            if ((c = cap_find(r, qga_back[k].name, num)) != NULL) {
                char cap[64];
                snprintf(cap, sizeof(cap), "$%s%u", c->name, c->n);
                if ((rc = vw_cf_buf_append(out, p + done, st - done)) == 0) {
                    rc = vw_cf_buf_append(out, cap, strlen(cap));
                }
                done = j;
                i = j;
            }
        }
        if (c == NULL) {
            i++;
        }
    }
    return rc < 0 ? rc : vw_cf_buf_append(out, p + done, n - done);
}

/* qga_message writes the request at pend[0 .. n) and queues its command for the reply. */
static int qga_message(struct vw_rec *r, const struct vw_qga_frame *fr, size_t n) {
    struct side *s = &r->s[VW_REC_CLIENT];
    json_t *root = json_loadb((const char *)fr->p, fr->len, 0, NULL);
    json_t *ex = json_is_object(root) ? json_object_get(root, "execute") : NULL;
    struct vw_cf_buf b = { 0 };
    uint8_t last = n > 0 ? s->pend.p[n - 1] : '}';
    int rc;

    qga_push(r, json_is_string(ex) ? json_string_value(ex) : NULL);
    json_decref(root);
    if ((rc = flush_fds(r)) < 0) {
        return rc;
    }
    s->num_msgs++;
    if (json_ok(s->pend.p, n)) {
        rc = qga_subst(r, s->pend.p, n, &b);
        rc = rc < 0 ? rc : emit(r, "send json ");
    } else {
        rc = vw_cf_escape(s->pend.p, n, &b);
        rc = rc < 0 ? rc : emit(r, "send text ");
    }
    rc = rc < 0 ? rc : emit_buf(r, &b);
    rc = rc < 0 ? rc : emit(r, "\n");
    vw_cf_buf_free(&b);
    s->ends_scalar = last != '}' && last != ']' && last != '"';
    pend_drop(s, n);
    return rc;
}

/* client_qga frames the client's bytes in |pend| as requests (reference/qga.h). */
static int client_qga(struct vw_rec *r) {
    struct side *s = &r->s[VW_REC_CLIENT];
    int rc = 0;

    while (rc == 0 && !stopped(r) && s->fed < s->pend.len) {
        size_t used = 0;
        int ev = vw_qga_feed(&s->qga, s->pend.p + s->fed, s->pend.len - s->fed, &used);
        const struct vw_qga_event *e = &s->qga.event;

        s->fed += used;
        if (ev == VW_E_AGAIN) {
            break;
        }
        if (ev == VW_QGA_EV_MESSAGE) {
            struct vw_qga_frame fr;
            vw_qga_frame(&s->qga, &fr);
            size_t start = fr.start > s->base ? fr.start - s->base : 0;
            size_t end = fr.end > s->base ? fr.end - s->base : 0;
            if (end > s->pend.len || start > end) {
                return fail(r, VW_E_INVALID, "qga framer offsets out of step (a recorder bug)");
            }
            if ((rc = qga_gap(r, start)) == 0) {
                rc = qga_message(r, &fr, end - start);
            }
        } else if (ev == VW_QGA_EV_SYNC) {
            /* §3.2: 0xFF before guest-sync-delimited; the agent answers the byte itself
             * with an error reply ("stray", README qga) before the 0xFF of its reply */
            size_t at = e->offset >= s->base ? e->offset - s->base : 0;
            qga_push(r, NULL);
            if ((rc = qga_gap(r, at)) == 0 && (rc = flush_fds(r)) == 0) {
                rc = emit(r, "send hex ff\n");
                pend_drop(s, 1);
            }
        } else {
            /* a framing error (or VW_E_NOMEM): the bytes so far go as they are; the agent
             * answers the error with an error reply (real-servers.md §2) */
            size_t n = s->fed;
            if ((rc = flush_fds(r)) == 0 &&
                (rc = emit(r, "# client bytes the agent frames as %s\n",
                           vw_err_name(ev == VW_QGA_EV_ERROR ? e->code : ev))) == 0) {
                rc = emit_hex(r, "send", s->pend.p, n);
            }
            s->ends_scalar = false;
            pend_drop(s, n);
            if (ev == VW_QGA_EV_ERROR && e->code != VW_E_RESYNC) {
                qga_push(r, NULL);
            }
        }
    }
    return rc;
}

/* client_xdr frames the client's bytes with the adapter's framer. */
static int client_xdr(struct vw_rec *r) {
    struct side *s = &r->s[VW_REC_CLIENT];
    int rc = 0;

    while (rc == 0 && !stopped(r) && !s->broken && s->fed < s->pend.len) {
        struct vw_cf_msg m = { 0 };
        size_t used = 0, avail = s->pend.len - s->fed;
        int fr = r->ad->feed(s->fr, s->pend.p + s->fed, avail, &used, &m);

        s->fed += used > avail ? avail : used;
        if (fr == 1) {
            rc = write_send(r, &m, s->pend.p, s->fed);
            pend_drop(s, s->fed);
        } else if (fr < 0) {
            /* the client's stream cannot be framed: from here on it is recorded raw */
            s->broken = true;
            rc = emit(r, "# the client's stream cannot be framed from here: %s\n",
                      vw_err_name(m.code != 0 ? m.code : fr));
        } else if (used == 0) {
            s->broken = true;
        }
        vw_cf_msg_cleanup(&m);
    }
    if (rc == 0 && s->broken && s->pend.len > 0) {
        rc = write_send(r, NULL, s->pend.p, s->pend.len);
        pend_drop(s, s->pend.len);
    }
    return rc;
}

/* ---- server side ---- */

static int server_feed(struct vw_rec *r, const uint8_t *p, size_t len) {
    struct side *s = &r->s[VW_REC_SERVER];
    size_t off = 0;
    int rc = 0;

    while (rc == 0 && !stopped(r) && off < len) {
        struct vw_cf_msg m = { 0 };
        size_t used = 0;
        int fr = r->ad->feed(s->fr, p + off, len - off, &used, &m);

        used = used > len - off ? len - off : used;
        off += used;
        s->unfinished += used;
        if (fr == 1) {
            m.num_fds = s->pending_fds;
            s->pending_fds = 0;
            s->unfinished = 0;
            if (m.kind == VW_CF_SYNC) {
                rc = emit(r, "expect sync\n");
            } else if (m.kind == VW_CF_FRAMING_ERROR) {
                rc = emit(r, "# the server's stream: %s\n", m.summary);
                vw_rec_stop(r, "the server sent bytes its protocol cannot frame");
                qga_pop(r);
            } else {
                rc = write_expect(r, &m);
            }
        } else if (fr < 0) {
            rc = fail(r, fr, "the server's stream cannot be framed: %s (%s)",
                      vw_err_name(m.code != 0 ? m.code : fr), m.detail);
        } else if (used == 0) {
            rc = fail(r, VW_E_INVALID, "the %s adapter took no bytes", r->protocol);
        }
        vw_cf_msg_cleanup(&m);
        if (rc == 0 && s->unfinished > VW_REC_PENDING_MAX) {
            rc = fail(r, VW_E_TOO_LONG, "the server sent over %u bytes without completing a "
                      "message", VW_REC_PENDING_MAX);
        }
    }
    return rc;
}

/* ---- interface ---- */

struct vw_rec *vw_rec_new(const char *protocol) {
    const struct vw_cf_adapter *ad = vw_cf_adapter_find(protocol);
    struct vw_rec *r;

    if (ad == NULL || (r = calloc(1, sizeof(*r))) == NULL) {
        return NULL;
    }
    r->ad = ad;
    r->s[VW_REC_CLIENT].use_qga = strcmp(protocol, "qga") == 0;
    if (r->s[VW_REC_CLIENT].use_qga) {
        vw_qga_framer_init(&r->s[VW_REC_CLIENT].qga);
    }
    if ((r->protocol = strdup(protocol)) == NULL ||
        (r->s[VW_REC_SERVER].fr = ad->framer_new()) == NULL ||
        (!r->s[VW_REC_CLIENT].use_qga && (r->s[VW_REC_CLIENT].fr = ad->framer_new()) == NULL)) {
        vw_rec_free(r);
        return NULL;
    }
    return r;
}

void vw_rec_free(struct vw_rec *r) {
    if (r == NULL) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        r->ad->framer_free(r->s[i].fr);
        vw_cf_buf_free(&r->s[i].pend);
    }
    if (r->s[VW_REC_CLIENT].use_qga) {
        vw_qga_framer_cleanup(&r->s[VW_REC_CLIENT].qga);
    }
    for (size_t i = 0; i < r->num_caps; i++) {
        free(r->caps[i].name);
        free(r->caps[i].value);
    }
    while (r->fifo_num > 0) {
        qga_pop(r);
    }
    free(r->caps);
    free(r->fd_path);
    vw_cf_buf_free(&r->text);
    free(r->protocol);
    free(r);
}

int vw_rec_feed(struct vw_rec *r, int from, const uint8_t *p, size_t len,
                const char *const *fd_paths, size_t num_fds) {
    struct side *s = &r->s[from == VW_REC_SERVER];
    int rc;

    if (stopped(r)) {
        return 0;
    }
    if (from == VW_REC_CLIENT && num_fds > 0) {
        if (s->pending_fds == 0 && num_fds == 1 && fd_paths != NULL && fd_paths[0] != NULL &&
            fd_paths[0][0] == '/' && strchr(fd_paths[0], '\n') == NULL) {
            r->fd_path = strdup(fd_paths[0]);
        }
        s->pending_fds += (int)num_fds;
    } else if (num_fds > 0) {
        s->pending_fds += (int)num_fds;
    }
    if (from == VW_REC_SERVER) {
        rc = server_feed(r, p, len);
    } else {
        if (s->pend.len + len > VW_REC_PENDING_MAX) {
            return fail(r, VW_E_TOO_LONG, "the client sent over %u bytes without completing a "
                        "message", VW_REC_PENDING_MAX);
        }
        if ((rc = vw_cf_buf_append(&s->pend, p, len)) < 0) {
            return fail(r, rc, "out of memory");
        }
        rc = s->use_qga ? client_qga(r) : client_xdr(r);
    }
    if (rc == VW_E_NOMEM) {
        return fail(r, rc, "out of memory");
    }
    if (rc == 0) {
        rc = check_size(r);
    }
    return rc;
}

/* flush_client writes what the client sent that is not a message yet, as raw bytes. */
static int flush_client(struct vw_rec *r) {
    struct side *s = &r->s[VW_REC_CLIENT];
    int rc = 0;

    if (s->pend.len == 0 || (s->use_qga && all_space(s->pend.p, s->pend.len) &&
                             !s->ends_scalar)) {
        return 0;
    }
    if ((rc = emit(r, "# the client's last %zu bytes are not a complete message\n",
                   s->pend.len)) == 0) {
        rc = write_send(r, NULL, s->pend.p, s->pend.len);
    }
    pend_drop(s, s->pend.len);
    return rc;
}

int vw_rec_eof(struct vw_rec *r, int from) {
    struct side *s = &r->s[from == VW_REC_SERVER];

    if (stopped(r)) {
        return 0;
    }
    if (from == VW_REC_CLIENT) {
        r->client_eof = true;
        return flush_client(r);
    }
    r->server_eof = true;
    if (s->unfinished > 0) {
        return fail(r, VW_E_SHORT, "the server closed the connection inside a message (%zu "
                    "bytes of it)", s->unfinished);
    }
    if (!r->client_eof) {
        int rc = flush_client(r);
        return rc < 0 ? rc : emit(r, "expect-close\n");
    }
    return 0;
}

const char *vw_rec_error(const struct vw_rec *r) {
    return r->has_error ? r->error : NULL;
}

size_t vw_rec_messages(const struct vw_rec *r, int from) {
    return r->s[from == VW_REC_SERVER].num_msgs;
}

/* header_text: a header value on one line (newlines and control bytes become blanks). */
static void header_text(char *dst, size_t n, const char *src) {
    size_t i = 0;

    for (; i + 1 < n && src[i] != '\0'; i++) {
        dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' : src[i];
    }
    dst[i] = '\0';
}

int vw_rec_write(struct vw_rec *r, const struct vw_rec_header *h, struct vw_cf_buf *out,
                 char *err, size_t err_len) {
    char title[512], spec[512];
    struct vw_txn t = { 0 };
    size_t start = out->len;
    int rc = 0;

    if (!stopped(r) && (rc = flush_client(r)) < 0) {
        return rc;
    }
    if (h->title != NULL) {
        header_text(title, sizeof(title), h->title);
    } else {
        snprintf(title, sizeof(title), "recorded %s session", r->protocol);
    }
    header_text(spec, sizeof(spec), h->upstream != NULL ? h->upstream : "?");
    if (r->has_error) {
        rc = bemit(out, "# PARTIAL: %s\n", r->error);
    }
    rc = rc < 0 ? rc : bemit(out, "protocol: %s\ntransport: stream\ncase: %s\ntitle: %s%s\n"
                             "spec: recorded with virtwire record from %s\n\n", r->protocol,
                             h->case_id, title[0] != '\0' ? title : "recorded session",
                             r->has_error ? " (partial)" : "", spec);
    rc = rc < 0 ? rc : vw_cf_buf_append(out, r->text.p, r->text.len);
    if (rc == 0 && r->has_error) {
        rc = bemit(out, "# the recording stopped here: %s\n", r->error);
    }
    if (rc < 0) {
        return rc;
    }
    rc = vw_txn_parse(&t, h->case_id, (const char *)out->p + start, out->len - start, err,
                      err_len);
    vw_txn_cleanup(&t);
    return rc == VW_E_NOMEM ? rc : rc < 0 ? VW_E_SYNTAX : 0;
}
