/* serve_qemud.c -- `virtwire serve --protocol qemud`: a daemon speaking libvirt's 2007 qemud
 * protocol (historic-qemud-openhook-qga.md §1) over the in-memory domains and networks of
 * qemud_state.c, as the embedded default target of the conformance runner.
 *
 * Per connection, following §1.6 (LV-D):
 *   - messages are cut by their length words; a length over REMOTE_MESSAGE_MAX (262144) closes
 *     the connection.  [deviation] a length under header + serial (12) closes it too: the
 *     2007 daemon had no lower bound but then failed to decode the body, and closed;
 *   - prog != QEMUD_PROGRAM closes the connection as soon as the 8 header bytes are in, as
 *     the daemon checked the header before reading the body;
 *   - a body that fails to decode (type >= QEMUD_CLIENT_PKT_MAX, truncated, ...) closes the
 *     connection without a reply.  [deviation, stricter] decoding is strict (qemud.h): a char
 *     out of range or bytes after the body, which rpcgen's filters let through, close it too;
 *   - the request's serial must be ++incomingSerial (1, 2, ...), else the connection closes;
 *   - each request gets one reply: serial = ++outgoingSerial (from 1), inReplyTo = the
 *     request's serial, type = the request's + 1 (§1.3), or FAILURE (0) with {code, message}
 *     when the operation fails;
 *   - --read-only: the funcsTransmitRO rule (§1.6), denied types get VIR_ERR_OPERATION_DENIED.
 * The model is shared by every connection of one server and starts afresh at each start.
 * Replies are built as vw_xs items from the reply's field names and encoded by the reference
 * encoder (vw_qemud_encode).  A client that does not read its replies is not read from
 * either (one reply is buffered), and is dropped at its idle deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemud.h"
#include "qemud_state.h"
#include "serve.h"
#include "serve_loop.h"

#define VW_QSERVE_READ 4096         /* bytes per read; the framer bounds the message */

struct qclient {
    uint32_t in_serial;             /* client->incomingSerial (§1.6) */
    uint32_t out_serial;            /* client->outgoingSerial (§1.6) */
    size_t in_off, in_len;          /* bytes of |in| not yet framed */
    size_t out_off, out_len;        /* reply bytes not yet sent */
    uint8_t in[VW_QSERVE_READ];
    uint8_t out[VW_QEMUD_SERVER_MSG_MAX];
    struct vw_qemud_framer framer;
};

struct qserver {
    const struct vw_serve_opts *o;
    struct vw_qs_state state;
    struct vw_qs_req req;
    struct vw_qs_reply rep;
    struct vw_xs_item items[VW_QEMUD_ITEMS_MAX];
};

/* ---- request fields ---- */

