/* The VGA adapter driven through its ports and memory on a real machine:
 * text mode through the 0xB8000 window and the text dump, the planar write
 * and read modes, chain-4 (mode 13h), the Bochs VBE interface with its
 * linear framebuffer and banks, the DAC, and rendering. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/pci.h"
#include "hw/vbe.h"
#include "hw/vga.h"

struct rig {
    struct machine *m;
    struct vga *v;
};

static struct rig rig_new(void)
{
    char err[256];
    struct rig r;
    r.m = machine_new(16 << 20, err, sizeof err);
    ck_assert_msg(r.m != NULL, "machine_new: %s", err);
    struct vga_config cfg = { .rom = "none" };
    r.v = vga_new(r.m, &cfg, err, sizeof err);
    ck_assert_msg(r.v != NULL, "vga_new: %s", err);
    return r;
}

static void rig_free(struct rig *r)
{
    vga_free(r->v);
    machine_free(r->m);
}

static uint8_t inb(struct machine *m, uint16_t port)
{
    return (uint8_t)machine_pio_read(m, port, 1);
}

static void outb(struct machine *m, uint16_t port, uint8_t v)
{
    machine_pio_write(m, port, v, 1);
}

static void seq(struct machine *m, uint8_t i, uint8_t v)
{
    machine_pio_write(m, 0x3c4, (uint32_t)v << 8 | i, 2);   /* outw */
}

static void gc(struct machine *m, uint8_t i, uint8_t v)
{
    outb(m, 0x3ce, i);
    outb(m, 0x3cf, v);
}

static void crtc(struct machine *m, uint8_t i, uint8_t v)
{
    outb(m, 0x3d4, i);
    outb(m, 0x3d5, v);
}

static void ac(struct machine *m, uint8_t i, uint8_t v)
{
    inb(m, 0x3da);   /* flip-flop to index */
    outb(m, 0x3c0, i);
    outb(m, 0x3c0, v);
    outb(m, 0x3c0, 0x20);
}

static void vbe_w(struct machine *m, uint16_t i, uint16_t v)
{
    machine_pio_write(m, VBE_PORT_INDEX, i, 2);
    machine_pio_write(m, VBE_PORT_DATA, v, 2);
}

static uint16_t vbe_r(struct machine *m, uint16_t i)
{
    machine_pio_write(m, VBE_PORT_INDEX, i, 2);
    return (uint16_t)machine_pio_read(m, VBE_PORT_DATA, 2);
}

static void put_text(struct machine *m, int row, int col, const char *s,
                     uint8_t attr)
{
    uint64_t a = 0xb8000 + (uint64_t)(row * 80 + col) * 2;
    for (; *s; s++, a += 2)
        machine_mem_write(m, a, (uint64_t)attr << 8 | (uint8_t)*s, 2);
}

/* Planar 16-colour graphics (as mode 12h leaves the memory side). */
static void planar_mode(struct machine *m)
{
    seq(m, 2, 0x0f);
    seq(m, 4, 0x06);
    gc(m, 5, 0x00);
    gc(m, 6, 0x05);
    gc(m, 8, 0xff);
}

