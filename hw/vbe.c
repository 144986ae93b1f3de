/* The Bochs VBE register file.  See vbe.h. */
#include "hw/vbe.h"

unsigned vbe_bytes_pp(unsigned bpp)
{
    return bpp == 4 ? 0 : (bpp + 7) / 8;
}

uint32_t vbe_line_bytes(const struct vbe *b)
{
    if (b->bpp == 4)
        return b->virt_width / 8u;
    return (uint32_t)b->virt_width * vbe_bytes_pp(b->bpp);
}

uint32_t vbe_start(const struct vbe *b)
{
    uint32_t line = vbe_line_bytes(b);
    if (b->bpp == 4)
        return b->y_offset * line + b->x_offset / 8u;
    return b->y_offset * line + (uint32_t)b->x_offset * vbe_bytes_pp(b->bpp);
}

static bool bpp_valid(unsigned bpp)
{
    return bpp == 4 || bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 ||
           bpp == 32;
}

/* Bytes addressable in the layout the depth uses (per plane for 4 bpp). */
static uint32_t usable_mem(const struct vbe *b)
{
    return b->bpp == 4 ? b->vram_size / 4 : b->vram_size;
}

static uint16_t nr_banks(const struct vbe *b)
{
    uint32_t n = usable_mem(b) >> 16;
    return n > 0xffff ? 0xffff : (uint16_t)n;
}

/* Make an enabled mode consistent: the virtual screen at least as large as
 * the visible one and inside video memory, the offsets inside the virtual
 * screen.  False if the visible screen alone does not fit. */
static bool fixup(struct vbe *b)
{
    if (b->xres == 0 || b->yres == 0 || !bpp_valid(b->bpp))
        return false;
    if (b->bpp == 4 && (b->xres & 7))
        return false;
    if (b->virt_width < b->xres)
        b->virt_width = b->xres;
    uint32_t line = vbe_line_bytes(b);
    uint32_t mem = usable_mem(b);
    if (line == 0 || line > mem)
        return false;
    uint32_t max_h = mem / line;
    if (max_h > 0xffff)
        max_h = 0xffff;
    if (max_h < b->yres) {
        /* a wide virtual screen may be what overflows: fall back to the
         * visible width before giving up */
        if (b->virt_width == b->xres)
            return false;
        b->virt_width = b->xres;
        return fixup(b);
    }
    if (b->virt_height < b->yres)
        b->virt_height = b->yres;
    if (b->virt_height > max_h)
        b->virt_height = (uint16_t)max_h;
    if (b->x_offset > b->virt_width - b->xres)
        b->x_offset = b->virt_width - b->xres;
    if (b->y_offset > b->virt_height - b->yres)
        b->y_offset = b->virt_height - b->yres;
    if (b->bpp == 4)
        b->x_offset &= ~7u;   /* planar panning is in whole bytes here */
    return true;
}

void vbe_reset(struct vbe *b, uint32_t vram_size)
{
    *b = (struct vbe){
        .id = VBE_ID0,
        .xres = 640,
        .yres = 480,
        .bpp = 8,
        .vram_size = vram_size,
    };
}

uint16_t vbe_read(const struct vbe *b, uint16_t index)
{
    bool caps = b->enable & VBE_GETCAPS;

    switch (index) {
    case VBE_INDEX_ID: return b->id;
    case VBE_INDEX_XRES: return caps ? VBE_MAX_XRES : b->xres;
    case VBE_INDEX_YRES: return caps ? VBE_MAX_YRES : b->yres;
    case VBE_INDEX_BPP: return caps ? VBE_MAX_BPP : b->bpp;
    case VBE_INDEX_ENABLE: return b->enable;
    case VBE_INDEX_BANK: return b->bank;
    case VBE_INDEX_VIRT_WIDTH: return b->virt_width;
    case VBE_INDEX_VIRT_HEIGHT: return b->virt_height;
    case VBE_INDEX_X_OFFSET: return b->x_offset;
    case VBE_INDEX_Y_OFFSET: return b->y_offset;
    case VBE_INDEX_VIDEO_MEMORY_64K: {
        uint32_t n = b->vram_size >> 16;
        return n > 0xffff ? 0xffff : (uint16_t)n;
    }
    default: return 0;
    }
}

unsigned vbe_write(struct vbe *b, uint16_t index, uint16_t val)
{
    struct vbe n = *b;
    unsigned act = 0;
    bool was_on = vbe_enabled(b);

    switch (index) {
    case VBE_INDEX_ID:
        if (val < VBE_ID0 || val > VBE_ID5)
            return VBE_ACT_REJECT;
        b->id = val;
        return 0;
    case VBE_INDEX_XRES:
        if (val > VBE_MAX_XRES)
            return VBE_ACT_REJECT;
        n.xres = val;
        break;
    case VBE_INDEX_YRES:
        if (val > VBE_MAX_YRES)
            return VBE_ACT_REJECT;
        n.yres = val;
        break;
    case VBE_INDEX_BPP:
        if (val == 0)
            val = 8;   /* Bochs reads 0 as 8 */
        if (!bpp_valid(val))
            return VBE_ACT_REJECT;
        n.bpp = val;
        break;
    case VBE_INDEX_BANK:
        if (val >= nr_banks(b))
            return VBE_ACT_REJECT;
        b->bank = val;
        return VBE_ACT_BANK;
    case VBE_INDEX_VIRT_WIDTH:
        n.virt_width = val;
        break;
    case VBE_INDEX_VIRT_HEIGHT:
        n.virt_height = val;
        break;
    case VBE_INDEX_X_OFFSET:
        n.x_offset = val;
        break;
    case VBE_INDEX_Y_OFFSET:
        n.y_offset = val;
        break;
    case VBE_INDEX_ENABLE:
        n.enable = val & (VBE_ENABLED | VBE_GETCAPS | VBE_8BIT_DAC |
                          VBE_LFB_ENABLED | VBE_NOCLEARMEM);
        if ((val & VBE_ENABLED) && !was_on) {
            /* a fresh mode: the virtual screen is the visible one */
            n.virt_width = n.xres;
            n.virt_height = n.yres;
            n.x_offset = n.y_offset = 0;
            act |= VBE_ACT_MODESET | VBE_ACT_DISPLAY;
        } else if (!(val & VBE_ENABLED) && was_on) {
            n.bank = 0;
            act |= VBE_ACT_DISABLE | VBE_ACT_DISPLAY | VBE_ACT_BANK;
        }
        if ((val ^ b->enable) & VBE_8BIT_DAC)
            act |= VBE_ACT_DAC | VBE_ACT_DISPLAY;
        break;
    case VBE_INDEX_VIDEO_MEMORY_64K:
    default:
        return VBE_ACT_REJECT;
    }

    if (vbe_enabled(&n)) {
        if (!fixup(&n))
            return VBE_ACT_REJECT;   /* the mode would not fit: keep the old */
        act |= VBE_ACT_DISPLAY;
    }
    if (n.bank >= nr_banks(&n))
        n.bank = 0;   /* 4 bpp has a quarter of the banks */
    *b = n;
    return act;
}
