/* virnet_fast.h -- generated straight-line payload validators for the libvirt RPC programs.
 *
 * virnet_fast.c is written at build time by xs_gen (reference/xs_gen.c) from the schema
 * tables of virnet_procs.c: one function per payload schema that tells, without interpreting
 * the table, whether vw_xs_decode_body would accept the payload in strict mode.  A strict
 * success carries no lenient note, so "true" is the interpreter's answer in both modes;
 * vw_virnet_decode runs the interpreter only on "false", for the error or the note.
 * fuzz_virnet_paths checks the two agree on every input. */
#ifndef VW_VIRNET_FAST_H
#define VW_VIRNET_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "virnet_procs.h"
#include "xs.h"

/* true when vw_xs_decode_body(schema, _, buf, len, 0, ...) would return 0 for the schema the
 * function was generated from. */
typedef bool (*vw_virnet_fast_fn)(const uint8_t *buf, size_t len);

/* The validators of one procedure's payloads; NULL where it has none, or where the schema was
 * too large to unroll (the interpreter decodes those). */
struct vw_virnet_fast_proc {
    vw_virnet_fast_fn by_type[3];  /* [VW_VIRNET_CALL] proc->args, [REPLY] ret, [MESSAGE] msg */
};

/* vw_virnet_fast[k][n] belongs to vw_virnet_programs[k].procs[n] (n < num_procs). */
extern const struct vw_virnet_fast_proc *const vw_virnet_fast[VW_VIRNET_NUM_PROGRAMS];

#endif
