/* Target functions: vw_qga_check_arguments, vw_qga_check_return, vw_qga_command_at (the
 * qemu-ga 7.2 schema checker, reference/qga_schema.c) on JSON parsed by jansson.
 *
 * Input: one selector byte, (command index << 1) | (1 for a return value), the index taken
 * mod 42, then JSON text (at most VW_FUZZ_JSON_MAX bytes; no text: absent arguments), parsed
 * with JSON_REJECT_DUPLICATES | JSON_DECODE_ANY.
 * Properties, each an abort():
 *   - the check returns 0 or one of VW_E_MEMBER, VW_E_TYPE, VW_E_RANGE, VW_E_ENUM (never the
 *     table guards VW_E_NESTING or VW_E_INVALID);
 *   - an error names a NUL-terminated path under "arguments" or "return"; success leaves the
 *     caller's |where| untouched;
 *   - the same value checked twice, and a deep copy of it, give the same result and path. */
#include "fuzz.h"
#include <string.h>

#include "qga_schema.h"

#define VW_FUZZ_JSON_MAX (64 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static int run(const struct vw_qga_command *c, int is_return, const json_t *v,
               struct vw_qga_where *w) {
    if (is_return) {
        return vw_qga_check_return(c, v, w);
    }
    return vw_qga_check_arguments(c, v, w);
}

static void check_one(const struct vw_qga_command *c, int is_return, const json_t *v) {
    struct vw_qga_where w1, w2, w3;
    const char *root = is_return ? "return" : "arguments";
    json_t *copy;
    int rc1, rc2, rc3;

    memset(&w1, 0xa5, sizeof(w1));
    memcpy(&w2, &w1, sizeof(w2));
    memcpy(&w3, &w1, sizeof(w3));
    rc1 = run(c, is_return, v, &w1);
    CHECK(rc1 == 0 || rc1 == VW_E_MEMBER || rc1 == VW_E_TYPE || rc1 == VW_E_RANGE ||
          rc1 == VW_E_ENUM);
    if (rc1 == 0) {
        for (size_t i = 0; i < sizeof(w1.path); i++) {
            CHECK((unsigned char)w1.path[i] == 0xa5);
        }
    } else {
        CHECK(memchr(w1.path, '\0', sizeof(w1.path)) != NULL);
        CHECK(strncmp(w1.path, root, strlen(root)) == 0);
    }
    rc2 = run(c, is_return, v, &w2);
    CHECK(rc2 == rc1);
    CHECK(rc1 == 0 || strcmp(w1.path, w2.path) == 0);
    copy = json_deep_copy(v);
    if (copy != NULL) {
        rc3 = run(c, is_return, copy, &w3);
        CHECK(rc3 == rc1);
        CHECK(rc1 == 0 || strcmp(w1.path, w3.path) == 0);
        json_decref(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const struct vw_qga_command *c;
    json_error_t err;
    json_t *v;
    int is_return;

    if (size < 1 || size - 1 > VW_FUZZ_JSON_MAX) {
        return 0;
    }
    c = vw_qga_command_at((size_t)(data[0] >> 1) % VW_QGA_NUM_COMMANDS);
    CHECK(c != NULL);
    is_return = data[0] & 1;
    if (size == 1) {
        if (!is_return) {
            check_one(c, 0, NULL);
        }
        return 0;
    }
    v = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                   &err);
    if (v == NULL) {
        return 0;
    }
    check_one(c, is_return, v);
    json_decref(v);
    return 0;
}
