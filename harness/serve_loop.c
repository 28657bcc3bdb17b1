/* serve_loop.c -- listening socket, client table, idle deadlines and signals shared by the
 * reference servers; see serve_loop.h. */
#define _GNU_SOURCE
#include "serve_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct loop {
    const struct vw_serve_loop_opts *o;
    const struct vw_serve_ops *ops;
    int listen_fd;
    const char *unix_path;          /* set once bound: unlinked at the end */
    struct vw_serve_client *clients;
    unsigned next_id;
    bool accepted;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

int64_t vw_serve_now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the listening socket ---- */

static int listen_unix(struct loop *l, const char *path) {
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    FILE *err = l->o->err;
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(err, "virtwire serve: %s: path too long for a unix socket\n", path);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (lstat(path, &st) == 0) {
        int probe;

        if (!S_ISSOCK(st.st_mode)) {
            fprintf(err, "virtwire serve: %s exists and is not a socket\n", path);
            return -1;
        }
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            close(probe);
            fprintf(err, "virtwire serve: %s: a server is listening there\n", path);
            return -1;
        }
        if (probe >= 0) {
            close(probe);
        }
        unlink(path);   /* stale: nobody accepts on it */
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, VW_SERVE_BACKLOG) != 0) {
        fprintf(err, "virtwire serve: %s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    l->listen_fd = fd;
    l->unix_path = path;
    printf("virtwire serve: listening on unix:%s%s\n", path,
           l->o->banner != NULL ? l->o->banner : "");
    return 0;
}

/* listen_tcp takes "HOST:PORT" with an IPv4 literal HOST and PORT 0..65535 (0: ephemeral). */
static int listen_tcp(struct loop *l, const char *hostport) {
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t sa_len = sizeof(sa);
    const char *colon = strrchr(hostport, ':');
    FILE *err = l->o->err;
    char host[INET_ADDRSTRLEN];
    char *end;
    long port;
    int fd, one = 1;

    if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host) || colon[1] == '\0') {
        fprintf(err, "virtwire serve: --listen tcp:HOST:PORT (IPv4 HOST)\n");
        return -1;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(err, "virtwire serve: --listen tcp:HOST:PORT (IPv4 HOST)\n");
        return -1;
    }
    sa.sin_port = htons((uint16_t)port);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, VW_SERVE_BACKLOG) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sa_len) != 0) {
        fprintf(err, "virtwire serve: tcp:%s: %s\n", hostport, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    l->listen_fd = fd;
    printf("virtwire serve: listening on tcp:%s:%u%s\n", host, (unsigned)ntohs(sa.sin_port),
           l->o->banner != NULL ? l->o->banner : "");
    return 0;
}

static int listen_uri(struct loop *l) {
    const char *uri = l->o->listen != NULL ? l->o->listen : "";

    if (strncmp(uri, "unix:", 5) == 0 && uri[5] != '\0') {
        return listen_unix(l, uri + 5);
    }
    if (strncmp(uri, "tcp:", 4) == 0 && !l->o->unix_only) {
        return listen_tcp(l, uri + 4);
    }
    fprintf(l->o->err, "virtwire serve: --listen takes unix:PATH%s\n",
            l->o->unix_only ? "" : " or tcp:HOST:PORT");
    return -1;
}

/* ---- clients ---- */

static void drop(struct loop *l, struct vw_serve_client *c) {
    l->ops->close(l->ops->ctx, c);
    c->state = NULL;
    close(c->sock);
    c->sock = -1;
}

static void on_accept(struct loop *l) {
    struct vw_serve_client *c = NULL;
    int sock = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (sock < 0) {
        return;         /* EAGAIN, ECONNABORTED, EMFILE: poll again */
    }
    for (unsigned i = 0; i < l->o->max_clients; i++) {
        if (l->clients[i].sock < 0) {
            c = &l->clients[i];
            break;
        }
    }
    if (c == NULL) {
        close(sock);
        return;
    }
    c->sock = sock;
    c->id = l->next_id++;
    c->deadline = vw_serve_now_ms() + l->o->timeout_ms;
    c->state = NULL;
    if (l->ops->open(l->ops->ctx, c) < 0) {
        close(sock);
        c->sock = -1;
        return;
    }
    l->accepted = true;
}

/* run polls the listener (while a slot is free) and the clients until a signal arrives or,
 * with --once, the one client is gone. */
static void run(struct loop *l, const sigset_t *waitmask) {
    const struct vw_serve_ops *ops = l->ops;
    unsigned max = l->o->max_clients;
    struct pollfd *pfd = calloc(max + 1, sizeof(*pfd));
    struct vw_serve_client **who = calloc(max + 1, sizeof(*who));

    while (pfd != NULL && who != NULL && stop_signal == 0) {
        size_t n = 0, busy = 0;
        int64_t now = vw_serve_now_ms(), next = -1;
        struct timespec ts, *tsp = NULL;

        for (unsigned i = 0; i < max; i++) {
            struct vw_serve_client *c = &l->clients[i];
            if (c->sock < 0) {
                continue;
            }
            if (c->deadline <= now) {
                bool inside = ops->pending != NULL && ops->pending(ops->ctx, c);
                fprintf(l->o->err, "virtwire serve: client %u: silent for %d ms%s, dropped\n",
                        c->id, l->o->timeout_ms, inside ? " inside a request" : "");
                drop(l, c);
                continue;
            }
            next = next < 0 || c->deadline < next ? c->deadline : next;
            pfd[n] = (struct pollfd){ .fd = c->sock,
                                      .events = ops->events != NULL ? ops->events(ops->ctx, c)
                                                                    : POLLIN };
            who[n++] = c;
            busy++;
        }
        if (l->o->once && l->accepted && busy == 0) {
            break;
        }
        if (busy < max && !(l->o->once && l->accepted)) {
            pfd[n] = (struct pollfd){ .fd = l->listen_fd, .events = POLLIN };
            who[n++] = NULL;
        }
        if (next >= 0) {
            int64_t left = next - now;
            ts = (struct timespec){ .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };
            tsp = &ts;
        }
        if (ppoll(pfd, n, tsp, waitmask) < 0) {
            continue;   /* EINTR: the loop condition sees the signal */
        }
        for (size_t i = 0; i < n; i++) {
            struct vw_serve_client *c = who[i];
            int r;

            if (pfd[i].revents == 0) {
                continue;
            }
            if (c == NULL) {
                on_accept(l);
                continue;
            }
            if (c->sock < 0) {
                continue;
            }
            r = ops->ready(ops->ctx, c, pfd[i].revents);
            if (r < 0) {
                drop(l, c);
            } else if (r > 0) {
                c->deadline = vw_serve_now_ms() + l->o->timeout_ms;
            }
        }
    }
    free(pfd);
    free(who);
}

int vw_serve_loop_run(const struct vw_serve_loop_opts *o, const struct vw_serve_ops *ops) {
    struct loop l = { .o = o, .ops = ops, .listen_fd = -1, .next_id = 1 };
    struct sigaction sa = { .sa_handler = on_signal };
    sigset_t block, old;
    int rc = -1;

    if (o->max_clients == 0 || (l.clients = calloc(o->max_clients, sizeof(*l.clients))) == NULL) {
        fprintf(o->err, "virtwire serve: out of memory\n");
        return -1;
    }
    for (unsigned i = 0; i < o->max_clients; i++) {
        l.clients[i].sock = -1;
    }
    stop_signal = 0;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigaction(SIGTERM, &sa, NULL);      /* no SA_RESTART: ppoll returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    if (listen_uri(&l) == 0) {
        fflush(stdout);
        run(&l, &old);
        rc = 0;
    }
    for (unsigned i = 0; i < o->max_clients; i++) {
        if (l.clients[i].sock >= 0) {
            drop(&l, &l.clients[i]);
        }
    }
    if (l.listen_fd >= 0) {
        close(l.listen_fd);
    }
    if (l.unix_path != NULL) {
        unlink(l.unix_path);
    }
    free(l.clients);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}
