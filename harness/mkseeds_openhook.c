/* mkseeds_openhook.c -- open-hook-fd seeds (historic-qemud-openhook-qga.md §2.1, §2.2), written
 * with the reference encoder for the openhook_decode and openhook_roundtrip targets.
 *
 * openhook_decode: one selector byte (bit 0: 0 host order, 1 XDR; bit 1: 0 request, 1 reply)
 * and one message.  openhook_roundtrip: the selector, then flags, mode and result as
 * little-endian u32s, then the filename bytes (fuzzers/fuzz_openhook_roundtrip.c).
 *
 * Values are what QEMU would have asked libvirt for in 2012: a disk image opened O_RDWR, a
 * CD-ROM image O_RDONLY, a new file O_CREAT|O_EXCL mode 0600; replies 0 (fd follows), -EACCES
 * (13) and -ENOENT (2). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkseeds.h"
#include "openhook.h"

struct oh_seed {
    const char *name;
    int dir;
    uint32_t flags, mode;
    const char *path;
    int32_t result;
};

static const struct oh_seed oh_seeds[] = {
    { "open-disk-rdwr", VW_OPENHOOK_FROM_CLIENT, O_RDWR | O_CLOEXEC, 0,
      "/var/lib/libvirt/images/vm1.qcow2", 0 },
    { "open-cdrom-rdonly", VW_OPENHOOK_FROM_CLIENT, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0,
      "/srv/iso/debian-12.iso", 0 },
    { "open-create", VW_OPENHOOK_FROM_CLIENT, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600,
      "/var/lib/libvirt/qemu/save/vm1.save", 0 },
    { "open-empty-name", VW_OPENHOOK_FROM_CLIENT, O_RDONLY, 0, "", 0 },
    { "reply-ok", VW_OPENHOOK_FROM_SERVER, 0, 0, NULL, 0 },
    { "reply-eacces", VW_OPENHOOK_FROM_SERVER, 0, 0, NULL, -13 },
    { "reply-enoent", VW_OPENHOOK_FROM_SERVER, 0, 0, NULL, -2 },
};

static void die(const char *what) {
    fprintf(stderr, "vw_mkseeds (openhook): %s\n", what);
    exit(1);
}

static void put_le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

void vw_mkseeds_openhook(const char *outdir) {
    static uint8_t out[VW_OPENHOOK_HOST_MSG_MAX];
    static const char *const enc_names[] = { "host", "xdr" };

    for (int enc = VW_OPENHOOK_HOST; enc <= VW_OPENHOOK_XDR; enc++) {
        for (size_t i = 0; i < sizeof(oh_seeds) / sizeof(oh_seeds[0]); i++) {
            const struct oh_seed *s = &oh_seeds[i];
            struct vw_span path = { .p = (const uint8_t *)(s->path != NULL ? s->path : ""),
                                    .len = s->path != NULL ? strlen(s->path) : 0 };
            uint8_t sel = (uint8_t)(enc | s->dir << 1), rt[13];
            struct vw_openhook_msg m;
            struct vw_xdr_enc e;
            char name[128];

            if ((s->dir == VW_OPENHOOK_FROM_CLIENT
                     ? vw_openhook_request(&m, enc, s->flags, s->mode, path)
                     : vw_openhook_reply(&m, enc, s->result)) < 0) {
                die("message");
            }
            vw_xdr_enc_init(&e, out, sizeof(out));
            if (vw_openhook_encode(&e, &m) < 0) {
                die("encode");
            }
            snprintf(name, sizeof(name), "%s-%s", enc_names[enc], s->name);
            vw_mkseeds_write(outdir, "openhook_decode", name, &sel, 1, out, e.len);
            rt[0] = sel;
            put_le32(rt + 1, s->flags);
            put_le32(rt + 5, s->mode);
            put_le32(rt + 9, (uint32_t)s->result);
            vw_mkseeds_write(outdir, "openhook_roundtrip", name, rt, sizeof(rt), path.p,
                             path.len);
        }
    }
}
