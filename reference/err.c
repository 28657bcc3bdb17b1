/* err.c -- names and texts of the error codes in err.h. */
#include "err.h"

#include <string.h>

struct err_entry {
    int code;
    const char *name;
    const char *text;
};

static const struct err_entry err_table[] = {
    { VW_OK, "VW_OK", "success" },
    { VW_E_SHORT, "VW_E_SHORT", "input ends inside an item" },
    { VW_E_PADDING, "VW_E_PADDING", "non-zero XDR padding byte (RFC 4506 section 3)" },
    { VW_E_BOOL, "VW_E_BOOL", "bool or optional-data discriminant is not 0 or 1" },
    { VW_E_ENUM, "VW_E_ENUM", "enum value with no assignment (RFC 4506 section 4.3)" },
    { VW_E_TOO_LONG, "VW_E_TOO_LONG", "length or count over its declared maximum" },
    { VW_E_STRING_NUL, "VW_E_STRING_NUL", "NUL byte inside an XDR string" },
    { VW_E_TRAILING, "VW_E_TRAILING", "bytes left after a complete message or body" },
    { VW_E_NOSPACE, "VW_E_NOSPACE", "output buffer too small" },
    { VW_E_AGAIN, "VW_E_AGAIN", "need more input" },
    { VW_E_NOMEM, "VW_E_NOMEM", "out of memory" },
    { VW_E_INVALID, "VW_E_INVALID", "invalid argument" },
    { VW_E_RPC_VERSION, "VW_E_RPC_VERSION", "ONC RPC version is not 2" },
    { VW_E_DISCRIMINANT, "VW_E_DISCRIMINANT", "union discriminant with no arm" },
    { VW_E_AUTH_NONE_BODY, "VW_E_AUTH_NONE_BODY", "AUTH_NONE with a non-empty body" },
    { VW_E_AUTH_SYS_FILL, "VW_E_AUTH_SYS_FILL",
      "AUTH_SYS parameters do not fill the credential body exactly" },
    { VW_E_FRAGMENT, "VW_E_FRAGMENT", "record marking: empty fragment that is not the last" },
    { VW_E_RECORD_TOO_LONG, "VW_E_RECORD_TOO_LONG", "record marking: record over the maximum" },
    { VW_E_UNKNOWN_PROC, "VW_E_UNKNOWN_PROC", "procedure without a known body type" },
    { VW_E_RANGE, "VW_E_RANGE", "integer sent as an XDR int does not fit its C type" },
    { VW_E_LENGTH, "VW_E_LENGTH", "length word out of range or not matching the contents" },
    { VW_E_PROGRAM, "VW_E_PROGRAM", "program or version not defined by the protocol" },
    { VW_E_MSG_TYPE, "VW_E_MSG_TYPE", "message type or status not allowed here" },
    { VW_E_FDS, "VW_E_FDS", "fd count over its maximum or not matching the fds passed" },
    { VW_E_SYNTAX, "VW_E_SYNTAX", "text that does not parse (JSON, header line, XML)" },
    { VW_E_NESTING, "VW_E_NESTING", "nesting deeper than the protocol's limit" },
    { VW_E_RESYNC, "VW_E_RESYNC", "unfinished message discarded at a sync marker" },
    { VW_E_MEMBER, "VW_E_MEMBER", "required member missing or member not allowed" },
    { VW_E_TYPE, "VW_E_TYPE", "value of the wrong type for its schema" },
    { VW_E_CTRUNC, "VW_E_CTRUNC", "ancillary data truncated (MSG_CTRUNC)" },
};

static const struct err_entry *err_find(int code) {
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (err_table[i].code == code) {
            return &err_table[i];
        }
    }
    return NULL;
}

const char *vw_err_name(int code) {
    const struct err_entry *e = err_find(code);
    return e != NULL ? e->name : "VW_E_?";
}

const char *vw_err_text(int code) {
    const struct err_entry *e = err_find(code);
    return e != NULL ? e->text : "unknown error";
}

int vw_err_from_name(const char *name) {
    for (size_t i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
        if (strcmp(err_table[i].name, name) == 0) {
            return err_table[i].code;
        }
    }
    return 1;
}

void vw_diag_set(struct vw_diag *diag, int code, size_t offset) {
    if (diag != NULL && diag->code == 0) {
        diag->code = code;
        diag->offset = offset;
        diag->field = NULL;
    }
}

void vw_diag_field(struct vw_diag *diag, const char *field) {
    if (diag != NULL && diag->code != 0 && diag->field == NULL) {
        diag->field = field;
    }
}
