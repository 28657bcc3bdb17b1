/* oracle_openhook.c -- XDR open-hook-fd decoding with rpcgen filters over libtirpc; see
 * oracle_openhook.h.
 *
 * Independence: nothing here calls a vw_xdr_* or vw_xs_* function; only the error codes of
 * reference/err.h are shared. */
#include "oracle_openhook.h"

#include <rpc/rpc.h>
#include <string.h>

#include "vwo_openhook.h"

/* Bounds of message_size (historic-qemud-openhook-qga.md §2.1 "message_size" counts the
 * whole message): a request has 20 fixed bytes and a filename of at most 4096 (§2.2), a reply
 * is exactly 12 bytes. */
#define ORACLE_REQ_MIN 20u
#define ORACLE_REQ_MAX (20u + VWO_PATH_MAX)
#define ORACLE_REPLY_LEN 12u

static char filename_buf[VWO_PATH_MAX + 1];

int vw_oracle_openhook_decode(struct vw_oracle_openhook *res, const uint8_t *buf, size_t len,
                              int direction, uint8_t *out, size_t cap) {
    vwo_request req;
    vwo_reply rep;
    uint32_t min = direction == 0 ? ORACLE_REQ_MIN : ORACLE_REPLY_LEN;
    uint32_t max = direction == 0 ? ORACLE_REQ_MAX : ORACLE_REPLY_LEN;
    u_int word, pos;
    XDR x;
    bool_t ok;

    memset(res, 0, sizeof(*res));
    if (direction != 0 && direction != 1) {
        return VW_E_INVALID;
    }
    if (len < 4) {
        res->failed = "short";
        return 0;
    }
    /* the server reads the size word first */
    xdrmem_create(&x, (char *)(uintptr_t)buf, 4, XDR_DECODE);
    ok = xdr_u_int(&x, &word);
    xdr_destroy(&x);
    if (!ok) {
        res->failed = "short";
        return 0;
    }
    res->message_size = word;
    if (word < min || word > max) {
        res->failed = "message_size";
        return 0;
    }
    if (word > len) {
        res->failed = "short";
        return 0;
    }
    /* then decodes the message from exactly message_size bytes */
    memset(&req, 0, sizeof(req));
    memset(&rep, 0, sizeof(rep));
    req.body.vwo_request_body_u.open.filename = filename_buf;  /* no allocation */
    xdrmem_create(&x, (char *)(uintptr_t)buf, word, XDR_DECODE);
    ok = direction == 0 ? xdr_vwo_request(&x, &req) : xdr_vwo_reply(&x, &rep);
    pos = xdr_getpos(&x);
    xdr_destroy(&x);
    if (!ok) {
        res->failed = "xdr";
        return 0;
    }
    res->ok = 1;
    res->pos = pos;
    if (direction == 0) {
        res->command = (uint32_t)req.body.command;
        res->flags = req.body.vwo_request_body_u.open.flags;
        res->mode = req.body.vwo_request_body_u.open.mode;
        res->filename = req.body.vwo_request_body_u.open.filename;
        res->filename_len = strlen(res->filename);
    } else {
        res->command = (uint32_t)rep.body.command;
        res->result = rep.body.vwo_reply_body_u.open.result;
    }
    /* re-encode: a dummy size word, the body, then the real size at 0.  xdr_sizeof measures
     * it first.  It is also the one libtirpc function here that ASan does not intercept: with
     * only intercepted ones referenced, the sanitizer runtime's weak definitions satisfy the
     * link, --as-needed drops libtirpc and the interceptors find no real function (a jump to
     * address 0 on the first xdrmem_create). */
    if (xdr_sizeof(direction == 0 ? (xdrproc_t)xdr_vwo_request : (xdrproc_t)xdr_vwo_reply,
                   direction == 0 ? (void *)&req : (void *)&rep) > cap) {
        return VW_E_NOSPACE;
    }
    /* re-encode: a dummy size word, the body, then the real size at 0 */
    xdrmem_create(&x, (char *)out, (u_int)(cap < ORACLE_REQ_MAX ? cap : ORACLE_REQ_MAX),
                  XDR_ENCODE);
    req.message_size = 0;
    rep.message_size = 0;
    ok = direction == 0 ? xdr_vwo_request(&x, &req) : xdr_vwo_reply(&x, &rep);
    pos = xdr_getpos(&x);
    word = pos;
    ok = ok && xdr_setpos(&x, 0) && xdr_u_int(&x, &word);
    xdr_destroy(&x);
    if (!ok) {
        return VW_E_NOSPACE;
    }
    res->out_len = pos;
    return 0;
}
