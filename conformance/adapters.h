/* adapters.h -- the protocol adapters (conformance/adapter_<protocol>.c). */
#ifndef VW_CONFORMANCE_ADAPTERS_H
#define VW_CONFORMANCE_ADAPTERS_H

#include "adapter.h"

/* qemu-ga 7.2, "qga" (adapter_qga.c) */
extern const struct vw_cf_adapter vw_cf_adapter_qga;

/* The XDR protocols (adapter_virnet.c, adapter_oncrpc.c, adapter_qemud.c, adapter_openhook.c;
 * fields: conformance/xs_fields.h and each file's header comment): "virnet", "onc-rpc",
 * "qemud", "openhook" (host byte order) and "openhook-xdr". */
extern const struct vw_cf_adapter vw_cf_adapter_virnet, vw_cf_adapter_oncrpc,
    vw_cf_adapter_qemud, vw_cf_adapter_openhook, vw_cf_adapter_openhook_xdr;

/* tests and protocols without an adapter, "raw" (adapter_raw.c) */
extern const struct vw_cf_adapter vw_cf_adapter_raw;

#endif
