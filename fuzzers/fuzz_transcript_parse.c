/* Target functions: vw_txn_parse and vw_txn_cleanup (conformance/transcript.c), and on what
 * parses vw_cf_value_canon, vw_cf_match and vw_cf_subst (conformance/match.c).
 *
 * Input: a transcript.  Properties, each an abort():
 *   - parsing never crashes or leaks (ASan/LeakSanitizer), with or without success;
 *   - a failure is VW_E_SYNTAX, VW_E_MEMBER or VW_E_TOO_LONG (VW_E_NOMEM only when malloc
 *     failed) with "fuzz:LINE: " in the message, and leaves the output untouched;
 *   - a success has protocol, transport (stream, chardev or any) and case, a positive timeout
 *     on every step, and every literal value already canonical (canonicalizing it again gives
 *     the same text);
 *   - parsing is deterministic (a second parse gives the same steps);
 *   - every expect matches a message built from its own literal constraints, and binds each
 *     capture; `send json` text substitutes with the captures of a case or names the capture
 *     it lacks. */
#include "fuzz.h"
#include <string.h>

#include "match.h"
#include "transcript.h"

static void check_values(const struct vw_txn_step *st) {
    for (size_t i = 0; i < st->num_assigns; i++) {
        const char *v = st->assigns[i].value;
        struct vw_cf_buf b = { 0 };

        CHECK(v[0] != '\0' && st->assigns[i].path[0] != '\0');
        if (strcmp(v, "*") == 0 || strcmp(v, "absent") == 0 || vw_cf_is_capture(v)) {
            continue;
        }
        CHECK(vw_cf_value_canon(v, strlen(v), &b) == 0);
        CHECK(b.len == strlen(v) && memcmp(b.p, v, b.len) == 0);
        vw_cf_buf_free(&b);
    }
}

static void check_match(const struct vw_txn_step *st, struct vw_cf_captures *caps) {
    struct vw_cf_msg m = { 0 };
    struct vw_cf_buf diff = { 0 };
    int r;

    for (size_t i = 0; i < st->num_assigns; i++) {
        const char *v = st->assigns[i].value;
        if (strcmp(v, "absent") == 0) {
            continue;
        }
        if (strcmp(v, "*") == 0 || vw_cf_is_capture(v)) {
            const char *bound = vw_cf_is_capture(v) ? vw_cf_captures_get(caps, v + 1) : NULL;
            v = bound != NULL ? bound : "1";
        }
        if (vw_cf_msg_add_field(&m, st->assigns[i].path, v) != 0) {
            vw_cf_msg_cleanup(&m);
            return;
        }
    }
    r = vw_cf_match(st->assigns, st->num_assigns, &m, caps, &diff);
    CHECK(r == 1 || r == VW_E_NOMEM);
    CHECK(r != 1 || diff.len == 0);
    vw_cf_buf_free(&diff);
    vw_cf_msg_cleanup(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct vw_txn t, again;
    struct vw_cf_captures caps = { 0 };
    char err[256], err2[256];
    int r;

    memset(&t, 0x5a, sizeof(t));
    r = vw_txn_parse(&t, "fuzz", (const char *)data, size, err, sizeof(err));
    if (r != 0) {
        CHECK(r == VW_E_SYNTAX || r == VW_E_MEMBER || r == VW_E_TOO_LONG || r == VW_E_NOMEM);
        CHECK(strncmp(err, "fuzz:", 5) == 0);
        CHECK(((const uint8_t *)&t)[0] == 0x5a && ((const uint8_t *)&t)[sizeof(t) - 1] == 0x5a);
        return 0;
    }
    CHECK(t.protocol != NULL && t.transport != NULL && t.case_id != NULL && t.timeout_ms > 0);
    CHECK(strcmp(t.transport, "stream") == 0 || strcmp(t.transport, "chardev") == 0
          || strcmp(t.transport, "any") == 0);
    CHECK(vw_txn_parse(&again, "fuzz", (const char *)data, size, err2, sizeof(err2)) == 0);
    CHECK(again.num_steps == t.num_steps && again.num_requires == t.num_requires);
    for (size_t i = 0; i < t.num_steps; i++) {
        const struct vw_txn_step *st = &t.steps[i];
        struct vw_cf_buf out = { 0 };

        CHECK(st->timeout_ms > 0 && st->line > 0);
        CHECK(st->kind == again.steps[i].kind && st->num_assigns == again.steps[i].num_assigns);
        CHECK(st->raw.len == again.steps[i].raw.len);
        CHECK(st->raw.len == 0 || memcmp(st->raw.p, again.steps[i].raw.p, st->raw.len) == 0);
        check_values(st);
        if (st->kind == VW_TXN_EXPECT) {
            check_match(st, &caps);
        }
        if (st->kind == VW_TXN_SEND_RAW && st->raw_has_captures) {
            r = vw_cf_subst(&caps, (const char *)st->raw.p, st->raw.len, &out, err,
                            sizeof(err));
            CHECK(r == 0 || r == VW_E_MEMBER || r == VW_E_NOMEM);
            CHECK(r == 0 || out.len == 0);
            vw_cf_buf_free(&out);
        }
    }
    vw_cf_captures_cleanup(&caps);
    vw_txn_cleanup(&again);
    vw_txn_cleanup(&t);
    return 0;
}
