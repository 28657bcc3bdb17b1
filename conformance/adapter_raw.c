/* adapter_raw.c -- the "raw" protocol adapter: for tests and for protocols without an adapter.
 *
 * Sends: no structured encoding (only `send hex`, `send text`, `send json`, `garbage hex`).
 * Receives: every run of bytes up to a newline is one message with one field, `line`, its
 * bytes without the newline as a C-escaped string ("hello\tworld").  Every message is strict.
 * The line buffer grows up to VW_RAW_LINE_MAX; the runner bounds what it feeds far below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "adapters.h"
#include "match.h"

#define VW_RAW_LINE_MAX (128u << 20)

struct vw_cf_framer {
    struct vw_cf_buf line;
};

static int raw_encode(const struct vw_txn_assign *assigns, size_t num_assigns,
                      struct vw_cf_buf *out, char *err, size_t err_len) {
    (void)assigns;
    (void)num_assigns;
    (void)out;
    snprintf(err, err_len, "the raw adapter has no structured send (use send hex/text/json)");
    return VW_E_INVALID;
}

static struct vw_cf_framer *raw_framer_new(void) {
    return calloc(1, sizeof(struct vw_cf_framer));
}

static void raw_framer_free(struct vw_cf_framer *f) {
    if (f != NULL) {
        vw_cf_buf_free(&f->line);
        free(f);
    }
}

static int raw_feed(struct vw_cf_framer *f, const uint8_t *in, size_t len, size_t *used,
                    struct vw_cf_msg *out) {
    const uint8_t *nl = len > 0 ? memchr(in, '\n', len) : NULL;
    size_t take = nl != NULL ? (size_t)(nl - in) : len;
    struct vw_cf_buf esc = { 0 };
    struct vw_cf_msg m = { 0 };
    int r;

    *used = 0;
    if (take > VW_RAW_LINE_MAX - f->line.len) {
        out->kind = VW_CF_FRAMING_ERROR;
        out->strictness = VW_CF_INVALID;
        out->code = VW_E_TOO_LONG;
        out->offset = f->line.len;
        snprintf(out->summary, sizeof(out->summary), "line over %u bytes", VW_RAW_LINE_MAX);
        return VW_E_TOO_LONG;
    }
    if ((r = vw_cf_buf_append(&f->line, in, take)) != 0) {
        return r;
    }
    if (nl == NULL) {
        *used = len;
        return 0;
    }
    r = vw_cf_escape(f->line.p, f->line.len, &esc);
    if (r == 0) {
        r = vw_cf_buf_append(&esc, "", 1);      /* NUL */
    }
    if (r == 0) {
        r = vw_cf_msg_add_field(&m, "line", (const char *)esc.p);
    }
    if (r != 0) {
        f->line.len -= take;                    /* failure-atomic: the bytes stay unused */
        vw_cf_buf_free(&esc);
        vw_cf_msg_cleanup(&m);
        return r;
    }
    m.kind = VW_CF_MSG;
    m.num_fds = -1;
    snprintf(m.summary, sizeof(m.summary), "line %s", (const char *)esc.p);
    vw_cf_buf_free(&esc);
    f->line.len = 0;
    *used = take + 1;
    *out = m;
    return 1;
}

const struct vw_cf_adapter vw_cf_adapter_raw = {
    .protocol = "raw",
    .encode = raw_encode,
    .framer_new = raw_framer_new,
    .framer_free = raw_framer_free,
    .feed = raw_feed,
};
