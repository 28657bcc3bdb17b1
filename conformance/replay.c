/* replay.c -- one conformance case against a target (replay.h). */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "match.h"
#include "transport.h"

#define VW_REPLAY_CHUNK 65536u   /* bytes per recvmsg */

/* What reading the next event gave. */
enum { EV_MSG = 1, EV_TIMEOUT = 2, EV_CLOSED = 3, EV_STOP = 4 };

struct run {
    const struct vw_txn *t;
    const struct vw_replay_opts *o;
    const struct vw_cf_adapter *ad;
    struct vw_transport_uri uri;
    int fd;                      /* -1 when not connected */
    bool chardev;                /* a chardev: target: sync after every connect (replay.h) */
    struct vw_cf_framer *fr;
    uint8_t *chunk;              /* received bytes not yet fed: chunk[off, len) */
    size_t off, len;
    bool eof, broken;
    size_t pending_bytes;        /* bytes since the last complete message (or resync) */
    struct vw_cf_buf held;       /* those bytes, as fed (fed but unframed, for observe) */
    unsigned long long consumed; /* bytes taken from the chunk (fed or dropped), for syncs */
    int pending_fds;             /* fds of the message being framed */
    int chunk_fds;               /* fds of the last read, owed to the byte chunk[len - 1] */
    unsigned fds_total;
    const char *send_fd_path;    /* from send-fd, for the next send */
    struct vw_cf_captures caps;
    struct vw_cf_msg last;       /* the message the last expect matched */
    bool have_last, last_fd_checked;
    unsigned last_line;
    bool nonstrict;
    char nonstrict_reason[512];
    int verdict;                 /* -1 while undecided */
    char reason[512];
    struct vw_cf_buf diff, log;
    struct vw_cf_buf send;       /* the encoded message; its memory is reused by every send */
    struct vw_replay_obs *obs;   /* observe steps (moved to the result) */
    size_t num_obs;
    struct vw_replay_sync *syncs;    /* completed syncs (moved to the result) */
    size_t num_syncs;
};

const char *vw_verdict_name(int verdict) {
    static const char *const names[] = { "PASS", "NON-STRICT", "FAIL", "ERROR", "SKIP",
                                         "INFORMATIONAL" };

    return verdict >= 0 && verdict < VW_VERDICT_COUNT ? names[verdict] : "?";
}

static int64_t now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

size_t vw_replay_escape(const unsigned char *p, size_t n, char *out, size_t cap) {
    size_t at = 0;

    for (size_t i = 0; i < n; i++) {
        char e[5];
        size_t en = 2;
        unsigned char b = p[i];

        e[0] = '\\';
        if (b == '\\' || b == '"') {
            e[1] = (char)b;
        } else if (b == '\n' || b == '\r' || b == '\t') {
            e[1] = b == '\n' ? 'n' : b == '\r' ? 'r' : 't';
        } else if (b < 0x20 || b > 0x7e) {
            e[1] = 'x';
            e[2] = "0123456789abcdef"[b >> 4];
            e[3] = "0123456789abcdef"[b & 15];
            en = 4;
        } else {
            e[0] = (char)b;
            en = 1;
        }
        /* room for this piece, and for "..." should a later one not fit */
        if (at + en + (i + 1 < n ? 3 : 0) + 1 > cap) {
            memcpy(out + at, "...", 3);     /* every earlier piece left room for it */
            at += 3;
            break;
        }
        memcpy(out + at, e, en);
        at += en;
    }
    out[at] = '\0';
    return at;
}

static unsigned scaled(const struct run *r, unsigned ms) {
    double s = r->o->timeout_scale > 0 ? r->o->timeout_scale : 1.0;
    double v = (double)ms * s;

    return v < 1 ? 1 : v > 86400000.0 ? 86400000u : (unsigned)v;
}

/* verdict records the first verdict and its reason; later ones are ignored. */
__attribute__((format(printf, 3, 4)))
static void verdict(struct run *r, int v, const char *fmt, ...) {
    va_list ap;

    if (r->verdict >= 0) {
        return;
    }
    r->verdict = v;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void trace(struct run *r, const char *fmt, ...) {
    char line[600];
    va_list ap;
    int n;

    if (!r->o->verbose) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) {
        size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
        if (vw_cf_buf_append(&r->log, line, len) != 0 || vw_cf_buf_append(&r->log, "\n", 1)) {
            return;                 /* the trace is best effort */
        }
    }
}

static void disconnect(struct run *r) {
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    if (r->ad != NULL && r->fr != NULL) {
        r->ad->framer_free(r->fr);
    }
    r->fr = NULL;
    r->off = r->len = 0;
    r->eof = r->broken = false;
    r->pending_bytes = 0;
    r->held.len = 0;
    r->pending_fds = 0;
    r->chunk_fds = 0;
}

static bool do_sync(struct run *r, unsigned line, unsigned timeout_ms, bool implicit);

/* do_connect connects (again) to the target; on a chardev: target an implicit sync follows
 * unless |raw| (replay.h "chardev: targets"; virtio-serial.md "What a client/test suite must
 * do" 1: "After every connect ... call sync()").  |line| is the reconnect step's, 0 for the
 * case's first connect; |timeout_ms| (unscaled) bounds the connect and the sync. */
