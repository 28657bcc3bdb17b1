/* Target functions: vw_virnet_decode, vw_virnet_decode_header, vw_virnet_feed and the dumps in
 * harness/dump_virnet.c (the payload schemas of virnet_procs.c through vw_xs_decode_body).
 *
 * The input is decoded once as one message (fds received: unknown) and once as a stream of
 * messages cut by the framer.  Properties, each an abort():
 *   - a failure reports its own code in the diag, at an offset inside the message, and leaves
 *     the output untouched (failure atomicity);
 *   - strict success implies lenient success with the same message and no note;
 *   - a message that decodes has a header vw_virnet_decode_header reads alike, and its payload
 *     span lies inside it;
 *   - memory is bounded: the framer's buffer never exceeds twice the bytes fed. */
#include "fuzz.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_virnet.h"
#include "virnet.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return 0;
}

static void check_one(const uint8_t *data, size_t size) {
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_virnet_msg strict, lenient, guard;
    struct vw_virnet_header h;
    uint32_t len = 0;
    int rs, rl;

    memset(&guard, 0x5a, sizeof(guard));
    strict = guard;
    lenient = guard;
    rs = vw_virnet_decode(&strict, &sdiag, NULL, data, size, -1, 0, NULL, NULL);
    rl = vw_virnet_decode(&lenient, &ldiag, &lax, data, size, -1, VW_DEC_LENIENT, NULL, NULL);
    if (rl < 0) {
        CHECK(memcmp(&lenient, &guard, sizeof(guard)) == 0);
        CHECK(ldiag.code == rl && ldiag.offset <= size);
        CHECK(rs < 0);  /* lenient accepts a superset */
    } else {
        CHECK(lenient.len == size && lenient.body.p >= data &&
              lenient.body.p + lenient.body.len == data + size);
        vw_dump_virnet_summary(sink, &lenient, data);
        vw_dump_virnet_fields(sink, &lenient, data, "");
    }
    if (rs < 0) {
        CHECK(memcmp(&strict, &guard, sizeof(guard)) == 0);
        CHECK(sdiag.code == rs && sdiag.offset <= size);
        return;
    }
    CHECK(rl == 0 && lax.code == 0);
    CHECK(memcmp(&strict.hdr, &lenient.hdr, sizeof(strict.hdr)) == 0);
    CHECK(strict.body_kind == lenient.body_kind && strict.body_type == lenient.body_type &&
          strict.num_fds == lenient.num_fds && strict.proc == lenient.proc);
    CHECK(strict.num_fds <= VW_VIRNET_NUM_FDS_MAX);
    CHECK(vw_virnet_decode_header(&len, &h, NULL, data, size) == 0);
    CHECK(len == strict.len && memcmp(&h, &strict.hdr, sizeof(h)) == 0);
    /* fds-carrying types decode with exactly their count received, and only with it */
    if (strict.has_fds) {
        CHECK(vw_virnet_decode(&lenient, NULL, NULL, data, size, (int)strict.num_fds, 0, NULL,
                               NULL) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_virnet_framer f;
    size_t off = 0, used;

    if (sink == NULL) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    check_one(data, size);
    vw_virnet_framer_init(&f);
    while (off < size) {
        int r = vw_virnet_feed(&f, data + off, size - off, &used);
        off += used;
        CHECK(f.buf_cap <= 2 * f.stream_pos + 64);
        if (r == 1) {
            struct vw_span msg;
            vw_virnet_message(&f, &msg);
            CHECK(msg.len >= VW_VIRNET_LEN_MIN && msg.p != NULL);
            check_one(msg.p, msg.len);
        } else {
            CHECK(r == VW_E_AGAIN || r == VW_E_LENGTH);
            break;
        }
    }
    vw_virnet_framer_cleanup(&f);
    return 0;
}
