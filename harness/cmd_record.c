/* cmd_record.c -- `virtwire record`: a relay between one client and a server that writes
 * their conversation as a transcript (conformance/record.h, transcript.h).
 *
 *   virtwire record --listen URI --upstream URI -o FILE [--protocol P] [--case ID]
 *                   [--title T] [--timeout MS] [--accept-timeout MS]
 *
 * It listens on --listen (unix:PATH or tcp:HOST:PORT, PORT 0 = any; "virtwire record:
 * listening on URI" on stdout once ready), accepts one client, connects to --upstream and
 * forwards bytes both ways (poll; SCM_RIGHTS fds too when both sides are unix sockets).  The
 * session ends when the client has closed and the server has closed or stayed silent for
 * VW_RECORD_DRAIN_MS, when the server closes, after --timeout ms without a byte either way,
 * on SIGINT/SIGTERM, or when the recording cannot go on (a message over its limit, a stream
 * that cannot be framed).  Without --protocol the client's first bytes choose it.
 * Exit status: 0 a complete transcript was written; 1 the session ended abnormally (a
 * partial transcript, marked as such, was written when a client had connected) or the
 * upstream could not be reached; 2 usage error or the listening socket could not be set up. */
#define _GNU_SOURCE     /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fdpass.h"
#include "qemud.h"
#include "record.h"
#include "transport.h"
#include "virnet_procs.h"

#define VW_RECORD_TIMEOUT_DEFAULT 30000       /* ms without a byte either way */
#define VW_RECORD_ACCEPT_DEFAULT 60000        /* ms to wait for the client */
#define VW_RECORD_CONNECT_MS 5000             /* connecting to the upstream */
#define VW_RECORD_DRAIN_MS 2000               /* server silence after the client closed */
#define VW_RECORD_CHUNK 65536u                /* one read */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

static void record_usage(FILE *f) {
    fputs("usage: virtwire record --listen URI --upstream URI -o FILE [--protocol P]\n"
          "                       [--case ID] [--title T] [--timeout MS] [--accept-timeout MS]\n"
          "URIs: unix:PATH, tcp:HOST:PORT.  Protocols: virnet, onc-rpc, qemud, qga, openhook,\n"
          "openhook-xdr, raw (default: guessed from the client's first bytes).\n",
          f);
}

static int64_t now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_ms(const char *s, long *out) {
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < 1 || v > 86400000) {
        return -1;
    }
    *out = v;
    return 0;
}

/* guess_protocol names the protocol of a client's first bytes (virnet-oncrpc.md §1.1, §1.3:
 * a length word then the program; §11 of RFC 5531: a record mark with the last-fragment bit;
 * historic-qemud-openhook-qga.md §1.2 QEMUD_PROGRAM, §3.2-3.3: 0xFF or a JSON object). */
static const char *guess_protocol(const uint8_t *p, size_t n) {
    uint32_t prog;

    if (n >= 1 && (p[0] == 0xff || p[0] == '{')) {
        return "qga";
    }
    if (n < 8) {
        return "raw";
    }
    prog = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    if (prog == VW_VIRNET_REMOTE_PROGRAM || prog == VW_VIRNET_KEEPALIVE_PROGRAM) {
        return "virnet";
    }
    if (prog == VW_QEMUD_PROGRAM) {
        return "qemud";
    }
    return (p[0] & 0x80) != 0 ? "onc-rpc" : "raw";
}

/* ---- sockets ---- */

static int listen_on(const struct vw_transport_uri *u, char *bound, size_t bound_len) {
    int fd = -1;

    if (u->kind == VW_TRANSPORT_TCP) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char host[NI_MAXHOST], port[NI_MAXSERV];
        int one = 1;

        if (getaddrinfo(u->host, u->port, &hints, &ai) != 0 || ai == NULL) {
            return -1;
        }
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0 ||
            getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
            getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
                        NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
            int e = errno;
            freeaddrinfo(ai);
            if (fd >= 0) {
                close(fd);
            }
            errno = e;
            return -1;
        }
        freeaddrinfo(ai);
        snprintf(bound, bound_len, strchr(host, ':') != NULL ? "tcp:[%s]:%s" : "tcp:%s:%s",
                 host, port);
        return fd;
    }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;

    memcpy(sa.sun_path, u->path, strlen(u->path) + 1);
    if (lstat(u->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(u->path);    /* a stale socket of an earlier run */
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        errno = e;
        return -1;
    }
    snprintf(bound, bound_len, "unix:%s", u->path);
    return fd;
}