static bool do_connect(struct run *r, unsigned line, bool raw, unsigned timeout_ms) {
    char err[256];

    disconnect(r);
    if (vw_transport_connect(&r->uri, (int)scaled(r, r->t->timeout_ms), &r->fd, err,
                             sizeof(err)) != 0) {
        verdict(r, VW_VERDICT_ERROR, "cannot connect to %s: %s", r->o->target, err);
        return false;
    }
    r->fr = r->ad->framer_new();
    if (r->fr == NULL) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        return false;
    }
    trace(r, "connected to %s%s", r->o->target,
          r->chardev && raw ? " (raw: no implicit sync)" : "");
    if (r->chardev && !raw) {
        return do_sync(r, line, timeout_ms, true);
    }
    return true;
}

/* read_chunk reads into the (fully used) chunk, counting and closing any fds that came with
 * it; they are owed to the message that holds the chunk's last byte (take_chunk_fds).
 * Returns 1 (data), 0 (end of stream), EV_TIMEOUT or EV_STOP (verdict set). */
static int read_chunk(struct run *r, int64_t deadline, unsigned line) {
    int fds[VW_FDPASS_MAX_FDS + 1];
    size_t num_fds = 0;
    bool ctrunc = false;
    int64_t left = deadline - now_ms();
    ssize_t n;

    if (r->fd < 0) {
        verdict(r, VW_VERDICT_ERROR, "line %u: not connected", line);
        return EV_STOP;
    }
    if (r->pending_bytes >= (r->o->max_buffered != 0 ? r->o->max_buffered
                                                     : VW_REPLAY_MAX_BUFFERED)) {
        verdict(r, VW_VERDICT_ERROR, "line %u: server sent too much (%zu bytes without a "
                "complete message)", line, r->pending_bytes);
        return EV_STOP;
    }
    if (left <= 0) {
        return EV_TIMEOUT;
    }
    n = vw_fd_recv(r->fd, r->chunk, VW_REPLAY_CHUNK, fds, VW_FDPASS_MAX_FDS, &num_fds, &ctrunc,
                   left > INT32_MAX ? INT32_MAX : (int)left);
    if (n >= 0) {
        vw_fd_close_all(fds, num_fds);  /* counted, never used */
        r->chunk_fds += (int)num_fds;
        r->fds_total += (unsigned)num_fds;
    }
    if (n == VW_E_AGAIN) {
        return EV_TIMEOUT;
    }
    if (n == VW_E_CTRUNC || n == VW_E_MSG_TYPE || n == VW_E_LENGTH || n == VW_E_FDS) {
        verdict(r, VW_VERDICT_FAIL, "line %u: unexpected ancillary data from the server: %s (%s)",
                line, vw_err_name((int)n), vw_err_text((int)n));
        return EV_STOP;
    }
    if (n < 0) {
        if (errno == ECONNRESET) {
            r->eof = true;          /* a reset is a close */
            return 0;
        }
        verdict(r, VW_VERDICT_ERROR, "line %u: receive: %s", line, strerror(errno));
        return EV_STOP;
    }
    if (n == 0) {
        r->eof = true;
        return 0;
    }
    r->off = 0;
    r->len = (size_t)n;
    return 1;
}

/* take_chunk_fds gives the fds of the last read to the message being framed once the read's
 * last byte has been fed (or dropped).  unix(7): the fds of a sendmsg travel with its first
 * byte, and a recvmsg stops at the end of the segment that carries them, after gluing any
 * segments without fds before it (seen on this kernel: "AAAA", then "BBBB" with an fd, read as
 * "AAAABBBB" with the fd; a following "CCCC" comes in the next read).  So the fds belong to a
 * read's last segment, and for a server that sends each message with its fds in one sendmsg
 * that is the message holding the read's last byte.  (A sendmsg of several messages with fds
 * for its first one is counted against its last: stream reads do not show segment bounds.) */
static void take_chunk_fds(struct run *r) {
    if (r->off >= r->len && r->chunk_fds != 0) {
        r->pending_fds += r->chunk_fds;
        r->chunk_fds = 0;
    }
}

/* next_event feeds buffered and then received bytes to the framer until a message or event
 * is ready (EV_MSG, |*m| owned by the caller), the deadline passes (EV_TIMEOUT), the server
 * closes (EV_CLOSED), or the case must stop (EV_STOP, verdict set). */
