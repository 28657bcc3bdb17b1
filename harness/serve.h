/* serve.h -- the reference servers behind `virtwire serve` (the embedded default of the
 * conformance runner when no real server is installed; ARCHITECTURE.md "Conformance"). */
#ifndef VW_SERVE_H
#define VW_SERVE_H

#include <stdbool.h>
#include <stdio.h>

#define VW_SERVE_CLIENTS_DEFAULT 16    /* clients served at once; more wait in the backlog */
#define VW_SERVE_CLIENTS_MAX 1024      /* each holds a framer of one largest message (64 KiB) */
#define VW_SERVE_TIMEOUT_DEFAULT 5000  /* ms a client may stay silent inside or between requests */

struct vw_serve_opts {
    int encoding;            /* enum vw_openhook_encoding */
    const char *path;        /* unix socket path (from --listen unix:PATH) */
    const char *root;        /* the only directory files are opened under */
    bool once;               /* serve one connection, then exit */
    unsigned max_clients;    /* 1 .. VW_SERVE_CLIENTS_MAX */
    int timeout_ms;          /* idle limit per client */
    bool no_openat2;         /* test switch: resolve with the openat(O_NOFOLLOW) walk */
    FILE *err;               /* one line per refused request or dropped client */
    const char *listen;      /* qemud: "unix:PATH" or "tcp:HOST:PORT" (serve_loop.h) */
    bool qemud;              /* --protocol qemud */
    bool read_only;          /* qemud --read-only: the read-only socket's rules (§1.6) */
};

/* vw_serve_openhook runs the open-hook-fd reference server (historic-qemud-openhook-qga.md
 * §2.1; §2.2 for the XDR encoding) until SIGTERM or SIGINT (or, with |once|, until its one
 * client is gone).  Returns 0 on a clean stop (socket unlinked), -1 when it could not start
 * (reported on opts->err). */
int vw_serve_openhook(const struct vw_serve_opts *opts);

/* vw_serve_qemud runs the 2007 qemud protocol daemon (historic-qemud-openhook-qga.md §1.6)
 * over in-memory domains and networks (harness/qemud_state.h) on |opts->listen| until
 * SIGTERM or SIGINT (or, with |once|, until its one client is gone).  Returns 0 on a clean
 * stop, -1 when it could not start (reported on opts->err). */
int vw_serve_qemud(const struct vw_serve_opts *opts);

#endif
