/* qga_check.c -- a checked qemu-ga message against the 7.2 schema (qga_schema.h, §3.4). */
#include "qga.h"

#include <stdio.h>
#include <string.h>

#include "qga_schema.h"

int vw_qga_msg_check(const struct vw_qga_msg *m, const struct vw_qga_command *cmd,
                     struct vw_diag *diag, char path[VW_QGA_PATH_MAX]) {
    struct vw_qga_where where = { .path = "" };
    const char *field;
    int r;

    if (m->kind == VW_QGA_REQUEST) {
        /* an unknown command is answered with CommandNotFound (§3.3): nothing to check */
        if ((cmd = vw_qga_command_find(m->execute)) == NULL) {
            return 1;
        }
        /* qapi/qmp-dispatch.c hands "arguments" (or an empty dict) to the input visitor */
        r = vw_qga_check_arguments(cmd, m->arguments, &where);
        field = "arguments";
    } else if (m->kind == VW_QGA_RETURN && cmd != NULL) {
        r = vw_qga_check_return(cmd, m->ret, &where);
        field = "return";
    } else {
        return 1;
    }
    if (r < 0) {
        diag->code = r;
        diag->offset = 0;
        diag->field = field;
        snprintf(path, VW_QGA_PATH_MAX, "%s", where.path);
    }
    return r;
}