static int next_event(struct run *r, int64_t deadline, unsigned line, struct vw_cf_msg *m) {
    for (;;) {
        if (r->off < r->len && !r->broken) {
            /* fed straight into |*m| (empty, as every caller passes it): no copy */
            size_t used = 0, avail = r->len - r->off;
            int fr = r->ad->feed(r->fr, r->chunk + r->off, avail, &used, m);

            used = used > avail ? avail : used;
            r->off += used;
            r->pending_bytes += used;
            r->consumed += used;
            take_chunk_fds(r);
            if (fr == 1) {
                m->num_fds = r->pending_fds;
                r->pending_fds = 0;
                r->pending_bytes = 0;
                r->held.len = 0;
                return EV_MSG;
            }
            /* the first VW_REPLAY_OBSERVE_KEEP bytes of an unfinished message are kept for
             * an observe step (step_observe); the rest is counted in pending_bytes */
            size_t keep = VW_REPLAY_OBSERVE_KEEP - r->held.len;
            keep = used < keep ? used : keep;
            if (fr == 0 && keep > 0
                && vw_cf_buf_append(&r->held, r->chunk + r->off - used, keep) != 0) {
                verdict(r, VW_VERDICT_ERROR, "out of memory");
                return EV_STOP;
            }
            if (fr < 0) {
                r->held.len = 0;
                r->broken = true;   /* the stream cannot be framed any further */
                r->pending_fds += r->chunk_fds;     /* the rest is never fed */
                r->chunk_fds = 0;
                m->kind = VW_CF_FRAMING_ERROR;
                m->strictness = VW_CF_INVALID;
                m->code = m->code != 0 ? m->code : fr;
                m->num_fds = r->pending_fds;
                return EV_MSG;
            }
            vw_cf_msg_cleanup(m);   /* empty again */
            if (used == 0) {
                verdict(r, VW_VERDICT_ERROR, "line %u: the %s adapter took no bytes", line,
                        r->ad->protocol);
                return EV_STOP;
            }
            continue;
        }
        if (r->broken) {
            verdict(r, VW_VERDICT_ERROR, "line %u: the stream cannot be framed any more", line);
            return EV_STOP;
        }
        if (r->eof) {
            return EV_CLOSED;
        }
        int rd = read_chunk(r, deadline, line);
        if (rd != 1 && rd != 0) {
            return rd;
        }
    }
}

/* msg_problem describes an invalid or framing-error message. */
static void describe(const struct vw_cf_msg *m, char *buf, size_t len) {
    snprintf(buf, len, "%s at offset %zu%s%.160s%s: %.256s", vw_err_name(m->code), m->offset,
             m->detail[0] != '\0' ? " (" : "", m->detail, m->detail[0] != '\0' ? ")" : "",
             m->summary);
}

static void fail_no_event(struct run *r, int ev, const struct vw_txn_step *st, unsigned ms) {
    if (ev == EV_TIMEOUT && r->pending_bytes > 0) {
        verdict(r, VW_VERDICT_FAIL, "line %u: nothing complete within %u ms (%zu bytes of an "
                "unfinished message)", st->line, ms, r->pending_bytes);
    } else if (ev == EV_TIMEOUT) {
        verdict(r, VW_VERDICT_FAIL, "line %u: nothing within %u ms", st->line, ms);
    } else if (ev == EV_CLOSED && r->pending_bytes > 0) {
        verdict(r, VW_VERDICT_FAIL, "line %u: server closed the connection mid-message "
                "(after %zu bytes)", st->line, r->pending_bytes);
    } else if (ev == EV_CLOSED) {
        verdict(r, VW_VERDICT_FAIL, "line %u: server closed the connection", st->line);
    }
}

/* do_send writes |len| bytes for the step at |line|, with the send-fd file if one is
 * pending. */
