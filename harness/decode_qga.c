/* decode_qga.c -- `virtwire decode --protocol qga --from client|server [--requests FILE]`: a
 * qemu-ga 7.2 byte stream of one direction (historic-qemud-openhook-qga.md §3.3).
 *
 * Messages are cut by the framer (reference/qga_lex.c), checked as requests or replies
 * (qga_msg.c) and against the schema (qga_check.c).  A framing error is reported and decoding
 * goes on where the framer resumes (after a 0xFF, or where its recovery stops), so the messages
 * after a resync point are still decoded and printed.
 *
 * A reply does not name its command.  With --requests FILE (the client stream of the same
 * session) replies are paired, in order, with what the agent answers: every framed client
 * message, every framing error and every 0xFF (the agent answers each with one reply,
 * real-servers.md §2 "Resync" table), except that a command without success response
 * (guest-shutdown, guest-suspend-*) may have no reply.  A paired return is checked against
 * its command's return type, a reply to a request that can only fail must be an error
 * (VW_E_MSG_TYPE), and a reply to a request with an id must carry the same id (VW_E_MEMBER).
 * Without --requests only the envelope of a reply is checked (-v says so).
 *
 * Exit status as every decoder: 0 all valid, 1 any invalid (message or framing), 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "pump.h"
#include "qga.h"
#include "qga_schema.h"
#include "xdr.h"      /* VW_DEC_LENIENT */

#define LINE_JSON 160       /* bytes of a JSON value shown on a summary line */
#define SLOTS_MAX 65536     /* requests remembered for pairing */

/* One reply the agent owes for an event of the client stream. */
struct slot {
    const struct vw_qga_command *cmd;  /* NULL: the request can only fail */
    json_t *id;                        /* the request's id (owned), or NULL */
    bool optional;                     /* success-response false: no reply on success */
};

struct stream_state {
    const struct vw_decode_opts *opts;
    int direction;
    struct vw_qga_framer framer;
    size_t num_msgs;
    int num_invalid;
    /* pairing (server stream with --requests) */
    bool pairing;
    struct slot *slots;
    size_t num_slots, next_slot;
    /* collecting slots (client stream read for --requests): no output */
    bool collect;
};

static void report(struct stream_state *st, size_t start, const struct vw_diag *d,
                   const char *what, const char *path) {
    fprintf(st->opts->err,
            "virtwire: message %zu (stream offset %zu): %s %s at message byte %zu "
            "(stream offset %zu)%s%s: %s%s%s\n",
            st->num_msgs, start, what, vw_err_name(d->code), d->offset, start + d->offset,
            d->field != NULL ? ", field " : "", d->field != NULL ? d->field : "",
            vw_err_text(d->code), path != NULL && path[0] != 0 ? ": " : "",
            path != NULL ? path : "");
}

static void add_slot(struct stream_state *st, const struct vw_qga_command *cmd, const json_t *id) {
    if (st->num_slots == SLOTS_MAX) {
        return;
    }
    st->slots[st->num_slots++] = (struct slot){
        .cmd = cmd, .id = id != NULL ? json_incref((json_t *)id) : NULL,
        .optional = cmd != NULL && !vw_qga_command_success_response(cmd),
    };
}

/* take_slot returns the request |m| (a reply) answers, or NULL when the client stream ran out. */
static const struct slot *take_slot(struct stream_state *st, const struct vw_qga_msg *m) {
    while (st->next_slot < st->num_slots) {
        const struct slot *s = &st->slots[st->next_slot++];
        if (s->optional && m->kind == VW_QGA_RETURN) {
            continue;           /* that command sent nothing on success */
        }
        return s;
    }
    return NULL;
}

/* pair checks |m| against the request it answers; returns 0 or an error in |diag|/|path|. */
static int pair(const struct slot *s, const struct vw_qga_msg *m, struct vw_diag *diag,
                char path[VW_QGA_PATH_MAX]) {
    if (s->cmd == NULL && m->kind == VW_QGA_RETURN) {
        *diag = (struct vw_diag){ .code = VW_E_MSG_TYPE, .offset = 0, .field = "return" };
        snprintf(path, VW_QGA_PATH_MAX, "return: the request it answers can only fail");
        return VW_E_MSG_TYPE;
    }
    if (s->cmd != NULL &&
        ((s->id == NULL) != (m->id == NULL) || (s->id != NULL && !json_equal(s->id, m->id)))) {
        /* qapi/qmp-dispatch.c copies the request's id into every response */
        *diag = (struct vw_diag){ .code = VW_E_MEMBER, .offset = 0, .field = "id" };
        snprintf(path, VW_QGA_PATH_MAX, "id: not the id of the request it answers");
        return VW_E_MEMBER;
    }
    return 0;
}

