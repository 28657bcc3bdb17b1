/* Target functions: vw_rm_feed, vw_rm_record, vw_rm_stream_offset, vw_rm_encode, and the
 * framer's allocation failure path.
 *
 * Input: 4 bytes choosing an allocation to fail (0 = none; libxml2 style), 4 bytes seeding
 * the chunk sizes, then a record-marked stream.  The stream is framed once whole and once in
 * chunks; properties, each an abort():
 *   - chunking never changes the records, their fragment tables or the final error;
 *   - a failed allocation is reported as VW_E_NOMEM, never a crash, and nothing leaks;
 *   - every record re-encodes (one fragment) and frames back to the same bytes. */
#include "fuzz.h"
#include "fuzz_chunks.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recmark.h"

#define MAX_RECORDS 64
#define RECORD_MAX (1u << 20)

struct outcome {
    size_t num_records;
    uint64_t digest[MAX_RECORDS];  /* FNV-1a of each record and its fragment lengths */
    size_t lens[MAX_RECORDS];
    int final;                     /* last non-AGAIN error, or VW_E_AGAIN */
    bool nomem;
};

static void take_record(struct vw_rm_framer *f, struct outcome *o) {
    const struct vw_rm_fragment *frags;
    struct vw_span rec;
    size_t num_frags;
    uint64_t h = VW_FUZZ_FNV_INIT;

    vw_rm_record(f, &rec, &frags, &num_frags);
    h = vw_fuzz_fnv(h, rec.p, rec.len);
    for (size_t i = 0; i < num_frags; i++) {
        h = vw_fuzz_fnv(h, &frags[i].len, sizeof(frags[i].len));
        h = vw_fuzz_fnv(h, &frags[i].stream_offset, sizeof(frags[i].stream_offset));
        CHECK(frags[i].record_offset + frags[i].len <= rec.len);
    }
    if (rec.len > 0) {
        CHECK(vw_rm_stream_offset(f, rec.len - 1) < f->stream_pos);
    }
    if (o->num_records < MAX_RECORDS) {
        o->digest[o->num_records] = h;
        o->lens[o->num_records] = rec.len;
    }
    o->num_records++;
}

static void frame(const uint8_t *p, size_t n, uint32_t seed, unsigned long fail_at,
                  struct outcome *o) {
    struct vw_rm_framer f;
    size_t off = 0;

    memset(o, 0, sizeof(*o));
    o->final = VW_E_AGAIN;
    vw_rm_framer_init(&f, RECORD_MAX);
    f.realloc_fn = vw_fuzz_failing_realloc;
    vw_fuzz_alloc_countdown = fail_at;
    while (off < n) {
        size_t chunk = vw_fuzz_chunk(&seed, n - off, 17), used;
        int r = vw_rm_feed(&f, p + off, chunk, &used);
        CHECK(used <= chunk);
        off += used;
        if (r == 1) {
            take_record(&f, o);
        } else if (r != VW_E_AGAIN) {
            CHECK(r == VW_E_FRAGMENT || r == VW_E_RECORD_TOO_LONG || r == VW_E_NOMEM);
            o->final = r;
            o->nomem = r == VW_E_NOMEM;
            CHECK(vw_rm_feed(&f, p + off, n - off, &used) == r && used == 0);  /* sticky */
            break;
        } else {
            CHECK(used == chunk);
        }
    }
    vw_rm_framer_cleanup(&f);
    vw_fuzz_alloc_countdown = 0;
}

static void check_reencode(const uint8_t *p, size_t n) {
    struct vw_rm_framer f, g;
    size_t off = 0, used;

    vw_rm_framer_init(&f, RECORD_MAX);
    vw_rm_framer_init(&g, RECORD_MAX);
    while (off < n) {
        int r = vw_rm_feed(&f, p + off, n - off, &used);
        off += used;
        if (r != 1) {
            break;
        }
        struct vw_span rec, again;
        vw_rm_record(&f, &rec, NULL, NULL);
        uint8_t *buf = malloc(rec.len + 8);
        struct vw_xdr_enc e;
        CHECK(buf != NULL);
        vw_xdr_enc_init(&e, buf, rec.len + 8);
        CHECK(vw_rm_encode(&e, rec, 0) == 0 && e.len == rec.len + 4);
        CHECK(vw_rm_feed(&g, buf, e.len, &used) == 1 && used == e.len);
        vw_rm_record(&g, &again, NULL, NULL);
        CHECK(vw_span_eq(rec, again));
        free(buf);
    }
    vw_rm_framer_cleanup(&f);
    vw_rm_framer_cleanup(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct outcome whole, chunked;
    uint32_t fail_at, seed;

    if (!vw_fuzz_take_control(&data, &size, &fail_at, &seed)) {
        return 0;
    }
    fail_at %= 16;  /* a framer allocates a handful of times per record */

    frame(data, size, 0, 0, &whole);
    frame(data, size, seed | 1, 0, &chunked);
    CHECK(whole.num_records == chunked.num_records && whole.final == chunked.final);
    for (size_t i = 0; i < whole.num_records && i < MAX_RECORDS; i++) {
        CHECK(whole.lens[i] == chunked.lens[i]);
        /* fragment tables match too: stream offsets do not depend on chunking */
        CHECK(whole.digest[i] == chunked.digest[i]);
    }
    if (fail_at != 0) {
        struct outcome failed;
        frame(data, size, seed | 1, fail_at, &failed);
        /* until the failure the records are the same; the failure itself is VW_E_NOMEM */
        CHECK(failed.num_records <= whole.num_records);
        CHECK(failed.nomem || (failed.num_records == whole.num_records &&
                               failed.final == whole.final));
    }
    check_reencode(data, size);
    return 0;
}