static uint32_t planes_at(struct vga *v, uint32_t off)
{
    uint8_t *p = vga_vram(v, NULL) + (size_t)off * 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ---- text ---- */

START_TEST(text_write_and_dump)
{
    struct rig r = rig_new();
    struct vga_mode_info mi;
    vga_mode_info(r.v, &mi);
    ck_assert(mi.text);
    ck_assert_int_eq(mi.cols, 80);
    ck_assert_int_eq(mi.rows, 25);
    ck_assert_int_eq(mi.width, 720);
    ck_assert_int_eq(mi.height, 400);

    put_text(r.m, 0, 0, "Hello, VGA", 0x1f);
    put_text(r.m, 2, 4, "No bootable device.", 0x07);
    /* box characters through code page 437, one byte at a time */
    static const uint8_t box[] = { 0xc9, 0xcd, 0xbb, 0x01, 0xb0 };
    for (unsigned i = 0; i < sizeof box; i++)
        machine_mem_write(r.m, 0xb8000 + 24 * 160 + i * 2, box[i], 1);

    /* character i at plane 0 offset i, its attribute in plane 1 */
    ck_assert_uint_eq(planes_at(r.v, 0) & 0xffff, 0x1f00 | 'H');
    ck_assert_uint_eq(planes_at(r.v, 1) & 0xffff, 0x1f00 | 'e');
    ck_assert_uint_eq(machine_mem_read(r.m, 0xb8002, 2), 0x1f00 | 'e');
    ck_assert_uint_eq(machine_mem_read(r.m, 0xb8000, 4),
                      0x1f651f48u);   /* "He" with attributes */

    char buf[8192];
    int n = vga_text_dump(r.v, buf, sizeof buf);
    ck_assert_int_eq(n, (int)strlen(buf));
    char want[4096];
    snprintf(want, sizeof want, "Hello, VGA\n\n    No bootable device.\n"
             "%s\xe2\x95\x94\xe2\x95\x90\xe2\x95\x97\xe2\x98\xba\xe2\x96\x91\n",
             "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
    ck_assert_str_eq(buf, want);

    /* a short buffer still ends in NUL and the length is what it needs */
    char small[8];
    ck_assert_int_eq(vga_text_dump(r.v, small, sizeof small), n);
    ck_assert_str_eq(small, "Hello, ");
    ck_assert_int_eq(vga_text_dump(r.v, NULL, 0), n);
    rig_free(&r);
}
END_TEST

START_TEST(text_start_address_and_geometry)
{
    struct rig r = rig_new();
    put_text(r.m, 0, 0, "row0", 0x07);
    put_text(r.m, 1, 0, "row1", 0x07);
    /* start address one row down (in character units) */
    crtc(r.m, 0x0c, 0);
    crtc(r.m, 0x0d, 80);
    char buf[8192];
    vga_text_dump(r.v, buf, sizeof buf);
    ck_assert(strncmp(buf, "row1\n", 5) == 0);
    crtc(r.m, 0x0d, 0);

    /* 8-line characters: 80x50 */
    crtc(r.m, 0x09, 0x47);
    struct vga_mode_info mi;
    vga_mode_info(r.v, &mi);
    ck_assert_int_eq(mi.rows, 50);
    put_text(r.m, 49, 0, "last", 0x07);
    int n = vga_text_dump(r.v, buf, sizeof buf);
    ck_assert(n > 6 && strcmp(buf + n - 5, "last\n") == 0);

    /* graphics mode: no text */
    gc(r.m, 6, 0x05);
    ck_assert_int_eq(vga_text_dump(r.v, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    rig_free(&r);
}
END_TEST

/* The font lives in plane 2; the renderer draws with it. */
START_TEST(text_render_with_font)
{
    struct rig r = rig_new();
    /* load glyph 'A' as the BIOS does: sequential, plane 2 only */
    seq(r.m, 2, 0x04);
    seq(r.m, 4, 0x06);
    gc(r.m, 4, 0x02);
    gc(r.m, 5, 0x00);
    gc(r.m, 6, 0x04);
    for (int line = 0; line < 16; line++)
        machine_mem_write(r.m, 0xa0000 + 'A' * 32 + line,
                          line == 3 ? 0x81 : 0x00, 1);
    ck_assert_uint_eq(planes_at(r.v, 'A' * 32 + 3), 0x00810000);
    /* back to text */
    seq(r.m, 2, 0x03);
    seq(r.m, 4, 0x02);
    gc(r.m, 4, 0x00);
    gc(r.m, 5, 0x10);
    gc(r.m, 6, 0x0e);
    crtc(r.m, 0x0a, 0x20);   /* cursor off */
    put_text(r.m, 0, 0, "A", 0x1e);   /* yellow on blue */

    struct vga_frame f;
    bool changed;
    vga_render(r.v, &f, &changed);
    ck_assert(changed);
    ck_assert_int_eq(f.width, 720);
    ck_assert_int_eq(f.height, 400);
    ck_assert_uint_eq(f.pixels[3 * f.stride + 0], 0xffff55);   /* fg */
    ck_assert_uint_eq(f.pixels[3 * f.stride + 7], 0xffff55);
    ck_assert_uint_eq(f.pixels[3 * f.stride + 1], 0x0000aa);   /* bg */
    ck_assert_uint_eq(f.pixels[2 * f.stride + 0], 0x0000aa);
    ck_assert_uint_eq(f.pixels[3 * f.stride + 8], 0x0000aa);   /* 9th */
    vga_render(r.v, &f, &changed);
    ck_assert(!changed);
    machine_mem_write(r.m, 0xb8002, 'B', 1);
    vga_render(r.v, &f, &changed);
    ck_assert(changed);
    rig_free(&r);
}
END_TEST

/* ---- planar write and read modes ---- */

START_TEST(planar_write_modes)
{
    struct rig r = rig_new();
    planar_mode(r.m);

    /* mode 0, plain: every enabled plane gets the byte */
    machine_mem_write(r.m, 0xa0000, 0x5a, 1);
    ck_assert_uint_eq(planes_at(r.v, 0), 0x5a5a5a5a);
    /* map mask */
    seq(r.m, 2, 0x05);
    machine_mem_write(r.m, 0xa0000, 0x00, 1);
    ck_assert_uint_eq(planes_at(r.v, 0), 0x5a005a00);
    seq(r.m, 2, 0x0f);

    /* mode 0 with set/reset on planes 0 and 2 (set) and 1 (reset) */
    gc(r.m, 1, 0x07);
    gc(r.m, 0, 0x05);
    machine_mem_write(r.m, 0xa0001, 0x33, 1);
    ck_assert_uint_eq(planes_at(r.v, 1), 0x33ff00ff);
    gc(r.m, 1, 0x00);

    /* bit mask keeps the latched bits */
    machine_mem_write(r.m, 0xa0002, 0x0f, 1);
    (void)machine_mem_read(r.m, 0xa0002, 1);   /* latch 0x0f x4 */
    gc(r.m, 8, 0xf0);
    machine_mem_write(r.m, 0xa0002, 0xa0, 1);
    ck_assert_uint_eq(planes_at(r.v, 2), 0xafafafaf);
    gc(r.m, 8, 0xff);

    /* rotate by 4 and XOR with the latches */
    gc(r.m, 3, 0x18 | 4);
    (void)machine_mem_read(r.m, 0xa0002, 1);   /* latch 0xaf */
    machine_mem_write(r.m, 0xa0002, 0x0f, 1);  /* rotated: 0xf0 */
    ck_assert_uint_eq(planes_at(r.v, 2), 0x5f5f5f5f);
    gc(r.m, 3, 0x00);

    /* mode 1: copy the latches */
    (void)machine_mem_read(r.m, 0xa0001, 1);
    gc(r.m, 5, 0x01);
    machine_mem_write(r.m, 0xa0010, 0x00, 1);
    ck_assert_uint_eq(planes_at(r.v, 0x10), 0x33ff00ff);

    /* mode 2: colour 0xA (planes 1, 3) through the bit mask 0x0f */
    machine_mem_write(r.m, 0xa0020, 0x00, 1);   /* still mode 1: latches */
    gc(r.m, 5, 0x00);
    machine_mem_write(r.m, 0xa0020, 0x00, 1);
    (void)machine_mem_read(r.m, 0xa0020, 1);
    gc(r.m, 5, 0x02);
    gc(r.m, 8, 0x0f);
    machine_mem_write(r.m, 0xa0020, 0x0a, 1);
    ck_assert_uint_eq(planes_at(r.v, 0x20), 0x0f000f00);

    /* mode 3: set/reset colour 0x6 through (data & bit mask) */
    gc(r.m, 5, 0x03);
    gc(r.m, 0, 0x06);
    gc(r.m, 8, 0xff);
    (void)machine_mem_read(r.m, 0xa0020, 1);
    machine_mem_write(r.m, 0xa0020, 0xc0, 1);
    ck_assert_uint_eq(planes_at(r.v, 0x20), 0x0fc0cf00);
    rig_free(&r);
}
END_TEST

START_TEST(planar_read_modes)
{
    struct rig r = rig_new();
    planar_mode(r.m);
    /* planes: 0 = 0xf0, 1 = 0xcc, 2 = 0xaa, 3 = 0x00 */
    seq(r.m, 2, 0x01);
    machine_mem_write(r.m, 0xa0005, 0xf0, 1);
    seq(r.m, 2, 0x02);
    machine_mem_write(r.m, 0xa0005, 0xcc, 1);
    seq(r.m, 2, 0x04);
    machine_mem_write(r.m, 0xa0005, 0xaa, 1);
    seq(r.m, 2, 0x08);
    machine_mem_write(r.m, 0xa0005, 0x00, 1);
    seq(r.m, 2, 0x0f);

    /* read mode 0: the plane read map select names */
    static const uint8_t want[4] = { 0xf0, 0xcc, 0xaa, 0x00 };
    for (int p = 0; p < 4; p++) {
        gc(r.m, 4, (uint8_t)p);
        ck_assert_uint_eq(machine_mem_read(r.m, 0xa0005, 1), want[p]);
    }
    /* read mode 1: bit columns 7..0 hold colours 7,3,5,1,6,2,4,0 */
    gc(r.m, 5, 0x08);
    gc(r.m, 2, 0x03);
    gc(r.m, 7, 0x0f);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0005, 1), 0x40);
    /* don't care about plane 2: colours 3 and 7 match */
    gc(r.m, 7, 0x0b);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0005, 1), 0xc0);
    gc(r.m, 2, 0x01);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0005, 1), 0x10 | 0x20);
    /* nothing cared about: everything matches */
    gc(r.m, 7, 0x00);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0005, 1), 0xff);
    rig_free(&r);
}
END_TEST