static void print_line(struct stream_state *st, const struct vw_qga_frame *fr,
                       const struct vw_qga_msg *m, const struct vw_qga_command *cmd,
                       int checked) {
    FILE *out = st->opts->out;
    char buf[LINE_JSON];

    fprintf(out, "#%zu @%zu len=%zu: ", st->num_msgs, fr->start, fr->end - fr->start);
    if (m->kind == VW_QGA_REQUEST) {
        fprintf(out, "request %s", m->execute);
    } else {
        fprintf(out, "reply");
        if (cmd != NULL) {
            fprintf(out, " to %s", vw_qga_command_name(cmd));
        }
    }
    if (m->id != NULL) {
        vw_qga_json_short(m->id, buf, sizeof(buf));
        fprintf(out, " id=%s", buf);
    }
    if (m->kind == VW_QGA_REQUEST && m->arguments != NULL) {
        vw_qga_json_short(m->arguments, buf, sizeof(buf));
        fprintf(out, " %s", buf);
    } else if (m->kind == VW_QGA_RETURN) {
        vw_qga_json_short(m->ret, buf, sizeof(buf));
        fprintf(out, " return %s", buf);
    } else if (m->kind == VW_QGA_ERROR) {
        json_t *d = json_string(m->err_desc);
        vw_qga_json_short(d, buf, sizeof(buf));
        json_decref(d);
        fprintf(out, " error %s %s", m->err_class, buf);
    }
    if (m->kind == VW_QGA_REQUEST && checked == 1) {
        fprintf(out, " (not a qemu-ga 7.2 command: arguments not checked)");
    }
    fputc('\n', out);
    if (st->opts->verbose) {
        char *all = json_dumps(m->root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
                                                JSON_ENSURE_ASCII);
        fprintf(out, "    json = %s\n", all != NULL ? all : "?");
        free(all);
        fprintf(out, "    tokens = %zu\n", fr->num_tokens);
        if (m->kind == VW_QGA_REQUEST) {
            fprintf(out, "    schema = %s\n", checked == 0 ? "arguments checked (qemu-ga 7.2)"
                                                           : "unknown command, not checked");
        } else if (m->kind == VW_QGA_RETURN) {
            fprintf(out, "    schema = %s\n",
                    checked == 0 ? "return value checked against its command"
                    : st->pairing ? "no request left to pair with: envelope only"
                                  : "envelope only (pair replies with --requests FILE)");
        }
    }
}

static void on_frame(struct stream_state *st) {
    struct vw_diag diag = { 0 }, lax = { 0 };
    char path[VW_QGA_PATH_MAX] = "";
    const struct vw_qga_command *cmd = NULL;
    const struct slot *s = NULL;
    struct vw_qga_frame fr;
    struct vw_qga_msg m = { 0 };
    int r, checked = 1;

    vw_qga_frame(&st->framer, &fr);
    r = vw_qga_msg_decode(&m, &diag, &lax, path, &fr, st->direction, st->opts->flags);
    if (r == 0 && st->pairing && (s = take_slot(st, &m)) != NULL) {
        cmd = s->cmd;
        r = pair(s, &m, &diag, path);
    }
    if (r == 0) {
        r = checked = vw_qga_msg_check(&m, cmd, &diag, path);
    }
    if (st->collect) {
        add_slot(st, r >= 0 && m.kind == VW_QGA_REQUEST ? vw_qga_command_find(m.execute) : NULL,
                 r >= 0 ? m.id : NULL);
    } else if (r < 0) {
        report(st, fr.start, &diag, "invalid message:", path);
        st->num_invalid++;
    } else {
        print_line(st, &fr, &m, cmd, checked);
        if (lax.code != 0) {
            report(st, fr.start, &lax, "accepted non-canonical", "");
        }
    }
    vw_qga_msg_cleanup(&m);
    st->num_msgs++;
}

