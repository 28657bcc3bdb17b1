/* oracle_qemud.c -- qemud decoding with rpcgen filters over libtirpc; see oracle_qemud.h.
 *
 * Independence: nothing here calls a vw_xdr_* or vw_xs_* function; only the error codes of
 * reference/err.h are shared. */
#include "oracle_qemud.h"

#include <rpc/rpc.h>
#include <string.h>

#include "vwq_qemud.h"

/* §1.6 REMOTE_MESSAGE_MAX, and the smallest length word reference/qemud.c accepts (header +
 * serial); the 2007 server has no lower bound, but nothing under it can decode. */
#define ORACLE_LEN_MAX 262144u
#define ORACLE_LEN_MIN 12u

union packet {
    vwq_packet_client client;
    vwq_packet_server server;
};

static union packet pkt;

static bool_t body_filter(XDR *x, int direction) {
    return direction == 0 ? xdr_vwq_packet_client(x, &pkt.client)
                          : xdr_vwq_packet_server(x, &pkt.server);
}

int vw_oracle_qemud_decode(struct vw_oracle_qemud *res, const uint8_t *buf, size_t len,
                           int direction, uint8_t *out, size_t cap) {
    vwq_packet_header h;
    XDR x;
    bool_t ok;
    u_int pos;

    memset(res, 0, sizeof(*res));
    if (direction != 0 && direction != 1) {
        return VW_E_INVALID;
    }
    if (len < VWQ_PKT_HEADER_XDR_LEN) {
        res->failed = "header";
        return 0;
    }
    /* the server reads QEMUD_PKT_HEADER_XDR_LEN bytes and decodes them first */
    xdrmem_create(&x, (char *)(uintptr_t)buf, VWQ_PKT_HEADER_XDR_LEN, XDR_DECODE);
    ok = xdr_vwq_packet_header(&x, &h);
    xdr_destroy(&x);
    if (!ok) {
        res->failed = "header";
        return 0;
    }
    res->length = h.length;
    if (h.length > ORACLE_LEN_MAX || h.length < ORACLE_LEN_MIN) {
        res->failed = "length";
        return 0;
    }
    if (h.prog != VWQ_PROGRAM) {
        res->failed = "prog";
        return 0;
    }
    if (h.length > len) {
        res->failed = "short";
        return 0;
    }
    /* then reads until bufferOffset == length and decodes header and body from that buffer */
    memset(&pkt, 0, sizeof(pkt));
    xdrmem_create(&x, (char *)(uintptr_t)buf, h.length, XDR_DECODE);
    ok = xdr_vwq_packet_header(&x, &h) && body_filter(&x, direction);
    pos = xdr_getpos(&x);
    xdr_destroy(&x);
    if (!ok) {
        res->failed = "body";
        return 0;
    }
    res->ok = 1;
    res->pos = pos;
    /* re-encode as the server did: a dummy header, the body, then the real header at 0 */
    xdrmem_create(&x, (char *)out, (u_int)(cap < ORACLE_LEN_MAX ? cap : ORACLE_LEN_MAX),
                  XDR_ENCODE);
    h.length = 0;
    h.prog = VWQ_PROGRAM;
    ok = xdr_vwq_packet_header(&x, &h) && body_filter(&x, direction);
    pos = xdr_getpos(&x);
    h.length = pos;
    ok = ok && xdr_setpos(&x, 0) && xdr_vwq_packet_header(&x, &h);
    xdr_destroy(&x);
    if (!ok) {
        return VW_E_NOSPACE;
    }
    res->out_len = pos;
    return 0;
}