/* Odd/even (text) addressing seen from planar mode, and the window maps. */
START_TEST(odd_even_and_memory_maps)
{
    struct rig r = rig_new();
    machine_mem_write(r.m, 0xb8000 + 200, 0x4142, 2);
    ck_assert_uint_eq(planes_at(r.v, 100) & 0xffff, 0x4142);
    /* text mode maps 0xB8000-0xBFFFF only */
    machine_mem_write(r.m, 0xa0000, 0x99, 1);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000, 1), 0xff);
    ck_assert_uint_eq(planes_at(r.v, 0), 0);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xb0000, 1), 0xff);
    /* 128 KiB map: planar reads of plane 1 at offset 100 */
    gc(r.m, 6, 0x01);
    gc(r.m, 5, 0x00);
    gc(r.m, 4, 0x01);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000 + 100, 1), 0x41);
    /* misc output RAM enable off: nothing */
    outb(r.m, 0x3c2, 0x65);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000 + 100, 1), 0xff);
    rig_free(&r);
}
END_TEST

/* ---- chain-4 (mode 13h) ---- */

START_TEST(chain4_mode13)
{
    struct rig r = rig_new();
    /* the memory and display side of mode 13h */
    outb(r.m, 0x3c2, 0x63);
    seq(r.m, 1, 0x01);
    seq(r.m, 2, 0x0f);
    seq(r.m, 4, 0x0e);
    gc(r.m, 5, 0x40);
    gc(r.m, 6, 0x05);
    crtc(r.m, 0x11, 0x0e);   /* unprotect */
    crtc(r.m, 0x01, 0x4f);
    crtc(r.m, 0x09, 0x41);
    crtc(r.m, 0x13, 0x28);
    crtc(r.m, 0x14, 0x40);
    crtc(r.m, 0x17, 0xa3);
    ac(r.m, 0x10, 0x41);
    struct vga_mode_info mi;
    vga_mode_info(r.v, &mi);
    ck_assert(!mi.text);
    ck_assert_int_eq(mi.width, 320);
    ck_assert_int_eq(mi.height, 200);
    ck_assert_int_eq(mi.bpp, 8);

    /* pixel (x, y) at 0xA0000 + y * 320 + x: linear in video memory */
    machine_mem_write(r.m, 0xa0000 + 10 * 320 + 7, 0x20, 1);
    machine_mem_write(r.m, 0xa0000 + 199 * 320 + 316, 0x04030201, 4);
    ck_assert_uint_eq(vga_vram(r.v, NULL)[10 * 320 + 7], 0x20);
    ck_assert_uint_eq(planes_at(r.v, (10 * 320 + 7) / 4) >> 24, 0x20);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000 + 199 * 320 + 318, 1),
                      3);
    /* map mask applies per byte */
    seq(r.m, 2, 0x0e);
    machine_mem_write(r.m, 0xa0000 + 199 * 320 + 316, 0x0, 4);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xa0000 + 199 * 320 + 316, 4),
                      0x00000001);
    seq(r.m, 2, 0x0f);
    machine_mem_write(r.m, 0xa0000 + 199 * 320 + 316, 0x04030201, 4);

    /* palette: 0x20 red, 0x03 6-bit grey */
    outb(r.m, 0x3c8, 0x20);
    outb(r.m, 0x3c9, 0x3f);
    outb(r.m, 0x3c9, 0x00);
    outb(r.m, 0x3c9, 0x00);
    outb(r.m, 0x3c8, 0x03);
    outb(r.m, 0x3c9, 0x20);
    outb(r.m, 0x3c9, 0x20);
    outb(r.m, 0x3c9, 0x20);
    struct vga_frame f;
    bool changed;
    vga_render(r.v, &f, &changed);
    ck_assert_int_eq(f.width, 320);
    ck_assert_int_eq(f.height, 200);
    ck_assert_uint_eq(f.pixels[10 * f.stride + 7], 0xff0000);
    ck_assert_uint_eq(f.pixels[199 * f.stride + 318], 0x828282);
    ck_assert_uint_eq(f.pixels[0], 0);
    rig_free(&r);
}
END_TEST

