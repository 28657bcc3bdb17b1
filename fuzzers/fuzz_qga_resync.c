/* Target functions: vw_qga_feed after arbitrary garbage and a 0xFF, vw_qga_frame,
 * vw_qga_msg_decode.
 *
 * Input: 2 bytes giving the garbage length G, 1 byte choosing the direction, then G bytes of
 * garbage and the rest, S.  The framer is fed garbage, then 0xFF, then S (historic-qemud-
 * openhook-qga.md §3.2: 0xFF "will be treated as a flush event"); properties, each an abort():
 *   - once the 0xFF is consumed nothing is pending, whatever the garbage left unfinished;
 *   - the 0xFF itself gives exactly one event: a sync marker at its offset, or VW_E_RESYNC
 *     ending at it (possibly after a number or keyword the 0xFF ended);
 *   - recovery within one message: S after the 0xFF gives exactly the events (kinds, codes,
 *     message bytes, decode results, offsets shifted by G + 1) that S gives alone. */
#include "fuzz.h"
#include "fuzz_chunks.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "qga.h"

#define MAX_EVENTS 128

struct events {
    size_t num;
    uint64_t digest[MAX_EVENTS];
};

/* record hashes event |ev| of |f| with its offsets made relative to |base|. */
static void record(struct events *e, const struct vw_qga_framer *f, int ev, size_t base,
                   int dir) {
    uint64_t h = VW_FUZZ_FNV_INIT;
    size_t v[5] = { (size_t)ev, f->event.offset - base, f->event.start - base,
                    f->event.end - base, (size_t)f->event.code };

    CHECK(f->event.start >= base && f->event.offset >= base);
    h = vw_fuzz_fnv(h, v, sizeof(v));
    if (ev == VW_QGA_EV_MESSAGE) {
        struct vw_diag diag = { 0 };
        char path[VW_QGA_PATH_MAX];
        struct vw_qga_frame fr;
        struct vw_qga_msg m = { 0 };
        int r;

        vw_qga_frame(f, &fr);
        h = vw_fuzz_fnv(h, fr.p, fr.len);
        r = vw_qga_msg_decode(&m, &diag, NULL, path, &fr, dir, 0);
        v[0] = (size_t)r;
        v[1] = r < 0 ? diag.offset : 0;
        h = vw_fuzz_fnv(h, v, 2 * sizeof(v[0]));
        vw_qga_msg_cleanup(&m);
    }
    if (e->num < MAX_EVENTS) {
        e->digest[e->num] = h;
    }
    e->num++;
}

static void feed_all(struct vw_qga_framer *f, const uint8_t *p, size_t n, size_t base, int dir,
                     struct events *e) {
    size_t off = 0;

    while (off < n) {
        size_t used = 0;
        int r = vw_qga_feed(f, p + off, n - off, &used);
        off += used;
        CHECK(r != VW_E_NOMEM);
        if (r > 0 && e != NULL) {
            record(e, f, r, base, dir);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct events alone, after;
    struct vw_qga_framer f, g;
    static const uint8_t ff = VW_QGA_SYNC;
    size_t glen, used = 0;
    int dir, r, n_ff = 0;

    if (size < 3) {
        return 0;
    }
    glen = ((size_t)data[0] << 8 | data[1]);
    dir = data[2] & 1 ? VW_QGA_FROM_SERVER : VW_QGA_FROM_CLIENT;
    data += 3;
    size -= 3;
    glen = glen > size ? size : glen;

    vw_qga_framer_init(&f);
    feed_all(&f, data, glen, 0, dir, NULL);
    /* the 0xFF: a number or keyword it ends may first complete a message (or hit a limit) */
    do {
        r = vw_qga_feed(&f, &ff, 1, &used);
        CHECK(r != VW_E_NOMEM);
        if (r == VW_QGA_EV_SYNC || (r == VW_QGA_EV_ERROR && f.event.code == VW_E_RESYNC)) {
            CHECK(used == 1 && f.event.end == glen + (r == VW_QGA_EV_SYNC));
            CHECK(r == VW_QGA_EV_ERROR || f.event.offset == glen);
            n_ff++;
        }
        CHECK(used == 1 || r == VW_QGA_EV_MESSAGE || r == VW_QGA_EV_ERROR);
    } while (used == 0);
    CHECK(n_ff == 1);
    CHECK(!vw_qga_pending(&f) && f.state == VW_QGA_LEX_START && f.pos == glen + 1);

    memset(&after, 0, sizeof(after));
    feed_all(&f, data + glen, size - glen, glen + 1, dir, &after);

    memset(&alone, 0, sizeof(alone));
    vw_qga_framer_init(&g);
    feed_all(&g, data + glen, size - glen, 0, dir, &alone);
    CHECK(vw_qga_pending(&f) == vw_qga_pending(&g) && f.state == g.state);

    CHECK(alone.num == after.num);
    for (size_t i = 0; i < alone.num && i < MAX_EVENTS; i++) {
        CHECK(alone.digest[i] == after.digest[i]);
    }
    vw_qga_framer_cleanup(&f);
    vw_qga_framer_cleanup(&g);
    return 0;
}
