/* cmd_serve.c -- `virtwire serve --protocol openhook|openhook-xdr --listen unix:PATH
 * --root DIR [--once] [--max-clients N] [--timeout MS] [--no-openat2]`.
 *
 * Exit status: 0 after a clean stop (SIGTERM, SIGINT, or the one client of --once gone; the
 * socket is unlinked), 2 on a usage error or when the server cannot start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "openhook.h"
#include "serve.h"

static void serve_usage(FILE *f) {
    fputs("usage: virtwire serve --protocol openhook|openhook-xdr --listen unix:PATH --root DIR\n"
          "                      [--once] [--max-clients N] [--timeout MS] [--no-openat2]\n"
          "       virtwire serve --protocol qemud --listen unix:PATH|tcp:HOST:PORT [--read-only]\n"
          "                      [--once] [--max-clients N] [--timeout MS]\n",
          f);
}

/* parse_uint reads a decimal in [lo, hi] from |s|; returns 0 or -1. */
static int parse_uint(const char *s, long lo, long hi, long *out) {
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

int vw_cmd_serve(int argc, char **argv) {
    struct vw_serve_opts o = { .encoding = -1, .max_clients = VW_SERVE_CLIENTS_DEFAULT,
                               .timeout_ms = VW_SERVE_TIMEOUT_DEFAULT, .err = stderr };
    const char *listen_uri = NULL;
    long v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--protocol") == 0 && next != NULL) {
            i++;
            if (strcmp(next, "openhook") == 0) {
                o.encoding = VW_OPENHOOK_HOST;
            } else if (strcmp(next, "openhook-xdr") == 0) {
                o.encoding = VW_OPENHOOK_XDR;
            } else if (strcmp(next, "qemud") == 0) {
                o.qemud = true;
            } else {
                fprintf(stderr, "virtwire serve: unknown protocol '%s'\n", next);
                return 2;
            }
        } else if (strcmp(a, "--listen") == 0 && next != NULL) {
            listen_uri = argv[++i];
        } else if (strcmp(a, "--root") == 0 && next != NULL) {
            o.root = argv[++i];
        } else if (strcmp(a, "--once") == 0) {
            o.once = true;
        } else if (strcmp(a, "--read-only") == 0) {
            o.read_only = true;
        } else if (strcmp(a, "--no-openat2") == 0) {
            o.no_openat2 = true;
        } else if (strcmp(a, "--max-clients") == 0 && next != NULL) {
            if (parse_uint(argv[++i], 1, VW_SERVE_CLIENTS_MAX, &v) < 0) {
                fprintf(stderr, "virtwire serve: --max-clients takes 1..%d\n",
                        VW_SERVE_CLIENTS_MAX);
                return 2;
            }
            o.max_clients = (unsigned)v;
        } else if (strcmp(a, "--timeout") == 0 && next != NULL) {
            if (parse_uint(argv[++i], 1, 3600000, &v) < 0) {
                fprintf(stderr, "virtwire serve: --timeout takes 1..3600000 (ms)\n");
                return 2;
            }
            o.timeout_ms = (int)v;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            serve_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "virtwire serve: unexpected argument '%s'\n", a);
            serve_usage(stderr);
            return 2;
        }
    }
    if (o.qemud && listen_uri != NULL && o.root == NULL && !o.no_openat2) {
        /* qemud: --listen unix:PATH or tcp:HOST:PORT; no --root */
        o.listen = listen_uri;
        return vw_serve_qemud(&o) == 0 ? 0 : 2;
    }
    if (o.encoding < 0 || o.read_only || listen_uri == NULL || o.root == NULL) {
        serve_usage(stderr);
        return 2;
    }
    if (strncmp(listen_uri, "unix:", 5) != 0 || listen_uri[5] == '\0') {
        fprintf(stderr, "virtwire serve: --listen takes unix:PATH\n");
        return 2;
    }
    o.path = listen_uri + 5;
    return vw_serve_openhook(&o) == 0 ? 0 : 2;
}
