/* xs_gen.c -- writes virnet_fast.c: a straight-line C validator for every payload schema of
 * the libvirt RPC programs (virnet_procs.c), run at build time.
 *
 * Each generated function answers one question for one schema known in advance: would
 * vw_xs_decode_body (xs.c) decode these bytes in strict mode without an error?  It runs the
 * same primitives of xdr.h in the same order with the same limits (strict mode, no diag), so
 * the answer is exact; what goes away is the interpretation (the switch on each node's kind,
 * the loop over fields, a call per node) and all diagnostics.  A strict success has no
 * lenient note either, so a caller can take "true" as the interpreter's result in both modes
 * and run the interpreter only on "false", for its error or note.  fuzz_virnet_paths checks
 * the two agree on every input.
 *
 * A schema that would need more than NODE_BUDGET generated nodes (deep or recursive types
 * unrolled to VW_XS_DEPTH_MAX) gets no generated function: the interpreter handles it.
 *
 * Usage: xs_gen OUTPUT.c */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virnet_procs.h"
#include "xs.h"

#define NODE_BUDGET 2000u

struct gen {
    FILE *out;          /* the generated file */
    unsigned next_id;   /* names the next node function */
    unsigned nodes;     /* nodes generated for the current schema */
};

/* emit_leaf writes one leaf of |t| as a block that returns the error when the step fails. */
static void emit_leaf(FILE *f, const struct vw_xs_type *t, const char *ind) {
    const char *fail = "return r;";

    switch (t->kind) {
    case VW_XS_VOID:
        return;
    case VW_XS_INT:
    case VW_XS_UINT:
        fprintf(f, "%s{\n%s    uint32_t v = 0;\n%s    if ((r = vw_xdr_get_u32(d, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, ind, fail, ind, ind);
        return;
    case VW_XS_HYPER:
    case VW_XS_UHYPER:
        fprintf(f, "%s{\n%s    uint64_t v = 0;\n%s    if ((r = vw_xdr_get_u64(d, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, ind, fail, ind, ind);
        return;
    case VW_XS_BOOL:
        fprintf(f, "%s{\n%s    bool v = false;\n%s    if ((r = vw_xdr_get_bool(d, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, ind, fail, ind, ind);
        return;
    case VW_XS_ENUM:
        fprintf(f, "%s{\n%s    int32_t v = 0;\n%s    if ((r = vw_xdr_get_enum(d, %ld, %ld, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, (long)t->lo, (long)t->hi, ind,
                fail, ind, ind);
        return;
    case VW_XS_CHAR:
    case VW_XS_UCHAR:
    case VW_XS_SHORT:
    case VW_XS_USHORT: {
        static const char *const ranges[] = {
            [VW_XS_CHAR] = "INT8_MIN, INT8_MAX, true",
            [VW_XS_UCHAR] = "0, UINT8_MAX, false",
            [VW_XS_SHORT] = "INT16_MIN, INT16_MAX, true",
            [VW_XS_USHORT] = "0, UINT16_MAX, false",
        };
        fprintf(f, "%s{\n%s    struct vw_xs_item v = { 0 };\n"
                   "%s    if ((r = vw_xs_get_small(d, %s, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, ranges[t->kind], ind, fail,
                ind, ind);
        return;
    }
    case VW_XS_STRING:
    case VW_XS_OPAQUE:
    case VW_XS_FIXED_OPAQUE: {
        const char *fn = t->kind == VW_XS_STRING   ? "vw_xdr_get_string"
                         : t->kind == VW_XS_OPAQUE ? "vw_xdr_get_opaque"
                                                   : "vw_xdr_get_fixed_opaque";
        fprintf(f, "%s{\n%s    struct vw_span v = { 0 };\n%s    if ((r = %s(d, %luu, &v)) < 0) {\n"
                   "%s        %s\n%s    }\n%s}\n", ind, ind, ind, fn, (unsigned long)t->n, ind,
                fail, ind, ind);
        return;
    }
    default:
        /* leaf() answers VW_E_INVALID for a kind it does not know */
        fprintf(f, "%sr = VW_E_INVALID;\n%s%s\n", ind, ind, fail);
        return;
    }
}

static bool is_leaf(enum vw_xs_kind kind) {
    return kind <= VW_XS_FIXED_OPAQUE;
}

static int gen_node(struct gen *g, const struct vw_xs_type *t, unsigned depth);

/* emit_child writes the decode of child |t| at |depth| (xs.c child(): a leaf in place with the
 * depth check, anything else through its node function). */
static bool emit_child(struct gen *g, FILE *f, const struct vw_xs_type *t, unsigned depth,
                       const char *ind) {
    int id;

    if (is_leaf(t->kind)) {
        if (depth > VW_XS_DEPTH_MAX) {
            fprintf(f, "%sreturn VW_E_INVALID;\n", ind);
        } else {
            emit_leaf(f, t, ind);
        }
        return true;
    }
    if ((id = gen_node(g, t, depth)) < 0) {
        return false;
    }
    fprintf(f, "%sif ((r = n%d(d)) < 0) {\n%s    return r;\n%s}\n", ind, id, ind, ind);
    return true;
}

/* gen_node writes the function of one non-leaf node of |t| at |depth| (xs.c node() without a
 * visitor) after the functions it calls, and returns its number, or -1 over the budget. */
static int gen_node(struct gen *g, const struct vw_xs_type *t, unsigned depth) {
    char *text = NULL;
    size_t text_len = 0;
    FILE *f;
    int id;
    bool ok = true;

    if (++g->nodes > NODE_BUDGET) {
        return -1;
    }
    id = (int)g->next_id++;
    if ((f = open_memstream(&text, &text_len)) == NULL) {
        perror("xs_gen: open_memstream");
        exit(1);
    }
    fprintf(f, "/* %s %s at depth %u */\n", vw_xs_kind_name(t->kind),
            t->name != NULL ? t->name : "", depth);
    fprintf(f, "static VW_INLINE int n%d(struct vw_xdr_dec *d) {\n    int r = 0;\n\n", id);
    if (depth > VW_XS_DEPTH_MAX) {
        fprintf(f, "    (void)d;\n    (void)r;\n    return VW_E_INVALID;\n}\n\n");
        goto done;
    }
    switch (t->kind) {
    case VW_XS_VECTOR:
        fprintf(f, "    for (uint32_t k = 0; k < %luu; k++) {\n", (unsigned long)t->n);
        ok = emit_child(g, f, t->elem, depth + 1, "        ");
        fprintf(f, "    }\n    return 0;\n}\n\n");
        break;
    case VW_XS_ARRAY: {
        size_t min = vw_xs_min_size(t->elem);
        fprintf(f, "    uint32_t count = 0;\n\n");
        if (min == SIZE_MAX) {
            fprintf(f, "    if ((r = vw_xdr_get_count(d, %luu, SIZE_MAX, &count)) < 0) {\n",
                    (unsigned long)t->n);
        } else {
            fprintf(f, "    if ((r = vw_xdr_get_count(d, %luu, %zu, &count)) < 0) {\n",
                    (unsigned long)t->n, min);
        }
        fprintf(f, "        return r;\n    }\n    for (uint32_t k = 0; k < count; k++) {\n");
        ok = emit_child(g, f, t->elem, depth + 1, "        ");
        fprintf(f, "    }\n    return 0;\n}\n\n");
        break;
    }
    case VW_XS_OPTIONAL:
        fprintf(f, "    bool present = false;\n\n    if ((r = vw_xdr_get_optional(d, &present)) < 0) {\n"
                   "        return r;\n    }\n    if (present) {\n");
        ok = emit_child(g, f, t->elem, depth + 1, "        ");
        fprintf(f, "    }\n    return 0;\n}\n\n");
        break;
    case VW_XS_STRUCT:
        for (size_t i = 0; ok && i < t->num_fields; i++) {
            fprintf(f, "    /* %s */\n", t->fields[i].name);
            ok = emit_child(g, f, t->fields[i].type, depth + 1, "    ");
        }
        fprintf(f, "    return 0;\n}\n\n");
        break;
    case VW_XS_UNION:
        fprintf(f, "    uint32_t disc = 0;\n\n    if ((r = vw_xdr_get_u32(d, &disc)) < 0) {\n"
                   "        return r;\n    }\n    switch ((int32_t)disc) {\n");
        for (size_t i = 0; ok && i < t->num_arms; i++) {
            bool seen = false;
            for (size_t k = 0; k < i; k++) {
                seen = seen || t->arms[k].value == t->arms[i].value;
            }
            if (seen) {
                continue;  /* the interpreter takes the first arm with the value */
            }
            fprintf(f, "    case %ld: /* %s */\n", (long)t->arms[i].value,
                    t->arms[i].name != NULL ? t->arms[i].name : "");
            if (t->arms[i].type == NULL) {
                fprintf(f, "        return VW_E_DISCRIMINANT;\n");
                continue;
            }
            ok = emit_child(g, f, t->arms[i].type, depth + 1, "        ");
            fprintf(f, "        return 0;\n");
        }
        fprintf(f, "    default:\n");
        if (ok && t->default_arm != NULL) {
            ok = emit_child(g, f, t->default_arm, depth + 1, "        ");
            fprintf(f, "        return 0;\n    }\n}\n\n");
        } else {
            /* §4.15: no arm and no default (xs.c node()) */
            fprintf(f, "        return VW_E_DISCRIMINANT;\n    }\n}\n\n");
        }
        break;
    default:
        fprintf(stderr, "xs_gen: node of leaf kind %d\n", (int)t->kind);
        exit(1);
    }
done:
    if (fclose(f) != 0) {
        perror("xs_gen: memstream");
        exit(1);
    }
    if (ok) {
        fwrite(text, 1, text_len, g->out);
    }
    free(text);
    return ok ? id : -1;
}

/* gen_body writes the validator of the payload schema |t| (xs.c vw_xs_decode_body, strict,
 * without a visitor) and returns its number, or -1 when the schema is over the budget. */
static int gen_body(struct gen *g, const struct vw_xs_type *t) {
    int id = -1;
    char *text = NULL;
    size_t text_len = 0;
    FILE *f;
    bool ok = true;

    g->nodes = 0;
    if ((f = open_memstream(&text, &text_len)) == NULL) {
        perror("xs_gen: open_memstream");
        exit(1);
    }
    if (is_leaf(t->kind)) {
        emit_leaf(f, t, "    ");
    } else {
        int node = gen_node(g, t, 0);
        ok = node >= 0;
        fprintf(f, "    if ((r = n%d(d)) < 0) {\n        return r;\n    }\n", node);
    }
    if (fclose(f) != 0) {
        perror("xs_gen: memstream");
        exit(1);
    }
    if (ok) {
        id = (int)g->next_id++;
        fprintf(g->out,
                "/* payload %s */\n"
                "static VW_INLINE int body%d_steps(struct vw_xdr_dec *d) {\n    int r = 0;\n\n"
                "    (void)d;\n",
                t->name != NULL ? t->name : "", id);
        fwrite(text, 1, text_len, g->out);
        fprintf(g->out, "    return r;\n}\n\n"
                        "static bool body%d(const uint8_t *buf, size_t len) {\n"
                        "    struct vw_xdr_dec d;\n\n"
                        "    vw_xdr_dec_init(&d, buf, len, 0, NULL, NULL);\n"
                        "    return body%d_steps(&d) == 0 && d.cur.len == 0;  /* VW_E_TRAILING */\n"
                        "}\n\n", id, id);
    }
    free(text);
    return id;
}

/* A schema seen before keeps its decoder: many procedures share one argument type. */
struct seen_schema {
    const struct vw_xs_type *t;
    int id;
};

static int body_of(struct gen *g, struct seen_schema *seen, size_t *num_seen, size_t cap,
                   const struct vw_xs_type *t) {
    if (t == NULL) {
        return -1;
    }
    for (size_t i = 0; i < *num_seen; i++) {
        if (seen[i].t == t) {
            return seen[i].id;
        }
    }
    if (*num_seen == cap) {
        fprintf(stderr, "xs_gen: more than %zu schemas\n", cap);
        exit(1);
    }
    seen[*num_seen] = (struct seen_schema){ t, gen_body(g, t) };
    return seen[(*num_seen)++].id;
}

static void put_fn(FILE *out, int id) {
    if (id < 0) {
        fprintf(out, "NULL");
    } else {
        fprintf(out, "body%d", id);
    }
}

int main(int argc, char **argv) {
    static struct seen_schema seen[4096];
    size_t num_seen = 0;
    struct gen g = { 0 };
    int (*ids)[3];

    if (argc != 2) {
        fprintf(stderr, "usage: xs_gen OUTPUT.c\n");
        return 2;
    }
    if ((g.out = fopen(argv[1], "w")) == NULL) {
        fprintf(stderr, "xs_gen: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    fprintf(g.out, "/* virnet_fast.c -- GENERATED by reference/xs_gen.c from virnet_procs.c at "
                   "build time; do not edit.\n * See virnet_fast.h. */\n"
                   "#include \"virnet_fast.h\"\n\n#include <stdbool.h>\n#include <stdint.h>\n\n"
                   "#include \"xdr.h\"\n#include \"xs.h\"\n\n");
    for (size_t k = 0; k < VW_VIRNET_NUM_PROGRAMS; k++) {
        const struct vw_virnet_program *pg = &vw_virnet_programs[k];

        if ((ids = calloc(pg->num_procs + 1, sizeof(*ids))) == NULL) {
            perror("xs_gen");
            return 1;
        }
        for (uint32_t n = 0; n < pg->num_procs; n++) {
            const struct vw_virnet_proc *p = &pg->procs[n];
            ids[n][0] = p->name != NULL ? body_of(&g, seen, &num_seen, 4096, p->args) : -1;
            ids[n][1] = p->name != NULL ? body_of(&g, seen, &num_seen, 4096, p->ret) : -1;
            ids[n][2] = p->name != NULL ? body_of(&g, seen, &num_seen, 4096, p->msg) : -1;
        }
        fprintf(g.out, "/* %s: { CALL, REPLY, MESSAGE } per procedure */\n"
                       "static const struct vw_virnet_fast_proc fast_%zu[%lu] = {\n",
                pg->name, k, (unsigned long)(pg->num_procs + 1));
        for (uint32_t n = 0; n < pg->num_procs; n++) {
            if (ids[n][0] < 0 && ids[n][1] < 0 && ids[n][2] < 0) {
                continue;
            }
            fprintf(g.out, "    [%lu] = { { ", (unsigned long)n);
            put_fn(g.out, ids[n][0]);
            fprintf(g.out, ", ");
            put_fn(g.out, ids[n][1]);
            fprintf(g.out, ", ");
            put_fn(g.out, ids[n][2]);
            fprintf(g.out, " } },\n");
        }
        fprintf(g.out, "};\n\n");
        free(ids);
    }
    fprintf(g.out, "const struct vw_virnet_fast_proc *const vw_virnet_fast[%d] = {\n",
            VW_VIRNET_NUM_PROGRAMS);
    for (size_t k = 0; k < VW_VIRNET_NUM_PROGRAMS; k++) {
        fprintf(g.out, "    fast_%zu,\n", k);
    }
    fprintf(g.out, "};\n");
    if (fclose(g.out) != 0) {
        fprintf(stderr, "xs_gen: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return 0;
}