/* ---- DAC ---- */

START_TEST(dac_auto_increment)
{
    struct rig r = rig_new();
    outb(r.m, 0x3c8, 0xfe);
    ck_assert_uint_eq(inb(r.m, 0x3c7), 0);   /* write mode */
    static const uint8_t rgb[9] = { 1, 2, 3, 4, 5, 6, 0x7f, 0x40, 0xff };
    for (int i = 0; i < 9; i++)
        outb(r.m, 0x3c9, rgb[i]);
    ck_assert_uint_eq(inb(r.m, 0x3c8), 0x01);   /* wrapped past 0xff */
    outb(r.m, 0x3c7, 0xfe);
    ck_assert_uint_eq(inb(r.m, 0x3c7), 3);   /* read mode */
    static const uint8_t back[9] = { 1, 2, 3, 4, 5, 6, 0x3f, 0x00, 0x3f };
    for (int i = 0; i < 9; i++)
        ck_assert_uint_eq(inb(r.m, 0x3c9), back[i]);
    /* a new read index restarts the triple */
    outb(r.m, 0x3c7, 0xff);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 4);
    outb(r.m, 0x3c7, 0xff);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 4);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 5);
    /* pixel mask */
    outb(r.m, 0x3c6, 0x0f);
    ck_assert_uint_eq(inb(r.m, 0x3c6), 0x0f);
    /* the 8-bit DAC of VBE keeps all bits */
    vbe_w(r.m, VBE_INDEX_ENABLE, VBE_8BIT_DAC);
    outb(r.m, 0x3c8, 0x10);
    outb(r.m, 0x3c9, 0xff);
    outb(r.m, 0x3c9, 0x80);
    outb(r.m, 0x3c9, 0x41);
    outb(r.m, 0x3c7, 0x10);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 0xff);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 0x80);
    ck_assert_uint_eq(inb(r.m, 0x3c9), 0x41);
    rig_free(&r);
}
END_TEST

/* ---- the other registers ---- */

