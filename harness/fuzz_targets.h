/* fuzz_targets.h -- the registry of the project's fuzz targets (fuzzers/fuzz_<name>.c) and how
 * to show one of their inputs as a protocol dump (issue 7 point 2, `virtwire reproduce`).
 *
 * Each target's input format is the one its header comment defines: some targets take the
 * message as it crosses the socket, some put selector or control bytes in front of it, some
 * take one ONC RPC record without its record mark, and some take a structured input (a
 * program of opcodes, a selector plus a payload) that no `virtwire decode` protocol reads;
 * those are shown as a hex dump with the fixed fields the header comment names. */
#ifndef VW_FUZZ_TARGETS_H
#define VW_FUZZ_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VW_FT_FIELDS_MAX 4u         /* fixed leading fields named by a header comment */

/* How the direction (`virtwire decode --from`) of the message is chosen. */
enum vw_ft_from {
    VW_FT_FROM_ANY = 0,             /* the decoder needs none (or reads both) */
    VW_FT_FROM_SELECTOR,            /* a bit of a control byte: 0 client, 1 server */
};

/* One fixed field of the leading bytes, for the dump. */
struct vw_ft_field {
    const char *name;
    uint8_t off;
    uint8_t len;                    /* 1, 2 or 4 */
    bool little_endian;             /* else most significant byte first */
};

struct vw_fuzz_target {
    const char *name;               /* fuzzers/fuzz_<name>, corpus/fuzz/<name>/ */
    const char *protocol;           /* `virtwire decode --protocol`, NULL: hex dump only */
    const char *protocol_alt;       /* chosen instead when the alt bit is set, or NULL */
    uint8_t skip;                   /* control bytes before the message */
    bool record_mark;               /* the input is one record without its record mark */
    int from;                       /* enum vw_ft_from */
    uint8_t sel_byte;               /* VW_FT_FROM_SELECTOR / protocol_alt: which byte... */
    uint8_t from_bit;               /* ...which bit gives the direction */
    uint8_t alt_bit;                /* ...which bit picks protocol_alt */
    const char *layout;             /* the input format, after the header comment */
    struct vw_ft_field fields[VW_FT_FIELDS_MAX];
};

/* vw_fuzz_target_find returns the registry entry named |name|, or NULL. */
const struct vw_fuzz_target *vw_fuzz_target_find(const char *name);

/* vw_fuzz_target_at returns entry |i| (0 ..), or NULL past the last: for listing. */
const struct vw_fuzz_target *vw_fuzz_target_at(size_t i);

/* vw_fuzz_target_message gives the message bytes a decodable target's input holds: it sets
 * |*protocol| and |*from| (0 any, 1 client, 2 server: the VW_FROM_* values of decode.h) and
 * points |*msg| / |*msg_len| into |in| after the control bytes.  |*record_mark| says the
 * caller must put a last-fragment record mark (RFC 5531 §11) in front.  Returns 0, or -1 when
 * the target is hex-dump only or |in| is shorter than its control bytes (outputs untouched). */
int vw_fuzz_target_message(const struct vw_fuzz_target *t, const uint8_t *in, size_t in_len,
                           const char **protocol, int *from, const uint8_t **msg,
                           size_t *msg_len, bool *record_mark);

/* vw_fuzz_target_field reads field |f| of |in|; returns false when |in| is too short. */
bool vw_fuzz_target_field(const struct vw_ft_field *f, const uint8_t *in, size_t in_len,
                          uint32_t *out_value);

/* vw_cmd_reproduce is `virtwire reproduce` (harness/cmd_reproduce.c); argv starts at its own
 * name, as the other subcommands of cmd.h. */
int vw_cmd_reproduce(int argc, char **argv);

#endif
