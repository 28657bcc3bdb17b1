/* Target functions: vw_va_feed, vw_va_message, vw_va_pending, vw_va_decode on each framed
 * message, vw_va_encode, and the framer's allocation failure path
 * (historic-qemud-openhook-qga.md §3.1).
 *
 * Input: 4 bytes choosing an allocation to fail (0 = none; libxml2 style), 4 bytes seeding the
 * chunk sizes, then a virtagent byte stream (either peer).  Properties, each an abort():
 *   - the stream framed whole and framed in fuzzer-chosen chunks gives the same events: each
 *     message's stream offset, bytes, decode result and error offset, each framing error's
 *     code and stream offset, and whether the stream ends inside a message;
 *   - a framing error is one of VW_E_RESYNC, VW_E_TOO_LONG, VW_E_SYNTAX, VW_E_MEMBER, at or
 *     before the bytes consumed; a decode error's offset lies inside its message;
 *   - a valid message re-encodes (vw_va_encode) to bytes that decode to the same kind and
 *     number of items and re-encode to the same bytes;
 *   - a failed allocation is VW_E_NOMEM, sticky, after a prefix of the events; nothing leaks;
 *   - the framer's buffer never holds more than twice the bytes fed (plus 256) nor more than
 *     one message (VW_VA_MSG_MAX). */
#include "fuzz.h"
#include "fuzz_chunks.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtagent.h"

#define MAX_EVENTS 64
#define ITEMS_CAP 4096

struct outcome {
    size_t num;
    int code[MAX_EVENTS];        /* 1 valid message, else the error */
    size_t at[MAX_EVENTS];       /* stream offset of the message or error */
    uint64_t digest[MAX_EVENTS]; /* FNV-1a of the message bytes (0 for a framing error) */
    bool pending;
    bool nomem;
};

static struct vw_va_item items_a[ITEMS_CAP], items_b[ITEMS_CAP];
static uint8_t enc1[VW_VA_MSG_MAX], enc2[VW_VA_MSG_MAX];

static void roundtrip(const struct vw_va_msg *m) {
    struct vw_va_items ib = { .items = items_b, .cap = ITEMS_CAP };
    struct vw_va_msg m2;
    size_t n1 = 0, n2 = 0;
    int r = vw_va_encode(enc1, sizeof(enc1), &n1, m, items_a + m->first_item, m->num_items);

    if (r == VW_E_TOO_LONG) {
        return;  /* canonical escaping can outgrow 2 MiB */
    }
    CHECK(r == 0);
    CHECK(vw_va_decode(&m2, NULL, NULL, enc1, n1, VW_VA_FROM_ANY, 0, &ib) == 0);
    CHECK(m2.kind == m->kind && m2.method == m->method && m2.num_items == m->num_items);
    for (size_t i = 0; i < ib.num; i++) {
        CHECK(items_b[i].type == items_a[m->first_item + i].type);
        CHECK(items_b[i].num == items_a[m->first_item + i].num);
        CHECK(items_b[i].i == items_a[m->first_item + i].i);
    }
    CHECK(vw_va_encode(enc2, sizeof(enc2), &n2, &m2, items_b, ib.num) == 0);
    CHECK(n1 == n2 && memcmp(enc1, enc2, n1) == 0);
}

static void add(struct outcome *o, int code, size_t at, uint64_t digest) {
    if (o->num < MAX_EVENTS) {
        o->code[o->num] = code;
        o->at[o->num] = at;
        o->digest[o->num] = digest;
    }
    o->num++;
}

static void take(struct vw_va_framer *f, struct outcome *o, bool check_roundtrip) {
    struct vw_va_items ia = { .items = items_a, .cap = ITEMS_CAP };
    struct vw_diag diag = { 0 }, lax = { 0 };
    struct vw_va_msg m;
    struct vw_span msg;
    int r;

    vw_va_message(f, &msg);
    CHECK(msg.len > 0 && msg.p[0] == VW_VA_SENTINEL && msg.len <= VW_VA_MSG_MAX);
    CHECK(f->msg_start + msg.len == f->stream_pos);
    r = vw_va_decode(&m, &diag, &lax, msg.p, msg.len, VW_VA_FROM_ANY, 0, &ia);
    CHECK(r == 0 || (diag.code == r && diag.offset <= msg.len));
    CHECK(r < 0 || (m.first_item == 0 && m.num_items == ia.num));
    CHECK(r == 0 || ia.num == 0);
    if (r == 0 && check_roundtrip && !ia.overflow) {
        roundtrip(&m);
    }
    add(o, r == 0 ? 1 : r, f->msg_start + (r == 0 ? 0 : diag.offset),
        vw_fuzz_fnv(VW_FUZZ_FNV_INIT, msg.p, msg.len));
}

static void frame(const uint8_t *p, size_t n, uint32_t seed, unsigned long fail_at,
                  struct outcome *o) {
    struct vw_va_framer f;
    size_t off = 0;

    memset(o, 0, sizeof(*o));
    vw_va_framer_init(&f);
    f.realloc_fn = vw_fuzz_failing_realloc;
    vw_fuzz_alloc_countdown = fail_at;
    while (off < n) {
        size_t chunk = vw_fuzz_chunk(&seed, n - off, 23), used;
        int r;
        r = vw_va_feed(&f, p + off, chunk, &used);
        CHECK(used <= chunk);
        off += used;
        CHECK(f.stream_pos == off);
        CHECK(f.buf_cap <= 2 * f.stream_pos + 256 && f.buf_cap <= VW_VA_MSG_MAX);
        if (r == 1) {
            take(&f, o, seed == 0 && fail_at == 0);
        } else if (r == VW_E_NOMEM) {
            o->nomem = true;
            CHECK(vw_va_feed(&f, p + off, n - off, &used) == r && used == 0);  /* sticky */
            break;
        } else if (r != VW_E_AGAIN) {
            CHECK(r == VW_E_RESYNC || r == VW_E_TOO_LONG || r == VW_E_SYNTAX ||
                  r == VW_E_MEMBER);
            CHECK(f.err_offset < f.stream_pos);
            add(o, r, f.err_offset, 0);
        } else {
            CHECK(used == chunk);
        }
    }
    o->pending = vw_va_pending(&f);
    vw_va_framer_cleanup(&f);
    vw_fuzz_alloc_countdown = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct outcome whole, chunked, failing;
    uint32_t fail_at, seed;

    if (!vw_fuzz_take_control(&data, &size, &fail_at, &seed)) {
        return 0;
    }
    frame(data, size, 0, 0, &whole);
    frame(data, size, seed | 1, 0, &chunked);
    CHECK(!whole.nomem && !chunked.nomem);
    CHECK(whole.num == chunked.num && whole.pending == chunked.pending);
    for (size_t i = 0; i < whole.num && i < MAX_EVENTS; i++) {
        CHECK(whole.code[i] == chunked.code[i] && whole.at[i] == chunked.at[i] &&
              whole.digest[i] == chunked.digest[i]);
    }
    if (fail_at != 0) {
        frame(data, size, seed | 1, fail_at % 64, &failing);
        CHECK(failing.num <= whole.num);
        for (size_t i = 0; i < failing.num && i < MAX_EVENTS; i++) {
            CHECK(failing.code[i] == whole.code[i] && failing.at[i] == whole.at[i]);
        }
        CHECK(failing.nomem || (failing.num == whole.num && failing.pending == whole.pending));
    }
    return 0;
}
