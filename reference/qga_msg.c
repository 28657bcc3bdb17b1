/* qga_msg.c -- one framed qemu-ga message checked as a request or a reply
 * (historic-qemud-openhook-qga.md §3.3 "Request object", "Output"); rules in qga.h. */
#include "qga.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xdr.h"    /* VW_DEC_LENIENT */

/* The error classes QEMU 7.2 defines (qapi/error.json QapiErrorClass). */
static const char *const error_classes[] = {
    "GenericError", "CommandNotFound", "DeviceNotActive", "DeviceNotFound", "KVMMissingCap",
};

static int fail(struct vw_diag *diag, char path[VW_QGA_PATH_MAX], int code, size_t offset,
                const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* fail records |code| at |offset| in |diag| and writes "JSON path: reason" to |path|. */
static int fail(struct vw_diag *diag, char path[VW_QGA_PATH_MAX], int code, size_t offset,
                const char *field, const char *fmt, ...) {
    va_list ap;

    diag->code = code;
    diag->offset = offset;
    diag->field = field;
    va_start(ap, fmt);
    vsnprintf(path, VW_QGA_PATH_MAX, fmt, ap);
    va_end(ap);
    return code;
}

/* first_unknown returns the smallest key of |obj| (strcmp order, so the choice does not depend
 * on jansson's seeded hash order) that is not in |allowed|, or NULL. */
static const char *first_unknown(const json_t *obj, const char *const *allowed, size_t n) {
    const char *key, *best = NULL;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;
        (void)v;
        for (size_t i = 0; i < n; i++) {
            ok = ok || strcmp(key, allowed[i]) == 0;
        }
        if (!ok && (best == NULL || strcmp(key, best) < 0)) {
            best = key;
        }
    }
    return best;
}

/* §3.3 "Request object": qapi/qmp-dispatch.c qmp_dispatch_check_obj with allow_oob=false. */
static int check_request(json_t *root, struct vw_qga_msg *m, struct vw_diag *diag,
                         char path[VW_QGA_PATH_MAX]) {
    static const char *const allowed[] = { "execute", "arguments", "id" };
    const json_t *exec = json_object_get(root, "execute");
    const json_t *args = json_object_get(root, "arguments");
    const char *bad;

    if (exec != NULL && !json_is_string(exec)) {
        return fail(diag, path, VW_E_TYPE, 0, "execute",
                    "execute: \"QMP input member 'execute' must be a string\"");
    }
    if (args != NULL && !json_is_object(args)) {
        return fail(diag, path, VW_E_TYPE, 0, "arguments",
                    "arguments: \"QMP input member 'arguments' must be an object\"");
    }
    if (json_object_get(root, "exec-oob") != NULL) {
        /* qga calls qmp_dispatch with allow_oob=false */
        return fail(diag, path, VW_E_MEMBER, 0, "exec-oob",
                    "exec-oob: out-of-band execution is not allowed by qemu-ga");
    }
    if ((bad = first_unknown(root, allowed, 3)) != NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "(member)",
                    "%s: \"QMP input member is unexpected\"", bad);
    }
    if (exec == NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "execute",
                    "execute: \"QMP input lacks member 'execute'\"");
    }
    m->kind = VW_QGA_REQUEST;
    m->execute = json_string_value(exec);
    m->arguments = args;
    return 0;
}