static bool do_send(struct run *r, unsigned line, const void *p, size_t len) {
    int sfd = -1, e;

    if (r->fd < 0) {
        verdict(r, VW_VERDICT_ERROR, "line %u: not connected (use reconnect)", line);
        return false;
    }
    if (len == 0) {
        verdict(r, VW_VERDICT_ERROR, "line %u: the message to send is empty", line);
        return false;
    }
    if (r->send_fd_path != NULL) {
        sfd = open(r->send_fd_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (sfd < 0) {
            verdict(r, VW_VERDICT_ERROR, "line %u: send-fd %s: %s", line, r->send_fd_path,
                    strerror(errno));
            return false;
        }
        r->send_fd_path = NULL;
    }
    e = vw_fd_send(r->fd, p, len, sfd >= 0 ? &sfd : NULL, sfd >= 0 ? 1 : 0);
    if (sfd >= 0) {
        close(sfd);
    }
    if (e == VW_E_AGAIN) {
        verdict(r, VW_VERDICT_FAIL, "line %u: the server does not read (send timed out)",
                line);
        return false;
    }
    if (e != 0) {
        bool closed = errno == EPIPE || errno == ECONNRESET;
        verdict(r, closed ? VW_VERDICT_FAIL : VW_VERDICT_ERROR, "line %u: %s: %s", line,
                closed ? "server closed the connection" : "send", strerror(errno));
        return false;
    }
    trace(r, "line %u: sent %zu bytes%s", line, len, sfd >= 0 ? " with an fd" : "");
    return true;
}

static bool step_send(struct run *r, const struct vw_txn_step *st) {
    struct vw_txn_assign small[16], *as = NULL;  /* the usual send fits: no calloc */
    struct vw_cf_buf out = r->send;
    char err[256];
    bool ok = false;
    int e = 0;

    err[0] = '\0';                  /* (not = "": that zeroes all 256 bytes per send) */
    if (st->kind == VW_TXN_SEND_RAW) {
        if (!st->raw_has_captures) {
            return do_send(r, st->line, st->raw.p, st->raw.len);
        }
        e = vw_cf_subst(&r->caps, (const char *)st->raw.p, st->raw.len, &out, err, sizeof(err));
    } else if (r->ad->encode == NULL) {
        snprintf(err, sizeof(err), "the %s adapter has no structured send", r->ad->protocol);
        e = VW_E_INVALID;
    } else {
        as = st->num_assigns < 16 ? small : calloc(st->num_assigns + 1, sizeof(*as));
        e = as == NULL ? VW_E_NOMEM : 0;
        for (size_t i = 0; e == 0 && i < st->num_assigns; i++) {
            as[i] = st->assigns[i];
            if (vw_cf_is_capture(as[i].value)) {
                as[i].value = vw_cf_captures_get(&r->caps, as[i].value + 1);
                if (as[i].value == NULL) {
                    snprintf(err, sizeof(err), "capture %s used before it was bound",
                             st->assigns[i].value);
                    e = VW_E_MEMBER;
                }
            }
        }
        if (e == 0) {
            e = r->ad->encode(as, st->num_assigns, &out, err, sizeof(err));
        }
    }
    if (e != 0) {
        verdict(r, VW_VERDICT_ERROR, "line %u: cannot build the message: %s", st->line,
                err[0] != '\0' ? err : vw_err_text(e));
    } else {
        ok = do_send(r, st->line, out.p, out.len);
    }
    if (as != small) {
        free(as);
    }
    out.len = 0;
    r->send = out;                  /* kept for the next send, freed with the run */
    return ok;
}

/* check_strictness: FAIL on an invalid message; note the first lenient one. */
static bool check_strictness(struct run *r, const struct vw_txn_step *st,
                             const struct vw_cf_msg *m) {
    char what[600];

    if (m->kind == VW_CF_FRAMING_ERROR || m->strictness == VW_CF_INVALID) {
        describe(m, what, sizeof(what));
        verdict(r, VW_VERDICT_FAIL, "line %u: invalid message: %s", st->line, what);
        return false;
    }
    if (m->strictness == VW_CF_LENIENT && !r->nonstrict) {
        describe(m, what, sizeof(what));
        r->nonstrict = true;
        snprintf(r->nonstrict_reason, sizeof(r->nonstrict_reason),
                 "line %u: accepted only leniently: %.450s", st->line, what);
    }
    return true;
}

static bool step_expect(struct run *r, const struct vw_txn_step *st) {
    unsigned ms = scaled(r, st->timeout_ms);
    struct vw_cf_msg m = { 0 };
    int ev = next_event(r, now_ms() + ms, st->line, &m);
    int mr;

    if (ev != EV_MSG) {
        fail_no_event(r, ev, st, ms);
        return false;
    }
    trace(r, "line %u: received %s", st->line, m.summary);
    if (!check_strictness(r, st, &m)) {
        vw_cf_msg_cleanup(&m);
        return false;
    }
    if (st->kind == VW_TXN_EXPECT_SYNC || m.kind == VW_CF_SYNC) {
        bool ok = st->kind == VW_TXN_EXPECT_SYNC && m.kind == VW_CF_SYNC;
        if (!ok) {
            verdict(r, VW_VERDICT_FAIL, "line %u: expected %s, got %s: %.256s", st->line,
                    st->kind == VW_TXN_EXPECT_SYNC ? "a sync marker" : "a message",
                    m.kind == VW_CF_SYNC ? "a sync marker" : "a message", m.summary);
        }
        vw_cf_msg_cleanup(&m);
        return ok;
    }
    mr = vw_cf_match(st->assigns, st->num_assigns, &m, &r->caps, &r->diff);
    if (mr <= 0) {
        verdict(r, mr == 0 ? VW_VERDICT_FAIL : VW_VERDICT_ERROR, "line %u: %s", st->line,
                mr == 0 ? "the message does not match" : "out of memory");
        vw_cf_msg_cleanup(&m);
        return false;
    }
    vw_cf_msg_cleanup(&r->last);
    r->last = m;
    r->have_last = true;
    r->last_fd_checked = false;
    r->last_line = st->line;
    return true;
}

static bool step_close(struct run *r, const struct vw_txn_step *st) {
    unsigned ms = scaled(r, st->timeout_ms);
    struct vw_cf_msg m = { 0 };
    int ev = next_event(r, now_ms() + ms, st->line, &m);

    if (ev == EV_CLOSED) {
        trace(r, "line %u: server closed the connection", st->line);
        disconnect(r);
        return true;
    }
    if (ev == EV_TIMEOUT) {
        verdict(r, VW_VERDICT_FAIL, "line %u: connection still open after %u ms", st->line, ms);
    } else if (ev == EV_MSG) {
        verdict(r, VW_VERDICT_FAIL, "line %u: expected close, got: %.256s", st->line, m.summary);
    }
    vw_cf_msg_cleanup(&m);
    return false;
}

/* json_blank_since says whether the bytes of the unfinished message from |from| on are all
 * JSON whitespace (RFC 8259 §2: insignificant whitespace around values): for qga they are
 * the line end of the last reply, which a tty sends late and as "\r\n" (virtio-serial.md
 * §F, isa-serial), not data. */
static bool json_blank_since(const struct run *r, size_t from) {
    if (strcmp(r->ad->protocol, "qga") != 0 || r->held.len != r->pending_bytes) {
        return false;
    }
    for (size_t i = from; i < r->held.len; i++) {
        uint8_t b = r->held.p[i];
        if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
            return false;
        }
    }
    return true;
}