START_TEST(registers)
{
    struct rig r = rig_new();
    /* attribute controller: one port, a flip-flop reset by 0x3DA */
    inb(r.m, 0x3da);
    outb(r.m, 0x3c0, 0x31);   /* index 0x11 with PAS */
    ck_assert_uint_eq(inb(r.m, 0x3c0), 0x31);
    outb(r.m, 0x3c0, 0x2a);
    ck_assert_uint_eq(inb(r.m, 0x3c1), 0x2a);
    outb(r.m, 0x3c0, 0x32);   /* flip-flop back at index */
    inb(r.m, 0x3da);
    outb(r.m, 0x3c0, 0x33);   /* still index after the reset */
    ck_assert_uint_eq(inb(r.m, 0x3c0), 0x33);
    outb(r.m, 0x3c0, 0x05);
    ck_assert_uint_eq(inb(r.m, 0x3c1), 0x05);   /* panning: 4 bits */

    /* sequencer and graphics controller index/data, word writes */
    machine_pio_write(r.m, 0x3ce, 0xff08, 2);
    outb(r.m, 0x3ce, 0x05);
    outb(r.m, 0x3cf, 0xff);
    ck_assert_uint_eq(inb(r.m, 0x3cf), 0x7b);
    ck_assert_uint_eq(machine_pio_read(r.m, 0x3ce, 2), 0x7b05);
    seq(r.m, 3, 0x3f);
    outb(r.m, 0x3c4, 3);
    ck_assert_uint_eq(inb(r.m, 0x3c5), 0x3f);

    /* CRTC: write protection of 0-7 by CR11 bit 7 */
    crtc(r.m, 0x11, 0x8e);
    crtc(r.m, 0x01, 0x27);
    crtc(r.m, 0x07, 0x00);
    outb(r.m, 0x3d4, 0x01);
    ck_assert_uint_eq(inb(r.m, 0x3d5), 0x4f);
    outb(r.m, 0x3d4, 0x07);
    ck_assert_uint_eq(inb(r.m, 0x3d5), 0x0f);   /* bit 4 cleared */
    crtc(r.m, 0x0e, 0x12);
    outb(r.m, 0x3d4, 0x0e);
    ck_assert_uint_eq(inb(r.m, 0x3d5), 0x12);

    /* mono addressing: the CRTC moves to 0x3B4, 0x3D4 goes quiet */
    ck_assert_uint_eq(inb(r.m, 0x3cc), 0x67);
    outb(r.m, 0x3c2, 0x66);
    ck_assert_uint_eq(inb(r.m, 0x3d5), 0xff);
    outb(r.m, 0x3b4, 0x0e);
    ck_assert_uint_eq(inb(r.m, 0x3b5), 0x12);
    ck_assert_uint_eq(inb(r.m, 0x3ba) & 0xf6, 0);
    outb(r.m, 0x3c2, 0x67);

    /* input status 1: retrace comes and goes */
    bool saw_retrace = false, saw_display = false;
    for (int i = 0; i < 20000000 && !(saw_retrace && saw_display); i++) {
        uint8_t s = inb(r.m, 0x3da);
        if (s & 0x08)
            saw_retrace = true;
        else if (!(s & 0x01))
            saw_display = true;
    }
    ck_assert(saw_retrace && saw_display);
    rig_free(&r);
}
END_TEST

/* ---- VBE ---- */

START_TEST(vbe_registers)
{
    struct rig r = rig_new();
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_ID), VBE_ID0);
    vbe_w(r.m, VBE_INDEX_ID, VBE_ID5);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_ID), VBE_ID5);
    vbe_w(r.m, VBE_INDEX_ID, 0x1234);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_ID), VBE_ID5);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIDEO_MEMORY_64K), 256);
    ck_assert_uint_eq(machine_pio_read(r.m, VBE_PORT_INDEX, 2),
                      VBE_INDEX_VIDEO_MEMORY_64K);

    /* capabilities */
    vbe_w(r.m, VBE_INDEX_XRES, 1024);
    vbe_w(r.m, VBE_INDEX_ENABLE, VBE_GETCAPS);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_XRES), VBE_MAX_XRES);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_YRES), VBE_MAX_YRES);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_BPP), 32);
    vbe_w(r.m, VBE_INDEX_ENABLE, 0);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_XRES), 1024);

    /* bad values are refused */
    vbe_w(r.m, VBE_INDEX_BPP, 12);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_BPP), 8);
    vbe_w(r.m, VBE_INDEX_XRES, 5000);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_XRES), 1024);
    vbe_w(r.m, VBE_INDEX_BANK, 256);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_BANK), 0);
    vbe_w(r.m, VBE_INDEX_BANK, 255);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_BANK), 255);
    vbe_w(r.m, VBE_INDEX_BANK, 0);

    /* a mode that does not fit in video memory is not enabled */
    vbe_w(r.m, VBE_INDEX_XRES, 2560);
    vbe_w(r.m, VBE_INDEX_YRES, 1600);
    vbe_w(r.m, VBE_INDEX_BPP, 32);
    vbe_w(r.m, VBE_INDEX_ENABLE, VBE_ENABLED);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_ENABLE), VBE_ENABLED);   /* 16M */
    vbe_w(r.m, VBE_INDEX_ENABLE, 0);
    char err[128];
    struct machine *m2 = machine_new(16 << 20, err, sizeof err);
    struct vga_config small = { .vram_size = 4u << 20, .rom = "none" };
    struct vga *v2 = vga_new(m2, &small, err, sizeof err);
    ck_assert_msg(v2 != NULL, "%s", err);
    vbe_w(m2, VBE_INDEX_XRES, 2560);
    vbe_w(m2, VBE_INDEX_YRES, 1600);
    vbe_w(m2, VBE_INDEX_BPP, 32);
    vbe_w(m2, VBE_INDEX_ENABLE, VBE_ENABLED);
    ck_assert_uint_eq(vbe_r(m2, VBE_INDEX_ENABLE), 0);
    ck_assert_uint_eq(vbe_r(m2, VBE_INDEX_VIDEO_MEMORY_64K), 64);
    vga_free(v2);
    machine_free(m2);
    rig_free(&r);
}
END_TEST

