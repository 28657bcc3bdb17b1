/* mkseeds.h -- the seed writers of vw_mkseeds, one file per protocol family. */
#ifndef VW_MKSEEDS_H
#define VW_MKSEEDS_H

#include <stddef.h>
#include <stdint.h>

/* vw_mkseeds_write writes OUTDIR/TARGET/seed-NAME holding |prefix_len| bytes of |prefix| (a
 * fuzzer's selector or control bytes; may be NULL when 0) then |n| bytes of |p|, creating
 * the target's directory.  Exits the program with a message on any error. */
void vw_mkseeds_write(const char *outdir, const char *target, const char *name,
                      const uint8_t *prefix, size_t prefix_len, const uint8_t *p, size_t n);

void vw_mkseeds_qemud(const char *outdir);         /* mkseeds_qemud.c */
void vw_mkseeds_virnet(const char *outdir);        /* mkseeds_virnet.c */
void vw_mkseeds_virnet_procs(const char *outdir);  /* mkseeds_virnet_procs.c */
void vw_mkseeds_openhook(const char *outdir);      /* mkseeds_openhook.c */
void vw_mkseeds_virtagent(const char *outdir);     /* mkseeds_virtagent.c */

#endif