static bool step_silence(struct run *r, const struct vw_txn_step *st) {
    unsigned ms = scaled(r, st->count);
    size_t before = r->pending_bytes;
    struct vw_cf_msg m = { 0 };
    int ev = next_event(r, now_ms() + ms, st->line, &m);

    if (ev == EV_TIMEOUT && (r->pending_bytes == before || json_blank_since(r, before))) {
        return true;
    }
    if (ev == EV_TIMEOUT) {
        verdict(r, VW_VERDICT_FAIL, "line %u: expected silence for %u ms, got %zu bytes",
                st->line, ms, r->pending_bytes - before);
    } else if (ev == EV_MSG) {
        verdict(r, VW_VERDICT_FAIL, "line %u: expected silence for %u ms, got: %.256s",
                st->line, ms, m.summary);
    } else if (ev == EV_CLOSED) {
        verdict(r, VW_VERDICT_FAIL, "line %u: server closed the connection during "
                "expect-silence", st->line);
    }
    vw_cf_msg_cleanup(&m);
    return false;
}

/* sync_id gives a fresh guest-sync-delimited id in 1..2^31-1. */
static uint32_t sync_id(void) {
    static unsigned counter;

    return (uint32_t)(((uint64_t)now_us() * 2654435761u + (uint64_t)getpid() * 40503u
                       + ++counter) % 2147483647u) + 1u;
}

/* sync_where names the sync in a reason: its step, or the case's first connect. */
static const char *sync_where(unsigned line, char *buf, size_t len) {
    if (line == 0) {
        snprintf(buf, len, "first connect");
    } else {
        snprintf(buf, len, "line %u", line);
    }
    return buf;
}

/* sync_send sends 0xFF + guest-sync-delimited with a fresh id into |want| (its decimal text),
 * and drops the framer: what follows is read from the next 0xFF on. */
static bool sync_send(struct run *r, unsigned line, char want[16]) {
    uint32_t id = sync_id();
    char cmd[128];
    int n = snprintf(cmd, sizeof(cmd), "\xff{\"execute\":\"guest-sync-delimited\","
                     "\"arguments\":{\"id\":%u}}", id);

    snprintf(want, 16, "%u", id);
    if (!do_send(r, line, cmd, (size_t)n)) {
        return false;
    }
    r->ad->framer_free(r->fr);
    r->fr = r->ad->framer_new();
    r->broken = false;
    r->pending_bytes = 0;
    r->held.len = 0;
    if (r->fr == NULL) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        return false;
    }
    return true;
}

/* sync_record keeps a completed sync for the result. */
static bool sync_record(struct run *r, const struct vw_replay_sync *rec) {
    struct vw_replay_sync *v = realloc(r->syncs, (r->num_syncs + 1) * sizeof(*v));

    if (v == NULL) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        return false;
    }
    v[r->num_syncs++] = *rec;
    r->syncs = v;
    return true;
}

/* do_sync: the qga 0xFF resynchronisation (historic-qemud-openhook-qga.md §3.4,
 * guest-sync-delimited; virtio-serial.md "What a client/test suite must do" 1): send 0xFF +
 * the command with a fresh id, drop input up to and including the next 0xFF, then read until
 * a reply carries the id.  On a chardev: target the sync is sent again with a fresh id every
 * VW_REPLAY_SYNC_RESEND_MS until the deadline (virtio-serial.md §F: isa-serial mangles what
 * is sent before the agent is up), input is dropped up to the next 0xFF after each send, and
 * only the latest id completes it, so no later reply to an earlier sync can follow; a framing
 * error is dropped there (stale bytes, §B-§D).  On a stream target one sync is sent and a
 * framing error after the 0xFF FAILs.  Fds that came with what is dropped or with the reply
 * FAIL the case: no expect-fd can follow them (README "unexpected fds").  |line| is the step
 * (0: the case's first connect), |timeout_ms| unscaled; the sync is recorded (replay.h). */
