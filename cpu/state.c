/* Architectural reset state, shared by both engines. */
#include "cpu/state.h"

#include <string.h>

static void seg_reset(struct x86_seg *s, uint16_t sel, uint64_t base, int code)
{
    memset(s, 0, sizeof *s);
    s->sel = sel;
    s->base = base;
    s->limit = 0xffff;
    s->present = 1;
    s->s = 1;
    s->type = code ? 0xb : 0x3;   /* execute/read accessed; read/write accessed */
}

void x86_state_reset(struct x86_state *s, uint32_t cpuid_signature)
{
    memset(s, 0, sizeof *s);
    s->rip = 0xfff0;
    s->rflags = 0x2;
    s->gpr[R_EDX] = cpuid_signature;
    for (int i = 0; i < 6; i++)
        seg_reset(&s->seg[i], 0, 0, 0);
    seg_reset(&s->seg[S_CS], 0xf000, 0xffff0000u, 1);
    s->ldt.limit = 0xffff;
    s->ldt.present = 1;
    s->ldt.type = 2;          /* LDT */
    s->tr.limit = 0xffff;
    s->tr.present = 1;
    s->tr.type = 3;           /* busy 16-bit TSS, as KVM and QEMU reset it */
    s->gdt.limit = 0xffff;
    s->idt.limit = 0xffff;
    s->cr0 = CR0_ET | CR0_CD | CR0_NW;
    s->dr[6] = 0xffff0ff0u;
    s->dr[7] = 0x400;
    s->apic_base = 0;   /* no local APIC advertised yet */
    s->fpu.fcw = 0x40;  /* FINIT sets 0x37f; reset leaves 0x40 */
    s->fpu.mxcsr = 0x1f80;
}

void x86_seg_load_real(struct x86_seg *s, uint16_t sel)
{
    s->sel = sel;
    s->base = (uint64_t)sel << 4;
}
