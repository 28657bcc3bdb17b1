/* decode.h -- stream decoders behind `virtwire decode`, one per protocol. */
#ifndef VW_DECODE_H
#define VW_DECODE_H

#include <stdbool.h>
#include <stdio.h>

struct vw_decode_opts {
    unsigned flags;          /* VW_DEC_LENIENT */
    bool verbose;            /* -v: every field */
    int from;                /* VW_FROM_ANY, VW_FROM_CLIENT, VW_FROM_SERVER */
    FILE *out;               /* one line per message */
    FILE *err;               /* errors with code and byte offset */
    const char *requests;    /* qga --from server: the client stream, to pair replies */
};

enum { VW_FROM_ANY = 0, VW_FROM_CLIENT = 1, VW_FROM_SERVER = 2 };

/* A stream decoder reads |fd| to EOF, prints each message and returns the number of invalid
 * messages (0 when all were valid), or -1 when the input could not be read. */
typedef int (*vw_stream_decoder)(int fd, const struct vw_decode_opts *opts);

/* vw_decode_oncrpc decodes a record-marked ONC RPC byte stream (RFC 5531 §11). */
int vw_decode_oncrpc(int fd, const struct vw_decode_opts *opts);

/* vw_decode_virnet decodes a libvirt RPC byte stream (virnet-oncrpc.md §1). */
int vw_decode_virnet(int fd, const struct vw_decode_opts *opts);

/* vw_decode_qemud decodes a stream of qemud messages of one direction (opts->from; required),
 * framed by their length words (historic-qemud-openhook-qga.md §1). */
int vw_decode_qemud(int fd, const struct vw_decode_opts *opts);

/* vw_decode_openhook and vw_decode_openhook_xdr decode a stream of open-hook-fd messages of
 * one direction (opts->from; required) in host byte order (historic-qemud-openhook-qga.md
 * §2.1) or in the XDR variant (§2.2), framed by their message_size words. */
int vw_decode_openhook(int fd, const struct vw_decode_opts *opts);
int vw_decode_openhook_xdr(int fd, const struct vw_decode_opts *opts);

/* vw_decode_qga decodes a qemu-ga 7.2 stream of one direction (opts->from; required),
 * framed as QEMU's JSON streamer frames it (historic-qemud-openhook-qga.md §3.3); with
 * opts->requests (--from server) replies are paired with the client stream's requests. */
int vw_decode_qga(int fd, const struct vw_decode_opts *opts);

/* vw_decode_virtagent decodes the virtagent stream of one peer (opts->from: client = host,
 * server = guest, unset = either), resynchronising at 0xFF (historic-qemud-openhook-qga.md
 * §3.1). */
int vw_decode_virtagent(int fd, const struct vw_decode_opts *opts);

/* qemud dumps (harness/dump_qemud.c) of a decoded message and the items of its union, as
 * vw_qemud_decode visited them: one summary line (no newline), or every field, one per line. */
struct vw_qemud_msg;
struct vw_xs_item;
void vw_dump_qemud_line(FILE *f, const struct vw_qemud_msg *m, const struct vw_xs_item *items,
                        size_t num_items);
void vw_dump_qemud_fields(FILE *f, const struct vw_qemud_msg *m, const struct vw_xs_item *items,
                          size_t num_items, const char *indent);

#endif