/* field finds the field |name| of the arm struct (depth 2) among |n| items; -1 if none. */
static long field(const struct vw_xs_item *items, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (items[i].depth == 2 && items[i].name != NULL && strcmp(items[i].name, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

/* chars copies a char vector into |out| (|cap| bytes), stopping at its first NUL; a vector
 * with none is cut at cap - 1, as C code reading the array as a string would go no further
 * [UNCONFIRMED: the 2007 handlers' exact treatment is not in the facts]. */
static void chars(const struct vw_xs_item *items, size_t n, const char *name, char *out,
                  size_t cap) {
    long at = field(items, n, name);
    size_t k = 0;

    if (at >= 0) {
        const struct vw_xs_item *v = &items[at];
        for (; k + 1 < cap && k < v->type->n && (size_t)at + 1 + k < n; k++) {
            char c = (char)items[at + 1 + (long)k].i;
            if (c == '\0') {
                break;
            }
            out[k] = c;
        }
    }
    out[k] = '\0';
}

static void read_request(struct qserver *s, size_t n) {
    const struct vw_xs_item *it = s->items;
    struct vw_qs_req *q = &s->req;
    long at;

    memset(q->uuid, 0, sizeof(q->uuid));
    q->id = (at = field(it, n, "id")) >= 0 ? (int32_t)it[at].i : 0;
    q->autostart = (at = field(it, n, "autostart")) >= 0 ? (uint32_t)it[at].u : 0;
    if ((at = field(it, n, "uuid")) >= 0) {
        for (size_t k = 0; k < VW_QEMUD_UUID_RAW_LEN && (size_t)at + 1 + k < n; k++) {
            q->uuid[k] = (uint8_t)it[at + 1 + (long)k].u;
        }
    }
    chars(it, n, "name", q->name, sizeof(q->name));
    chars(it, n, "xml", q->xml, sizeof(q->xml));
    chars(it, n, "file", q->file, sizeof(q->file));
}

/* ---- reply items ---- */

struct build {
    struct vw_xs_item *items;
    size_t n;
    const struct vw_qs_reply *rep;
};

static int add(struct build *b, const struct vw_xs_type *t, const char *name, unsigned depth,
               int64_t v) {
    if (b->n == VW_QEMUD_ITEMS_MAX) {
        return VW_E_NOSPACE;
    }
    b->items[b->n++] = (struct vw_xs_item){ .type = t, .name = name, .depth = depth,
                                            .u = t->kind == VW_XS_UHYPER ? (uint64_t)v
                                                                         : (uint32_t)v,
                                            .i = v };
    return 0;
}

static int reply_num(const struct vw_qs_reply *rep, const char *name, int64_t *out) {
    for (size_t i = 0; i < rep->num_nums; i++) {
        if (strcmp(rep->nums[i].name, name) == 0) {
            *out = (int64_t)rep->nums[i].v;
            return 0;
        }
    }
    return VW_E_INVALID;    /* a handler left out a field of its reply: a bug */
}

/* build_type appends the items of |t| (field |name|) from the reply's fields by name. */
static int build_type(struct build *b, const struct vw_xs_type *t, const char *name,
                      unsigned depth) {
    const struct vw_qs_reply *rep = b->rep;
    int64_t v = 0;
    int r;

    switch (t->kind) {
    case VW_XS_VOID:
        return add(b, t, name, depth, 0);
    case VW_XS_STRUCT:
        if ((r = add(b, t, name, depth, 0)) < 0) {
            return r;
        }
        for (size_t i = 0; i < t->num_fields; i++) {
            if ((r = build_type(b, t->fields[i].type, t->fields[i].name, depth + 1)) < 0) {
                return r;
            }
        }
        return 0;
    case VW_XS_VECTOR:
        if ((r = add(b, t, name, depth, 0)) < 0) {
            return r;
        }
        if (t->elem->kind == VW_XS_CHAR &&
            (rep->text_field == NULL || strcmp(rep->text_field, name) != 0)) {
            return VW_E_INVALID;
        }
        for (uint32_t k = 0; k < t->n; k++) {
            if (t->elem->kind == VW_XS_UCHAR) {
                v = rep->uuid[k % VW_QEMUD_UUID_RAW_LEN];
            } else if (t->elem->kind == VW_XS_INT) {
                v = k < rep->num_ids ? rep->ids[k] : 0;
            } else {
                /* §1.5: rpcgen's xdr_char sends a char as a sign-extended int */
                v = k < rep->text_len ? (int8_t)rep->text[k] : 0;
            }
            if ((r = add(b, t->elem, NULL, depth + 1, v)) < 0) {
                return r;
            }
        }
        return 0;
    default:
        if ((r = reply_num(rep, name != NULL ? name : "", &v)) < 0) {
            return r;
        }
        return add(b, t, name, depth, v);
    }
}

/* encode_reply encodes the reply to |serial| into |c->out|; 0 or a negative code. */
static int encode_reply(struct qserver *s, struct qclient *c, uint32_t serial) {
    const struct vw_xs_type *u = vw_qemud_data_type(VW_QEMUD_FROM_SERVER);
    const struct vw_xs_arm *arm = NULL;
    struct build b = { .items = s->items, .rep = &s->rep };
    struct vw_qemud_msg m = { .direction = VW_QEMUD_FROM_SERVER, .type = s->rep.type,
                              .in_reply_to = serial };
    struct vw_xdr_enc e;
    int r;

    for (size_t i = 0; i < u->num_arms; i++) {
        if (u->arms[i].value == s->rep.type) {
            arm = &u->arms[i];
        }
    }
    if (arm == NULL) {
        return VW_E_INVALID;
    }
    if ((r = add(&b, u, NULL, 0, s->rep.type)) < 0 ||
        (r = build_type(&b, arm->type, arm->name, 1)) < 0) {
        return r;
    }
    m.serial = c->out_serial + 1;   /* §1.6: serial = ++client->outgoingSerial */
    vw_xdr_enc_init(&e, c->out, sizeof(c->out));
    if ((r = vw_qemud_encode(&e, &m, b.items, b.n)) < 0) {
        return r;
    }
    c->out_serial++;
    c->out_off = 0;
    c->out_len = e.len;
    return 0;
}

/* ---- one client ---- */

static void report(struct qserver *s, const struct vw_serve_client *sc, const char *what,
                   const struct vw_diag *d, size_t start) {
    fprintf(s->o->err,
            "virtwire serve: client %u: %s %s at message byte %zu (stream offset %zu)%s%s: "
            "%s; connection closed\n",
            sc->id, what, vw_err_name(d->code), d->offset, start + d->offset,
            d->field != NULL ? ", field " : "", d->field != NULL ? d->field : "",
            vw_err_text(d->code));
}

/* answer decodes the request the framer completed and queues its reply.  Returns 0, or -1
 * when §1.6 says the connection is closed (reported). */
static int answer(struct qserver *s, struct vw_serve_client *sc, struct qclient *c) {
    struct vw_qemud_items col = { .items = s->items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag diag = { 0 };
    struct vw_qemud_msg m;
    struct vw_span msg;
    int r;

    vw_qemud_message(&c->framer, &msg);
    if ((r = vw_qemud_decode(&m, &diag, NULL, msg.p, msg.len, VW_QEMUD_FROM_CLIENT, 0,
                             vw_qemud_collect, &col)) < 0) {
        report(s, sc, "invalid request:", &diag, c->framer.msg_start);
        return -1;
    }
    if (m.serial != c->in_serial + 1) {
        /* §1.6: "request must have serial == ++client->incomingSerial ... otherwise the
         * connection is dropped" */
        fprintf(s->o->err,
                "virtwire serve: client %u: request serial %u, expected %u (§1.6); "
                "connection closed\n", sc->id, m.serial, c->in_serial + 1);
        return -1;
    }
    c->in_serial++;
    read_request(s, col.num);
    vw_qs_handle(&s->state, m.type, &s->req, s->o->read_only, &s->rep);
    if ((r = encode_reply(s, c, m.serial)) < 0) {
        /* §1.6: a handler returning < 0 closes the connection */
        fprintf(s->o->err, "virtwire serve: client %u: reply to %s not encoded: %s\n", sc->id,
                vw_qemud_type_name(VW_QEMUD_FROM_CLIENT, m.type), vw_err_name(r));
        return -1;
    }
    return 0;
}

/* flush sends what is left of the reply; 0 when all is sent or the socket is full, -1 on
 * an error (reported). */
static int flush(struct qserver *s, struct vw_serve_client *sc, struct qclient *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(sc->sock, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fprintf(s->o->err, "virtwire serve: client %u: reply not sent: %s\n", sc->id,
                    n < 0 ? strerror(errno) : "short write");
            return -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* process frames buffered input while no reply waits to be sent; 0 or -1 (close). */
static int process(struct qserver *s, struct vw_serve_client *sc, struct qclient *c) {
    while (c->out_len == 0 && c->in_off < c->in_len) {
        size_t used;
        int r = vw_qemud_feed(&c->framer, c->in + c->in_off, c->in_len - c->in_off, &used);

        c->in_off += used;
        if (r == VW_E_AGAIN) {
            const uint8_t *h = c->framer.buf;
            if (c->framer.have >= VW_QEMUD_HEADER_LEN &&
                ((uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7]) !=
                    VW_QEMUD_PROGRAM) {
                /* §1.6: only prog == QEMUD_PROGRAM is accepted, checked on the header */
                struct vw_diag d = { .code = VW_E_PROGRAM, .offset = 4, .field = "prog" };
                report(s, sc, "invalid header:", &d, c->framer.msg_start);
                return -1;
            }
            break;
        }
        if (r < 0) {
            /* §1.6: length > REMOTE_MESSAGE_MAX closes the connection */
            struct vw_diag d = { .code = r, .offset = 0, .field = "length" };
            report(s, sc, "unframeable request:", &d, c->framer.msg_start);
            return -1;
        }
        if (answer(s, sc, c) < 0 || flush(s, sc, c) < 0) {
            return -1;
        }
    }
    return 0;
}

static int on_ready(void *ctx, struct vw_serve_client *sc, short revents) {
    struct qserver *s = ctx;
    struct qclient *c = sc->state;
    ssize_t n;

    if (c->out_len != 0) {
        if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0) {
            return 0;
        }
        if (flush(s, sc, c) < 0) {
            return -1;
        }
        if (c->out_len != 0) {
            return 1;   /* the peer took some: not idle */
        }
        return process(s, sc, c) < 0 ? -1 : 1;
    }
    n = recv(sc->sock, c->in, sizeof(c->in), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return 0;
    }
    if (n <= 0) {
        if (n < 0) {
            fprintf(s->o->err, "virtwire serve: client %u: read failed: %s\n", sc->id,
                    strerror(errno));
        } else if (vw_qemud_pending(&c->framer)) {
            fprintf(s->o->err, "virtwire serve: client %u: closed inside a request\n", sc->id);
        }
        return -1;
    }
    c->in_off = 0;
    c->in_len = (size_t)n;
    return process(s, sc, c) < 0 ? -1 : 1;
}

static short on_events(void *ctx, const struct vw_serve_client *sc) {
    const struct qclient *c = sc->state;

    (void)ctx;
    return c->out_len != 0 ? POLLOUT : POLLIN;
}

static int on_open(void *ctx, struct vw_serve_client *sc) {
    struct qclient *c = malloc(sizeof(*c));

    (void)ctx;
    if (c == NULL) {
        return -1;
    }
    c->in_serial = c->out_serial = 0;
    c->in_off = c->in_len = c->out_off = c->out_len = 0;
    vw_qemud_framer_init(&c->framer);
    sc->state = c;
    return 0;
}

static void on_close(void *ctx, struct vw_serve_client *sc) {
    (void)ctx;
    free(sc->state);
}

static bool on_pending(void *ctx, const struct vw_serve_client *sc) {
    const struct qclient *c = sc->state;

    (void)ctx;
    return vw_qemud_pending(&c->framer) || c->out_len != 0;
}

int vw_serve_qemud(const struct vw_serve_opts *opts) {
    struct qserver *s = calloc(1, sizeof(*s));
    struct vw_serve_ops ops = { .ctx = s, .open = on_open, .events = on_events,
                                .ready = on_ready, .close = on_close, .pending = on_pending };
    struct vw_serve_loop_opts lo = { .listen = opts->listen, .once = opts->once,
                                     .max_clients = opts->max_clients,
                                     .timeout_ms = opts->timeout_ms,
                                     .banner = opts->read_only ? " (read-only)" : NULL,
                                     .err = opts->err };
    int rc;

    if (s == NULL) {
        fprintf(opts->err, "virtwire serve: out of memory\n");
        return -1;
    }
    s->o = opts;
    vw_qs_init(&s->state);
    rc = vw_serve_loop_run(&lo, &ops);
    free(s);
    return rc;
}
