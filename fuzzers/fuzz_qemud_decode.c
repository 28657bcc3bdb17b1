/* Target functions: vw_qemud_decode, vw_qemud_collect, vw_qemud_feed / vw_qemud_message, and
 * the dumps in harness/dump_qemud.c.
 *
 * Input: one byte whose low bit picks the direction (0 client, 1 server), then one message.
 * Properties, each an abort():
 *   - a failure reports its own code in the diag, at an offset inside the input, and leaves
 *     the output untouched (failure atomicity);
 *   - strict success implies lenient success with the same message, the same items and no
 *     lenient note; the items never exceed VW_QEMUD_ITEMS_MAX;
 *   - the framer fed the input whole and in chunks of 1..13 bytes gives the same messages,
 *     error and pending state. */
#include "fuzz.h"
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "qemud.h"

static FILE *sink;
static struct vw_xs_item strict_items[VW_QEMUD_ITEMS_MAX], lenient_items[VW_QEMUD_ITEMS_MAX];
static struct vw_qemud_framer whole, bytewise;  /* bytewise: fed in small chunks */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return 0;
}

static bool same_items(const struct vw_xs_item *a, const struct vw_xs_item *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i].type != b[i].type || a[i].name != b[i].name || a[i].depth != b[i].depth ||
            a[i].offset != b[i].offset || a[i].u != b[i].u || a[i].i != b[i].i) {
            return false;
        }
    }
    return true;
}

/* check_framer: whole vs chunked feeding of |p| give the same messages and errors. */
static void check_framer(const uint8_t *p, size_t n) {
    size_t used = 0, off = 0, msgs_whole = 0, msgs_bytes = 0;
    int rw = VW_E_AGAIN, rb = VW_E_AGAIN;

    vw_qemud_framer_init(&whole);
    vw_qemud_framer_init(&bytewise);
    while (off < n) {
        rw = vw_qemud_feed(&whole, p + off, n - off, &used);
        CHECK(used <= n - off);
        off += used;
        if (rw == 1) {
            msgs_whole++;
            continue;
        }
        break;
    }
    for (off = 0; off < n; off += used) {
        size_t chunk = 1 + p[off] % 13;  /* 1..13 bytes, chosen by the input itself */
        rb = vw_qemud_feed(&bytewise, p + off, chunk < n - off ? chunk : n - off, &used);
        CHECK(used > 0 || rb < 0);
        if (rb == 1) {
            struct vw_span b;
            msgs_bytes++;
            vw_qemud_message(&bytewise, &b);
            CHECK(b.len >= VW_QEMUD_LEN_MIN && b.len <= VW_QEMUD_LEN_MAX);
        } else if (rb < 0 && rb != VW_E_AGAIN) {
            break;
        }
    }
    CHECK(msgs_whole == msgs_bytes);
    CHECK((rw < 0 && rw != VW_E_AGAIN) == (rb < 0 && rb != VW_E_AGAIN));
    CHECK(vw_qemud_pending(&whole) == vw_qemud_pending(&bytewise));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_qemud_items si = { .items = strict_items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_qemud_items li = { .items = lenient_items, .cap = VW_QEMUD_ITEMS_MAX };
    struct vw_diag sdiag = { 0 }, ldiag = { 0 }, lax = { 0 };
    struct vw_qemud_msg strict, lenient, guard;
    const uint8_t *msg;
    size_t len;
    int dir, rs, rl;

    if (sink == NULL) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    if (size == 0) {
        return 0;
    }
    dir = data[0] & 1;
    msg = data + 1;
    len = size - 1;
    memset(&guard, 0x5a, sizeof(guard));
    strict = guard;
    rs = vw_qemud_decode(&strict, &sdiag, NULL, msg, len, dir, 0, vw_qemud_collect, &si);
    rl = vw_qemud_decode(&lenient, &ldiag, &lax, msg, len, dir, VW_DEC_LENIENT,
                         vw_qemud_collect, &li);
    CHECK(rs != VW_E_NOSPACE && rl != VW_E_NOSPACE);  /* VW_QEMUD_ITEMS_MAX suffices */
    if (rl < 0) {
        CHECK(ldiag.code == rl && ldiag.offset <= len);
    }
    if (rs < 0) {
        CHECK(memcmp(&strict, &guard, sizeof(guard)) == 0);
        CHECK(sdiag.code == rs && sdiag.offset <= len);
        if (rl == 0) {
            /* only the libtirpc laxities: a char out of range, bytes after the body */
            CHECK((rs == VW_E_RANGE || rs == VW_E_TRAILING) && lax.code == rs &&
                  lax.offset == sdiag.offset);
            vw_dump_qemud_fields(sink, &lenient, li.items, li.num, "");
        }
    } else {
        CHECK(rl == 0 && lax.code == 0);
        CHECK(memcmp(&strict, &lenient, sizeof(strict)) == 0);
        CHECK(si.num == li.num && same_items(si.items, li.items, si.num));
        CHECK(strict.length == len && strict.prog == VW_QEMUD_PROGRAM);
        CHECK(strict.body.p + strict.body.len == msg + len);
        vw_dump_qemud_line(sink, &strict, si.items, si.num);
        vw_dump_qemud_fields(sink, &strict, si.items, si.num, "");
    }
    check_framer(msg, len);
    return 0;
}
