/* qga_schema.c -- strict check of guest agent JSON values against the qemu-ga 7.2 schema
 * tables (qga_schema_types.c), with the type rules of QEMU's QObject input visitor
 * (qapi/qobject-input-visitor.c, QEMU v7.2.0): see qga_schema.h.
 *
 * The recursion follows the schema, never the value: arrays are walked element by element in
 * a loop, and every nested call descends one schema type, so the depth is bounded by the
 * tables (VW_QGA_MAX_DEPTH guards it).  Nothing is allocated; |where| is written on error
 * only. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "qga_schema.h"

#define PATH_CAP sizeof(((struct vw_qga_where *)0)->path)

/* struct path: the JSON path of the value being checked, truncated to fit. */
struct path {
    char s[PATH_CAP];
    size_t len;
};

/* path_push appends |text| ('.' member names are cleaned of control bytes) and returns the
 * length to restore with path_pop. */
static size_t path_push(struct path *p, const char *prefix, const char *text) {
    size_t old = p->len;
    const char *parts[2] = {prefix, text};

    for (size_t k = 0; k < 2; k++) {
        for (const char *c = parts[k]; *c != '\0' && p->len + 1 < PATH_CAP; c++) {
            unsigned char ch = (unsigned char)*c;
            p->s[p->len++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
        }
    }
    p->s[p->len] = '\0';
    return old;
}

static size_t path_push_index(struct path *p, size_t i) {
    char buf[32];

    snprintf(buf, sizeof(buf), "[%zu]", i);
    return path_push(p, "", buf);
}

static void path_pop(struct path *p, size_t len) {
    p->len = len;
    p->s[len] = '\0';
}

static int fail(const struct path *p, int code, struct vw_qga_where *where) {
    memcpy(where->path, p->s, p->len + 1);
    return code;
}

static int check(const struct vw_qga_type *t, const json_t *v, struct path *p, unsigned depth,
                 struct vw_qga_where *where);

/* Integer types: QAPI int is int64, intN/uintN their C ranges (visit_type_intN/uintN in
 * qapi/qapi-visit-core.c: "Parameter '%s' expects %s"); a JSON real is not an integer
 * ("Invalid parameter type ..., expected: integer"). */
static int check_integer(const struct vw_qga_type *t, const json_t *v, struct path *p,
                         struct vw_qga_where *where) {
    static const struct {
        long long min;
        unsigned long long max;
    } range[] = {
        [VW_QGA_INT] = {INT64_MIN, INT64_MAX},  [VW_QGA_INT8] = {INT8_MIN, INT8_MAX},
        [VW_QGA_INT16] = {INT16_MIN, INT16_MAX}, [VW_QGA_INT32] = {INT32_MIN, INT32_MAX},
        [VW_QGA_UINT8] = {0, UINT8_MAX},         [VW_QGA_UINT16] = {0, UINT16_MAX},
        [VW_QGA_UINT32] = {0, UINT32_MAX},       [VW_QGA_UINT64] = {0, UINT64_MAX},
        [VW_QGA_SIZE] = {0, UINT64_MAX},
    };
    json_int_t x;

    if (!json_is_integer(v)) {
        return fail(p, VW_E_TYPE, where);
    }
    x = json_integer_value(v);
    if (x < range[t->kind].min || (x > 0 && (unsigned long long)x > range[t->kind].max)) {
        return fail(p, VW_E_RANGE, where);
    }
    return 0;
}

/* Enums: a string naming a value ("Parameter '%s' does not accept value '%s'"); anything
 * else is a type error. */
static int check_enum(const struct vw_qga_type *t, const json_t *v, struct path *p,
                      struct vw_qga_where *where) {
    const char *s;
    size_t len;

    if (!json_is_string(v)) {
        return fail(p, VW_E_TYPE, where);
    }
    s = json_string_value(v);
    len = json_string_length(v);
    for (size_t i = 0; i < t->n; i++) {
        if (strlen(t->names[i]) == len && memcmp(t->names[i], s, len) == 0) {
            return 0;
        }
    }
    return fail(p, VW_E_ENUM, where);
}

static const struct vw_qga_member *member_find(const struct vw_qga_member *m, size_t n,
                                               const char *key) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, key) == 0) {
            return &m[i];
        }
    }
    return NULL;
}

