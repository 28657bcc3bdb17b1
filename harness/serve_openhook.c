/* serve_openhook.c -- the open-hook-fd reference server (historic-qemud-openhook-qga.md §2.1:
 * "simple request/response initiated by the client"; QEMU_OPEN answered with result 0 and
 * one fd by SCM_RIGHTS, or a negated errno; §2.2 for the XDR encoding).
 *
 * Clients (serve_loop.c): poll-based, up to max_clients at once (more wait in the listen
 * backlog), each with its own framer and an idle deadline (timeout_ms, renewed by every
 * byte), so a client that sends half a request and goes silent is dropped after the
 * timeout and never holds up the others.  A request that fails to frame or decode
 * strictly, or arrives with fds (§2.1 gives requests none), closes that connection with
 * its code and offset on stderr.
 *
 * Opening: the filename is resolved beneath --root and never out of it:
 *   - a relative name is resolved by openat2(root, name, RESOLVE_BENEATH |
 *     RESOLVE_NO_MAGICLINKS) (openat2(2)); `..` that climbs out of the root, an absolute
 *     symlink or a relative symlink that leaves the root fail with EXDEV, answered -EACCES;
 *     symlinks that stay inside the root are followed (that is what RESOLVE_BENEATH does);
 *   - an absolute name is accepted only if it lies textually under the root's real path
 *     (then resolved beneath the root as the rest of it); anything else is -EACCES;
 *   - the empty name is -ENOENT, as open("") gives;
 *   - kernels without openat2 (ENOSYS), or --no-openat2: a component walk with
 *     openat(O_PATH | O_DIRECTORY | O_NOFOLLOW) that keeps a stack of directory fds; `..`
 *     above the root is -EACCES and [deviation, stricter] every symlink is -EACCES.
 * `..` is also checked on the text first (climbs_out): a name whose `..` climb above the
 * root is -EACCES before any lookup.  A FIFO is opened O_NONBLOCK (see open_request).
 * Flags: only those in VW_SERVE_OPEN_FLAGS pass (others -EINVAL, so a client learns that a
 * flag was not honoured instead of getting a different open); O_CLOEXEC | O_NOCTTY are
 * always added; mode is honoured with O_CREAT only (then bits outside 07777 are -EINVAL). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "openhook.h"
#include "serve.h"
#include "serve_loop.h"

#define VW_SERVE_OPEN_FLAGS                                                                  \
    (O_ACCMODE | O_APPEND | O_TRUNC | O_CREAT | O_EXCL | O_NONBLOCK | O_DIRECTORY |         \
     O_NOFOLLOW | O_DSYNC | O_SYNC | O_DIRECT | O_CLOEXEC | O_NOCTTY)
#define VW_SERVE_WALK_DEPTH 256     /* directory fds the fallback walk keeps (PATH_MAX / 16) */
#define VW_SERVE_READ 4096          /* bytes per read; the framer bounds the message */
#define VW_SERVE_FDS_MAX 8          /* fds a client may (wrongly) send with one read */

struct client {
    size_t pending_fds;             /* fds received inside the current request */
    struct vw_openhook_framer framer;
};

struct server {
    const struct vw_serve_opts *o;
    int root_fd;
    char root_real[PATH_MAX];
    size_t root_real_len;
    bool no_openat2;
    char name[VW_OPENHOOK_HOST_PATH_MAX + 1];     /* the filename, NUL-terminated */
};

/* ---- resolving beneath the root ---- */

/* walk_open is the fallback of open_beneath: |rel| is split at '/', directories are entered
 * with O_NOFOLLOW, and no symlink is ever followed.  Returns an fd or -errno. */
static int walk_open(int root_fd, char *rel, int oflags, mode_t mode) {
    int stack[VW_SERVE_WALK_DEPTH];
    size_t depth = 0;
    char *p = rel;
    int fd = -EACCES;

    stack[0] = root_fd;         /* borrowed: never closed here */
    if (*rel == '\0') {
        return -ENOENT;
    }
    for (;;) {
        char *slash = strchr(p, '/');
        bool last = slash == NULL;
        int cur = stack[depth];

        if (slash != NULL) {
            *slash = '\0';
        }
        if (strcmp(p, "..") == 0) {
            if (depth == 0) {
                fd = -EACCES;   /* the name climbs out of the root */
                break;
            }
            close(stack[depth--]);
            cur = stack[depth];
            p = ".";
        }
        if (last || (slash[1] == '\0')) {
            /* the final component; "dir/" must name a directory */
            int fl = oflags | O_NOFOLLOW | (last ? 0 : O_DIRECTORY);
            const char *name = *p == '\0' ? "." : p;

            fd = openat(cur, name, fl, mode);
            if (fd < 0) {
                struct stat st;
                int e = errno;
                fd = (e == ELOOP || e == ENOTDIR) &&
                             fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                             S_ISLNK(st.st_mode)
                         ? -EACCES
                         : -e;
            }
            break;
        }
        if (*p != '\0' && strcmp(p, ".") != 0) {
            int next;

            if (depth + 1 >= VW_SERVE_WALK_DEPTH) {
                fd = -ENAMETOOLONG;
                break;
            }
            next = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0) {
                struct stat st;
                int e = errno;
                fd = e == ENOTDIR && fstatat(cur, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                             S_ISLNK(st.st_mode)
                         ? -EACCES
                         : -e;
                break;
            }
            stack[++depth] = next;
        }
        p = slash + 1;
    }
    while (depth > 0) {
        close(stack[depth--]);
    }
    return fd;
}

