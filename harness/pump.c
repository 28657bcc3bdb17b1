/* pump.c -- the read loop and the reports behind every stream decoder; see pump.h. */
#include "pump.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "err.h"

int vw_decode_pump(int fd, FILE *err, vw_feed_fn feed, vw_message_fn on_message, void *ctx,
                   int *out_framing_error) {
    uint8_t buf[VW_PUMP_CHUNK];

    *out_framing_error = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        size_t off = 0;
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(err, "virtwire: read: %s\n", strerror(errno));
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        while (off < (size_t)n) {
            size_t used = 0;
            int r = feed(ctx, buf + off, (size_t)n - off, &used);
            off += used;
            if (r == 1) {
                on_message(ctx);
            } else if (r < 0 && r != VW_E_AGAIN) {
                *out_framing_error = r;
                return 0;
            }
        }
    }
}

int vw_decode_need_from(const struct vw_decode_opts *opts, const char *protocol) {
    if (opts->from != VW_FROM_CLIENT && opts->from != VW_FROM_SERVER) {
        fprintf(opts->err, "virtwire decode: --protocol %s needs --from client|server\n",
                protocol);
        return -1;
    }
    return 0;
}

void vw_decode_report(FILE *err, const char *unit, size_t num, size_t start,
                      const struct vw_diag *diag, const char *what) {
    fprintf(err,
            "virtwire: %s %zu (stream offset %zu): %s %s at message byte %zu "
            "(stream offset %zu)%s%s: %s\n",
            unit, num, start, what, vw_err_name(diag->code), diag->offset, start + diag->offset,
            diag->field != NULL ? ", field " : "", diag->field != NULL ? diag->field : "",
            vw_err_text(diag->code));
}

void vw_decode_report_pending(FILE *err, const char *unit, size_t num, size_t start,
                              size_t pos) {
    fprintf(err,
            "virtwire: %s %zu (stream offset %zu): VW_E_SHORT at stream offset %zu: "
            "the stream ends inside a message\n",
            unit, num, start, pos);
}
