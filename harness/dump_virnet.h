/* dump_virnet.h -- readable renderings of libvirt RPC messages (reference/virnet.h), shared by
 * `virtwire decode --protocol virnet` and the fuzzers. */
#ifndef VW_DUMP_VIRNET_H
#define VW_DUMP_VIRNET_H

#include <stdio.h>

#include "virnet.h"

/* vw_dump_virnet_header prints "len=L prog=0xPPPPPPPP NAME vers=V proc=P PROCNAME
 * type=TYPENAME(T) serial=X status=STATUSNAME(Y)" (no newline); NAME, PROCNAME, TYPENAME and
 * STATUSNAME are "?" when unknown. */
void vw_dump_virnet_header(FILE *f, uint32_t len, const struct vw_virnet_header *h);

/* vw_dump_virnet_summary prints a short payload summary, each item with a leading space
 * (" fds=2", " name=\"test\" flags=0", " error code=39 \"...\"", " data=12B"), no newline.
 * |m| is a message vw_virnet_decode returned for the message at |base|. */
void vw_dump_virnet_summary(FILE *f, const struct vw_virnet_msg *m, const uint8_t *base);

/* vw_dump_virnet_fields prints every header field and every payload item ("path (type):
 * value"), one per line, each prefixed by |indent|. */
void vw_dump_virnet_fields(FILE *f, const struct vw_virnet_msg *m, const uint8_t *base,
                           const char *indent);

#endif
