/* adapters.c -- the protocol adapters the conformance runner knows, by transcript name. */
#include <string.h>

#include "adapter.h"
#include "adapters.h"

/* One line per protocol (see README, "Adding a protocol"). */
static const struct vw_cf_adapter *const adapters[] = {
    &vw_cf_adapter_qga,
    &vw_cf_adapter_virnet,
    &vw_cf_adapter_oncrpc,
    &vw_cf_adapter_qemud,
    &vw_cf_adapter_openhook,
    &vw_cf_adapter_openhook_xdr,
    &vw_cf_adapter_raw,
    NULL,
};

const struct vw_cf_adapter *vw_cf_adapter_find(const char *protocol) {
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++) {
        if (adapters[i] != NULL && strcmp(adapters[i]->protocol, protocol) == 0) {
            return adapters[i];
        }
    }
    return NULL;
}
