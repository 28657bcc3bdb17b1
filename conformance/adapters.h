/* adapters.h -- the protocol adapters (conformance/adapter_<protocol>.c). */
#ifndef VW_CONFORMANCE_ADAPTERS_H
#define VW_CONFORMANCE_ADAPTERS_H

#include "adapter.h"

#endif
