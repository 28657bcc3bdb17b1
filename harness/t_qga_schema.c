/* t_qga_schema.c -- tests of the qemu-ga 7.2 schema tables and checker (reference/qga_schema.h)
 * driven by the case files of corpus/vectors/qga_schema/.
 *
 * usage: t_qga_schema [-v] FILE.cases...           run the table checks and every case
 *        t_qga_schema --seeds DIR FILE.cases...    write the fuzz seeds of qga_decode
 *        t_qga_schema --check-seeds FILE...        every seed parses and passes the checker
 *
 * A case is one line (blank lines and '#' lines are skipped):
 *     COMMAND KIND EXPECT PATH JSON
 * KIND is "args" (JSON is the "arguments" member, or the word absent), "return" (the "return"
 * member), "table" (a guest-info return that must also list exactly the table's commands
 * with their success-response flags), or, with COMMAND "-", a built-in type name ("int8",
 * path root "value").  EXPECT is OK or an error name (VW_E_MEMBER); PATH the error's path, or
 * "-".  Every case is checked twice (same result), and |where| must be untouched when it
 * passes.  Coverage: every command needs an accepted args case and an accepted return case,
 * and each of VW_E_MEMBER, VW_E_TYPE, VW_E_RANGE, VW_E_ENUM an expected-error case.
 *
 * A fuzz seed (fuzzers/fuzz_qga_decode.c) is one selector byte, (command index << 1) | (1 for
 * a return), then the JSON text; no text means absent arguments. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qga_schema.h"

#define SEED_MAX (1u << 20)
#define JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

static bool verbose;
static size_t failures, cases;
static bool has_args_ok[VW_QGA_NUM_COMMANDS], has_return_ok[VW_QGA_NUM_COMMANDS];
static bool has_code[64];

static void failf(const char *where, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void failf(const char *where, size_t line, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    printf("FAIL %s:%zu: ", where, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* ---- table checks ---- */

static size_t type_depth(const struct vw_qga_type *t, size_t depth) {
    size_t best = depth;

    if (depth > VW_QGA_MAX_DEPTH) {
        return depth;
    }
    for (size_t i = 0; t->kind == VW_QGA_OBJECT && i < t->n; i++) {
        size_t d = type_depth(t->members[i].type, depth + 1);
        best = d > best ? d : best;
    }
    for (size_t i = 0; t->kind == VW_QGA_UNION && i < t->n; i++) {
        size_t d = type_depth(t->branches[i].type, depth);
        best = d > best ? d : best;
    }
    for (size_t i = 0; t->kind == VW_QGA_ALTERNATE && i < t->n; i++) {
        size_t d = type_depth(t->arms[i], depth + 1);
        best = d > best ? d : best;
    }
    if (t->kind == VW_QGA_ARRAY) {
        size_t d = type_depth(t->element, depth + 1);
        best = d > best ? d : best;
    }
    return best;
}