/* open_beneath opens |rel| (relative to the root) with openat2's RESOLVE_BENEATH, or the walk
 * when openat2 is missing.  Returns an fd or -errno; an escape is -EACCES. */
static int open_beneath(struct server *s, char *rel, int oflags, mode_t mode) {
    struct open_how how = { .flags = (uint64_t)oflags, .mode = mode,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
    long fd;

    if (!s->no_openat2) {
        fd = syscall(SYS_openat2, s->root_fd, rel, &how, sizeof(how));
        if (fd >= 0) {
            return (int)fd;
        }
        if (errno != ENOSYS) {
            /* openat2(2): EXDEV "escape ... RESOLVE_BENEATH"; reported as the issue asks */
            return errno == EXDEV ? -EACCES : -errno;
        }
        s->no_openat2 = true;
    }
    return walk_open(s->root_fd, rel, oflags, mode);
}

/* climbs_out says whether the `..` components of |rel| climb above its start, counted on
 * the text before any lookup.  Stricter than RESOLVE_BENEATH (which counts after symlinks):
 * "a/../../x" is -EACCES even when "a" does not exist, whatever the resolver. */
static bool climbs_out(const char *rel) {
    long depth = 0;

    for (const char *p = rel; *p != '\0';) {
        size_t n = strcspn(p, "/");

        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--depth < 0) {
                return true;
            }
        } else if (n > 1 || (n == 1 && p[0] != '.')) {
            depth++;
        }
        p += n;
        p += strspn(p, "/");
    }
    return false;
}