START_TEST(vbe_lfb_and_banks)
{
    struct rig r = rig_new();
    ck_assert_int_eq(vga_map_lfb(r.v, VGA_LFB_ISA_ADDR), 0);
    /* stale contents: cleared by the mode set unless NOCLEARMEM */
    machine_mem_write(r.m, VGA_LFB_ISA_ADDR + 4, 0x55, 1);
    vbe_w(r.m, VBE_INDEX_XRES, 800);
    vbe_w(r.m, VBE_INDEX_YRES, 600);
    vbe_w(r.m, VBE_INDEX_BPP, 32);
    vbe_w(r.m, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    ck_assert_uint_eq(machine_mem_read(r.m, VGA_LFB_ISA_ADDR + 4, 1), 0);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIRT_WIDTH), 800);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIRT_HEIGHT), 600);

    struct vga_mode_info mi;
    vga_mode_info(r.v, &mi);
    ck_assert(mi.vbe);
    ck_assert_int_eq(mi.width, 800);
    ck_assert_int_eq(mi.height, 600);
    char buf[64];
    ck_assert_int_eq(vga_text_dump(r.v, buf, sizeof buf), -1);

    /* pixel (10, 20) through the LFB, 0x00RRGGBB little-endian */
    uint64_t px = VGA_LFB_ISA_ADDR + (20 * 800 + 10) * 4;
    machine_mem_write(r.m, px, 0x00123456, 4);
    machine_mem_write(r.m, VGA_LFB_ISA_ADDR + (599 * 800 + 799) * 4,
                      0x00abcdef00ffffffull, 8);   /* past the screen */
    ck_assert_uint_eq(machine_mem_read(r.m, px, 4), 0x00123456);
    struct vga_frame f;
    bool changed;
    vga_render(r.v, &f, &changed);
    ck_assert_int_eq(f.width, 800);
    ck_assert_int_eq(f.height, 600);
    ck_assert_uint_eq(f.pixels[20 * f.stride + 10], 0x123456);
    ck_assert_uint_eq(f.pixels[599 * f.stride + 799], 0xffffff);

    /* the 64 KiB window at 0xA0000 is chain-4 with the bank added */
    vbe_w(r.m, VBE_INDEX_BANK, 2);
    machine_mem_write(r.m, 0xa0000 + 0x10, 0xaa, 1);
    ck_assert_uint_eq(vga_vram(r.v, NULL)[0x20010], 0xaa);
    ck_assert_uint_eq(machine_mem_read(r.m, VGA_LFB_ISA_ADDR + 0x20010, 1),
                      0xaa);
    ck_assert_uint_eq(machine_mem_read(r.m, 0xb0000, 1), 0xff);

    /* panning: the display start moves with the offsets */
    vbe_w(r.m, VBE_INDEX_VIRT_WIDTH, 1024);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIRT_WIDTH), 1024);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIRT_HEIGHT), 600);
    vbe_w(r.m, VBE_INDEX_VIRT_HEIGHT, 5000);   /* clamped to memory */
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_VIRT_HEIGHT), 4096);
    vbe_w(r.m, VBE_INDEX_Y_OFFSET, 1);
    machine_mem_write(r.m, VGA_LFB_ISA_ADDR + 1024 * 4 + 8, 0x00ff00, 4);
    vga_render(r.v, &f, &changed);
    ck_assert_uint_eq(f.pixels[2], 0x00ff00);
    vbe_w(r.m, VBE_INDEX_Y_OFFSET, 60000);   /* clamped */
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_Y_OFFSET), 4096 - 600);

    /* 16 bpp and 8 bpp with NOCLEARMEM keep the bytes */
    vbe_w(r.m, VBE_INDEX_ENABLE, 0);
    ck_assert_uint_eq(vbe_r(r.m, VBE_INDEX_BANK), 0);
    vbe_w(r.m, VBE_INDEX_BPP, 16);
    vbe_w(r.m, VBE_INDEX_XRES, 640);
    vbe_w(r.m, VBE_INDEX_YRES, 480);
    vbe_w(r.m, VBE_INDEX_ENABLE, VBE_ENABLED | VBE_LFB_ENABLED);
    machine_mem_write(r.m, VGA_LFB_ISA_ADDR, 0xf800, 2);   /* red */
    machine_mem_write(r.m, VGA_LFB_ISA_ADDR + 2, 0x07e0, 2);   /* green */
    vga_render(r.v, &f, &changed);
    ck_assert_int_eq(f.width, 640);
    ck_assert_uint_eq(f.pixels[0], 0xff0000);
    ck_assert_uint_eq(f.pixels[1], 0x00ff00);
    vbe_w(r.m, VBE_INDEX_ENABLE, 0);
    vbe_w(r.m, VBE_INDEX_BPP, 8);
    vbe_w(r.m, VBE_INDEX_ENABLE,
          VBE_ENABLED | VBE_LFB_ENABLED | VBE_NOCLEARMEM | VBE_8BIT_DAC);
    ck_assert_uint_eq(machine_mem_read(r.m, VGA_LFB_ISA_ADDR, 2), 0xf800);
    outb(r.m, 0x3c8, 0x00);
    outb(r.m, 0x3c9, 0x12);
    outb(r.m, 0x3c9, 0x34);
    outb(r.m, 0x3c9, 0x56);
    vga_render(r.v, &f, &changed);
    ck_assert_uint_eq(f.pixels[0], 0x123456);

    /* disabling returns to the VGA registers (graphics mode now) */
    vbe_w(r.m, VBE_INDEX_ENABLE, 0);
    vga_mode_info(r.v, &mi);
    ck_assert(!mi.vbe);
    rig_free(&r);
}
END_TEST

