/* dump.h -- readable renderings of decoded messages, shared by the command line and fuzzers. */
#ifndef VW_DUMP_H
#define VW_DUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "cur.h"
#include "oncrpc.h"
#include "pmap.h"

/* vw_dump_string prints |s| double-quoted with C escapes for non-printable bytes, at most
 * |max| bytes of it (then "..."). */
void vw_dump_string(FILE *f, struct vw_span s, size_t max);

/* vw_dump_hex prints |s| as lower-case hex, at most |max| bytes (then "..."). */
void vw_dump_hex(FILE *f, struct vw_span s, size_t max);

/* vw_dump_rpc_line prints a one-line summary of |m| (no newline). */
void vw_dump_rpc_line(FILE *f, const struct vw_rpc_msg *m);

/* vw_dump_rpc_fields prints every field of |m|, one per line, each prefixed by |indent|. */
void vw_dump_rpc_fields(FILE *f, const struct vw_rpc_msg *m, const char *indent);

/* vw_dump_pmap_line prints a one-line summary of a portmap/rpcbind body (no newline). */
void vw_dump_pmap_line(FILE *f, const struct vw_pmap_body *b);

/* vw_dump_pmap_fields prints every field of |b|, list entries included, one per line. */
void vw_dump_pmap_fields(FILE *f, const struct vw_pmap_body *b, const char *indent);

#endif
