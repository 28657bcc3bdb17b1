/* fuzz.h -- what every fuzz target shares: the libFuzzer entry points and CHECK, which turns a
 * violated property into an abort() that every engine (and the replay driver) reports. */
#ifndef VW_FUZZ_H
#define VW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)    \
    do {               \
        if (!(cond)) { \
            abort();   \
        }              \
    } while (0)

#endif