static bool enum_has(const struct vw_qga_type *e, const char *name) {
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

/* check_type_shape: enums non-empty without duplicates, unions keyed by their discriminator
 * enum, members without duplicates; recursively. */
static void check_type_shape(const struct vw_qga_type *t, size_t depth) {
    if (depth > VW_QGA_MAX_DEPTH) {
        return;
    }
    switch (t->kind) {
    case VW_QGA_ENUM:
        if (t->n == 0) {
            failf("table", 0, "enum %s has no names", t->name);
        }
        for (size_t i = 0; i < t->n; i++) {
            for (size_t j = i + 1; j < t->n; j++) {
                if (strcmp(t->names[i], t->names[j]) == 0) {
                    failf("table", 0, "enum %s: %s twice", t->name, t->names[i]);
                }
            }
        }
        break;
    case VW_QGA_UNION:
        if (strcmp(t->members[0].name, t->discriminator) != 0 ||
            t->members[0].type->kind != VW_QGA_ENUM || t->members[0].optional) {
            failf("table", 0, "union %s: base is not its discriminator %s", t->name,
                  t->discriminator);
            break;
        }
        for (size_t i = 0; i < t->n; i++) {
            if (!enum_has(t->members[0].type, t->branches[i].tag) ||
                t->branches[i].type->kind != VW_QGA_OBJECT) {
                failf("table", 0, "union %s: bad branch %s", t->name, t->branches[i].tag);
            }
            check_type_shape(t->branches[i].type, depth + 1);
        }
        break;
    case VW_QGA_OBJECT:
        for (size_t i = 0; i < t->n; i++) {
            for (size_t j = i + 1; j < t->n; j++) {
                if (strcmp(t->members[i].name, t->members[j].name) == 0) {
                    failf("table", 0, "%s: member %s twice", t->name, t->members[i].name);
                }
            }
            check_type_shape(t->members[i].type, depth + 1);
        }
        break;
    case VW_QGA_ARRAY:
        check_type_shape(t->element, depth + 1);
        break;
    case VW_QGA_ALTERNATE:
        for (size_t i = 0; i < t->n; i++) {
            check_type_shape(t->arms[i], depth + 1);
        }
        break;
    default:
        break;
    }
}

static void table_checks(void) {
    static const char *const no_response[] = {
        "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
    };
    static const char *const builtins[] = {
        "int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "size", "number", "bool", "str", "any",
    };
    size_t silent = 0;
    json_error_t jerr;
    json_t *big;

    for (size_t i = 0; i < VW_QGA_NUM_COMMANDS; i++) {
        const struct vw_qga_command *c = vw_qga_command_at(i);
        const char *name = vw_qga_command_name(c);

        if (vw_qga_command_find(name) != c) {
            failf("table", i, "%s is not found by name", name);
        }
        if (strncmp(name, "guest-", 6) != 0) {
            failf("table", i, "%s is not a guest- command", name);
        }
        silent += vw_qga_command_success_response(c) == 0;
        if (c->args != NULL && c->args->kind != VW_QGA_OBJECT) {
            failf("table", i, "%s: arguments are not an object", name);
        }
        if (c->args != NULL) {
            check_type_shape(c->args, 0);
            if (type_depth(c->args, 0) >= VW_QGA_MAX_DEPTH) {
                failf("table", i, "%s: arguments deeper than VW_QGA_MAX_DEPTH", name);
            }
        }
        if (c->ret != NULL) {
            check_type_shape(c->ret, 0);
            if (type_depth(c->ret, 0) >= VW_QGA_MAX_DEPTH) {
                failf("table", i, "%s: return deeper than VW_QGA_MAX_DEPTH", name);
            }
        }
    }
    for (size_t i = 0; i < sizeof(no_response) / sizeof(no_response[0]); i++) {
        const struct vw_qga_command *c = vw_qga_command_find(no_response[i]);

        if (c == NULL || vw_qga_command_success_response(c) != 0) {
            failf("table", i, "%s must have success-response false", no_response[i]);
        }
    }
    if (silent != 4) {
        failf("table", 0, "4 commands without a success response expected");
    }
    if (vw_qga_command_at(VW_QGA_NUM_COMMANDS) != NULL || vw_qga_command_find("guest-") != NULL ||
        vw_qga_command_find("guest-network-get-route") != NULL || vw_qga_command_find(NULL)) {
        failf("table", 0, "lookup outside the table must fail");
    }
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
        const struct vw_qga_type *t = vw_qga_builtin(builtins[i]);

        if (t == NULL || strcmp(t->name, builtins[i]) != 0) {
            failf("table", i, "built-in %s missing", builtins[i]);
        }
    }
    /* qga_schema.h: a uint64 above 2^63-1 never reaches the checker, jansson refuses it. */
    big = json_loads("18446744073709551615", JSON_FLAGS, &jerr);
    if (big != NULL) {
        failf("table", 0, "jansson parsed an integer beyond int64");
        json_decref(big);
    }
}

/* ---- cases ---- */

/* table_matches: a guest-info return lists exactly the table's commands and flags. */
static bool table_matches(const json_t *info, const char *file, size_t line) {
    const json_t *list = json_object_get(info, "supported_commands");
    bool seen[VW_QGA_NUM_COMMANDS] = {false};
    bool ok = json_array_size(list) == VW_QGA_NUM_COMMANDS;

    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        const struct vw_qga_command *c = vw_qga_command_find(name);
        size_t idx = c != NULL ? (size_t)(c - vw_qga_commands) : 0;

        if (c == NULL || seen[idx]) {
            failf(file, line, "guest-info lists %s, not once in the table",
                  name != NULL ? name : "?");
            ok = false;
            continue;
        }
        seen[idx] = true;
        if (json_is_true(json_object_get(e, "success-response")) !=
            (vw_qga_command_success_response(c) != 0)) {
            failf(file, line, "%s: success-response differs from the table", name);
            ok = false;
        }
    }
    if (!ok) {
        failf(file, line, "guest-info does not match the 42-command table");
    }
    return ok;
}

