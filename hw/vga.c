/* The VGA adapter with Bochs VBE.  See vga.h for the memory layout.
 *
 * Register facts follow IBM's VGA technical reference as FreeVGA documents
 * it; the VBE side follows Bochs' vbe.h and what SeaBIOS's vgasrc and
 * Linux's bochs driver program. */
#include "hw/vga.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/pci.h"
#include "hw/vbe.h"

#define WINDOW_BASE 0xa0000
#define WINDOW_SIZE 0x20000

#define NR_SEQ 5
#define NR_GC 9
#define NR_CRTC 0x19
#define NR_AC 0x15

/* Input status 1 timing: the 640x400 70 Hz frame, 449 lines of 31.78 us,
 * 400 displayed, vertical retrace on lines 412-413. */
#define LINE_NS 31778
#define FRAME_LINES 449
#define VDISP_LINES 400
#define VRETRACE_FIRST 412
#define VRETRACE_LAST 413
#define HDISP_NS 25422

/* Render limits: nothing larger than the biggest VBE mode. */
#define MAX_W VBE_MAX_XRES
#define MAX_H VBE_MAX_YRES

/* LOG_UNIMP keys, each reported once */
enum {
    UNIMP_PORT = 0,         /* + low 5 bits of the port: 32 keys */
    UNIMP_SEQ = 32,
    UNIMP_GC,
    UNIMP_CRTC,
    UNIMP_AC,
    UNIMP_VBE_INDEX,
    UNIMP_AC3C1,
    UNIMP_MAX,
};

struct vga {
    struct machine *m;
    uint8_t *vram;
    uint32_t vram_size;
    uint64_t gen;           /* bumped by anything the picture depends on */
    uint64_t rendered_gen;
    bool rendered_once;

    uint8_t misc, feature, vga_enable;
    uint8_t seq_idx, seq[NR_SEQ];
    uint8_t gc_idx, gc[NR_GC];
    uint8_t crtc_idx, crtc[NR_CRTC];
    uint8_t ac_idx, ac[NR_AC];
    bool ac_data_next;      /* the 0x3C0 flip-flop: next write is data */
    uint32_t latch;         /* byte p = plane p */

    uint8_t dac[256][3];
    uint8_t dac_mask, dac_read_idx, dac_write_idx, dac_sub;
    uint8_t dac_state;      /* 0x3C7 read: 0 after a write index, 3 read */
    uint8_t dac_latch[3];
    bool dac_8bit;

    struct vbe vbe;

    uint8_t *rom;
    size_t rom_size;
    bool lfb_mapped;

    uint32_t *fb;           /* the rendered picture */
    size_t fb_pixels;
    uint8_t unimp_seen[(UNIMP_MAX + 7) / 8];
};

/* ---- helpers ---- */

static void unimp_once(struct vga *v, unsigned key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void unimp_once(struct vga *v, unsigned key, const char *fmt, ...)
{
    if (key >= UNIMP_MAX || (v->unimp_seen[key / 8] & (1u << (key % 8))))
        return;
    v->unimp_seen[key / 8] |= (uint8_t)(1u << (key % 8));
    struct logger *l = machine_logger(v->m);
    if (!log_enabled(l, LOG_UNIMP))
        return;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_printf(l, "vga: %s (further ones not logged)\n", msg);
}

static void guest_error(struct vga *v, const char *what, unsigned idx,
                        unsigned val)
{
    struct logger *l = machine_logger(v->m);
    if (log_enabled(l, LOG_GUEST_ERRORS))
        log_printf(l, "vga: %s 0x%x = 0x%x refused\n", what, idx, val);
}

/* Bit p of m (0-3) -> 0xff in byte p. */
static uint32_t mask4(unsigned m)
{
    return ((m & 1) ? 0x000000ffu : 0) | ((m & 2) ? 0x0000ff00u : 0) |
           ((m & 4) ? 0x00ff0000u : 0) | ((m & 8) ? 0xff000000u : 0);
}

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void store32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
    p[2] = (uint8_t)(x >> 16);
    p[3] = (uint8_t)(x >> 24);
}

static uint8_t ror8(uint8_t x, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)((x >> n) | (x << (8 - n))) : x;
}

/* ---- reset ---- */

/* Mode 3 as the IBM BIOS programs it. */
static const uint8_t mode3_seq[NR_SEQ] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_gc[NR_GC] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff,
};
static const uint8_t mode3_crtc[NR_CRTC] = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e,
    0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3,
    0xff,
};
static const uint8_t mode3_ac[NR_AC] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b,
    0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00,
};