/* §3.3 "Output": {"return": v} or {"error": {"class", "desc"}}, "id" copied from the request. */
static int check_reply(json_t *root, struct vw_qga_msg *m, struct vw_diag *diag,
                       char path[VW_QGA_PATH_MAX]) {
    static const char *const allowed[] = { "return", "error", "id" };
    static const char *const err_allowed[] = { "class", "desc" };
    const json_t *ret = json_object_get(root, "return");
    const json_t *err = json_object_get(root, "error");
    const json_t *cls, *desc;
    const char *bad;
    bool known = false;

    if ((bad = first_unknown(root, allowed, 3)) != NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "(member)", "%s: not a member of a reply", bad);
    }
    if (ret != NULL && err != NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "error",
                    "error: a reply carries return or error, never both");
    }
    if (ret == NULL && err == NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "return",
                    "return: a reply carries return or error");
    }
    if (ret != NULL) {
        m->kind = VW_QGA_RETURN;
        m->ret = ret;
        return 0;
    }
    if (!json_is_object(err)) {
        return fail(diag, path, VW_E_TYPE, 0, "error", "error: must be an object");
    }
    if ((bad = first_unknown(err, err_allowed, 2)) != NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, "error", "error.%s: not a member of an error",
                    bad);
    }
    cls = json_object_get(err, "class");
    desc = json_object_get(err, "desc");
    if (cls == NULL || desc == NULL) {
        return fail(diag, path, VW_E_MEMBER, 0, cls == NULL ? "error.class" : "error.desc",
                    "%s: missing", cls == NULL ? "error.class" : "error.desc");
    }
    if (!json_is_string(cls) || !json_is_string(desc)) {
        const char *f = !json_is_string(cls) ? "error.class" : "error.desc";
        return fail(diag, path, VW_E_TYPE, 0, f, "%s: must be a string", f);
    }
    for (size_t i = 0; i < sizeof(error_classes) / sizeof(error_classes[0]); i++) {
        known = known || strcmp(json_string_value(cls), error_classes[i]) == 0;
    }
    if (!known) {
        return fail(diag, path, VW_E_ENUM, 0, "error.class",
                    "error.class: '%s' is not a QapiErrorClass", json_string_value(cls));
    }
    m->kind = VW_QGA_ERROR;
    m->err_class = json_string_value(cls);
    m->err_desc = json_string_value(desc);
    return 0;
}

int vw_qga_msg_decode(struct vw_qga_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                      char path[VW_QGA_PATH_MAX], const struct vw_qga_frame *fr, int direction,
                      unsigned flags) {
    struct vw_qga_msg m = { 0 };
    json_error_t jerr;
    json_t *root;
    int r;

    path[0] = 0;
    if (direction != VW_QGA_FROM_CLIENT && direction != VW_QGA_FROM_SERVER) {
        return VW_E_INVALID;
    }
    if (fr->has_bad_kw) {
        /* json-parser.c parse_keyword: only true, false and null */
        return fail(diag, path, VW_E_SYNTAX, fr->kw_offset, NULL,
                    "(keyword): invalid keyword (only true, false, null)");
    }
    root = json_loadb((const char *)fr->p, fr->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                      &jerr);
    if (root == NULL) {
        return fail(diag, path, VW_E_SYNTAX, 0, NULL, "(json): %s", jerr.text);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(diag, path, VW_E_TYPE, 0, NULL,
                    "(top level): \"QMP input must be a JSON object\"");
    }
    m.root = root;
    m.id = json_object_get(root, "id");
    r = direction == VW_QGA_FROM_CLIENT ? check_request(root, &m, diag, path)
                                        : check_reply(root, &m, diag, path);
    if (r < 0) {
        json_decref(root);
        return r;
    }
    if (fr->has_sq) {
        /* [QEMU extension] json-lexer.c accepts 'strings' and \'; no JSON text has them */
        if (!(flags & VW_DEC_LENIENT)) {
            json_decref(root);
            return fail(diag, path, VW_E_SYNTAX, fr->sq_offset, "string",
                        "(string): single-quoted string or \\' (QEMU extension, not JSON)");
        }
        if (lax != NULL) {
            vw_diag_set(lax, VW_E_SYNTAX, fr->sq_offset);
            vw_diag_field(lax, "string");
        }
    }
    *out = m;
    return 0;
}

void vw_qga_msg_cleanup(struct vw_qga_msg *m) {
    json_decref(m->root);
    memset(m, 0, sizeof(*m));
}

void vw_qga_json_short(const json_t *v, char *buf, size_t len) {
    char *s;
    size_t n;

    if (len == 0) {
        return;
    }
    buf[0] = 0;
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (s == NULL) {
        return;
    }
    n = strlen(s);
    if (n < len) {
        memcpy(buf, s, n + 1);
    } else if (len > 4) {
        memcpy(buf, s, len - 4);
        memcpy(buf + len - 4, "...", 4);
    }
    free(s);
}