static int run_check(const char *cmd, const char *kind, const json_t *v,
                     struct vw_qga_where *where, bool *bad_kind) {
    const struct vw_qga_command *c = vw_qga_command_find(cmd);

    *bad_kind = false;
    if (strcmp(cmd, "-") == 0) {
        const struct vw_qga_type *t = vw_qga_builtin(kind);

        if (t == NULL) {
            *bad_kind = true;
            return 0;
        }
        return vw_qga_check_value(t, v, "value", where);
    }
    if (c == NULL) {
        *bad_kind = true;
        return 0;
    }
    if (strcmp(kind, "args") == 0) {
        return vw_qga_check_arguments(c, v, where);
    }
    if (strcmp(kind, "return") == 0 || strcmp(kind, "table") == 0) {
        return vw_qga_check_return(c, v, where);
    }
    *bad_kind = true;
    return 0;
}

/* case_line: split "CMD KIND EXPECT PATH JSON"; returns false on a malformed line. */
static bool case_line(char *s, char **f, char **json) {
    for (size_t k = 0; k < 4; k++) {
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        f[k] = s;
        while (*s != '\0' && *s != ' ' && *s != '\t') {
            s++;
        }
        if (*s == '\0') {
            return false;
        }
        *s++ = '\0';
    }
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    *json = s;
    return *s != '\0';
}

/* run_case checks one line; |seed_dir| non-NULL writes accepted cases as fuzz seeds. */
static void run_case(const char *file, size_t line, char *text, const char *seed_dir) {
    char *f[4], *jtext;
    json_t *v = NULL;
    json_error_t jerr;
    struct vw_qga_where w1, w2;
    int expect, rc1, rc2;
    bool bad_kind;

    if (!case_line(text, f, &jtext)) {
        failf(file, line, "malformed case line");
        return;
    }
    expect = strcmp(f[2], "OK") == 0 ? 0 : vw_err_from_name(f[2]);
    if (expect > 0) {
        failf(file, line, "unknown expectation %s", f[2]);
        return;
    }
    if (!(strcmp(f[1], "args") == 0 && strcmp(jtext, "absent") == 0)) {
        v = json_loads(jtext, JSON_FLAGS, &jerr);
        if (v == NULL) {
            failf(file, line, "JSON does not parse: %s", jerr.text);
            return;
        }
    }
    cases++;
    memset(&w1, 'x', sizeof(w1));
    w1.path[sizeof(w1.path) - 1] = '\0';
    memcpy(&w2, &w1, sizeof(w2));
    rc1 = run_check(f[0], f[1], v, &w1, &bad_kind);
    if (bad_kind) {
        failf(file, line, "unknown command or kind %s %s", f[0], f[1]);
        json_decref(v);
        return;
    }
    rc2 = run_check(f[0], f[1], v, &w2, &bad_kind);
    if (rc1 != rc2 || memcmp(&w1, &w2, sizeof(w1)) != 0) {
        failf(file, line, "checking twice gave different results");
    }
    if (rc1 != expect) {
        failf(file, line, "got %s, expected %s", vw_err_name(rc1), f[2]);
    } else if (rc1 == 0 && w1.path[0] != 'x') {
        failf(file, line, "where written on success");
    } else if (rc1 != 0 && strcmp(w1.path, f[3]) != 0) {
        failf(file, line, "path %s, expected %s", w1.path, f[3]);
    } else if (verbose) {
        printf("ok %s:%zu %s %s\n", file, line, f[0], f[1]);
    }
    if (rc1 < 0 && -rc1 < 64 && rc1 == expect) {
        has_code[-rc1] = true;
    }
    if (rc1 == 0 && expect == 0 && strcmp(f[0], "-") != 0) {
        const struct vw_qga_command *c = vw_qga_command_find(f[0]);
        size_t idx = (size_t)(c - vw_qga_commands);
        bool is_args = strcmp(f[1], "args") == 0;

        if (is_args) {
            has_args_ok[idx] = true;
        } else {
            has_return_ok[idx] = true;
        }
        if (strcmp(f[1], "table") == 0) {
            table_matches(v, file, line);
        }
        if (seed_dir != NULL) {
            char path[4096];
            FILE *out;

            const char *base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;

            snprintf(path, sizeof(path), "%s/seed-%.*s-%s-%s-%zu", seed_dir,
                     (int)strcspn(base, "."), base, f[0], is_args ? "args" : "return", line);
            out = fopen(path, "wb");
            if (out == NULL) {
                failf(file, line, "cannot write %s", path);
            } else {
                fputc((int)((idx << 1) | (is_args ? 0u : 1u)), out);
                if (v != NULL) {
                    fputs(jtext, out);
                }
                fclose(out);
            }
        }
    }
    json_decref(v);
}