static bool do_sync(struct run *r, unsigned line, unsigned timeout_ms, bool implicit) {
    unsigned ms = scaled(r, timeout_ms);
    int64_t deadline = now_ms() + ms, next_send;
    int64_t t0 = now_us();
    /* dropped: what the framer held, and all that is taken before the matching reply */
    unsigned long long start = r->consumed - r->pending_bytes;
    struct vw_replay_sync rec = { .line = line, .implicit = implicit };
    bool seeking = true;
    char want[16], where[32];
    const char *what = implicit ? "implicit sync" : "resync";

    sync_where(line, where, sizeof(where));
    if (!sync_send(r, line, want)) {
        return false;
    }
    rec.sends = 1;
    next_send = now_ms() + VW_REPLAY_SYNC_RESEND_MS;
    trace(r, "%s: %s sent with id %s", where, what, want);
    for (;;) {
        int64_t until = r->chardev && next_send < deadline ? next_send : deadline;
        int ev;

        if (seeking) {
            const uint8_t *ff = r->off < r->len ? memchr(r->chunk + r->off, 0xff,
                                                         r->len - r->off) : NULL;
            if (ff != NULL) {
                size_t upto = (size_t)(ff - r->chunk) + 1;
                r->consumed += upto - r->off;
                r->off = upto;
                take_chunk_fds(r);
                seeking = false;
                r->pending_bytes = 0;
                if (r->pending_fds > 0) {
                    verdict(r, VW_VERDICT_FAIL, "%s: unexpected fd: %s dropped %d fds that "
                            "came before the 0xFF", where, what, r->pending_fds);
                    return false;
                }
                continue;
            }
            r->pending_bytes += r->len - r->off;     /* dropped, but bounded like buffered */
            r->consumed += r->len - r->off;
            r->off = r->len;
            take_chunk_fds(r);
            ev = r->eof ? 0 : read_chunk(r, until, line);
            if (ev == 1) {
                continue;
            }
            if (ev == 0) {
                verdict(r, VW_VERDICT_FAIL, "%s: %s: no 0xFF before the server closed the "
                        "connection", where, what);
                return false;
            }
            if (ev != EV_TIMEOUT) {
                return false;
            }
        } else {
            struct vw_cf_msg m = { 0 };
            unsigned long long before = r->consumed;
            const char *ret;
            bool done;

            ev = next_event(r, until, line, &m);
            if (ev == EV_CLOSED) {
                verdict(r, VW_VERDICT_FAIL, "%s: %s: no guest-sync-delimited reply with id %s "
                        "before the close", where, what, want);
                return false;
            }
            if (ev != EV_MSG && ev != EV_TIMEOUT) {
                return false;
            }
            if (ev == EV_MSG && m.kind == VW_CF_FRAMING_ERROR && !r->chardev) {
                char desc[600];
                describe(&m, desc, sizeof(desc));
                verdict(r, VW_VERDICT_FAIL, "%s: %s: invalid input after 0xFF: %s", where,
                        what, desc);
                vw_cf_msg_cleanup(&m);
                return false;
            }
            if (ev == EV_MSG) {
                ret = m.kind == VW_CF_MSG ? vw_cf_msg_field(&m, "return") : NULL;
                done = ret != NULL && vw_cf_value_equal(ret, want);
                trace(r, "%s: %s %s %s", where, what, done ? "reply" : "dropped", m.summary);
                if (m.num_fds > 0) {
                    verdict(r, VW_VERDICT_FAIL, "%s: unexpected fd: the %s came with %d fds: "
                            "%.256s", where, done ? "guest-sync-delimited reply"
                                                  : "message the sync dropped",
                            m.num_fds, m.summary);
                    vw_cf_msg_cleanup(&m);
                    return false;
                }
                vw_cf_msg_cleanup(&m);
                if (done) {
                    rec.us = (unsigned long long)(now_us() - t0);
                    rec.dropped = before - start;
                    trace(r, "%s: %s done in %llu us, %llu bytes dropped, %u sent", where,
                          what, rec.us, rec.dropped, rec.sends);
                    return sync_record(r, &rec);
                }
                continue;
            }
        }
        /* EV_TIMEOUT: at the deadline give up; on a chardev: target send a fresh sync */
        if (now_ms() >= deadline) {
            verdict(r, VW_VERDICT_FAIL, "%s: %s: %s within the timeout (%u ms, %u sent)",
                    where, what, seeking ? "no 0xFF" : "no guest-sync-delimited reply", ms,
                    rec.sends);
            return false;
        }
        if (!sync_send(r, line, want)) {
            return false;
        }
        rec.sends++;
        seeking = true;
        next_send = now_ms() + VW_REPLAY_SYNC_RESEND_MS;
        trace(r, "%s: %s sent again with id %s", where, what, want);
    }
}

/* obs_add appends |n| bytes to the observation |o|: the first VW_REPLAY_OBSERVE_KEEP are
 * kept, every one is counted. */
static bool obs_add(struct run *r, struct vw_replay_obs *o, struct vw_cf_buf *keep,
                    const void *p, size_t n) {
    size_t room = VW_REPLAY_OBSERVE_KEEP - keep->len;

    o->bytes += n;
    if (room > 0 && vw_cf_buf_append(keep, p, n < room ? n : room) != 0) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        return false;
    }
    return true;
}

/* step_observe reads raw bytes for the step's time without decoding them (issue 6 point 5:
 * a hazard shows the bytes it observed): first those fed to the framer as an unfinished
 * message and those received but not fed yet, then everything that arrives until the time is
 * up or the server closes.  The bytes become an observation of the case; the framer starts
 * fresh afterwards, as after a sync.  Fds that arrive meanwhile FAIL the case, as in a sync. */
static bool step_observe(struct run *r, const struct vw_txn_step *st) {
    unsigned ms = scaled(r, st->count);
    int64_t deadline = now_ms() + ms;
    struct vw_replay_obs o = { .line = st->line };
    struct vw_cf_buf keep = { 0 };
    struct vw_replay_obs *v;
    bool ok;

    if (r->fd < 0) {
        verdict(r, VW_VERDICT_ERROR, "line %u: not connected (use reconnect)", st->line);
        return false;
    }
    /* the unfinished message: its first bytes were kept (next_event), the rest counted */
    ok = obs_add(r, &o, &keep, r->held.p, r->held.len);
    o.bytes += r->pending_bytes - (r->pending_bytes > r->held.len ? r->held.len
                                                                   : r->pending_bytes);
    ok = ok && obs_add(r, &o, &keep, r->chunk + r->off, r->len - r->off);
    r->off = r->len;
    take_chunk_fds(r);
    r->pending_bytes = 0;
    while (ok && !r->eof && (st->stop_bytes == 0 || o.bytes < st->stop_bytes)) {
        int rd = read_chunk(r, deadline, st->line);

        if (rd == EV_TIMEOUT || rd == 0) {
            break;
        }
        if (rd != 1) {
            ok = false;
            break;
        }
        ok = obs_add(r, &o, &keep, r->chunk, r->len);
        r->off = r->len;
        take_chunk_fds(r);
    }
    if (ok && r->pending_fds + r->chunk_fds > 0) {
        verdict(r, VW_VERDICT_FAIL, "line %u: unexpected fd: %d fds came during observe",
                st->line, r->pending_fds + r->chunk_fds);
        ok = false;
    }
    r->pending_fds = r->chunk_fds = 0;
    r->ad->framer_free(r->fr);
    r->fr = r->ad->framer_new();
    r->broken = false;
    r->held.len = 0;
    if (ok && r->fr == NULL) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        ok = false;
    }
    if (ok && (v = realloc(r->obs, (r->num_obs + 1) * sizeof(*v))) == NULL) {
        verdict(r, VW_VERDICT_ERROR, "out of memory");
        ok = false;
    }
    if (!ok) {
        vw_cf_buf_free(&keep);
        return false;
    }
    o.data = keep.p;
    o.data_len = keep.len;
    v[r->num_obs++] = o;
    r->obs = v;
    trace(r, "line %u: observed %zu bytes in %u ms%s", st->line, o.bytes, ms,
          r->eof ? " (then the server closed the connection)" : "");
    return true;
}