static void on_event(void *ctx) {
    struct stream_state *st = ctx;
    const struct vw_qga_event *ev = &st->framer.event;

    if (ev->kind == VW_QGA_EV_MESSAGE) {
        on_frame(st);
        return;
    }
    if (st->collect) {
        if (st->direction == VW_QGA_FROM_CLIENT) {
            add_slot(st, NULL, NULL);   /* the agent answers a 0xFF or a bad byte with an error */
        }
        return;
    }
    if (ev->kind == VW_QGA_EV_SYNC) {
        fprintf(st->opts->out, "sync marker @%zu\n", ev->offset);
        return;
    }
    fprintf(st->opts->err,
            "virtwire: stream offset %zu: framing error %s at stream offset %zu: %s: %s; "
            "bytes %zu..%zu discarded, %s\n",
            ev->start, vw_err_name(ev->code), ev->offset, ev->what, vw_err_text(ev->code),
            ev->start, ev->code == VW_E_RESYNC ? ev->end : ev->offset,
            ev->code == VW_E_RESYNC ? "decoding resumes after the 0xFF"
                                    : "decoding resumes at the next token");
    st->num_invalid++;
}

static int feed(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    struct stream_state *st = ctx;
    int r = vw_qga_feed(&st->framer, p, len, used);

    if (r == VW_E_NOMEM) {
        fprintf(st->opts->err, "virtwire: stream offset %zu: VW_E_NOMEM: message dropped\n",
                st->framer.pos);
        st->num_invalid++;
        return VW_E_AGAIN;
    }
    return r > 0 ? 1 : r;
}

static int run(struct stream_state *st, int fd) {
    int r;

    if (vw_decode_pump(fd, st->opts->err, feed, on_event, st, &r) < 0) {
        return -1;
    }
    if (vw_qga_pending(&st->framer) && !st->collect) {
        vw_decode_report_pending(st->opts->err, "message", st->num_msgs, st->framer.msg_start,
                                 st->framer.pos);
        st->num_invalid++;
    }
    return 0;
}

/* collect_requests reads the client stream at |path| into the reply slots of |st|. */
static int collect_requests(struct stream_state *st, const char *path) {
    struct stream_state c = { .opts = st->opts, .direction = VW_QGA_FROM_CLIENT,
                              .collect = true, .slots = st->slots };
    struct vw_decode_opts lenient = *st->opts;
    int fd, r;

    /* the agent takes single-quoted strings: pair as it would */
    lenient.flags |= VW_DEC_LENIENT;
    c.opts = &lenient;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(st->opts->err, "virtwire decode: %s: %s\n", path, strerror(errno));
        return -1;
    }
    vw_qga_framer_init(&c.framer);
    r = run(&c, fd);
    close(fd);
    vw_qga_framer_cleanup(&c.framer);
    st->num_slots = c.num_slots;
    return r;
}

int vw_decode_qga(int fd, const struct vw_decode_opts *opts) {
    struct stream_state *st;
    int rc = 0;

    /* requests and replies have different envelopes (§3.3): no guessing */
    if (vw_decode_need_from(opts, "qga") < 0) {
        return -1;
    }
    if (opts->requests != NULL && opts->from != VW_FROM_SERVER) {
        fprintf(opts->err, "virtwire decode: --requests pairs a server stream's replies\n");
        return -1;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL) {
        return -1;
    }
    st->opts = opts;
    st->direction = opts->from == VW_FROM_SERVER ? VW_QGA_FROM_SERVER : VW_QGA_FROM_CLIENT;
    vw_qga_framer_init(&st->framer);
    if (opts->requests != NULL) {
        st->pairing = true;
        if ((st->slots = calloc(SLOTS_MAX, sizeof(*st->slots))) == NULL ||
            collect_requests(st, opts->requests) < 0) {
            rc = -1;
            goto cleanup;
        }
    }
    if (run(st, fd) < 0) {
        rc = -1;
        goto cleanup;
    }
    fprintf(opts->out, "%zu messages, %d invalid\n", st->num_msgs, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    for (size_t i = 0; i < st->num_slots; i++) {
        json_decref(st->slots[i].id);
    }
    free(st->slots);
    vw_qga_framer_cleanup(&st->framer);
    free(st);
    return rc;
}