START_TEST(pci_info_and_rom)
{
    char err[256];
    struct machine *m = machine_new(16 << 20, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    struct vga_config cfg = { .rom = "/nonexistent/vgabios.bin" };
    ck_assert_ptr_null(vga_new(m, &cfg, err, sizeof err));
    ck_assert_msg(strstr(err, "/nonexistent/vgabios.bin") != NULL, "%s", err);
    cfg.rom = NULL;
    cfg.vram_size = 3u << 20;
    ck_assert_ptr_null(vga_new(m, &cfg, err, sizeof err));
    ck_assert_msg(strstr(err, "power of two") != NULL, "%s", err);

    cfg.vram_size = 0;
    struct vga *v = vga_new(m, &cfg, err, sizeof err);
    if (!v) {   /* the seabios package is not installed */
        ck_assert_msg(strstr(err, "apt-get install seabios") != NULL, "%s",
                      err);
        machine_free(m);
        return;
    }
    struct vga_pci_info pi;
    vga_pci_info(v, &pi);
    ck_assert_uint_eq(pi.vendor, 0x1234);
    ck_assert_uint_eq(pi.device, 0x1111);
    ck_assert_uint_eq(pi.class_code, 0x030000);
    ck_assert_uint_eq(pi.vram_size, 16u << 20);
    ck_assert_ptr_nonnull(pi.rom);
    ck_assert(pi.rom_size > 512);
    ck_assert_uint_eq(pi.rom[0], 0x55);
    ck_assert_uint_eq(pi.rom[1], 0xaa);
    ck_assert(pi.rom_bar_size >= pi.rom_size &&
              (pi.rom_bar_size & (pi.rom_bar_size - 1)) == 0);
    /* BAR0 through the callbacks, as the PCI bus will call them */
    pi.lfb_write(pi.opaque, 0x100, 0xdeadbeef, 4);
    ck_assert_uint_eq(pi.lfb_read(pi.opaque, 0x100, 4), 0xdeadbeef);
    ck_assert_uint_eq(pi.lfb_read(pi.opaque, (16u << 20) - 2, 4),
                      0xffff0000u);
    pi.lfb_write(pi.opaque, (16u << 20) - 2, 0x12345678, 4);   /* ignored */
    /* a second VGA cannot claim the same ports */
    struct vga_config none = { .rom = "none" };
    ck_assert_ptr_null(vga_new(m, &none, err, sizeof err));
    ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
    vga_free(v);
    machine_free(m);
}
END_TEST

/* The PCI function as SeaBIOS sees it: IDs, BAR0 sizing and mapping, the
 * ROM BAR holding the video BIOS. */
START_TEST(pci_function)
{
    char err[256];
    struct machine *m = machine_new(16 << 20, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    struct pci_bus *bus = pci_bus_new(m, err, sizeof err);
    ck_assert_msg(bus != NULL, "%s", err);
    static const uint8_t fake_rom[3000] = { 0x55, 0xaa, 6 };
    char rom[] = "/tmp/tandem-vgarom-XXXXXX";
    int fd = mkstemp(rom);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, fake_rom, sizeof fake_rom), sizeof fake_rom);
    close(fd);
    struct vga_config cfg = { .rom = rom };
    struct vga *v = vga_new(m, &cfg, err, sizeof err);
    unlink(rom);
    ck_assert_msg(v != NULL, "%s", err);
    int devfn = PCI_DEVFN(2, 0);
    ck_assert_ptr_nonnull(vga_pci_attach(v, bus, devfn, err, sizeof err));
    ck_assert_ptr_null(vga_pci_attach(v, bus, devfn, err, sizeof err));

    ck_assert_uint_eq(pci_config_read(bus, devfn, PCI_VENDOR_ID, 4),
                      0x11111234);
    ck_assert_uint_eq(pci_config_read(bus, devfn, PCI_REVISION_ID, 4),
                      0x03000002);
    /* BAR0: 16 MiB prefetchable memory */
    pci_config_write(bus, devfn, PCI_BAR0, 0xffffffff, 4);
    ck_assert_uint_eq(pci_config_read(bus, devfn, PCI_BAR0, 4), 0xff000008);
    pci_config_write(bus, devfn, PCI_ROM_ADDRESS, 0xffffffff, 4);
    ck_assert_uint_eq(pci_config_read(bus, devfn, PCI_ROM_ADDRESS, 4),
                      0xfffff001);   /* 4 KiB */
    pci_config_write(bus, devfn, PCI_BAR0, 0xfd000000, 4);
    pci_config_write(bus, devfn, PCI_ROM_ADDRESS, 0xfebf0001, 4);
    pci_config_write(bus, devfn, PCI_COMMAND, PCI_COMMAND_IO |
                     PCI_COMMAND_MEMORY, 2);
    machine_mem_write(m, 0xfd000000 + 0x1000, 0xcafe, 2);
    ck_assert_uint_eq(vga_vram(v, NULL)[0x1000], 0xfe);
    ck_assert_uint_eq(machine_mem_read(m, 0xfebf0000, 2), 0xaa55);
    ck_assert_uint_eq(machine_mem_read(m, 0xfebf0000 + 2999, 1), 0);
    pci_bus_free(bus);
    vga_free(v);
    machine_free(m);
}
END_TEST