static void sleep_ms(unsigned ms) {
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        continue;
    }
}

/* run_steps executes the steps until one fails. */
static void run_steps(struct run *r) {
    if (!do_connect(r, 0, r->t->connect_raw, r->t->timeout_ms)) {
        return;
    }
    for (size_t i = 0; i < r->t->num_steps; i++) {
        const struct vw_txn_step *st = &r->t->steps[i];
        bool ok = true;

        if (r->have_last && !r->last_fd_checked && st->kind != VW_TXN_EXPECT_FD) {
            r->last_fd_checked = true;
            if (r->last.num_fds > 0) {
                verdict(r, VW_VERDICT_FAIL, "line %u: unexpected fd: the message matched at "
                        "line %u came with %d fds", st->line, r->last_line, r->last.num_fds);
                return;
            }
        }
        switch (st->kind) {
        case VW_TXN_SEND:
        case VW_TXN_SEND_RAW:
            ok = step_send(r, st);
            break;
        case VW_TXN_SEND_FD:
            r->send_fd_path = st->path;
            break;
        case VW_TXN_EXPECT:
        case VW_TXN_EXPECT_SYNC:
            ok = step_expect(r, st);
            break;
        case VW_TXN_EXPECT_FD:
            if (!r->have_last) {
                verdict(r, VW_VERDICT_ERROR, "line %u: expect-fd without a matched message",
                        st->line);
                return;
            }
            r->last_fd_checked = true;
            if ((unsigned)r->last.num_fds != st->count) {
                verdict(r, VW_VERDICT_FAIL, "line %u: expected %u fds, got %d", st->line,
                        st->count, r->last.num_fds);
                return;
            }
            break;
        case VW_TXN_EXPECT_CLOSE:
            ok = step_close(r, st);
            break;
        case VW_TXN_EXPECT_SILENCE:
            ok = step_silence(r, st);
            break;
        case VW_TXN_RESYNC:
            ok = do_sync(r, st->line, st->timeout_ms, false);
            break;
        case VW_TXN_DISCONNECT:
            trace(r, "line %u: disconnect", st->line);
            disconnect(r);
            break;
        case VW_TXN_RECONNECT:
            ok = do_connect(r, st->line, st->raw_connect, st->timeout_ms);
            break;
        case VW_TXN_WAIT:
            sleep_ms(st->count);
            break;
        case VW_TXN_OBSERVE:
            ok = step_observe(r, st);
            break;
        default:
            verdict(r, VW_VERDICT_ERROR, "line %u: unknown step kind %d", st->line, st->kind);
            return;
        }
        if (!ok) {
            return;
        }
    }
    if (r->have_last && !r->last_fd_checked && r->last.num_fds > 0) {
        /* named at the transcript's last step, as every other reason names its step */
        verdict(r, VW_VERDICT_FAIL, "line %u: unexpected fd: the message matched at line %u "
                "came with %d fds", r->t->steps[r->t->num_steps - 1].line, r->last_line,
                r->last.num_fds);
    }
}

/* skip_reason names what the target lacks for |t|, or returns false. */
static bool skip_reason(const struct vw_txn *t, const struct vw_replay_opts *o,
                        const struct vw_transport_uri *u, char *buf, size_t len) {
    size_t n = 0;

    buf[0] = '\0';
    if (u->kind == VW_TRANSPORT_CHARDEV && strcmp(t->protocol, "qga") != 0) {
        /* a chardev: target is a guest agent's port (replay.h "chardev: targets") */
        snprintf(buf, len, "a chardev: target carries only protocol qga; this %s case "
                 "(transport %s) needs a unix: or tcp: target", t->protocol, t->transport);
        return true;
    }
    if (strcmp(t->transport, "chardev") == 0 && u->kind != VW_TRANSPORT_CHARDEV) {
        snprintf(buf, len, "transport chardev needs a chardev: target");
        return true;
    }
    if (o->provides_all) {
        return false;
    }
    for (size_t i = 0; i < t->num_requires; i++) {
        bool have = false;
        for (size_t j = 0; j < o->num_provides && !have; j++) {
            have = strcmp(o->provides[j], t->requires[i]) == 0;
        }
        if (!have) {
            int w = snprintf(buf + n, len - n, "%s%s", n == 0 ? "target lacks: " : " ",
                             t->requires[i]);
            if (w < 0 || (size_t)w >= len - n) {
                break;
            }
            n += (size_t)w;
        }
    }
    return n > 0;
}