static void run_file(const char *file, const char *seed_dir) {
    FILE *in = fopen(file, "r");
    char *text = NULL;
    size_t cap = 0, line = 0;
    ssize_t len;

    if (in == NULL) {
        failf(file, 0, "cannot open");
        return;
    }
    while ((len = getline(&text, &cap, in)) >= 0) {
        line++;
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
            text[--len] = '\0';
        }
        if (len == 0 || text[0] == '#') {
            continue;
        }
        run_case(file, line, text, seed_dir);
    }
    free(text);
    fclose(in);
}

/* check_seed: a committed seed still parses and passes the checker (fuzzers/fuzz_qga_decode.c
 * reads it the same way). */
static void check_seed(const char *file) {
    static unsigned char buf[SEED_MAX];
    FILE *in = fopen(file, "rb");
    size_t n = in != NULL ? fread(buf, 1, sizeof(buf), in) : 0;
    const struct vw_qga_command *c;
    struct vw_qga_where w;
    json_error_t jerr;
    json_t *v = NULL;
    int rc;

    if (in != NULL) {
        fclose(in);
    }
    if (n == 0 || n == sizeof(buf)) {
        failf(file, 0, "unreadable, empty or too long seed");
        return;
    }
    cases++;
    c = vw_qga_command_at((size_t)(buf[0] >> 1) % VW_QGA_NUM_COMMANDS);
    if (n > 1) {
        v = json_loadb((const char *)buf + 1, n - 1, JSON_FLAGS, &jerr);
        if (v == NULL) {
            failf(file, 0, "seed JSON does not parse: %s", jerr.text);
            return;
        }
    }
    if ((buf[0] & 1) != 0) {
        rc = v != NULL ? vw_qga_check_return(c, v, &w) : VW_E_INVALID;
    } else {
        rc = vw_qga_check_arguments(c, v, &w);
    }
    if (rc != 0) {
        failf(file, 0, "seed rejected: %s at %s", vw_err_name(rc), w.path);
    }
    json_decref(v);
}

int main(int argc, char **argv) {
    const char *seed_dir = NULL;
    int i = 1;

    if (i < argc && strcmp(argv[i], "-v") == 0) {
        verbose = true;
        i++;
    }
    if (i < argc && strcmp(argv[i], "--check-seeds") == 0) {
        for (i++; i < argc; i++) {
            check_seed(argv[i]);
        }
        printf("%zu seeds, %zu failures\n", cases, failures);
        return failures == 0 && cases > 0 ? 0 : 1;
    }
    if (i + 1 < argc && strcmp(argv[i], "--seeds") == 0) {
        seed_dir = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: t_qga_schema [-v] [--seeds DIR] FILE.cases...\n"
                        "       t_qga_schema --check-seeds SEED...\n");
        return 2;
    }
    table_checks();
    for (; i < argc; i++) {
        run_file(argv[i], seed_dir);
    }
    for (size_t c = 0; c < VW_QGA_NUM_COMMANDS; c++) {
        if (!has_args_ok[c] || !has_return_ok[c]) {
            failf("coverage", c, "%s lacks an accepted %s case", vw_qga_commands[c].name,
                  has_args_ok[c] ? "return" : "args");
        }
    }
    {
        static const int codes[] = {VW_E_MEMBER, VW_E_TYPE, VW_E_RANGE, VW_E_ENUM};

        for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
            if (!has_code[-codes[k]]) {
                failf("coverage", 0, "no case expects %s", vw_err_name(codes[k]));
            }
        }
    }
    printf("%zu cases, %zu failures\n", cases, failures);
    return failures == 0 ? 0 : 1;
}
