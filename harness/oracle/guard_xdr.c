/* guard_xdr.c -- the length-clamping decode stream; see guard_xdr.h. */
#include "guard_xdr.h"

#include <string.h>

static struct vw_guard_xdr *guard_of(XDR *x) {
    return (struct vw_guard_xdr *)x->x_private;
}

static bool_t guard_getlong(XDR *x, long *lp) {
    struct vw_guard_xdr *g = guard_of(x);

    if (!XDR_GETLONG(&g->inner, lp)) {
        return FALSE;
    }
    if ((uint32_t)*lp > g->limit) {
        *lp = (long)g->limit + 1;
        g->num_clamped++;
    }
    return TRUE;
}

static bool_t guard_putlong(XDR *x, const long *lp) {
    (void)x;
    (void)lp;
    return FALSE;
}

static bool_t guard_getbytes(XDR *x, char *p, u_int n) {
    return XDR_GETBYTES(&guard_of(x)->inner, p, n);
}

static bool_t guard_putbytes(XDR *x, const char *p, u_int n) {
    (void)x;
    (void)p;
    (void)n;
    return FALSE;
}

static u_int guard_getpos(XDR *x) {
    return XDR_GETPOS(&guard_of(x)->inner);
}

static bool_t guard_setpos(XDR *x, u_int pos) {
    return XDR_SETPOS(&guard_of(x)->inner, pos);
}

static int32_t *guard_inline(XDR *x, u_int n) {
    (void)x;
    (void)n;
    return NULL;  /* inline reads would bypass guard_getlong; rpcgen falls back to it */
}

static void guard_destroy(XDR *x) {
    (void)x;
}

static bool_t guard_control(XDR *x, int request, void *info) {
    (void)x;
    (void)request;
    (void)info;
    return FALSE;
}

static const struct xdr_ops guard_ops = {
    .x_getlong = guard_getlong,
    .x_putlong = guard_putlong,
    .x_getbytes = guard_getbytes,
    .x_putbytes = guard_putbytes,
    .x_getpostn = guard_getpos,
    .x_setpostn = guard_setpos,
    .x_inline = guard_inline,
    .x_destroy = guard_destroy,
    .x_control = guard_control,
};

void vw_guard_xdr_create(XDR *x, struct vw_guard_xdr *g, const uint8_t *buf, u_int len) {
    xdrmem_create(&g->inner, (char *)(uintptr_t)buf, len, XDR_DECODE);
    g->limit = len;
    g->num_clamped = 0;
    memset(x, 0, sizeof(*x));
    x->x_op = XDR_DECODE;
    x->x_ops = &guard_ops;
    x->x_private = g;
}