void vga_reset(struct vga *v)
{
    v->misc = 0x67;
    v->feature = 0;
    v->vga_enable = 1;
    v->seq_idx = v->gc_idx = v->crtc_idx = 0;
    memcpy(v->seq, mode3_seq, sizeof v->seq);
    memcpy(v->gc, mode3_gc, sizeof v->gc);
    memcpy(v->crtc, mode3_crtc, sizeof v->crtc);
    memcpy(v->ac, mode3_ac, sizeof v->ac);
    v->ac_idx = 0x20;   /* palette address source: the screen is on */
    v->ac_data_next = false;
    v->latch = 0;
    /* DAC 0-63: the EGA colours (2/3 primary, 1/3 secondary intensity) */
    memset(v->dac, 0, sizeof v->dac);
    for (int i = 0; i < 64; i++) {
        v->dac[i][0] = (uint8_t)(((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15);
        v->dac[i][1] = (uint8_t)(((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15);
        v->dac[i][2] = (uint8_t)((i & 1) * 0x2a + ((i >> 3) & 1) * 0x15);
    }
    v->dac_mask = 0xff;
    v->dac_read_idx = v->dac_write_idx = v->dac_sub = 0;
    v->dac_state = 0;
    v->dac_8bit = false;
    vbe_reset(&v->vbe, v->vram_size);
    v->gen++;
}

static void vga_reset_cb(void *opaque)
{
    vga_reset(opaque);
}

/* ---- the legacy window ---- */

/* Offset into the memory map GR6 selects of `a` (from 0xA0000), or
 * false. */
static bool window_offset(const struct vga *v, uint64_t a, uint32_t *off)
{
    static const uint32_t base[4] = { 0, 0, 0x10000, 0x18000 };
    static const uint32_t size[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned map = (v->gc[6] >> 2) & 3;

    if (!(v->misc & 0x02))   /* RAM enable off: the CPU sees nothing */
        return false;
    if (a < base[map] || a - base[map] >= size[map])
        return false;
    *off = (uint32_t)(a - base[map]);
    return true;
}

/* The VBE bank moves the window through all of video memory. */
static uint32_t bank_offset(const struct vga *v)
{
    return vbe_enabled(&v->vbe) ? (uint32_t)v->vbe.bank << 16 : 0;
}

static uint8_t window_readb(struct vga *v, uint64_t a)
{
    uint32_t off;

    if (!window_offset(v, a, &off))
        return 0xff;
    if (v->seq[4] & 0x08) {   /* chain-4: linear */
        uint32_t b = off + bank_offset(v);
        if (b >= v->vram_size)
            return 0xff;
        v->latch = load32(v->vram + (b & ~3u));
        return v->vram[b];
    }
    uint32_t po;
    unsigned plane;
    if (v->gc[5] & 0x10) {    /* odd/even reads */
        po = off >> 1;
        plane = (v->gc[4] & 2) | (off & 1);
    } else {
        po = off;
        plane = v->gc[4] & 3;
    }
    po += bank_offset(v);
    if ((uint64_t)po * 4 + 3 >= v->vram_size)
        return 0xff;
    v->latch = load32(v->vram + (size_t)po * 4);
    if (v->gc[5] & 0x08) {    /* read mode 1: colour compare */
        uint32_t diff = (v->latch ^ mask4(v->gc[2])) & mask4(v->gc[7]);
        return (uint8_t)~(diff | diff >> 8 | diff >> 16 | diff >> 24);
    }
    return (uint8_t)(v->latch >> (plane * 8));
}

static void window_writeb(struct vga *v, uint64_t a, uint8_t val)
{
    uint32_t off;

    if (!window_offset(v, a, &off))
        return;
    if (v->seq[4] & 0x08) {   /* chain-4: plane = low two bits */
        uint32_t b = off + bank_offset(v);
        if (b < v->vram_size && (v->seq[2] & (1u << (b & 3)))) {
            v->vram[b] = val;
            v->gen++;
        }
        return;
    }
    uint32_t po;
    unsigned pmask = v->seq[2] & 0x0f;
    if (!(v->seq[4] & 0x04)) {   /* odd/even: even bytes to planes 0/2 */
        po = off >> 1;
        pmask &= (off & 1) ? 0x0a : 0x05;
    } else {
        po = off;
    }
    po += bank_offset(v);
    if (!pmask || (uint64_t)po * 4 + 3 >= v->vram_size)
        return;

    uint8_t bitmask = v->gc[8];
    uint32_t d;
    switch (v->gc[5] & 3) {
    case 0: {
        uint32_t en = mask4(v->gc[1]);
        d = ror8(val, v->gc[3]) * 0x01010101u;
        d = (d & ~en) | (mask4(v->gc[0]) & en);
        break;
    }
    case 1:                   /* the latches, unchanged */
        d = v->latch;
        bitmask = 0xff;
        goto store;
    case 2:
        d = mask4(val);
        break;
    default:                  /* 3 */
        bitmask &= ror8(val, v->gc[3]);
        d = mask4(v->gc[0]);
        break;
    }
    switch ((v->gc[3] >> 3) & 3) {
    case 1: d &= v->latch; break;
    case 2: d |= v->latch; break;
    case 3: d ^= v->latch; break;
    }
    uint32_t bm = bitmask * 0x01010101u;
    d = (d & bm) | (v->latch & ~bm);
store:;
    uint8_t *p = v->vram + (size_t)po * 4;
    uint32_t wm = mask4(pmask);
    store32(p, (load32(p) & ~wm) | (d & wm));
    v->gen++;
}

static uint64_t window_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint64_t)window_readb(v, offset + i) << (8 * i);
    return r;
}

static void window_write(void *opaque, uint64_t offset, uint64_t val,
                         unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size; i++)
        window_writeb(v, offset + i, (uint8_t)(val >> (8 * i)));
}

/* ---- the linear framebuffer ---- */

static uint64_t lfb_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = offset + i;
        uint8_t b = a < v->vram_size ? v->vram[a] : 0xff;
        r |= (uint64_t)b << (8 * i);
    }
    return r;
}

static void lfb_write(void *opaque, uint64_t offset, uint64_t val,
                      unsigned size)
{
    struct vga *v = opaque;
    if (offset < v->vram_size && size <= v->vram_size - offset) {
        for (unsigned i = 0; i < size; i++)
            v->vram[offset + i] = (uint8_t)(val >> (8 * i));
        v->gen++;
    }
}

/* ---- registers ---- */

static uint8_t input_status1(struct vga *v)
{
    int64_t t = machine_clock_ns(v->m);
    if (t < 0)
        t = 0;
    t %= (int64_t)LINE_NS * FRAME_LINES;
    int64_t line = t / LINE_NS, in_line = t % LINE_NS;
    uint8_t st = 0;
    if (line >= VDISP_LINES || in_line >= HDISP_NS)
        st |= 0x01;   /* display disabled: blanking */
    if (line >= VRETRACE_FIRST && line <= VRETRACE_LAST)
        st |= 0x08;
    return st;
}

