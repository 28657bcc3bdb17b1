/* Target functions: vw_virnet_feed, vw_virnet_message, vw_virnet_pending, vw_virnet_decode on
 * each framed message, and the framer's allocation failure path.
 *
 * Input: 4 bytes choosing an allocation to fail (0 = none; libxml2 style), 4 bytes seeding the
 * chunk sizes, then a libvirt RPC byte stream.  The stream is framed once whole and once in
 * chunks; properties, each an abort():
 *   - chunking never changes the messages, their stream offsets, their decode results (code
 *     and offset) or the final error and where it happened;
 *   - errors are sticky; a length word out of range is VW_E_LENGTH at its own stream offset;
 *   - a failed allocation is reported as VW_E_NOMEM, never a crash, and nothing leaks;
 *   - the buffer never holds more than twice the bytes fed. */
#include "fuzz.h"
#include "fuzz_chunks.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virnet.h"

#define MAX_MSGS 64

struct outcome {
    size_t num_msgs;
    uint64_t digest[MAX_MSGS];   /* FNV-1a of the message bytes */
    size_t start[MAX_MSGS];
    int code[MAX_MSGS];          /* decode result */
    size_t offset[MAX_MSGS];     /* diag offset on error */
    int final;                   /* last non-AGAIN result, or VW_E_AGAIN */
    size_t final_at;             /* msg_start at the error */
    bool pending;
};

static void take(struct vw_virnet_framer *f, struct outcome *o) {
    struct vw_virnet_msg m;
    struct vw_diag diag = { 0 };
    struct vw_span msg;
    size_t k = o->num_msgs++;
    int r;

    vw_virnet_message(f, &msg);
    CHECK(msg.len >= VW_VIRNET_LEN_MIN && msg.len <= VW_VIRNET_LEN_MAX);
    CHECK(f->msg_start + msg.len == f->stream_pos);
    r = vw_virnet_decode(&m, &diag, NULL, msg.p, msg.len, -1, 0, NULL, NULL);
    CHECK(r == 0 || (diag.code == r && diag.offset <= msg.len));
    if (k < MAX_MSGS) {
        o->digest[k] = vw_fuzz_fnv(VW_FUZZ_FNV_INIT, msg.p, msg.len);
        o->start[k] = f->msg_start;
        o->code[k] = r;
        o->offset[k] = r < 0 ? diag.offset : 0;
    }
}

static void frame(const uint8_t *p, size_t n, uint32_t seed, unsigned long fail_at,
                  struct outcome *o) {
    struct vw_virnet_framer f;
    size_t off = 0;

    memset(o, 0, sizeof(*o));
    o->final = VW_E_AGAIN;
    vw_virnet_framer_init(&f);
    f.realloc_fn = vw_fuzz_failing_realloc;
    vw_fuzz_alloc_countdown = fail_at;
    while (off < n) {
        size_t chunk = vw_fuzz_chunk(&seed, n - off, 23), used;
        int r;
        r = vw_virnet_feed(&f, p + off, chunk, &used);
        CHECK(used <= chunk);
        off += used;
        CHECK(f.buf_cap <= 2 * f.stream_pos + 64);
        if (r == 1) {
            take(&f, o);
        } else if (r != VW_E_AGAIN) {
            CHECK(r == VW_E_LENGTH || r == VW_E_NOMEM);
            if (r == VW_E_LENGTH) {
                uint32_t len = vw_load_be32(p + f.msg_start);
                CHECK(len < VW_VIRNET_LEN_MIN || len > VW_VIRNET_LEN_MAX);
                CHECK(f.stream_pos == f.msg_start + VW_VIRNET_LEN_SIZE);
            }
            o->final = r;
            o->final_at = f.msg_start;
            CHECK(vw_virnet_feed(&f, p + off, n - off, &used) == r && used == 0);  /* sticky */
            break;
        } else {
            CHECK(used == chunk);
        }
    }
    o->pending = vw_virnet_pending(&f);
    vw_virnet_framer_cleanup(&f);
    vw_fuzz_alloc_countdown = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct outcome *whole, *chunked;
    uint32_t fail_at, seed;

    if (!vw_fuzz_take_control(&data, &size, &fail_at, &seed)) {
        return 0;
    }
    fail_at %= 8;  /* the buffer is reallocated a handful of times at most */

    whole = malloc(sizeof(*whole));
    chunked = malloc(sizeof(*chunked));
    CHECK(whole != NULL && chunked != NULL);
    frame(data, size, 0, 0, whole);
    frame(data, size, seed | 1, 0, chunked);
    CHECK(whole->num_msgs == chunked->num_msgs && whole->final == chunked->final &&
          whole->final_at == chunked->final_at && whole->pending == chunked->pending);
    for (size_t i = 0; i < whole->num_msgs && i < MAX_MSGS; i++) {
        CHECK(whole->digest[i] == chunked->digest[i] && whole->start[i] == chunked->start[i]);
        CHECK(whole->code[i] == chunked->code[i] && whole->offset[i] == chunked->offset[i]);
    }
    if (fail_at != 0) {
        frame(data, size, seed | 1, fail_at, chunked);
        /* until the failure the messages are the same; the failure itself is VW_E_NOMEM */
        CHECK(chunked->num_msgs <= whole->num_msgs);
        CHECK(chunked->final == VW_E_NOMEM ||
              (chunked->num_msgs == whole->num_msgs && chunked->final == whole->final));
        for (size_t i = 0; i < chunked->num_msgs && i < MAX_MSGS; i++) {
            CHECK(whole->digest[i] == chunked->digest[i]);
        }
    }
    free(whole);
    free(chunked);
    return 0;
}
