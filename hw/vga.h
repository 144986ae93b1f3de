/* The standard VGA adapter with the Bochs VBE extensions: what QEMU calls
 * "-device VGA" (PCI 1234:1111), and what Debian's vgabios-stdvga.bin
 * drives.
 *
 *   ports    0x3C0-0x3DF (CRTC and input status 1 at 0x3D4/0x3D5/0x3DA, or
 *            at the mono 0x3B4/0x3B5/0x3BA when misc output bit 0 is clear),
 *            VBE index/data at 0x1CE/0x1CF
 *   memory   the legacy window 0xA0000-0xBFFFF (MMIO: four planes, read
 *            modes 0-1, write modes 0-3, chain-4, odd/even), and the linear
 *            framebuffer: all of video memory, for PCI BAR0
 *
 * Video memory keeps the four planes interleaved: byte p of plane offset o
 * is vram[o * 4 + p].  Chain-4 addresses are then linear in vram, which is
 * also what the VBE modes and the LFB see; odd/even (text) addresses put
 * character i at plane 0/1 offset i; the font sits in plane 2, 32 bytes a
 * glyph.
 *
 * vga_new registers the ports and the legacy window; vga_pci_attach adds
 * the PCI function whose BAR0 is the LFB and whose ROM BAR holds the video
 * BIOS (vga_map_lfb maps the LFB at a fixed address on a board without
 * PCI). */
#ifndef HW_VGA_H
#define HW_VGA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"

struct vga;

#define VGA_PCI_VENDOR 0x1234
#define VGA_PCI_DEVICE 0x1111
#define VGA_PCI_CLASS 0x030000   /* display controller, VGA compatible */
#define VGA_PCI_REVISION 0x02
#define VGA_DEFAULT_VRAM (16u << 20)
#define VGA_MAX_VRAM (256u << 20)
#define VGA_DEFAULT_ROM "/usr/share/seabios/vgabios-stdvga.bin"
#define VGA_ROM_MAX (1u << 20)
/* Where Bochs puts the LFB of an ISA (non-PCI) VBE card. */
#define VGA_LFB_ISA_ADDR 0xe0000000u

struct vga_config {
    uint32_t vram_size;   /* bytes, a power of two from 1 MiB; 0: 16 MiB */
    const char *rom;      /* option ROM file; NULL: VGA_DEFAULT_ROM;
                             "none": no ROM */
};

/* Registers the ports, the legacy window and a reset handler on `m`, and
 * reads the ROM file.  NULL with a one-line reason in err on failure. */
struct vga *vga_new(struct machine *m, const struct vga_config *cfg,
                    char *err, size_t errlen);
void vga_free(struct vga *v);
/* Power-on register state: 80x25 colour text (mode 3), as after the video
 * BIOS has set it, so that a guest without a video BIOS can write to
 * 0xB8000 and be seen.  Video memory is kept. */
void vga_reset(struct vga *v);

/* ---- For the PCI function ---- */
struct vga_pci_info {
    uint16_t vendor, device;
    uint32_t class_code;
    uint8_t revision;
    uint32_t vram_size;          /* BAR0 size: a power of two */
    mmio_read_fn lfb_read;       /* BAR0 handlers, offset from BAR0 */
    mmio_write_fn lfb_write;
    void *opaque;
    const uint8_t *rom;          /* expansion ROM image, NULL if none */
    size_t rom_size;
    uint32_t rom_bar_size;       /* rom_size rounded up to a power of two
                                    (at least 2 KiB), 0 if none */
};
void vga_pci_info(struct vga *v, struct vga_pci_info *out);
/* The PCI function (vendor 1234, device 1111, class 0300) at `devfn` of
 * `bus`: BAR0 = the LFB (prefetchable, all of video memory), the ROM BAR =
 * the option ROM.  NULL with a reason in err on failure. */
struct pci_bus;
struct pci_device;
struct pci_device *vga_pci_attach(struct vga *v, struct pci_bus *bus,
                                  int devfn, char *err, size_t errlen);
/* Without PCI: map the LFB (all of video memory) at `gpa` as MMIO; -1 if
 * that overlaps something. */
int vga_map_lfb(struct vga *v, uint64_t gpa);
/* Video memory itself, e.g. for a later direct mapping into a kvm slot. */
uint8_t *vga_vram(struct vga *v, uint32_t *size);

/* ---- Reading the screen ---- */

/* The current text screen (any text geometry: 80x25, 40x25, 80x50...) as
 * UTF-8, one line per row, each ending in '\n' with trailing blanks
 * removed; characters through code page 437 (NUL and 0xFF as blanks).
 * Returns the length the whole dump needs (as snprintf does; buf is always
 * terminated when len > 0), or -1 when the adapter is in a graphics mode. */
int vga_text_dump(struct vga *v, char *buf, size_t len);

/* The displayed geometry: text columns/rows (0 in graphics modes) and the
 * pixel size of the picture vga_render draws. */
struct vga_mode_info {
    bool text, vbe;
    int cols, rows;
    int width, height;
    int bpp;          /* 4 (planar, text), 2 (CGA), 8, 15, 16, 24, 32 */
};
void vga_mode_info(struct vga *v, struct vga_mode_info *out);

/* The picture as XRGB8888 (0x00RRGGBB per pixel), held by the vga and valid
 * until the next call.  `changed` says whether anything the picture depends
 * on was written since the previous call (a display can skip the upload).
 * Text modes use the font in plane 2 and show the cursor; blinking is not
 * animated.  Width/height are 0 when nothing can be shown. */
struct vga_frame {
    const uint32_t *pixels;
    int width, height, stride;   /* stride in pixels */
};
void vga_render(struct vga *v, struct vga_frame *out, bool *changed);

/* Write the screen to a file: a .ppm name gets the rendered picture (P6),
 * any other name the text dump (or one line naming the graphics mode). */
int vga_screendump(struct vga *v, const char *path, char *err,
                   size_t errlen);

#endif
