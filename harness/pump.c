/* pump.c -- the read loop behind every stream decoder; see pump.h. */
#include "pump.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

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