/* accept_one waits up to |ms| for the client; returns its socket or -1. */
static int accept_one(int lfd, long ms) {
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    int64_t deadline = now_ms() + ms;

    for (;;) {
        int64_t left = deadline - now_ms();
        int n;

        if (stop_signal != 0 || left <= 0) {
            return -1;
        }
        n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n < 0 && errno != EINTR) {
            return -1;
        }
        if (n > 0) {
            int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c >= 0 || (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)) {
                return c;
            }
        }
    }
}

/* fd_path names what |fd| refers to when it is a regular file (for send-fd), else NULL. */
static char *fd_path(int fd) {
    char link[64], buf[PATH_MAX];
    struct stat st;
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (n = readlink(link, buf, sizeof(buf) - 1)) <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    return strdup(buf);
}

/* ---- the session ---- */

struct session {
    int sock[2];                 /* VW_REC_CLIENT, VW_REC_SERVER; -1 once closed */
    bool eof[2];
    bool fds_ok;                 /* both unix: fds are forwarded */
    const char *protocol;        /* NULL: guess from the first client bytes */
    struct vw_rec *rec;
    char why[512];               /* why the session ended abnormally ("" when it did not) */
};

static void end(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void end(struct session *s, const char *fmt, ...) {
    va_list ap;

    if (s->why[0] == '\0') {
        va_start(ap, fmt);
        vsnprintf(s->why, sizeof(s->why), fmt, ap);
        va_end(ap);
    }
}

/* pass reads once from side |from| and forwards to the other.  Returns 1 on data, 0 at end of
 * stream, -1 when the session must end (|s->why| set). */
static int pass(struct session *s, int from) {
    static const char *const who[] = { "client", "server" };
    static uint8_t buf[VW_RECORD_CHUNK];
    int fds[VW_FDPASS_MAX_FDS + 1];
    char *paths[VW_FDPASS_MAX_FDS + 1] = { 0 };
    size_t num_fds = 0;
    bool ctrunc = false;
    ssize_t n;
    int to = 1 - from, rc = 1;

    n = vw_fd_recv(s->sock[from], buf, sizeof(buf), fds, s->fds_ok ? VW_FDPASS_MAX_FDS : 0,
                   &num_fds, &ctrunc, 0);
    if (n == VW_E_AGAIN) {
        return 1;
    }
    if (n < 0) {
        if (n == VW_E_INVALID && errno == ECONNRESET) {
            return 0;
        }
        end(s, "reading from the %s failed: %s (%s)", who[from], vw_err_name((int)n),
            strerror(errno));
        return -1;
    }
    if (n == 0) {
        return 0;
    }
    if (s->rec == NULL) {
        const char *p = s->protocol != NULL ? s->protocol
                        : guess_protocol(buf, (size_t)n);
        if (from == VW_REC_SERVER && s->protocol == NULL) {
            p = "raw";  /* the server spoke first: nothing to guess from */
        }
        if ((s->rec = vw_rec_new(p)) == NULL) {
            end(s, "no recorder for protocol %s", p);
            vw_fd_close_all(fds, num_fds);
            return -1;
        }
        s->protocol = p;
    }
    for (size_t i = 0; from == VW_REC_CLIENT && i < num_fds; i++) {
        paths[i] = fd_path(fds[i]);
    }
    /* recorded first: a recording that cannot go on ends the session before a write to a
     * peer that does not read can hold it up (VW_FDPASS_SEND_TIMEOUT_MS) */
    if (vw_rec_feed(s->rec, from, buf, (size_t)n, (const char *const *)paths, num_fds) < 0 ||
        vw_rec_error(s->rec) != NULL) {
        rc = -1;
    } else if (vw_fd_send(s->sock[to], buf, (size_t)n, fds, num_fds) < 0) {
        end(s, "forwarding to the %s failed: %s", who[to], strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; i < num_fds; i++) {
        free(paths[i]);
    }
    vw_fd_close_all(fds, num_fds);
    return rc;
}

/* run relays until the session ends. */
static void run(struct session *s, long idle_ms) {
    int64_t last = now_ms(), drain_end = 0;

    for (;;) {
        struct pollfd p[2];
        int num = 0, map[2], n;
        int64_t deadline = s->eof[VW_REC_CLIENT] ? drain_end : last + idle_ms, left;

        if (stop_signal != 0) {
            end(s, "interrupted by signal %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (!s->eof[i]) {
                p[num] = (struct pollfd){ .fd = s->sock[i], .events = POLLIN };
                map[num++] = i;
            }
        }
        left = deadline - now_ms();
        if (num == 0 || (s->eof[VW_REC_CLIENT] && left <= 0)) {
            return;     /* both closed, or the server stayed silent after the client left */
        }
        if (left <= 0) {
            end(s, "nothing either way for %ld ms (--timeout)", idle_ms);
            return;
        }
        n = poll(p, (nfds_t)num, left > INT_MAX ? INT_MAX : (int)left);
        if (n < 0 && errno != EINTR) {
            end(s, "poll: %s", strerror(errno));
            return;
        }
        for (int k = 0; n > 0 && k < num; k++) {
            int i = map[k], r;
            if (p[k].revents == 0) {
                continue;
            }
            last = now_ms();
            if ((r = pass(s, i)) < 0) {
                return;
            }
            if (r == 0) {
                s->eof[i] = true;
                if (s->rec != NULL && vw_rec_eof(s->rec, i) < 0) {
                    return;
                }
                if (i == VW_REC_SERVER) {
                    return;     /* the server is gone: the session is over */
                }
                shutdown(s->sock[VW_REC_SERVER], SHUT_WR);  /* pass the client's close on */
                drain_end = now_ms() + VW_RECORD_DRAIN_MS;
            }
        }
    }
}

/* case_of: the file name of |path| without its directory and .txn. */
static void case_of(const char *path, char *out, size_t len) {
    const char *b = strrchr(path, '/');
    size_t n;

    b = b != NULL ? b + 1 : path;
    n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".txn") == 0) {
        n -= 4;
    }
    snprintf(out, len, "%.*s", (int)n, b);
}

