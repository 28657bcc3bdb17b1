/* vecrun.c -- the loop and checks every test vector runner shares; see vecrun.h. */
#include "vecrun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vw_vecrun_main(struct vw_vecrun *r, int argc, char **argv) {
    bool verbose = false;
    int first = 1;

    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = true;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-v] FILE.vec...\n", r->name);
        return 1;
    }
    if (r->guard != NULL && vw_guardbuf_init(r->guard, r->guard_cap) < 0) {
        fprintf(stderr, "%s: guard page: %s\n", r->name, strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = first; i < argc; i++) {
        struct vw_vec_file *f;
        struct vw_vec_case *c;
        size_t cases = 0;
        int rn;

        if (vw_vec_file_open(&f, argv[i]) < 0) {
            r->failed++;
            continue;
        }
        while ((rn = vw_vec_next(f, &c)) == 1) {
            bool ok = r->run(c) && !c->failed;
            /* an unread key is a misspelt or forgotten check (vec.h) */
            if (ok && vw_vec_report_unused(c) > 0) {
                ok = false;
            }
            cases++;
            if (ok) {
                r->passed++;
            } else {
                r->failed++;
            }
            if (verbose) {
                printf("%s:%u: %s: %s\n", c->path, c->line, ok ? "ok" : "FAIL", c->name);
            }
        }
        if (rn < 0) {
            r->failed++;
        } else if (cases == 0) {
            printf("%s: no cases\n", argv[i]);
            r->failed++;
        }
        vw_vec_file_free(f);
    }
    if (r->guard != NULL) {
        vw_guardbuf_cleanup(r->guard);
    }
    printf("%zu passed, %zu failed\n", r->passed, r->failed);
    return r->failed > 0 ? 1 : 0;
}

bool vw_vecrun_dispatch(struct vw_vec_case *c, const struct vw_vecrun_func *funcs, size_t num) {
    uint8_t *in = NULL;
    size_t len = 0, i = 0;
    int r = vw_vec_get_bytes(c, "in", &in, &len);

    while (i < num && strcmp(funcs[i].name, c->func) != 0) {
        i++;
    }
    if (r == 0) {
        vw_vec_fail(c, 0, "a case needs \"in:\"");
    } else if (r > 0 && i == num) {
        vw_vec_fail(c, 0, "unknown func \"%s\"", c->func);
    } else if (r > 0) {
        funcs[i].run(c, in, len);
    }
    free(in);
    return true;
}

bool vw_vecrun_check_error(struct vw_vec_case *c, int r, const struct vw_diag *diag, int want) {
    const struct vw_vec_kv *field = vw_vec_get(c, "field");
    int64_t off;

    if (r != want) {
        vw_vec_fail(c, 0, "want %s, have %s (diag %s at %zu)", vw_err_name(want),
                    r == 0 ? "success" : vw_err_name(r), vw_err_name(diag->code), diag->offset);
        return false;
    }
    if (diag->code != r) {
        vw_vec_fail(c, 0, "diag code %s disagrees with the result", vw_err_name(diag->code));
    }
    if (vw_vec_get_i64(c, "offset", &off) != 1) {
        vw_vec_fail(c, 0, "an error case needs \"offset:\"");
    } else if ((size_t)off != diag->offset) {
        vw_vec_fail(c, 0, "offset: want %lld, have %zu", (long long)off, diag->offset);
    }
    if (field != NULL && (diag->field == NULL || strcmp(field->value, diag->field) != 0)) {
        vw_vec_fail(c, 0, "field: want \"%s\", have \"%s\"", field->value,
                    diag->field != NULL ? diag->field : "(none)");
    }
    return true;
}

void vw_vecrun_check_lax(struct vw_vec_case *c, const struct vw_diag *lax) {
    int64_t off;
    int want = 0;

    if (vw_vec_get_code(c, "lax", "none", &want) < 0) {
        return;
    }
    if (want != lax->code) {
        vw_vec_fail(c, 0, "lax: want %s, have %s", want ? vw_err_name(want) : "none",
                    lax->code ? vw_err_name(lax->code) : "none");
    }
    if (vw_vec_get_i64(c, "lax_offset", &off) == 1 && (size_t)off != lax->offset) {
        vw_vec_fail(c, 0, "lax_offset: want %lld, have %zu", (long long)off, lax->offset);
    }
}

void vw_vecrun_check_feed(struct vw_vec_case *c, const struct vw_vecrun_feed *whole,
                          const struct vw_vecrun_feed *bytes,
                          const struct vw_vecrun_feed *guarded) {
    const struct vw_vec_kv *kv;
    uint64_t starts[VW_VECRUN_STARTS_MAX];
    size_t num_starts = 0;
    int64_t n, off;
    int want_err = 0;
    bool pending = false;
    char err[VW_VEC_ERR_LEN];

    if (memcmp(whole, bytes, sizeof(*whole)) != 0 || memcmp(whole, guarded, sizeof(*whole))) {
        vw_vec_fail(c, 0, "whole, byte-by-byte and guard-page feeding disagree");
    }
    if (vw_vec_get_i64(c, "out.messages", &n) != 1 || (size_t)n != whole->num) {
        vw_vec_fail(c, 0, "out.messages: want it given and equal to %zu", whole->num);
    }
    if ((kv = vw_vec_get(c, "out.starts")) != NULL) {
        size_t have = whole->num < VW_VECRUN_STARTS_MAX ? whole->num : VW_VECRUN_STARTS_MAX;
        if (vw_vec_parse_list(kv->value, starts, VW_VECRUN_STARTS_MAX, &num_starts, err,
                              sizeof(err)) < 0) {
            vw_vec_fail(c, 0, "out.starts: %s", err);
        } else if (num_starts != have ||
                   memcmp(starts, whole->starts, num_starts * sizeof(starts[0])) != 0) {
            vw_vec_fail(c, 0, "out.starts differ");
        }
    }
    if (vw_vec_get_code(c, "error", NULL, &want_err) < 0) {
        return;
    }
    if (want_err != whole->err) {
        vw_vec_fail(c, 0, "error: want %s, have %s", want_err ? vw_err_name(want_err) : "none",
                    whole->err ? vw_err_name(whole->err) : "none");
    } else if (want_err != 0 &&
               (vw_vec_get_i64(c, "offset", &off) != 1 || (size_t)off != whole->err_at)) {
        vw_vec_fail(c, 0, "offset: want the stream offset %zu given", whole->err_at);
    }
    if (vw_vec_get_bool(c, "pending", &pending) == 1 && pending != whole->pending) {
        vw_vec_fail(c, 0, "pending: want %s", pending ? "yes" : "no");
    }
}
