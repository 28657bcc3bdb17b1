/* decode_openhook.c -- `virtwire decode --protocol openhook|openhook-xdr --from client|server`:
 * a stream of messages of one direction of QEMU's May 2012 open-hook-fd protocol, in host byte
 * order as posted (historic-qemud-openhook-qga.md §2.1) or in the XDR variant of the review
 * (§2.2).
 *
 * Messages are cut by their message_size words (vw_openhook_feed), so a message that fails to
 * decode is reported and the next one is decoded; a message_size under the 8-byte header or
 * over the direction's largest message ends the stream, as there is no other frame.
 *
 * The fd rule of §2.1 (a reply with result 0 comes with exactly one fd by SCM_RIGHTS, nothing
 * else carries one) cannot be applied here: a byte stream or capture file has no ancillary
 * data.  Replies say "(fd expected)" and -v says the rule was not checked; `virtwire serve`
 * and vw_openhook_check_fds apply it on a live socket.
 *
 * Memory: the framer's fixed 64 KiB buffer, whatever the input. */
#define _GNU_SOURCE  /* O_DIRECT, O_NOATIME, O_PATH, O_TMPFILE; strerrorname_np */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "openhook.h"
#include "pump.h"

struct stream_state {
    const struct vw_decode_opts *opts;
    int encoding;
    struct vw_openhook_framer framer;
    size_t num_msgs;
    int num_invalid;
};

/* §2.1 "u32 flags (O_ flags defined by libc)": the flag bits of this libc (the protocol is
 * "only ever used on the same physical machine"), access mode apart.  O_SYNC before O_DSYNC
 * and O_TMPFILE before O_DIRECTORY: each contains the other's bits. */
static const struct {
    const char *name;
    uint32_t bits;
} open_flags[] = {
    { "O_CREAT", O_CREAT },         { "O_EXCL", O_EXCL },       { "O_NOCTTY", O_NOCTTY },
    { "O_TRUNC", O_TRUNC },         { "O_APPEND", O_APPEND },   { "O_NONBLOCK", O_NONBLOCK },
    { "O_SYNC", O_SYNC },           { "O_DSYNC", O_DSYNC },     { "O_DIRECT", O_DIRECT },
    { "O_LARGEFILE", O_LARGEFILE }, { "O_TMPFILE", O_TMPFILE }, { "O_DIRECTORY", O_DIRECTORY },
    { "O_NOFOLLOW", O_NOFOLLOW },   { "O_NOATIME", O_NOATIME }, { "O_CLOEXEC", O_CLOEXEC },
    { "O_PATH", O_PATH },
};

static void print_flags(FILE *f, uint32_t flags) {
    static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    uint32_t rest = flags & ~(uint32_t)O_ACCMODE;

    fputs(acc[flags & O_ACCMODE], f);
    for (size_t i = 0; i < sizeof(open_flags) / sizeof(open_flags[0]); i++) {
        uint32_t b = open_flags[i].bits;
        if (b != 0 && (rest & b) == b) {  /* O_LARGEFILE is 0 on 64-bit glibc */
            fprintf(f, "|%s", open_flags[i].name);
            rest &= ~b;
        }
    }
    if (rest != 0) {
        fprintf(f, "|0x%x", (unsigned)rest);
    }
}

/* print_path writes |s| quoted, with \" \\ and \xHH for bytes that are not printable ASCII. */
static void print_path(FILE *f, struct vw_span s) {
    fputc('"', f);
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.p[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20 || c > 0x7e) {
            fprintf(f, "\\x%02x", c);
        } else {
            fputc(c, f);
        }
    }
    fputc('"', f);
}

static const char *errno_name(int32_t result) {
    const char *n = result < 0 && result >= -VW_OPENHOOK_ERRNO_MAX
                        ? strerrorname_np((int)-result) : NULL;
    return n != NULL ? n : "unknown errno";
}

static void print_line(FILE *f, const struct vw_openhook_msg *m) {
    if (m->direction == VW_OPENHOOK_FROM_CLIENT) {
        fprintf(f, "QEMU_OPEN flags=0x%x (", (unsigned)m->flags);
        print_flags(f, m->flags);
        fprintf(f, ") mode=%04o ", (unsigned)m->mode);
        print_path(f, m->filename);
    } else if (m->result == 0) {
        fputs("reply result=0 (fd expected)", f);
    } else {
        fprintf(f, "reply result=%d (%s)", (int)m->result, errno_name(m->result));
    }
}

