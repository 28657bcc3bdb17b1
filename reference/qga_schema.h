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
 * and |where->path| names the offending value ("arguments.id", "return[3].name"). */
#ifndef VW_QGA_SCHEMA_H
#define VW_QGA_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define VW_QGA_NUM_COMMANDS 42  /* guest-info of qemu-ga 7.2 on Linux (real-servers.md §2) */

struct vw_qga_command;          /* opaque: one command's name, argument and return types */

/* struct vw_qga_where: where a check failed, as a JSON path from the message's top level. */
struct vw_qga_where {
    char path[256];
};

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
