/* recmark.h -- ONC RPC record marking (RFC 5531 §11): a byte-fed framer and an encoder.
 *
 * A record is one or more fragments, each behind a 4-byte big-endian header whose bit 31 marks
 * the last fragment and whose low 31 bits give the fragment length.  The framer reassembles a
 * record from input fed in chunks of any size; the chunking never changes the records or the
 * errors it reports.  Its buffer grows with the bytes actually received, never with a length
 * announced in a header, so memory use is bounded by the input. */
#ifndef VW_RECMARK_H
#define VW_RECMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cur.h"
#include "err.h"
#include "xdr.h"

#define VW_RM_LAST_FRAGMENT 0x80000000u
#define VW_RM_FRAGMENT_LEN_MAX 0x7fffffffu
/* Default record limit: libvirt's 32 MiB message maximum is the largest RPC body this project
 * meets; rpcbind and rpcgen servers use far less. */
#define VW_RM_RECORD_MAX_DEFAULT (32u * 1024u * 1024u)

/* struct vw_rm_fragment: where a fragment's data sit, in the record and in the stream. */
struct vw_rm_fragment {
    size_t record_offset;
    size_t stream_offset;   /* of the first data byte, counting every byte fed */
    uint32_t len;
};

struct vw_rm_framer {
    size_t record_max;
    size_t stream_pos;      /* bytes consumed since init */
    uint8_t hdr[4];
    size_t hdr_have;        /* header bytes collected, 0..4 */
    uint32_t frag_left;     /* data bytes still to come in the current fragment */
    bool in_fragment;
    bool last;              /* the current fragment is the last of its record */
    bool done;              /* a record is complete and has not been taken yet */
    uint8_t *buf;           /* record bytes so far (owned) */
    size_t buf_len;
    size_t buf_cap;
    struct vw_rm_fragment *frags;  /* owned; one entry per fragment of the record */
    size_t num_frags;
    size_t frags_cap;
    size_t record_start;    /* stream offset of the record's first header */
    int err;                /* sticky error: a broken stream stays broken */
    void *(*realloc_fn)(void *, size_t); /* allocator, for failure injection in tests */
};

/* vw_rm_framer_init prepares |f| for records of at most |record_max| bytes. */
void vw_rm_framer_init(struct vw_rm_framer *f, size_t record_max);

/* vw_rm_framer_cleanup frees what |f| owns; |f| may then be initialised again. */
void vw_rm_framer_cleanup(struct vw_rm_framer *f);

/* vw_rm_feed consumes bytes of |in| (|in_len| bytes) and sets |*out_used| to how many.
 * Returns 1 when a record is complete (read it with vw_rm_record; the next feed starts a new
 * record), VW_E_AGAIN when every byte was consumed and the record is unfinished, or an error:
 * VW_E_FRAGMENT (an empty fragment that is not the last: RFC 5531 §11 gives no meaning to it and
 * libtirpc rejects it), VW_E_RECORD_TOO_LONG, VW_E_NOMEM.  After an error the stream cannot be
 * resynchronised (record marking has no sync marker); |*out_used| says where it stopped. */
VW_MUST_USE int vw_rm_feed(struct vw_rm_framer *f, const uint8_t *in, size_t in_len,
                           size_t *out_used);

/* vw_rm_record points |*out| at the completed record (valid until the next feed or cleanup)
 * and, if |out_frags| is not NULL, at its fragment table. */
void vw_rm_record(const struct vw_rm_framer *f, struct vw_span *out,
                  const struct vw_rm_fragment **out_frags, size_t *out_num_frags);

/* vw_rm_pending says whether a record has been started and not finished (an EOF now means a
 * truncated stream). */
bool vw_rm_pending(const struct vw_rm_framer *f);

/* vw_rm_stream_offset maps |record_offset| of the current record to its stream offset. */
size_t vw_rm_stream_offset(const struct vw_rm_framer *f, size_t record_offset);

/* vw_rm_encode appends |record| to |e| cut into fragments of at most |frag_max| bytes (0 means
 * one fragment).  An empty record is one empty last fragment.  Returns 0, VW_E_NOSPACE,
 * VW_E_TOO_LONG or VW_E_INVALID; on error |e| is unchanged. */
VW_MUST_USE int vw_rm_encode(struct vw_xdr_enc *e, struct vw_span record, size_t frag_max);

#endif
