/* cmd_decode.c -- `virtwire decode --protocol P [--from client|server] [--lenient] [-v] FILE|-`.
 *
 * Exit status: 0 when every message is valid, 1 when any is not (its code and byte offset on
 * stderr), 2 on a usage error or an input that cannot be opened or read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "decode.h"
#include "xdr.h"

struct protocol_entry {
    const char *name;
    vw_stream_decoder decode;
};

/* Protocols with a stream decoder.  A new protocol adds one line here (see README). */
static const struct protocol_entry protocols[] = {
    { "onc-rpc", vw_decode_oncrpc },
    { "openhook", vw_decode_openhook },
    { "openhook-xdr", vw_decode_openhook_xdr },
    { "qemud", vw_decode_qemud },
    { "qga", vw_decode_qga },
    { "virnet", vw_decode_virnet },
    { "virtagent", vw_decode_virtagent },
};

static void decode_usage(FILE *f) {
    fputs("usage: virtwire decode --protocol P [--from client|server] [--lenient] [-v] FILE|-\n"
          "protocols:",
          f);
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        fprintf(f, " %s", protocols[i].name);
    }
    fputc('\n', f);
}

int vw_cmd_decode(int argc, char **argv) {
    struct vw_decode_opts opts = { .out = stdout, .err = stderr };
    const struct protocol_entry *proto = NULL;
    const char *proto_name = NULL, *path = NULL;
    int fd, rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--protocol") == 0 && i + 1 < argc) {
            proto_name = argv[++i];
        } else if (strncmp(a, "--protocol=", 11) == 0) {
            proto_name = a + 11;
        } else if (strcmp(a, "--from") == 0 && i + 1 < argc) {
            const char *from = argv[++i];
            if (strcmp(from, "client") == 0) {
                opts.from = VW_FROM_CLIENT;
            } else if (strcmp(from, "server") == 0) {
                opts.from = VW_FROM_SERVER;
            } else {
                fprintf(stderr, "virtwire decode: --from takes client or server\n");
                return 2;
            }
        } else if (strcmp(a, "--requests") == 0 && i + 1 < argc) {
            opts.requests = argv[++i];  /* qga --from server: pair replies with requests */
        } else if (strcmp(a, "--lenient") == 0) {
            opts.flags |= VW_DEC_LENIENT;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opts.verbose = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            decode_usage(stdout);
            return 0;
        } else if ((a[0] != '-' || strcmp(a, "-") == 0) && path == NULL) {
            path = a;
        } else {
            fprintf(stderr, "virtwire decode: unexpected argument '%s'\n", a);
            decode_usage(stderr);
            return 2;
        }
    }
    if (proto_name == NULL || path == NULL) {
        decode_usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        if (strcmp(protocols[i].name, proto_name) == 0) {
            proto = &protocols[i];
        }
    }
    if (proto == NULL) {
        fprintf(stderr, "virtwire decode: unknown protocol '%s'\n", proto_name);
        decode_usage(stderr);
        return 2;
    }
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "virtwire decode: %s: %s\n", path, strerror(errno));
        return 2;
    }
    rc = proto->decode(fd, &opts);
    if (fd != STDIN_FILENO) {
        close(fd);
    }
    if (fflush(stdout) != 0) {
        return 2;
    }
    return rc < 0 ? 2 : rc > 0 ? 1 : 0;
}
