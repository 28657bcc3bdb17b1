/* serve_loop.h -- what every reference server behind `virtwire serve` shares: the listening
 * socket (unix:PATH or tcp:HOST:PORT), a table of clients polled together, an idle deadline
 * per client, and a clean stop on SIGTERM or SIGINT (socket unlinked, every fd closed).
 *
 * The protocol sees each client through three callbacks: |open| when it is accepted (set up
 * its state), |ready| when poll reports what |events| asked for (read, answer, write), and
 * |close| before the loop closes its socket.  Nothing here reads or writes client bytes. */
#ifndef VW_SERVE_LOOP_H
#define VW_SERVE_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define VW_SERVE_BACKLOG 64         /* listen(2) backlog; clients past max_clients wait there */

struct vw_serve_client {
    int sock;                       /* -1: the slot is free */
    unsigned id;                    /* 1, 2, ... in accept order, for the log */
    int64_t deadline;               /* monotonic ms; the loop drops the client after it */
    void *state;                    /* the protocol's own */
};

struct vw_serve_ops {
    void *ctx;
    /* open sets up |c->state|; returns 0, or -1 to refuse the client (its socket is closed). */
    int (*open)(void *ctx, struct vw_serve_client *c);
    /* events says what to poll |c| for (POLLIN, POLLOUT); NULL means POLLIN. */
    short (*events)(void *ctx, const struct vw_serve_client *c);
    /* ready handles |revents| on |c|; returns 1 after progress (the deadline is renewed), 0
     * after none, or -1 when the client must be dropped (the loop calls |close|). */
    int (*ready)(void *ctx, struct vw_serve_client *c, short revents);
    /* close frees |c->state|; the loop closes |c->sock| afterwards. */
    void (*close)(void *ctx, struct vw_serve_client *c);
    /* pending says whether |c| is inside a message (for the timeout log); may be NULL. */
    bool (*pending)(void *ctx, const struct vw_serve_client *c);
};

struct vw_serve_loop_opts {
    const char *listen;             /* "unix:PATH" or "tcp:HOST:PORT" (IPv4 literal; PORT 0 =
                                     * ephemeral); unix only when |unix_only| */
    bool unix_only;                 /* the protocol passes fds: refuse tcp: */
    bool once;                      /* serve one connection, then stop */
    unsigned max_clients;           /* clients at once, >= 1 */
    int timeout_ms;                 /* idle limit per client */
    const char *banner;             /* appended to "listening on URI" (may be NULL) */
    FILE *err;                      /* one line per dropped client; startup errors */
};

/* vw_serve_now_ms is CLOCK_MONOTONIC in ms. */
int64_t vw_serve_now_ms(void);

/* vw_serve_loop_run listens on |o->listen|, prints "virtwire serve: listening on URI" (the
 * port resolved when PORT is 0, then |o->banner|) on stdout, and serves clients through
 * |ops| until SIGTERM or SIGINT (or, with |once|, until its one client is gone).  Signals are
 * blocked except while polling, so none is lost.  Returns 0 after a clean stop (every client
 * closed, a unix socket unlinked), -1 when it could not start (reported on |o->err|). */
int vw_serve_loop_run(const struct vw_serve_loop_opts *o, const struct vw_serve_ops *ops);

#endif