/* tier_reason names what a tiered case observed (issue 6 point 5: "INFORMATIONAL or
 * NON-STRICT with the observed bytes, not a silent pass"): "observed at line 12: 173 bytes:
 * {\"error\": ...", for each observe step as far as the reason holds. */
static void tier_reason(const struct run *r, char *buf, size_t len) {
    size_t at = 0;

    buf[0] = '\0';
    if (r->num_obs == 0) {
        snprintf(buf, len, "tier %s: no bytes observed (no observe step)",
                 r->t->tier == VW_TXN_TIER_NONSTRICT ? "non-strict" : "informational");
        return;
    }
    for (size_t i = 0; i < r->num_obs && at + 40 < len; i++) {
        const struct vw_replay_obs *o = &r->obs[i];
        int n = snprintf(buf + at, len - at, "%sobserved at line %u: %zu bytes%s",
                         i > 0 ? "; " : "", o->line, o->bytes, o->bytes > 0 ? ": " : "");

        if (n < 0 || (size_t)n >= len - at) {
            break;
        }
        at += (size_t)n;
        if (o->data_len > 0) {
            /* the later ones get what is left: at most 160 characters each but the last */
            size_t cap = len - at;
            cap = i + 1 < r->num_obs && cap > 160 ? 160 : cap;
            at += vw_replay_escape(o->data, o->data_len, buf + at, cap);
        }
    }
}

static char *take_text(struct vw_cf_buf *b) {
    char *s = NULL;

    if (b->len > 0 && vw_cf_buf_append(b, "", 1) == 0) {
        s = (char *)b->p;
        b->p = NULL;
    }
    vw_cf_buf_free(b);
    return s;
}

void vw_replay_case(const struct vw_txn *t, const struct vw_replay_opts *o,
                    struct vw_replay_result *out) {
    struct run r = { .t = t, .o = o, .fd = -1, .verdict = -1 };
    int64_t start = now_ms();
    int fds_before = o->fd_check ? vw_fd_count() : -1;
    char why[512];

    memset(out, 0, sizeof(*out));
    if (vw_transport_parse(o->target != NULL ? o->target : "", &r.uri) != 0) {
        verdict(&r, VW_VERDICT_ERROR, "bad target URI '%s' (unix:PATH, tcp:HOST:PORT, "
                "chardev:PATH)", o->target != NULL ? o->target : "");
    } else if (skip_reason(t, o, &r.uri, why, sizeof(why))) {
        verdict(&r, VW_VERDICT_SKIP, "%s", why);
    } else if ((r.ad = vw_cf_adapter_find(t->protocol)) == NULL) {
        verdict(&r, VW_VERDICT_ERROR, "no adapter for protocol '%s'", t->protocol);
    } else if ((r.chunk = malloc(VW_REPLAY_CHUNK)) == NULL) {
        verdict(&r, VW_VERDICT_ERROR, "out of memory");
    } else {
        r.chardev = r.uri.kind == VW_TRANSPORT_CHARDEV;
        run_steps(&r);
    }
    disconnect(&r);
    free(r.chunk);
    vw_cf_buf_free(&r.send);
    vw_cf_buf_free(&r.held);
    vw_cf_msg_cleanup(&r.last);
    vw_cf_captures_cleanup(&r.caps);
    if (r.verdict < 0 && r.nonstrict) {
        verdict(&r, VW_VERDICT_NONSTRICT, "%s", r.nonstrict_reason);
    }
    if (r.verdict < 0 && t->tier != VW_TXN_TIER_NONE) {
        tier_reason(&r, why, sizeof(why));
        verdict(&r, t->tier == VW_TXN_TIER_NONSTRICT ? VW_VERDICT_NONSTRICT
                                                     : VW_VERDICT_INFORMATIONAL, "%s", why);
    }
    if (r.verdict < 0) {
        verdict(&r, VW_VERDICT_PASS, "%s", "");
    }
    if (fds_before >= 0) {
        int fds_after = vw_fd_count();
        if (fds_after != fds_before) {
            r.verdict = -1;
            verdict(&r, VW_VERDICT_ERROR, "fd leak in the runner: %d fds open before the case, "
                    "%d after", fds_before, fds_after);
        }
    }
    out->verdict = r.verdict;
    memcpy(out->reason, r.reason, sizeof(out->reason));
    out->diff = take_text(&r.diff);
    out->log = take_text(&r.log);
    out->duration_ms = (unsigned)(now_ms() - start);
    out->fds_received = r.fds_total;
    out->obs = r.obs;
    out->num_obs = r.num_obs;
    out->syncs = r.syncs;
    out->num_syncs = r.num_syncs;
}

void vw_replay_result_cleanup(struct vw_replay_result *r) {
    free(r->diff);
    free(r->log);
    for (size_t i = 0; i < r->num_obs; i++) {
        free(r->obs[i].data);
    }
    free(r->obs);
    free(r->syncs);
    memset(r, 0, sizeof(*r));
}
