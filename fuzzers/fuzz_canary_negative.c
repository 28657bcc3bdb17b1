/* Target functions: none.  A negative control (s2n-tls): on an input starting with "CANARY" it
 * reads one byte past the end of the input, which ASan must report.  The test that runs it
 * expects a crash; if it passes, the sanitizer wiring of the fuzz builds is broken. */
#include "fuzz.h"
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static volatile uint8_t sink;

    (void)sink;

    if (size >= 6 && memcmp(data, "CANARY", 6) == 0) {
        sink = data[size];  /* the deliberate out-of-bounds read */
    }
    return 0;
}