/* check_members: |obj| (an object, or NULL for an absent argument list: no members) has
 * exactly the members of |a| and |b|.  Schema order first, as the visitor reads them: a
 * missing mandatory member is "Parameter '%s' is missing", a present one is checked; then
 * any member left over is "Parameter '%s' is unexpected" (qobject_input_check_struct). */
static int check_members(const struct vw_qga_member *a, size_t na, const struct vw_qga_member *b,
                         size_t nb, const json_t *obj, struct path *p, unsigned depth,
                         struct vw_qga_where *where) {
    const struct vw_qga_member *lists[2] = {a, b};
    size_t counts[2] = {na, nb};
    const char *key;
    json_t *val;

    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < counts[k]; i++) {
            const struct vw_qga_member *m = &lists[k][i];
            const json_t *mv = obj != NULL ? json_object_get(obj, m->name) : NULL;
            size_t mark = path_push(p, ".", m->name);
            int rc = 0;

            if (mv == NULL) {
                rc = m->optional ? 0 : fail(p, VW_E_MEMBER, where);
            } else {
                rc = check(m->type, mv, p, depth + 1, where);
            }
            path_pop(p, mark);
            if (rc != 0) {
                return rc;
            }
        }
    }
    if (obj == NULL) {
        return 0;
    }
    /* jansson iterates in insertion order, so the first unexpected member is reported. */
    json_object_foreach((json_t *)obj, key, val) {
        (void)val;
        if (member_find(a, na, key) == NULL && member_find(b, nb, key) == NULL) {
            path_push(p, ".", key);
            return fail(p, VW_E_MEMBER, where);
        }
    }
    return 0;
}

/* Flat unions (every base in the 7.2 schema is just the discriminator, an enum, and
 * |t->members| holds it): the discriminator is checked first, so its value can be trusted; it
 * selects the branch whose members are added (none for an enum value without a branch). */
static int check_union(const struct vw_qga_type *t, const json_t *v, struct path *p,
                       unsigned depth, struct vw_qga_where *where) {
    const struct vw_qga_member *disc = &t->members[0];
    const struct vw_qga_type *branch = NULL;
    const json_t *tag;
    size_t mark;
    int rc;

    if (!json_is_object(v)) {
        return fail(p, VW_E_TYPE, where);
    }
    tag = json_object_get(v, disc->name);
    mark = path_push(p, ".", disc->name);
    rc = tag == NULL ? fail(p, VW_E_MEMBER, where) : check(disc->type, tag, p, depth + 1, where);
    path_pop(p, mark);
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->branches[i].tag, json_string_value(tag)) == 0) {
            branch = t->branches[i].type;
        }
    }
    return check_members(t->members, 1, branch != NULL ? branch->members : NULL,
                         branch != NULL ? branch->n : 0, v, p, depth, where);
}

/* arm_matches: the JSON type an alternate arm takes (qapi alternates pick the branch by the
 * QObject type: QNUM, QSTRING, QBOOL, QDICT, QLIST). */
static int arm_matches(const struct vw_qga_type *arm, const json_t *v) {
    switch (arm->kind) {
    case VW_QGA_BOOL:
        return json_is_boolean(v);
    case VW_QGA_STR:
    case VW_QGA_ENUM:
        return json_is_string(v);
    case VW_QGA_OBJECT:
    case VW_QGA_UNION:
        return json_is_object(v);
    case VW_QGA_ARRAY:
        return json_is_array(v);
    case VW_QGA_ANY:
    case VW_QGA_ALTERNATE:
        return 1;
    default:
        return json_is_number(v); /* every integer kind and 'number' */
    }
}