/* Ports of the colour range answer when misc bit 0 is set, the mono
 * ones when it is clear. */
static bool port_active(const struct vga *v, uint16_t port)
{
    if (port >= 0x3b0 && port <= 0x3bf)
        return !(v->misc & 1);
    if (port >= 0x3d0 && port <= 0x3df)
        return v->misc & 1;
    return true;
}

static uint8_t dac_out(const struct vga *v, uint8_t x)
{
    return v->dac_8bit ? x : (x & 0x3f);
}

static uint8_t port_readb(struct vga *v, uint16_t port)
{
    if (!port_active(v, port))
        return 0xff;
    switch (port) {
    case 0x3c0:
        return v->ac_idx;
    case 0x3c1: {
        unsigned i = v->ac_idx & 0x1f;
        return i < NR_AC ? v->ac[i] : 0;
    }
    case 0x3c2:
        return 0x00;   /* input status 0: no CRT interrupt, no sense */
    case 0x3c3:
        return v->vga_enable;
    case 0x3c4:
        return v->seq_idx;
    case 0x3c5:
        if (v->seq_idx < NR_SEQ)
            return v->seq[v->seq_idx];
        unimp_once(v, UNIMP_SEQ, "sequencer register 0x%x read",
                   v->seq_idx);
        return 0xff;
    case 0x3c6:
        return v->dac_mask;
    case 0x3c7:
        return v->dac_state;
    case 0x3c8:
        return v->dac_write_idx;
    case 0x3c9: {
        uint8_t x = dac_out(v, v->dac[v->dac_read_idx][v->dac_sub]);
        if (++v->dac_sub == 3) {
            v->dac_sub = 0;
            v->dac_read_idx++;
        }
        return x;
    }
    case 0x3ca:
        return v->feature;
    case 0x3cc:
        return v->misc;
    case 0x3ce:
        return v->gc_idx;
    case 0x3cf:
        if (v->gc_idx < NR_GC)
            return v->gc[v->gc_idx];
        unimp_once(v, UNIMP_GC, "graphics controller register 0x%x read",
                   v->gc_idx);
        return 0xff;
    case 0x3b4: case 0x3d4:
        return v->crtc_idx;
    case 0x3b5: case 0x3d5:
        if (v->crtc_idx < NR_CRTC)
            return v->crtc[v->crtc_idx];
        unimp_once(v, UNIMP_CRTC, "CRTC register 0x%x read", v->crtc_idx);
        return 0xff;
    case 0x3ba: case 0x3da:
        v->ac_data_next = false;   /* reading it resets the flip-flop */
        return input_status1(v);
    default:
        unimp_once(v, UNIMP_PORT + (port & 0x1f), "port 0x%x read", port);
        return 0xff;
    }
}

static void seq_write(struct vga *v, uint8_t val)
{
    static const uint8_t wmask[NR_SEQ] = { 0x03, 0x3d, 0x0f, 0x3f, 0x0e };
    if (v->seq_idx >= NR_SEQ) {
        unimp_once(v, UNIMP_SEQ, "sequencer register 0x%x written",
                   v->seq_idx);
        return;
    }
    v->seq[v->seq_idx] = val & wmask[v->seq_idx];
}

static void gc_write(struct vga *v, uint8_t val)
{
    static const uint8_t wmask[NR_GC] = {
        0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff,
    };
    if (v->gc_idx >= NR_GC) {
        unimp_once(v, UNIMP_GC, "graphics controller register 0x%x written",
                   v->gc_idx);
        return;
    }
    v->gc[v->gc_idx] = val & wmask[v->gc_idx];
}

static void crtc_write(struct vga *v, uint8_t val)
{
    unsigned i = v->crtc_idx;
    if (i >= NR_CRTC) {
        unimp_once(v, UNIMP_CRTC, "CRTC register 0x%x written", i);
        return;
    }
    if ((v->crtc[0x11] & 0x80) && i <= 7) {
        /* write protect: only CR7's line compare bit 8 stays writable */
        if (i == 7)
            v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (val & 0x10));
        return;
    }
    v->crtc[i] = val;
}

static void ac_write(struct vga *v, uint8_t val)
{
    if (!v->ac_data_next) {
        v->ac_idx = val & 0x3f;
        v->ac_data_next = true;
        return;
    }
    v->ac_data_next = false;
    unsigned i = v->ac_idx & 0x1f;
    if (i >= NR_AC) {
        unimp_once(v, UNIMP_AC, "attribute register 0x%x written", i);
        return;
    }
    if (i < 0x10)
        val &= 0x3f;
    else if (i == 0x13 || i == 0x14)
        val &= 0x0f;
    else if (i == 0x12)
        val &= 0x3f;
    v->ac[i] = val;
}

static void port_writeb(struct vga *v, uint16_t port, uint8_t val)
{
    if (!port_active(v, port))
        return;
    v->gen++;
    switch (port) {
    case 0x3c0:
        ac_write(v, val);
        break;
    case 0x3c1:
        unimp_once(v, UNIMP_AC3C1, "write to read-only port 0x3c1 ignored");
        break;
    case 0x3c2:
        v->misc = val & 0xef;
        break;
    case 0x3c3:
        v->vga_enable = val & 1;
        break;
    case 0x3c4:
        v->seq_idx = val;
        break;
    case 0x3c5:
        seq_write(v, val);
        break;
    case 0x3c6:
        v->dac_mask = val;
        break;
    case 0x3c7:
        v->dac_read_idx = val;
        v->dac_sub = 0;
        v->dac_state = 3;
        break;
    case 0x3c8:
        v->dac_write_idx = val;
        v->dac_sub = 0;
        v->dac_state = 0;
        break;
    case 0x3c9:
        v->dac_latch[v->dac_sub] = dac_out(v, val);
        if (++v->dac_sub == 3) {
            memcpy(v->dac[v->dac_write_idx], v->dac_latch, 3);
            v->dac_sub = 0;
            v->dac_write_idx++;
        }
        break;
    case 0x3ce:
        v->gc_idx = val;
        break;
    case 0x3cf:
        gc_write(v, val);
        break;
    case 0x3b4: case 0x3d4:
        v->crtc_idx = val;
        break;
    case 0x3b5: case 0x3d5:
        crtc_write(v, val);
        break;
    case 0x3ba: case 0x3da:
        v->feature = val & 0x03;
        break;
    default:
        unimp_once(v, UNIMP_PORT + (port & 0x1f), "port 0x%x written", port);
        break;
    }
}