static void print_fields(FILE *f, const struct vw_openhook_msg *m) {
    fprintf(f, "    message_size: %u\n    command: %u (QEMU_OPEN)\n", (unsigned)m->message_size,
            (unsigned)m->command);
    if (m->direction == VW_OPENHOOK_FROM_CLIENT) {
        fprintf(f, "    flags: 0x%08x (", (unsigned)m->flags);
        print_flags(f, m->flags);
        fprintf(f, ")\n    mode: 0%o\n    filename_len: %zu\n    filename: ", (unsigned)m->mode,
                m->filename.len);
        print_path(f, m->filename);
        fputc('\n', f);
    } else {
        fprintf(f, "    result: %d (%s)\n", (int)m->result,
                m->result == 0 ? "success" : errno_name(m->result));
    }
    fprintf(f, "    fds: %zu expected by SCM_RIGHTS (not checked: a byte stream carries no "
               "ancillary data)\n", vw_openhook_fds_expected(m));
}

static void on_message(void *ctx) {
    struct stream_state *st = ctx;
    const struct vw_decode_opts *o = st->opts;
    struct vw_diag diag = { 0 }, lax = { 0 };
    struct vw_openhook_msg m;
    struct vw_span msg;
    size_t start;

    vw_openhook_message(&st->framer, &msg, &start);
    if (vw_openhook_decode(&m, &diag, &lax, msg.p, msg.len, st->encoding,
                           st->framer.direction, o->flags) < 0) {
        vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &diag,
                         "invalid message:");
        st->num_invalid++;
        st->num_msgs++;
        return;
    }
    fprintf(o->out, "#%zu @%zu size=%zu: ", st->num_msgs, start, msg.len);
    print_line(o->out, &m);
    fputc('\n', o->out);
    if (o->verbose) {
        print_fields(o->out, &m);
    }
    if (lax.code != 0) {
        vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &lax,
                         "accepted non-canonical");
    }
    st->num_msgs++;
}

static int feed_message(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    return vw_openhook_feed(&((struct stream_state *)ctx)->framer, p, len, used);
}

static int decode_stream(int fd, const struct vw_decode_opts *opts, int encoding,
                         const char *name) {
    struct stream_state *st;
    int dir, rc = 0, r;

    /* requests and replies have different bodies (§2.1) and no field tells them apart */
    if (vw_decode_need_from(opts, name) < 0) {
        return -1;
    }
    if ((st = calloc(1, sizeof(*st))) == NULL) {
        return -1;
    }
    dir = opts->from == VW_FROM_SERVER ? VW_OPENHOOK_FROM_SERVER : VW_OPENHOOK_FROM_CLIENT;
    st->opts = opts;
    st->encoding = encoding;
    if (vw_openhook_framer_init(&st->framer, encoding, dir) < 0 ||
        vw_decode_pump(fd, opts->err, feed_message, on_message, st, &r) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (r < 0) {
        fprintf(opts->err,
                "virtwire: message %zu (stream offset %zu): framing error %s at stream "
                "offset %zu, field message_size: %u is under the %u-byte header or over the "
                "largest %s (%u): %s; the rest of the stream cannot be framed\n",
                st->num_msgs, st->framer.msg_start, vw_err_name(r), st->framer.msg_start,
                (unsigned)st->framer.message_size, VW_OPENHOOK_HEADER_LEN,
                dir == VW_OPENHOOK_FROM_SERVER ? "reply" : "request",
                dir == VW_OPENHOOK_FROM_SERVER ? VW_OPENHOOK_REPLY_LEN
                : encoding == VW_OPENHOOK_HOST ? VW_OPENHOOK_HOST_MSG_MAX
                                               : VW_OPENHOOK_XDR_MSG_MAX,
                vw_err_text(r));
        st->num_invalid++;
    } else if (vw_openhook_pending(&st->framer)) {
        vw_decode_report_pending(opts->err, "message", st->num_msgs, st->framer.msg_start,
                                 st->framer.stream_pos);
        st->num_invalid++;
    }
    fprintf(opts->out, "%zu messages, %d invalid\n", st->num_msgs, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    free(st);
    return rc;
}

int vw_decode_openhook(int fd, const struct vw_decode_opts *opts) {
    return decode_stream(fd, opts, VW_OPENHOOK_HOST, "openhook");
}

int vw_decode_openhook_xdr(int fd, const struct vw_decode_opts *opts) {
    return decode_stream(fd, opts, VW_OPENHOOK_XDR, "openhook-xdr");
}
