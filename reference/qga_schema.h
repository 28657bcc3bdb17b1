/* qga_schema.h -- the arguments and return values of every command qemu-ga 7.2 lists in
 * guest-info (historic-qemud-openhook-qga.md §3.4, QEMU v7.2.0 qga/qapi-schema.json), as
 * static tables, and a strict checker for JSON values (jansson) against them.
 *
 * Strict types, as QEMU's QObject input visitor applies them (qapi/qobject-input-visitor.c):
 * 'int' is a JSON integer in int64, 'uint64' and 'size' in [0, 2^64-1], 'number' any JSON
 * number, 'bool' true/false, 'str' a string, enums one of their names, alternates the first
 * arm whose JSON type matches, objects exactly their members (a missing mandatory member or an
 * unknown member is an error), arrays of one element type.  Errors:
 *   VW_E_MEMBER  a mandatory member missing, or a member the type does not have
 *   VW_E_TYPE    a value of the wrong JSON type
 *   VW_E_RANGE   an integer outside its type's range
 *   VW_E_ENUM    a string that is not one of the enum's names
 * and |where->path| names the offending value ("arguments.id", "return[3].name").  |where| is
 * written only on error.
 *
 * Where strict is stricter than QEMU: the input visitor takes a negative integer for a
 * 'uint64' "for backward compatibility" (it wraps); the output visitor never sends one, so
 * it is VW_E_RANGE here.  Integers beyond int64 cannot be represented by jansson (json_loadb
 * refuses them), so a uint64 above 2^63-1 never reaches the checker. */
#ifndef VW_QGA_SCHEMA_H
#define VW_QGA_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define VW_QGA_NUM_COMMANDS 42  /* guest-info of qemu-ga 7.2 on Linux (real-servers.md §2) */

struct vw_qga_command;          /* one command's name, argument and return types (below) */

/* struct vw_qga_where: where a check failed, as a JSON path from the message's top level. */
struct vw_qga_where {
    char path[256];
};

/* ---- The tables (reference/qga_schema_types.c), read by the checker and by tests. ---- */

/* enum vw_qga_kind: the QAPI built-in types and the four kinds of schema type. */
enum vw_qga_kind {
    VW_QGA_INT,       /* 'int', 'int64': a JSON integer (int64) */
    VW_QGA_INT8,      /* 'int8', 'int16', 'int32': a JSON integer in the C type's range */
    VW_QGA_INT16,
    VW_QGA_INT32,
    VW_QGA_UINT8,     /* 'uint8', 'uint16', 'uint32', 'uint64', 'size': a JSON integer >= 0 */
    VW_QGA_UINT16,
    VW_QGA_UINT32,
    VW_QGA_UINT64,
    VW_QGA_SIZE,
    VW_QGA_NUMBER,    /* 'number': any JSON number, integers too */
    VW_QGA_BOOL,      /* 'bool': true or false */
    VW_QGA_STR,       /* 'str': a JSON string */
    VW_QGA_ANY,       /* 'any': any JSON value */
    VW_QGA_ENUM,      /* a string that is one of |names| */
    VW_QGA_OBJECT,    /* a struct: exactly |members| */
    VW_QGA_ARRAY,     /* ['T']: a JSON array of |element| */
    VW_QGA_ALTERNATE, /* the first of |arms| whose JSON type matches the value */
    VW_QGA_UNION,     /* a flat union: |members| (the base) plus the branch of |discriminator| */
};

struct vw_qga_type;

/* struct vw_qga_member: one member of a struct ('*name' in the schema is |optional|). */
struct vw_qga_member {
    const char *name;
    const struct vw_qga_type *type;
    int optional;
};

/* struct vw_qga_branch: a flat union's members for one discriminator value (an object type);
 * enum values without a branch add no members (QAPI implicit empty branches). */
struct vw_qga_branch {
    const char *tag;
    const struct vw_qga_type *type;
};

/* struct vw_qga_type: one schema type.  |n| counts names, members, arms or branches. */
struct vw_qga_type {
    const char *name;                       /* the schema's name ("GuestFileRead", "int") */
    enum vw_qga_kind kind;
    size_t n;
    const char *const *names;               /* VW_QGA_ENUM */
    const struct vw_qga_member *members;    /* VW_QGA_OBJECT, VW_QGA_UNION (base) */
    const struct vw_qga_type *element;      /* VW_QGA_ARRAY */
    const struct vw_qga_type *const *arms;  /* VW_QGA_ALTERNATE */
    const char *discriminator;              /* VW_QGA_UNION: the base's one member, an enum */
    const struct vw_qga_branch *branches;   /* VW_QGA_UNION */
};

/* struct vw_qga_command: |args| is an object type, NULL for a command without 'data'; |ret|
 * is NULL for a command without 'returns' (it returns {}). */
struct vw_qga_command {
    const char *name;
    const struct vw_qga_type *args;
    const struct vw_qga_type *ret;
    int success_response;
};

/* The 42 commands in schema order, and the built-in types by their schema names. */
extern const struct vw_qga_command vw_qga_commands[VW_QGA_NUM_COMMANDS];

/* vw_qga_builtin returns the built-in type named |name| ("int8", "size", "any"), or NULL. */
const struct vw_qga_type *vw_qga_builtin(const char *name);

/* VW_QGA_MAX_DEPTH bounds the checker's recursion; the schema's deepest type is far below it
 * (t_qga_schema checks), so VW_E_NESTING from the checker means a broken table. */
#define VW_QGA_MAX_DEPTH 16

/* vw_qga_check_value checks |v| against |t|; |root| starts the error path ("value"). */
VW_MUST_USE int vw_qga_check_value(const struct vw_qga_type *t, const json_t *v,
                                   const char *root, struct vw_qga_where *where);

/* vw_qga_command_find returns the command named |name|, or NULL when qemu-ga 7.2 has none. */
const struct vw_qga_command *vw_qga_command_find(const char *name);

/* vw_qga_command_at returns command |i| (0 .. VW_QGA_NUM_COMMANDS-1, schema order) or NULL. */
const struct vw_qga_command *vw_qga_command_at(size_t i);

/* vw_qga_command_name returns the command's name ("guest-sync"). */
const char *vw_qga_command_name(const struct vw_qga_command *c);

/* vw_qga_command_success_response is 0 for the commands that send nothing on success
 * (guest-shutdown, guest-suspend-*: 'success-response': false), else 1. */
int vw_qga_command_success_response(const struct vw_qga_command *c);

/* vw_qga_check_arguments checks the "arguments" member of a request for |c|; |args| is NULL
 * when the request had none (valid only when every argument is optional).  Returns 0 or an
 * error listed above with |where| set. */
VW_MUST_USE int vw_qga_check_arguments(const struct vw_qga_command *c, const json_t *args,
                                       struct vw_qga_where *where);

/* vw_qga_check_return checks the "return" member of a successful reply to |c| (a command
 * without a return type returns {}).  Returns 0 or an error listed above with |where| set. */
VW_MUST_USE int vw_qga_check_return(const struct vw_qga_command *c, const json_t *ret,
                                    struct vw_qga_where *where);

#endif