static int check(const struct vw_qga_type *t, const json_t *v, struct path *p, unsigned depth,
                 struct vw_qga_where *where) {
    if (depth > VW_QGA_MAX_DEPTH) {
        return fail(p, VW_E_NESTING, where);
    }
    switch (t->kind) {
    case VW_QGA_NUMBER: /* 'number' takes integers too (qnum_get_double) */
        return json_is_number(v) ? 0 : fail(p, VW_E_TYPE, where);
    case VW_QGA_BOOL: /* QBool only: not 0/1, not "true" */
        return json_is_boolean(v) ? 0 : fail(p, VW_E_TYPE, where);
    case VW_QGA_STR:
        return json_is_string(v) ? 0 : fail(p, VW_E_TYPE, where);
    case VW_QGA_ANY:
        return 0;
    case VW_QGA_ENUM:
        return check_enum(t, v, p, where);
    case VW_QGA_OBJECT:
        if (!json_is_object(v)) {
            return fail(p, VW_E_TYPE, where);
        }
        return check_members(t->members, t->n, NULL, 0, v, p, depth, where);
    case VW_QGA_UNION:
        return check_union(t, v, p, depth, where);
    case VW_QGA_ARRAY:
        if (!json_is_array(v)) {
            return fail(p, VW_E_TYPE, where);
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t mark = path_push_index(p, i);
            int rc = check(t->element, json_array_get(v, i), p, depth + 1, where);

            path_pop(p, mark);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    case VW_QGA_ALTERNATE:
        /* "Invalid parameter type for '%s', expected: <alternate>" when no arm takes the
         * value's JSON type; otherwise the arm's own rules (1.0 for GuestFileWhence picks the
         * int arm and fails it: "expected: integer", as the real agent answers). */
        for (size_t i = 0; i < t->n; i++) {
            if (arm_matches(t->arms[i], v)) {
                return check(t->arms[i], v, p, depth + 1, where);
            }
        }
        return fail(p, VW_E_TYPE, where);
    default:
        return check_integer(t, v, p, where);
    }
}

int vw_qga_check_value(const struct vw_qga_type *t, const json_t *v, const char *root,
                       struct vw_qga_where *where) {
    struct path p = {.len = 0};

    if (t == NULL || v == NULL || root == NULL || where == NULL) {
        return VW_E_INVALID;
    }
    path_push(&p, "", root);
    return check(t, v, &p, 0, where);
}

const struct vw_qga_command *vw_qga_command_find(const char *name) {
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < VW_QGA_NUM_COMMANDS; i++) {
        if (strcmp(vw_qga_commands[i].name, name) == 0) {
            return &vw_qga_commands[i];
        }
    }
    return NULL;
}

const struct vw_qga_command *vw_qga_command_at(size_t i) {
    return i < VW_QGA_NUM_COMMANDS ? &vw_qga_commands[i] : NULL;
}

const char *vw_qga_command_name(const struct vw_qga_command *c) {
    return c->name;
}

int vw_qga_command_success_response(const struct vw_qga_command *c) {
    return c->success_response;
}

/* Arguments: absent is an empty argument list (qmp_dispatch gives the command an empty
 * dict); present, it must be an object ("QMP input member 'arguments' must be an object").
 * A command without 'data' takes no member at all. */
int vw_qga_check_arguments(const struct vw_qga_command *c, const json_t *args,
                           struct vw_qga_where *where) {
    struct path p = {.len = 0};

    if (c == NULL || where == NULL) {
        return VW_E_INVALID;
    }
    path_push(&p, "", "arguments");
    if (args != NULL && !json_is_object(args)) {
        return fail(&p, VW_E_TYPE, where);
    }
    if (c->args == NULL) {
        return check_members(NULL, 0, NULL, 0, args, &p, 0, where);
    }
    return check_members(c->args->members, c->args->n, NULL, 0, args, &p, 0, where);
}

/* Returns: the command's 'returns' type, or {} for a command without one (the generated
 * marshaller sends an empty dict). */
int vw_qga_check_return(const struct vw_qga_command *c, const json_t *ret,
                        struct vw_qga_where *where) {
    struct path p = {.len = 0};

    if (c == NULL || ret == NULL || where == NULL) {
        return VW_E_INVALID;
    }
    path_push(&p, "", "return");
    if (c->ret == NULL) {
        if (!json_is_object(ret)) {
            return fail(&p, VW_E_TYPE, where);
        }
        return check_members(NULL, 0, NULL, 0, ret, &p, 0, where);
    }
    return check(c->ret, ret, &p, 0, where);
}
