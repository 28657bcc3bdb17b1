/* pump.h -- the read loop behind every stream decoder of `virtwire decode`. */
#ifndef VW_PUMP_H
#define VW_PUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A vw_feed_fn hands up to |len| bytes at |p| to a protocol's byte-fed framer and sets |*used|.
 * It returns 1 when a message is complete, VW_E_AGAIN when it took every byte and wants more,
 * or a framing error (negative, not VW_E_AGAIN). */
typedef int (*vw_feed_fn)(void *ctx, const uint8_t *p, size_t len, size_t *used);

/* A vw_message_fn decodes and prints the message the framer just completed. */
typedef void (*vw_message_fn)(void *ctx);

#define VW_PUMP_CHUNK 65536  /* bytes per read(2); memory is bounded by the framer, not this */

/* vw_decode_pump reads |fd| to its end, feeding every chunk to |feed| and calling |on_message|
 * for each complete message.  It stops at the first framing error and stores it in
 * |*out_framing_error| (0 when the input ended without one).  Returns 0, or -1 when reading
 * failed (reported on |err|). */
int vw_decode_pump(int fd, FILE *err, vw_feed_fn feed, vw_message_fn on_message, void *ctx,
                   int *out_framing_error);

/* What the stream decoders print alike, on opts->err. */
struct vw_decode_opts;
struct vw_diag;

/* vw_decode_need_from returns 0 when opts->from names a direction, else prints
 * "virtwire decode: --protocol PROTOCOL needs --from client|server" and returns -1: for the
 * protocols whose two directions cannot be told apart by their bytes. */
int vw_decode_need_from(const struct vw_decode_opts *opts, const char *protocol);

/* vw_decode_report prints the decode error (or lenient note) |diag| of message |num|, which
 * starts at stream offset |start|, as
 *   virtwire: UNIT NUM (stream offset START): WHAT CODE at message byte OFF (stream offset
 *   START + OFF)[, field FIELD]: TEXT
 * where UNIT names a message ("message", "msg") and WHAT says what happened ("invalid
 * message:", "accepted non-canonical"). */
void vw_decode_report(FILE *err, const char *unit, size_t num, size_t start,
                      const struct vw_diag *diag, const char *what);

/* vw_decode_report_pending prints that the stream ends inside message |num| (started at
 * |start|; |pos| bytes were read), a VW_E_SHORT. */
void vw_decode_report_pending(FILE *err, const char *unit, size_t num, size_t start,
                              size_t pos);

#endif