static int write_file(const char *path, const struct vw_cf_buf *b) {
    FILE *f = fopen(path, "w");
    int ok;

    if (f == NULL) {
        return -1;
    }
    ok = fwrite(b->p, 1, b->len, f) == b->len;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}

int vw_cmd_record(int argc, char **argv) {
    const char *listen_uri = NULL, *upstream = NULL, *out_path = NULL, *case_id = NULL;
    const char *title = NULL, *protocol = NULL;
    long idle_ms = VW_RECORD_TIMEOUT_DEFAULT, accept_ms = VW_RECORD_ACCEPT_DEFAULT;
    struct vw_transport_uri lu, uu;
    struct session s = { .sock = { -1, -1 } };
    struct vw_cf_buf text = { 0 };
    struct sigaction sa = { .sa_handler = on_signal };
    char bound[VW_TRANSPORT_PATH_MAX + 16], err[512], cid[256];
    int lfd, rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            record_usage(stdout);
            return 0;
        }
        if (next == NULL) {
            fprintf(stderr, "virtwire record: %s needs a value\n", a);
            record_usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--listen") == 0) {
            listen_uri = next;
        } else if (strcmp(a, "--upstream") == 0) {
            upstream = next;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            out_path = next;
        } else if (strcmp(a, "--protocol") == 0) {
            protocol = next;
        } else if (strcmp(a, "--case") == 0) {
            case_id = next;
        } else if (strcmp(a, "--title") == 0) {
            title = next;
        } else if ((strcmp(a, "--timeout") == 0 && parse_ms(next, &idle_ms) == 0) ||
                   (strcmp(a, "--accept-timeout") == 0 && parse_ms(next, &accept_ms) == 0)) {
            continue;
        } else {
            fprintf(stderr, "virtwire record: bad option %s %s\n", a, next);
            record_usage(stderr);
            return 2;
        }
    }
    if (listen_uri == NULL || upstream == NULL || out_path == NULL) {
        record_usage(stderr);
        return 2;
    }
    if (vw_transport_parse(listen_uri, &lu) < 0 || lu.kind == VW_TRANSPORT_CHARDEV ||
        vw_transport_parse(upstream, &uu) < 0) {
        fprintf(stderr, "virtwire record: bad URI (unix:PATH or tcp:HOST:PORT)\n");
        return 2;
    }
    if (protocol != NULL) {
        struct vw_rec *probe = vw_rec_new(protocol);
        if (probe == NULL) {
            fprintf(stderr, "virtwire record: unknown protocol '%s'\n", protocol);
            return 2;
        }
        vw_rec_free(probe);
    }
    case_of(out_path, cid, sizeof(cid));
    if (case_id != NULL && strcmp(case_id, cid) != 0) {
        /* transcript.h: the case id is the file name without .txn (vw_txn_load checks it) */
        fprintf(stderr, "virtwire record: --case %s must be the file name '%s'\n", case_id, cid);
        return 2;
    }
    if ((lfd = listen_on(&lu, bound, sizeof(bound))) < 0) {
        fprintf(stderr, "virtwire record: cannot listen on %s: %s\n", listen_uri,
                strerror(errno));
        return 2;
    }
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("virtwire record: listening on %s\n", bound);
    fflush(stdout);
    s.sock[VW_REC_CLIENT] = accept_one(lfd, accept_ms);
    close(lfd);
    if (lu.kind == VW_TRANSPORT_UNIX) {
        unlink(lu.path);
    }
    if (s.sock[VW_REC_CLIENT] < 0) {
        fprintf(stderr, "virtwire record: no client within %ld ms\n", accept_ms);
        return 1;
    }
    if (vw_transport_connect(&uu, VW_RECORD_CONNECT_MS, &s.sock[VW_REC_SERVER], err,
                             sizeof(err)) < 0) {
        fprintf(stderr, "virtwire record: upstream %s: %s\n", upstream, err);
        close(s.sock[VW_REC_CLIENT]);
        return 1;
    }
    s.fds_ok = lu.kind == VW_TRANSPORT_UNIX && uu.kind != VW_TRANSPORT_TCP;
    s.protocol = protocol;
    run(&s, idle_ms);
    close(s.sock[VW_REC_CLIENT]);
    close(s.sock[VW_REC_SERVER]);
    if (s.rec == NULL && (s.rec = vw_rec_new(protocol != NULL ? protocol : "raw")) == NULL) {
        fprintf(stderr, "virtwire record: out of memory\n");
        return 1;
    }
    if (s.why[0] != '\0') {
        vw_rec_stop(s.rec, s.why);
    }
    rc = vw_rec_write(s.rec, &(struct vw_rec_header){ cid, title, upstream }, &text, err,
                      sizeof(err));
    if (rc == VW_E_NOMEM || write_file(out_path, &text) < 0) {
        fprintf(stderr, "virtwire record: %s: %s\n", out_path,
                rc == VW_E_NOMEM ? "out of memory" : strerror(errno));
        vw_cf_buf_free(&text);
        vw_rec_free(s.rec);
        return 1;
    }
    vw_cf_buf_free(&text);
    if (rc < 0) {
        fprintf(stderr, "virtwire record: %s does not parse back (a recorder bug): %s\n",
                out_path, err);
    }
    if (vw_rec_error(s.rec) != NULL) {
        fprintf(stderr, "virtwire record: %s is partial: %s\n", out_path, vw_rec_error(s.rec));
        rc = -1;
    }
    printf("virtwire record: wrote %s (%s): %zu client messages, %zu server messages%s\n",
           out_path, s.protocol != NULL ? s.protocol : "raw",
           vw_rec_messages(s.rec, VW_REC_CLIENT), vw_rec_messages(s.rec, VW_REC_SERVER),
           rc < 0 ? " (partial)" : "");
    vw_rec_free(s.rec);
    return rc < 0 ? 1 : 0;
}