START_TEST(screendump_files)
{
    struct rig r = rig_new();
    put_text(r.m, 0, 0, "dumped", 0x07);
    char path[] = "/tmp/tandem-vga-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_int_eq(vga_screendump(r.v, path, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    char line[64] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "dumped\n");
    unlink(path);

    char ppm[64];
    snprintf(ppm, sizeof ppm, "%s.ppm", path);
    ck_assert_int_eq(vga_screendump(r.v, ppm, err, sizeof err), 0);
    f = fopen(ppm, "rb");
    ck_assert_ptr_nonnull(f);
    int w = 0, h = 0;
    ck_assert_int_eq(fscanf(f, "P6 %d %d 255", &w, &h), 2);
    fclose(f);
    ck_assert_int_eq(w, 720);
    ck_assert_int_eq(h, 400);
    unlink(ppm);
    ck_assert_int_eq(vga_screendump(r.v, "/nonexistent/dir/x", err,
                                    sizeof err), -1);
    ck_assert_msg(strstr(err, "/nonexistent/dir/x") != NULL, "%s", err);
    rig_free(&r);
}
END_TEST

/* A guest that programs garbage gets no crash, and every dump and render
 * stays inside its buffers (the sanitizer build checks that). */
START_TEST(garbage_never_crashes)
{
    struct rig r = rig_new();
    ck_assert_int_eq(vga_map_lfb(r.v, VGA_LFB_ISA_ADDR), 0);
    uint32_t x = 12345;
    char buf[4096];
    struct vga_frame f;
    bool changed;
    for (int round = 0; round < 3000; round++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = (uint16_t)(0x3b0 + (x >> 8) % 0x30);
        machine_pio_write(r.m, port, x >> 16, 1 + (x & 1));
        (void)machine_pio_read(r.m, port, 1);
        x = x * 1103515245u + 12345u;
        vbe_w(r.m, (uint16_t)((x >> 4) % 12), (uint16_t)(x >> 16));
        x = x * 1103515245u + 12345u;
        machine_mem_write(r.m, 0xa0000 + (x >> 8) % 0x20000, x, 1 << (x & 3));
        (void)machine_mem_read(r.m, 0xa0000 + (x >> 12) % 0x20000, 2);
        if (round % 50 == 0) {
            vga_text_dump(r.v, buf, sizeof buf);
            vga_render(r.v, &f, &changed);
            if (f.pixels) {
                ck_assert(f.width > 0 && f.height > 0);
                volatile uint32_t last =
                    f.pixels[(size_t)(f.height - 1) * (size_t)f.stride +
                             (size_t)f.width - 1];
                (void)last;
            }
        }
    }
    machine_reset_devices(r.m);
    struct vga_mode_info mi;
    vga_mode_info(r.v, &mi);
    ck_assert(mi.text && mi.cols == 80 && mi.rows == 25);
    rig_free(&r);
}
END_TEST

static Suite *vga_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *t = tcase_create("text");
    tcase_add_test(t, text_write_and_dump);
    tcase_add_test(t, text_start_address_and_geometry);
    tcase_add_test(t, text_render_with_font);
    suite_add_tcase(s, t);
    t = tcase_create("memory");
    tcase_add_test(t, planar_write_modes);
    tcase_add_test(t, planar_read_modes);
    tcase_add_test(t, odd_even_and_memory_maps);
    tcase_add_test(t, chain4_mode13);
    suite_add_tcase(s, t);
    t = tcase_create("registers");
    tcase_add_test(t, dac_auto_increment);
    tcase_add_test(t, registers);
    suite_add_tcase(s, t);
    t = tcase_create("vbe");
    tcase_add_test(t, vbe_registers);
    tcase_add_test(t, vbe_lfb_and_banks);
    tcase_add_test(t, pci_info_and_rom);
    tcase_add_test(t, pci_function);
    suite_add_tcase(s, t);
    t = tcase_create("misc");
    tcase_add_test(t, screendump_files);
    tcase_add_test(t, garbage_never_crashes);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vga_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
