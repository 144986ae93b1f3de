/* The Bochs VBE ("DISPI") register file: index at port 0x1CE, data at
 * 0x1CF.  This is the register model alone; hw/vga.c owns the ports and
 * carries out what a write asks for (clearing video memory, the banked
 * window, the VGA registers a mode set implies).
 *
 * Geometry is kept consistent after every write, so that a renderer can
 * trust it: the visible area from (x_offset, y_offset) always lies inside
 * video memory while the interface is enabled. */
#ifndef HW_VBE_H
#define HW_VBE_H

#include <stdbool.h>
#include <stdint.h>

#define VBE_PORT_INDEX 0x1ce
#define VBE_PORT_DATA  0x1cf

enum {
    VBE_INDEX_ID = 0,
    VBE_INDEX_XRES,
    VBE_INDEX_YRES,
    VBE_INDEX_BPP,
    VBE_INDEX_ENABLE,
    VBE_INDEX_BANK,
    VBE_INDEX_VIRT_WIDTH,
    VBE_INDEX_VIRT_HEIGHT,
    VBE_INDEX_X_OFFSET,
    VBE_INDEX_Y_OFFSET,
    VBE_INDEX_VIDEO_MEMORY_64K,
    VBE_NR_INDEX,
};

#define VBE_ID0 0xb0c0
#define VBE_ID5 0xb0c5

/* ENABLE register bits */
#define VBE_ENABLED      0x01
#define VBE_GETCAPS      0x02   /* XRES/YRES/BPP read back the maxima */
#define VBE_8BIT_DAC     0x20
#define VBE_LFB_ENABLED  0x40
#define VBE_NOCLEARMEM   0x80

#define VBE_MAX_XRES 2560
#define VBE_MAX_YRES 1600
#define VBE_MAX_BPP  32

/* What a write asks the VGA to do (bits). */
enum {
    VBE_ACT_MODESET = 1,   /* the interface was just enabled */
    VBE_ACT_DISABLE = 2,   /* the interface was just disabled */
    VBE_ACT_DISPLAY = 4,   /* something visible changed */
    VBE_ACT_BANK    = 8,   /* the 64 KiB window moved */
    VBE_ACT_DAC     = 16,  /* the DAC width changed */
    VBE_ACT_REJECT  = 32,  /* the value was refused (guest error) */
};

struct vbe {
    uint16_t index;
    uint16_t id, xres, yres, bpp, enable, bank;
    uint16_t virt_width, virt_height, x_offset, y_offset;
    uint32_t vram_size;
};

void vbe_reset(struct vbe *b, uint32_t vram_size);
uint16_t vbe_read(const struct vbe *b, uint16_t index);
/* Returns VBE_ACT_* bits. */
unsigned vbe_write(struct vbe *b, uint16_t index, uint16_t val);

static inline bool vbe_enabled(const struct vbe *b)
{
    return b->enable & VBE_ENABLED;
}

/* Bytes per scan line of the virtual screen (for 4 bpp: per plane). */
uint32_t vbe_line_bytes(const struct vbe *b);
/* Byte offset of the first visible pixel (for 4 bpp: plane offset). */
uint32_t vbe_start(const struct vbe *b);
/* Bytes per pixel, rounded up (0 for 4 bpp planar). */
unsigned vbe_bytes_pp(unsigned bpp);

#endif
