/* Target functions: vw_virnet_decode's fd rules (virnet-oncrpc.md §1.5): the 4-byte count of
 * CALL_WITH_FDS / REPLY_WITH_FDS, its maximum VIR_NET_MESSAGE_NUM_FDS_MAX (32), and the number
 * of fds that actually arrived with the message (SCM_RIGHTS).
 *
 * Input: 1 byte, the number of fds received (0xff = unknown, -1), then one message.
 * Properties, each an abort():
 *   - never a crash; a failure reports its own code at an offset inside the message;
 *   - a message that decodes with the fds unknown decodes with exactly its own count received
 *     (0 for types without a count) and with no other: any other count is VW_E_FDS;
 *   - a count over 32 is VW_E_FDS whatever was received;
 *   - the fd check does not depend on the mode (strict and lenient agree on VW_E_FDS). */
#include "fuzz.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_virnet_msg m, guard, out;
    struct vw_diag diag = { 0 }, ldiag = { 0 };
    int claimed, r, rl, expect;

    if (size < 1) {
        return 0;
    }
    claimed = data[0] == 0xff ? -1 : data[0];
    data++;
    size--;

    memset(&guard, 0xa5, sizeof(guard));
    out = guard;
    r = vw_virnet_decode(&out, &diag, NULL, data, size, claimed, 0, NULL, NULL);
    rl = vw_virnet_decode(&m, &ldiag, NULL, data, size, claimed, VW_DEC_LENIENT, NULL, NULL);
    if (r < 0) {
        CHECK(memcmp(&out, &guard, sizeof(guard)) == 0);
        CHECK(diag.code == r && diag.offset <= size);
    }
    if (rl == VW_E_FDS) {
        /* strict may stop earlier, at a header word lenient only notes */
        CHECK(r == VW_E_FDS || r == VW_E_PROGRAM || r == VW_E_MSG_TYPE);
    }
    if (r == VW_E_FDS) {
        CHECK(rl == VW_E_FDS);
    }
    if (size >= VW_VIRNET_LEN_MIN + VW_VIRNET_FD_COUNT_SIZE) {
        int32_t type = (int32_t)vw_load_be32(data + VW_VIRNET_OFF_TYPE);
        uint32_t count = vw_load_be32(data + VW_VIRNET_OFF_PAYLOAD);
        uint32_t len = vw_load_be32(data);
        if ((type == VW_VIRNET_CALL_WITH_FDS || type == VW_VIRNET_REPLY_WITH_FDS) &&
            count > VW_VIRNET_NUM_FDS_MAX && len == size) {
            CHECK(r == VW_E_FDS || r == VW_E_PROGRAM);
            CHECK(rl == VW_E_FDS);
        }
    }
    /* with the fds unknown: what it decodes to decides which counts are right */
    if (vw_virnet_decode(&m, NULL, NULL, data, size, -1, 0, NULL, NULL) == 0) {
        expect = m.has_fds ? (int)m.num_fds : 0;
        CHECK(vw_virnet_decode(&out, NULL, NULL, data, size, expect, 0, NULL, NULL) == 0);
        CHECK(out.num_fds == m.num_fds);
        if (claimed >= 0) {
            CHECK(claimed == expect ? r == 0 : r == VW_E_FDS);
            CHECK(claimed == expect ? rl == 0 : rl == VW_E_FDS);
        } else {
            CHECK(r == 0);
        }
        /* one fd more or one less is always refused */
        CHECK(vw_virnet_decode(&out, NULL, NULL, data, size, expect + 1, 0, NULL, NULL) ==
              VW_E_FDS);
        if (expect > 0) {
            CHECK(vw_virnet_decode(&out, NULL, NULL, data, size, expect - 1, 0, NULL, NULL) ==
                  VW_E_FDS);
        }
    }
    return 0;
}