/* Wider accesses are the bytes at port, port+1, ... (outw 0x3C4 writes the
 * index, then the data). */
static uint32_t vga_port_read(void *opaque, uint16_t port, unsigned size)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint32_t)port_readb(opaque, (uint16_t)(port + i)) << (8 * i);
    return r;
}

static void vga_port_write(void *opaque, uint16_t port, uint32_t val,
                           unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        port_writeb(opaque, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
}

/* ---- VBE ---- */

/* What a VBE mode set implies for the VGA side: graphics, the 64 KiB
 * window at 0xA0000, chain-4 for packed pixels, planar for 4 bpp. */
static void vbe_modeset(struct vga *v)
{
    const struct vbe *b = &v->vbe;
    if (!(b->enable & VBE_NOCLEARMEM)) {
        uint64_t n = (uint64_t)vbe_line_bytes(b) * b->virt_height;
        if (b->bpp == 4)
            n *= 4;
        memset(v->vram, 0, n < v->vram_size ? n : v->vram_size);
    }
    v->gc[6] = (uint8_t)((v->gc[6] & ~0x0c) | 0x05);
    v->seq[2] = 0x0f;
    if (b->bpp == 4) {
        v->seq[4] = (uint8_t)((v->seq[4] & ~0x08) | 0x06);
        v->gc[5] &= ~0x70;
    } else {
        v->seq[4] |= 0x08;
        v->gc[5] = (uint8_t)((v->gc[5] & ~0x70) | 0x40);
    }
}

static uint32_t vbe_port_read(void *opaque, uint16_t port, unsigned size)
{
    struct vga *v = opaque;
    (void)size;
    if (port == VBE_PORT_INDEX)
        return v->vbe.index;
    if (v->vbe.index >= VBE_NR_INDEX)
        unimp_once(v, UNIMP_VBE_INDEX, "VBE index 0x%x read", v->vbe.index);
    return vbe_read(&v->vbe, v->vbe.index);
}

static void vbe_port_write(void *opaque, uint16_t port, uint32_t val,
                           unsigned size)
{
    struct vga *v = opaque;
    (void)size;
    if (port == VBE_PORT_INDEX) {
        v->vbe.index = (uint16_t)val;
        return;
    }
    if (v->vbe.index >= VBE_NR_INDEX) {
        unimp_once(v, UNIMP_VBE_INDEX, "VBE index 0x%x written",
                   v->vbe.index);
        return;
    }
    unsigned act = vbe_write(&v->vbe, v->vbe.index, (uint16_t)val);
    if (act & VBE_ACT_REJECT)
        guest_error(v, "VBE register", v->vbe.index, val & 0xffff);
    if (act & VBE_ACT_DAC)
        v->dac_8bit = v->vbe.enable & VBE_8BIT_DAC;
    if (act & VBE_ACT_MODESET)
        vbe_modeset(v);
    v->gen++;
}

/* ---- geometry ---- */

static bool is_graphics(const struct vga *v)
{
    return vbe_enabled(&v->vbe) || (v->gc[6] & 1);
}

static int vdisp_lines(const struct vga *v)
{
    return (v->crtc[0x12] | ((v->crtc[7] & 0x02) << 7) |
            ((v->crtc[7] & 0x40) << 3)) + 1;
}

struct text_geom {
    int cols, rows, cw, ch;
    bool dclk2, dscan;
    uint32_t start, pitch;   /* plane offsets */
};

static void text_geom(const struct vga *v, struct text_geom *g)
{
    g->cols = v->crtc[1] + 1;
    g->ch = (v->crtc[9] & 0x1f) + 1;
    g->dscan = v->crtc[9] & 0x80;
    g->cw = (v->seq[1] & 1) ? 8 : 9;
    g->dclk2 = v->seq[1] & 0x08;
    g->rows = (vdisp_lines(v) >> (g->dscan ? 1 : 0)) / g->ch;
    if (g->rows < 1)
        g->rows = 1;
    if (g->rows > MAX_H / 8)
        g->rows = MAX_H / 8;
    g->start = (uint32_t)v->crtc[0x0c] << 8 | v->crtc[0x0d];
    g->pitch = (uint32_t)v->crtc[0x13] * 2;
}

/* VGA graphics: which pixel format GR5 selects */
enum gfx_kind { GFX_PLANAR, GFX_CGA, GFX_256 };

struct gfx_geom {
    enum gfx_kind kind;
    int width, height;
    int row_height;          /* scan lines per character row */
    bool each_scan;          /* CGA/Hercules address substitution on */
    uint32_t start, pitch;
};

static void gfx_geom(const struct vga *v, struct gfx_geom *g)
{
    unsigned shift = (v->gc[5] >> 5) & 3;
    g->kind = shift >= 2 ? GFX_256 : shift == 1 ? GFX_CGA : GFX_PLANAR;
    int cols = v->crtc[1] + 1;
    g->width = g->kind == GFX_256 ? cols * 4 : cols * 8;
    int lines = vdisp_lines(v) >> ((v->crtc[9] & 0x80) ? 1 : 0);
    g->row_height = (v->crtc[9] & 0x1f) + 1;
    g->each_scan = (v->crtc[0x17] & 3) != 3;
    g->height = g->each_scan ? lines : lines / g->row_height;
    if (g->height < 1)
        g->height = 1;
    if (g->height > MAX_H)
        g->height = MAX_H;
    g->start = (uint32_t)v->crtc[0x0c] << 8 | v->crtc[0x0d];
    g->pitch = (uint32_t)v->crtc[0x13] * 2;
}

void vga_mode_info(struct vga *v, struct vga_mode_info *out)
{
    memset(out, 0, sizeof *out);
    if (vbe_enabled(&v->vbe)) {
        out->vbe = true;
        out->width = v->vbe.xres;
        out->height = v->vbe.yres;
        out->bpp = v->vbe.bpp;
        return;
    }
    if (!(v->gc[6] & 1)) {
        struct text_geom g;
        text_geom(v, &g);
        out->text = true;
        out->cols = g.cols;
        out->rows = g.rows;
        out->width = g.cols * g.cw * (g.dclk2 ? 2 : 1);
        out->height = g.rows * g.ch * (g.dscan ? 2 : 1);
        out->bpp = 4;
        return;
    }
    struct gfx_geom g;
    gfx_geom(v, &g);
    out->width = g.width;
    out->height = g.height;
    out->bpp = g.kind == GFX_256 ? 8 : g.kind == GFX_CGA ? 2 : 4;
}

/* ---- text dump ---- */

/* Code page 437 as Unicode: 0x00-0x1F and 0x7F-0xFF (0x20-0x7E are
 * ASCII). */
static const uint16_t cp437_low[32] = {
    0x0020, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
    0x25d8, 0x25cb, 0x25d9, 0x2642, 0x2640, 0x266a, 0x266b, 0x263c,
    0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7, 0x25ac, 0x21a8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc,
};
static const uint16_t cp437_high[129] = {
    0x2302,
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7,
    0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee, 0x00ec, 0x00c4, 0x00c5,
    0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192,
    0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa, 0x00ba,
    0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510,
    0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b,
    0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
    0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229,
    0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
    0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x0020,
};

static unsigned cp437(uint8_t c)
{
    if (c < 0x20)
        return cp437_low[c];
    if (c < 0x7f)
        return c;
    return cp437_high[c - 0x7f];
}

static int utf8_put(char *p, unsigned cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xc0 | (cp >> 6));
        p[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    p[0] = (char)(0xe0 | (cp >> 12));
    p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    p[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* Plane offsets wrap as the CRTC's 16-bit address counter does. */
static const uint8_t *plane_ptr(const struct vga *v, uint32_t po)
{
    return v->vram + (size_t)(po & 0xffff) * 4;
}

int vga_text_dump(struct vga *v, char *buf, size_t len)
{
    if (is_graphics(v)) {
        if (len)
            buf[0] = '\0';
        return -1;
    }
    struct text_geom g;
    text_geom(v, &g);
    size_t pos = 0;
    char line[256 * 3 + 2];
    for (int r = 0; r < g.rows; r++) {
        int n = 0, keep = 0;
        uint32_t a = g.start + (uint32_t)r * g.pitch;
        for (int c = 0; c < g.cols; c++) {
            uint8_t ch = plane_ptr(v, a + (uint32_t)c)[0];
            n += utf8_put(line + n, cp437(ch));
            if (ch != 0x20 && ch != 0x00 && ch != 0xff)
                keep = n;
        }
        line[keep++] = '\n';
        for (int i = 0; i < keep; i++, pos++)
            if (pos + 1 < len)
                buf[pos] = line[i];
    }
    if (len)
        buf[pos < len ? pos : len - 1] = '\0';
    return pos > (size_t)INT32_MAX ? INT32_MAX : (int)pos;
}

/* ---- rendering ---- */

static uint32_t dac_rgb(const struct vga *v, uint8_t idx)
{
    const uint8_t *c = v->dac[idx & v->dac_mask];
    uint32_t r = c[0], g = c[1], b = c[2];
    if (!v->dac_8bit) {
        r = (r << 2) | (r >> 4);
        g = (g << 2) | (g >> 4);
        b = (b << 2) | (b >> 4);
    }
    return r << 16 | g << 8 | b;
}

/* A 4-bit pixel through the attribute controller to a DAC index. */
static uint8_t ac_index(const struct vga *v, unsigned pix)
{
    uint8_t p = v->ac[pix & 0x0f];
    if (v->ac[0x10] & 0x80)
        return (uint8_t)((p & 0x0f) | ((v->ac[0x14] & 0x0f) << 4));
    return (uint8_t)((p & 0x3f) | ((v->ac[0x14] & 0x0c) << 4));
}

static bool fb_size(struct vga *v, int w, int h)
{
    size_t need = (size_t)w * (size_t)h;
    if (need <= v->fb_pixels)
        return true;
    uint32_t *p = realloc(v->fb, need * sizeof *p);
    if (!p)
        return false;
    v->fb = p;
    v->fb_pixels = need;
    return true;
}

static void render_text(struct vga *v, uint32_t *fb, int w,
                        const uint32_t *pal16)
{
    struct text_geom g;
    text_geom(v, &g);
    static const uint32_t font_base[8] = {
        0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000,
    };
    uint8_t sr3 = v->seq[3];
    uint32_t map_a = font_base[((sr3 >> 2) & 3) | ((sr3 >> 3) & 4)];
    uint32_t map_b = font_base[(sr3 & 3) | ((sr3 >> 2) & 4)];
    bool blink_attr = v->ac[0x10] & 0x08;
    bool line_gfx = v->ac[0x10] & 0x04;
    uint32_t cursor = (uint32_t)v->crtc[0x0e] << 8 | v->crtc[0x0f];
    int cur_start = v->crtc[0x0a] & 0x1f, cur_end = v->crtc[0x0b] & 0x1f;
    bool cur_on = !(v->crtc[0x0a] & 0x20);
    int xs = g.dclk2 ? 2 : 1, ys = g.dscan ? 2 : 1;

    for (int r = 0; r < g.rows; r++) {
        uint32_t a = g.start + (uint32_t)r * g.pitch;
        for (int c = 0; c < g.cols; c++) {
            const uint8_t *cell = plane_ptr(v, a + (uint32_t)c);
            uint8_t ch = cell[0], at = cell[1];
            unsigned fg = at & 0x0f, bg = at >> 4;
            if (blink_attr)
                bg &= 7;   /* bit 7 blinks; shown steady */
            uint32_t font = (at & 0x08) ? map_a : map_b;
            bool is_cursor = cur_on && ((a + (uint32_t)c) & 0xffff) ==
                             (cursor & 0xffff);
            for (int line = 0; line < g.ch; line++) {
                uint8_t bits = plane_ptr(v, font + ch * 32u + (uint32_t)line)[2];
                unsigned ninth = (g.cw == 9 && line_gfx && ch >= 0xc0 &&
                                  ch <= 0xdf) ? (bits & 1) : 0;
                bool inv = is_cursor && line >= cur_start && line <= cur_end;
                for (int ys_i = 0; ys_i < ys; ys_i++) {
                    int y = (r * g.ch + line) * ys + ys_i;
                    uint32_t *row = fb + (size_t)y * (size_t)w +
                                    (size_t)c * g.cw * xs;
                    for (int x = 0; x < g.cw; x++) {
                        unsigned on = x < 8 ? (bits >> (7 - x)) & 1 : ninth;
                        if (inv)
                            on = 1;
                        uint32_t px = pal16[on ? fg : bg];
                        for (int k = 0; k < xs; k++)
                            row[x * xs + k] = px;
                    }
                }
            }
        }
    }
}

static void render_vga_gfx(struct vga *v, uint32_t *fb, int w,
                           const uint32_t *pal16, const uint32_t *pal256)
{
    struct gfx_geom g;
    gfx_geom(v, &g);
    uint8_t cpe = v->ac[0x12] & 0x0f;
    unsigned bm = (v->crtc[0x17] & 0x40) ? 1 : 0;   /* byte mode */

    for (int oy = 0; oy < g.height; oy++) {
        int y = g.each_scan ? oy : oy * g.row_height;
        int row = y / g.row_height, scan = y % g.row_height;
        uint32_t a = g.start + (uint32_t)row * g.pitch;
        /* CGA/Hercules interleave: the row scan counter drives MA13/MA14 */
        if (!(v->crtc[0x17] & 1)) {
            uint32_t bit = 1u << (12 + bm);
            a = (a & ~bit) | ((scan & 1) ? bit : 0);
        }
        if (!(v->crtc[0x17] & 2))
            a = (a & ~0x2000u) | ((scan & 2) ? 0x2000u : 0);
        uint32_t *out = fb + (size_t)oy * (size_t)w;
        switch (g.kind) {
        case GFX_256:
            for (int x = 0; x < g.width; x++)
                out[x] = pal256[plane_ptr(v, a + (uint32_t)x / 4)[x & 3]];
            break;
        case GFX_CGA:
            for (int x = 0; x < g.width; x++) {
                const uint8_t *p = plane_ptr(v, a + (uint32_t)x / 8);
                int i = x & 7, sh = 6 - 2 * (i & 3);
                uint8_t lo = i < 4 ? p[0] : p[1], hi = i < 4 ? p[2] : p[3];
                unsigned pix = ((lo >> sh) & 3) | (((hi >> sh) & 3) << 2);
                out[x] = pal16[pix & cpe];
            }
            break;
        case GFX_PLANAR:
            for (int x = 0; x < g.width; x++) {
                const uint8_t *p = plane_ptr(v, a + (uint32_t)x / 8);
                int sh = 7 - (x & 7);
                unsigned pix = ((p[0] >> sh) & 1) | (((p[1] >> sh) & 1) << 1) |
                               (((p[2] >> sh) & 1) << 2) |
                               (((p[3] >> sh) & 1) << 3);
                out[x] = pal16[pix & cpe];
            }
            break;
        }
    }
}

static void render_vbe(struct vga *v, uint32_t *fb, const uint32_t *pal16,
                       const uint32_t *pal256)
{
    const struct vbe *b = &v->vbe;
    int w = b->xres, h = b->yres;
    uint32_t line = vbe_line_bytes(b), start = vbe_start(b);
    unsigned bpp = b->bpp, Bpp = vbe_bytes_pp(bpp);
    uint64_t last = (uint64_t)start + (uint64_t)line * (uint64_t)(h - 1) +
                    (bpp == 4 ? (uint64_t)w / 8 : (uint64_t)w * Bpp);
    if (bpp == 4)
        last *= 4;
    if (last > v->vram_size) {   /* fixup keeps this from happening */
        memset(fb, 0, (size_t)w * (size_t)h * sizeof *fb);
        return;
    }
    uint8_t cpe = v->ac[0x12] & 0x0f;
    for (int y = 0; y < h; y++) {
        uint32_t *out = fb + (size_t)y * (size_t)w;
        uint32_t a = start + (uint32_t)y * line;
        const uint8_t *s = v->vram + a;
        switch (bpp) {
        case 4:
            for (int x = 0; x < w; x++) {
                const uint8_t *p = v->vram + (size_t)(a + (uint32_t)x / 8) * 4;
                int sh = 7 - (x & 7);
                unsigned pix = ((p[0] >> sh) & 1) | (((p[1] >> sh) & 1) << 1) |
                               (((p[2] >> sh) & 1) << 2) |
                               (((p[3] >> sh) & 1) << 3);
                out[x] = pal16[pix & cpe];
            }
            break;
        case 8:
            for (int x = 0; x < w; x++)
                out[x] = pal256[s[x]];
            break;
        case 15:
            for (int x = 0; x < w; x++) {
                unsigned p = s[2 * x] | s[2 * x + 1] << 8;
                unsigned r = (p >> 10) & 31, g = (p >> 5) & 31, bl = p & 31;
                out[x] = ((r << 3) | (r >> 2)) << 16 |
                         ((g << 3) | (g >> 2)) << 8 | ((bl << 3) | (bl >> 2));
            }
            break;
        case 16:
            for (int x = 0; x < w; x++) {
                unsigned p = s[2 * x] | s[2 * x + 1] << 8;
                unsigned r = (p >> 11) & 31, g = (p >> 5) & 63, bl = p & 31;
                out[x] = ((r << 3) | (r >> 2)) << 16 |
                         ((g << 2) | (g >> 4)) << 8 | ((bl << 3) | (bl >> 2));
            }
            break;
        case 24:
            for (int x = 0; x < w; x++)
                out[x] = (uint32_t)s[3 * x + 2] << 16 |
                         (uint32_t)s[3 * x + 1] << 8 | s[3 * x];
            break;
        default:   /* 32 */
            for (int x = 0; x < w; x++)
                out[x] = (uint32_t)s[4 * x + 2] << 16 |
                         (uint32_t)s[4 * x + 1] << 8 | s[4 * x];
            break;
        }
    }
}

void vga_render(struct vga *v, struct vga_frame *out, bool *changed)
{
    struct vga_mode_info mi;
    vga_mode_info(v, &mi);
    int w = mi.width, h = mi.height;
    if (w > MAX_W)
        w = MAX_W;
    if (h > MAX_H)
        h = MAX_H;
    bool dirty = !v->rendered_once || v->gen != v->rendered_gen;
    if (changed)
        *changed = dirty;
    memset(out, 0, sizeof *out);
    if (w <= 0 || h <= 0 || !fb_size(v, w, h))
        return;
    out->pixels = v->fb;
    out->width = out->stride = w;
    out->height = h;
    if (!dirty)
        return;
    v->rendered_gen = v->gen;
    v->rendered_once = true;

    /* Screen off (SR1 bit 5) or palette being loaded (AR index bit 5
     * clear): black. */
    if ((v->seq[1] & 0x20) || !(v->ac_idx & 0x20)) {
        memset(v->fb, 0, (size_t)w * (size_t)h * sizeof *v->fb);
        return;
    }
    uint32_t pal256[256], pal16[16];
    for (int i = 0; i < 256; i++)
        pal256[i] = dac_rgb(v, (uint8_t)i);
    for (int i = 0; i < 16; i++)
        pal16[i] = pal256[ac_index(v, (unsigned)i)];

    if (mi.vbe) {
        render_vbe(v, v->fb, pal16, pal256);
    } else if (mi.text) {
        if (mi.width > MAX_W || mi.height > MAX_H) {
            memset(v->fb, 0, (size_t)w * (size_t)h * sizeof *v->fb);
            return;
        }
        render_text(v, v->fb, w, pal16);
    } else {
        render_vga_gfx(v, v->fb, w, pal16, pal256);
    }
}

/* ---- screen dumps ---- */

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

int vga_screendump(struct vga *v, const char *path, char *err, size_t errlen)
{
    size_t pl = strlen(path);
    bool ppm = pl >= 4 && strcmp(path + pl - 4, ".ppm") == 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (ppm) {
        struct vga_frame fr;
        bool changed;
        vga_render(v, &fr, &changed);
        fprintf(f, "P6\n%d %d\n255\n", fr.width, fr.height);
        uint8_t *row = malloc((size_t)fr.width * 3 + 1);
        if (!row)
            rc = -1;
        for (int y = 0; rc == 0 && y < fr.height; y++) {
            const uint32_t *s = fr.pixels + (size_t)y * (size_t)fr.stride;
            for (int x = 0; x < fr.width; x++) {
                row[3 * x] = (uint8_t)(s[x] >> 16);
                row[3 * x + 1] = (uint8_t)(s[x] >> 8);
                row[3 * x + 2] = (uint8_t)s[x];
            }
            rc = write_all(f, row, (size_t)fr.width * 3);
        }
        free(row);
    } else {
        int n = vga_text_dump(v, NULL, 0);
        if (n < 0) {
            struct vga_mode_info mi;
            vga_mode_info(v, &mi);
            fprintf(f, "(graphics mode %dx%d, %d bpp%s)\n", mi.width,
                    mi.height, mi.bpp, mi.vbe ? ", VBE" : "");
        } else {
            char *buf = malloc((size_t)n + 1);
            if (!buf) {
                rc = -1;
            } else {
                vga_text_dump(v, buf, (size_t)n + 1);
                rc = write_all(f, buf, (size_t)n);
                free(buf);
            }
        }
    }
    if (fclose(f) != 0)
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%s: write failed", path);
    return rc;
}

/* ---- PCI side ---- */

void vga_pci_info(struct vga *v, struct vga_pci_info *out)
{
    memset(out, 0, sizeof *out);
    out->vendor = VGA_PCI_VENDOR;
    out->device = VGA_PCI_DEVICE;
    out->class_code = VGA_PCI_CLASS;
    out->revision = VGA_PCI_REVISION;
    out->vram_size = v->vram_size;
    out->lfb_read = lfb_read;
    out->lfb_write = lfb_write;
    out->opaque = v;
    out->rom = v->rom;
    out->rom_size = v->rom_size;
    if (v->rom_size) {
        uint32_t s = 2048;
        while (s < v->rom_size)
            s <<= 1;
        out->rom_bar_size = s;
    }
}

struct pci_device *vga_pci_attach(struct vga *v, struct pci_bus *bus,
                                  int devfn, char *err, size_t errlen)
{
    struct vga_pci_info pi;
    vga_pci_info(v, &pi);
    const struct pci_id id = {
        .vendor = pi.vendor,
        .device = pi.device,
        .revision = pi.revision,
        .class_code = pi.class_code,
    };
    char why[256];
    struct pci_device *d = pci_device_new(bus, devfn, &id, "vga", why,
                                          sizeof why);
    if (!d) {
        snprintf(err, errlen, "VGA at PCI %02x.%x: %s", PCI_SLOT(devfn),
                 PCI_FUNC(devfn), why);
        return NULL;
    }
    if (pci_device_add_bar(d, 0, PCI_BAR_MEM_PREFETCH, pi.vram_size,
                           pi.lfb_read, pi.lfb_write, pi.opaque) != 0 ||
        (pi.rom && pci_device_set_rom(d, pi.rom, pi.rom_size) != 0)) {
        snprintf(err, errlen, "VGA: cannot set up its PCI BARs");
        return NULL;
    }
    return d;
}

int vga_map_lfb(struct vga *v, uint64_t gpa)
{
    if (v->lfb_mapped)
        return -1;
    if (machine_add_mmio(v->m, gpa, v->vram_size, lfb_read, lfb_write, v,
                         "vga.lfb") != 0)
        return -1;
    v->lfb_mapped = true;
    return 0;
}

uint8_t *vga_vram(struct vga *v, uint32_t *size)
{
    if (size)
        *size = v->vram_size;
    return v->vram;
}

/* ---- creation ---- */

static int load_rom(struct vga *v, const char *path, char *err,
                    size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && strcmp(path, VGA_DEFAULT_ROM) == 0)
            snprintf(err, errlen, "VGA BIOS %s is missing (apt-get install "
                     "seabios)", path);
        else
            snprintf(err, errlen, "VGA BIOS %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > VGA_ROM_MAX) {
        snprintf(err, errlen, "VGA BIOS %s: not a regular file of 1 byte to "
                 "%u KiB", path, VGA_ROM_MAX >> 10);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    v->rom = malloc(size);
    if (!v->rom) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, v->rom + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "VGA BIOS %s: %s", path,
                     n < 0 ? strerror(errno) : "file shrank while reading");
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    v->rom_size = size;
    return 0;
}

struct vga *vga_new(struct machine *m, const struct vga_config *cfg,
                    char *err, size_t errlen)
{
    uint32_t vram = cfg && cfg->vram_size ? cfg->vram_size : VGA_DEFAULT_VRAM;
    int claimed = 0;
    const char *rom = cfg && cfg->rom ? cfg->rom : VGA_DEFAULT_ROM;

    if (vram < (1u << 20) || vram > VGA_MAX_VRAM || (vram & (vram - 1))) {
        snprintf(err, errlen, "VGA memory of %u bytes: must be a power of "
                 "two from 1 to %u MiB", vram, VGA_MAX_VRAM >> 20);
        return NULL;
    }
    struct vga *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->m = m;
    v->vram_size = vram;
    /* page-aligned and zero, so that kvm may one day map it directly */
    v->vram = mmap(NULL, vram, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v->vram == MAP_FAILED) {
        v->vram = NULL;
        snprintf(err, errlen, "cannot allocate %u MiB of VGA memory",
                 vram >> 20);
        goto fail;
    }
    if (strcmp(rom, "none") != 0 && load_rom(v, rom, err, errlen))
        goto fail;
    vga_reset(v);

    if (machine_add_pio(m, 0x3c0, 32, vga_port_read, vga_port_write, v,
                        "vga") != 0) {
        snprintf(err, errlen, "VGA ports 0x3c0-0x3df are already in use");
        goto fail;
    }
    claimed = 1;
    if (machine_add_pio(m, 0x3b4, 2, vga_port_read, vga_port_write, v,
                        "vga") != 0) {
        snprintf(err, errlen, "VGA ports 0x3b4-0x3b5 are already in use");
        goto fail;
    }
    claimed = 2;
    if (machine_add_pio(m, 0x3ba, 1, vga_port_read, vga_port_write, v,
                        "vga") != 0) {
        snprintf(err, errlen, "VGA port 0x3ba is already in use");
        goto fail;
    }
    claimed = 3;
    /* 0x1D0 too, so that a word access at 0x1CF reaches the data port */
    if (machine_add_pio(m, VBE_PORT_INDEX, 3, vbe_port_read, vbe_port_write,
                        v, "vga.vbe") != 0) {
        snprintf(err, errlen, "VBE ports 0x1ce-0x1d0 are already in use");
        goto fail;
    }
    claimed = 4;
    if (machine_add_mmio(m, WINDOW_BASE, WINDOW_SIZE, window_read,
                         window_write, v, "vga.window") != 0) {
        snprintf(err, errlen, "VGA window 0xa0000-0xbffff overlaps another "
                 "region");
        goto fail;
    }
    machine_add_reset_handler(m, vga_reset_cb, v);
    return v;

fail:
    /* give back what was claimed, so that nothing points at v */
    if (claimed >= 4)
        machine_remove_pio(m, VBE_PORT_INDEX, 3);
    if (claimed >= 3)
        machine_remove_pio(m, 0x3ba, 1);
    if (claimed >= 2)
        machine_remove_pio(m, 0x3b4, 2);
    if (claimed >= 1)
        machine_remove_pio(m, 0x3c0, 32);
    vga_free(v);
    return NULL;
}

void vga_free(struct vga *v)
{
    if (!v)
        return;
    if (v->vram)
        munmap(v->vram, v->vram_size);
    free(v->rom);
    free(v->fb);
    free(v);
}