/* open_request applies the flag, mode and path rules above; returns an fd or -errno. */
static int open_request(struct server *s, uint32_t flags, uint32_t mode) {
    char *rel = s->name;
    int oflags = (int)flags, fd, fl;

    if ((flags & ~(uint32_t)VW_SERVE_OPEN_FLAGS) != 0 || (oflags & O_ACCMODE) == O_ACCMODE) {
        return -EINVAL;
    }
    if ((flags & O_CREAT) == 0) {
        mode = 0;           /* openat2(2): a mode without O_CREAT is EINVAL; it is ignored */
    } else if ((mode & ~07777u) != 0) {
        return -EINVAL;
    }
    if (rel[0] == '/') {
        size_t n = s->root_real_len;

        if (n == 1) {
            /* the root is "/": every absolute name lies under it */
        } else if (strncmp(rel, s->root_real, n) != 0 || (rel[n] != '\0' && rel[n] != '/')) {
            return -EACCES; /* absolute and outside the root */
        } else {
            rel += n;
        }
        rel += strspn(rel, "/");
        if (*rel == '\0') {
            rel = s->name;      /* the root itself */
            memcpy(rel, ".", 2);
        }
    }
    if (climbs_out(rel)) {
        return -EACCES;
    }
    /* O_NONBLOCK always, so a FIFO without a peer cannot stall the server (fifo(7): the
     * write side is then ENXIO); cleared again unless the client asked for it */
    fd = open_beneath(s, rel, oflags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, (mode_t)mode);
    if (fd >= 0 && (oflags & O_NONBLOCK) == 0 &&
        ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* ---- clients ---- */

static void report(struct server *s, const struct vw_serve_client *sc, const char *what,
                   const struct vw_diag *d, size_t start) {
    fprintf(s->o->err,
            "virtwire serve: client %u: %s %s at message byte %zu (stream offset %zu)%s%s: "
            "%s\n",
            sc->id, what, vw_err_name(d->code), d->offset, start + d->offset,
            d->field != NULL ? ", field " : "", d->field != NULL ? d->field : "",
            vw_err_text(d->code));
}

/* answer decodes the request the framer completed and replies.  Returns 0, or -1 when the
 * connection must be closed (reported). */
static int answer(struct server *s, struct vw_serve_client *sc, struct client *c) {
    struct vw_diag diag = { 0 };
    struct vw_openhook_msg req, rep;
    struct vw_xdr_enc e;
    struct vw_span msg;
    uint8_t out[VW_OPENHOOK_REPLY_LEN];
    size_t start;
    int fd, r;

    vw_openhook_message(&c->framer, &msg, &start);
    if ((r = vw_openhook_decode(&req, &diag, NULL, msg.p, msg.len, s->o->encoding,
                                VW_OPENHOOK_FROM_CLIENT, 0)) < 0) {
        report(s, sc, "invalid request:", &diag, start);
        return -1;
    }
    if ((r = vw_openhook_check_fds(&req, c->pending_fds, false, &diag)) < 0) {
        report(s, sc, "request with fds:", &diag, start);
        return -1;
    }
    /* the decoder refused a NUL in the filename, so the copy names exactly what was sent */
    memcpy(s->name, req.filename.p, req.filename.len);
    s->name[req.filename.len] = '\0';
    fd = open_request(s, req.flags, req.mode);
    if (vw_openhook_reply(&rep, s->o->encoding, fd >= 0 ? 0 : fd) < 0) {
        abort();        /* the encoding was checked at start */
    }
    vw_xdr_enc_init(&e, out, sizeof(out));
    if (vw_openhook_encode(&e, &rep) < 0) {
        abort();        /* a reply always fits VW_OPENHOOK_REPLY_LEN */
    }
    r = vw_fd_send(sc->sock, out, e.len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
    if (fd >= 0) {
        close(fd);      /* the peer has its own copy now */
    }
    if (r < 0) {
        fprintf(s->o->err, "virtwire serve: client %u: reply not sent: %s\n", sc->id,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* on_ready reads what arrived and answers every complete request (serve_loop.h). */
static int on_ready(void *ctx, struct vw_serve_client *sc, short revents) {
    struct server *s = ctx;
    struct client *c = sc->state;
    uint8_t buf[VW_SERVE_READ];
    int fds[VW_SERVE_FDS_MAX];
    size_t num_fds, off = 0;
    bool ctrunc;
    ssize_t n = vw_fd_recv(sc->sock, buf, sizeof(buf), fds, VW_SERVE_FDS_MAX, &num_fds,
                           &ctrunc, 0);

    (void)revents;
    if (n == VW_E_AGAIN) {
        return 0;
    }
    if (n < 0) {
        fprintf(s->o->err, "virtwire serve: client %u: read refused: %s: %s\n", sc->id,
                vw_err_name((int)n), vw_err_text((int)n));
        return -1;
    }
    if (n == 0) {
        if (vw_openhook_pending(&c->framer)) {
            fprintf(s->o->err, "virtwire serve: client %u: closed inside a request\n", sc->id);
        }
        return -1;
    }
    vw_fd_close_all(fds, num_fds);      /* never used: they ride on a request (checked) */
    c->pending_fds += num_fds;
    while (off < (size_t)n) {
        size_t used;
        int r = vw_openhook_feed(&c->framer, buf + off, (size_t)n - off, &used);

        off += used;
        if (r == VW_E_AGAIN) {
            break;
        }
        if (r < 0) {
            struct vw_diag d = { .code = r, .offset = 0, .field = "message_size" };
            report(s, sc, "unframeable request:", &d, c->framer.msg_start);
            return -1;
        }
        if (answer(s, sc, c) < 0) {
            return -1;
        }
        c->pending_fds = 0;
    }
    return 1;
}

static int on_open(void *ctx, struct vw_serve_client *sc) {
    struct server *s = ctx;
    struct client *c = malloc(sizeof(*c));

    if (c == NULL ||
        vw_openhook_framer_init(&c->framer, s->o->encoding, VW_OPENHOOK_FROM_CLIENT) < 0) {
        free(c);
        return -1;
    }
    c->pending_fds = 0;
    sc->state = c;
    return 0;
}

static void on_close(void *ctx, struct vw_serve_client *sc) {
    (void)ctx;
    free(sc->state);
}

static bool on_pending(void *ctx, const struct vw_serve_client *sc) {
    const struct client *c = sc->state;

    (void)ctx;
    return vw_openhook_pending(&c->framer);
}

int vw_serve_openhook(const struct vw_serve_opts *opts) {
    struct server *s = calloc(1, sizeof(*s));
    struct vw_serve_ops ops = { .ctx = s, .open = on_open, .ready = on_ready,
                                .close = on_close, .pending = on_pending };
    char listen[sizeof("unix:") + PATH_MAX], banner[sizeof(", root ") + PATH_MAX];
    struct vw_serve_loop_opts lo = { .listen = listen, .unix_only = true, .once = opts->once,
                                     .max_clients = opts->max_clients,
                                     .timeout_ms = opts->timeout_ms, .banner = banner,
                                     .err = opts->err };
    int rc = -1;

    if (s == NULL) {
        return -1;
    }
    s->o = opts;
    s->no_openat2 = opts->no_openat2;
    if (realpath(opts->root, s->root_real) == NULL ||
        (s->root_fd = open(s->root_real, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fprintf(opts->err, "virtwire serve: --root %s: %s\n", opts->root, strerror(errno));
        free(s);
        return -1;
    }
    s->root_real_len = strlen(s->root_real);
    snprintf(listen, sizeof(listen), "unix:%s", opts->path);
    snprintf(banner, sizeof(banner), ", root %s", s->root_real);
    rc = vw_serve_loop_run(&lo, &ops);
    close(s->root_fd);
    free(s);
    return rc;
}
