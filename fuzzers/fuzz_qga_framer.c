/* Target functions: vw_qga_feed, vw_qga_frame, vw_qga_pending, vw_qga_msg_decode and
 * vw_qga_msg_check on each framed message, and the framer's allocation failure path.
 *
 * Input: 4 bytes choosing an allocation to fail (0 = none; libxml2 style), 4 bytes seeding the
 * chunk sizes, 1 byte choosing the limits (bit 0: QEMU's; else lowered so small inputs reach
 * them), 1 byte choosing the direction, then a qemu-ga byte stream.  The stream is framed once
 * whole and once in chunks; properties, each an abort():
 *   - chunking never changes the events: messages (stream offsets, bytes, decode result and
 *     offset), sync markers, framing errors (code, offsets), nor whether input is pending;
 *   - every message lies inside the stream, after the previous event;
 *   - a failed allocation is VW_E_NOMEM, never a crash or a leak;
 *   - the buffer never holds more than three bytes per byte fed (a '"' of a single-quoted
 *     string is stored as two, plus one separator per token). */
#include "fuzz.h"
#include "fuzz_chunks.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qga.h"
#include "xdr.h"

#define MAX_EVENTS 256

struct outcome {
    size_t num;
    uint64_t digest[MAX_EVENTS];  /* FNV-1a of the event and of the message bytes */
    int nomem;
    bool pending;
};

static void record(struct outcome *o, const struct vw_qga_framer *f, int ev, int dir,
                   size_t n) {
    uint64_t h = VW_FUZZ_FNV_INIT;
    size_t v[4] = { (size_t)ev, f->event.offset, f->event.start, f->event.end };

    CHECK(f->event.kind == ev);
    CHECK(f->event.start <= f->event.offset || ev == VW_QGA_EV_MESSAGE);
    h = vw_fuzz_fnv(h, v, sizeof(v));
    if (ev == VW_QGA_EV_ERROR) {
        CHECK(f->event.code == VW_E_SYNTAX || f->event.code == VW_E_RESYNC ||
              f->event.code == VW_E_TOO_LONG || f->event.code == VW_E_NESTING);
        h = vw_fuzz_fnv(h, &f->event.code, sizeof(f->event.code));
    }
    if (ev == VW_QGA_EV_MESSAGE) {
        struct vw_diag diag = { 0 }, lax = { 0 };
        char path[VW_QGA_PATH_MAX];
        struct vw_qga_frame fr;
        struct vw_qga_msg m = { 0 };
        int r;

        vw_qga_frame(f, &fr);
        CHECK(fr.start < fr.end && fr.end <= n && fr.p[fr.len] == 0);
        h = vw_fuzz_fnv(h, fr.p, fr.len);
        r = vw_qga_msg_decode(&m, &diag, &lax, path, &fr, dir, n & 1 ? VW_DEC_LENIENT : 0);
        CHECK(r == 0 || (r == diag.code && m.root == NULL));
        if (r == 0) {
            r = vw_qga_msg_check(&m, NULL, &diag, path);
            CHECK(r == 0 || r == 1 || r == diag.code);
        }
        v[0] = (size_t)r;
        v[1] = r < 0 ? diag.offset : 0;
        h = vw_fuzz_fnv(h, v, 2 * sizeof(v[0]));
        vw_qga_msg_cleanup(&m);
    }
    if (o->num < MAX_EVENTS) {
        o->digest[o->num] = h;
    }
    o->num++;
}

static void frame(const uint8_t *p, size_t n, uint32_t seed, unsigned long fail_at, int lim,
                  int dir, struct outcome *o) {
    struct vw_qga_framer f;
    size_t off = 0;

    memset(o, 0, sizeof(*o));
    vw_qga_framer_init(&f);
    f.realloc_fn = vw_fuzz_failing_realloc;
    if (!(lim & 1)) {
        f.token_max = 16 + (lim & 0x7e);
        f.count_max = 8 + (size_t)(lim >> 4);
        f.nesting_max = 2 + (lim >> 5);
    }
    vw_fuzz_alloc_countdown = fail_at;
    while (off < n) {
        size_t chunk = vw_fuzz_chunk(&seed, n - off, 17), used = 0;
        int r;
        r = vw_qga_feed(&f, p + off, chunk, &used);
        CHECK(used <= chunk);
        off += used;
        CHECK(f.pos == off);
        CHECK(f.len <= 3 * off && f.cap <= 6 * off + 512);
        if (r == VW_E_NOMEM) {
            CHECK(fail_at != 0);
            o->nomem++;
        } else if (r != VW_E_AGAIN) {
            record(o, &f, r, dir, n);
        } else {
            CHECK(used == chunk);
        }
    }
    o->pending = vw_qga_pending(&f);
    vw_qga_framer_cleanup(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct outcome whole, chunked;
    uint32_t fail_at, seed;
    int lim, dir;

    if (size < 10) {
        return 0;
    }
    fail_at = vw_fuzz_le32(data);
    seed = vw_fuzz_le32(data + 4);
    lim = data[8];
    dir = data[9] & 1 ? VW_QGA_FROM_SERVER : VW_QGA_FROM_CLIENT;
    data += 10;
    size -= 10;
    fail_at %= 8;               /* the buffer grows a few times at most in a small input */
    frame(data, size, 0, fail_at, lim, dir, &whole);
    frame(data, size, seed | 1, fail_at, lim, dir, &chunked);
    if (fail_at == 0) {
        CHECK(whole.nomem == 0 && chunked.nomem == 0);
        CHECK(whole.num == chunked.num && whole.pending == chunked.pending);
        for (size_t i = 0; i < whole.num && i < MAX_EVENTS; i++) {
            CHECK(whole.digest[i] == chunked.digest[i]);
        }
    }
    return 0;
}
