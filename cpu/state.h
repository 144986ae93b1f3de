/* The architectural state of one x86 CPU, shared by both engines.
 *
 * Everything needed to resume a vCPU lives here, in a form that maps
 * one-to-one onto KVM's structures (kvm_regs, kvm_sregs, kvm_fpu, MSRs) and
 * that the interpreter works on directly.  Widths are 64-bit from the start
 * so long mode arrives without a rewrite. */
#ifndef CPU_STATE_H
#define CPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum x86_gpr {
    R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

enum x86_sreg { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_NONE = 7 };

/* RFLAGS bits */
#define F_CF   0x0001u
#define F_PF   0x0004u
#define F_AF   0x0010u
#define F_ZF   0x0040u
#define F_SF   0x0080u
#define F_TF   0x0100u
#define F_IF   0x0200u
#define F_DF   0x0400u
#define F_OF   0x0800u
#define F_IOPL 0x3000u
#define F_NT   0x4000u
#define F_RF   0x10000u
#define F_VM   0x20000u
#define F_AC   0x40000u
#define F_VIF  0x80000u
#define F_VIP  0x100000u
#define F_ID   0x200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* CR0 / CR4 / EFER bits used across the tree */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_VME 0x0001u
#define CR4_PVI 0x0002u
#define CR4_TSD 0x0004u
#define CR4_DE  0x0008u
#define CR4_PSE 0x0010u
#define CR4_PAE 0x0020u
#define CR4_PGE 0x0080u
#define CR4_PCE 0x0100u
#define CR4_OSFXSR 0x0200u
#define CR4_OSXMMEXCPT 0x0400u

/* A segment register with its hidden descriptor cache.  Field meanings are
 * those of struct kvm_segment, so the kvm engine copies them as they are.
 * `limit` is the effective byte-granular limit (G already applied). */
struct x86_seg {
    uint64_t base;
    uint32_t limit;
    uint16_t sel;
    uint8_t type;      /* descriptor type, 4 bits (bit 0 accessed, bit 3 code) */
    uint8_t s;         /* 1 = code/data, 0 = system */
    uint8_t dpl;
    uint8_t present;
    uint8_t avl;
    uint8_t l;         /* 64-bit code segment */
    uint8_t db;        /* default operation size / big */
    uint8_t g;
    uint8_t unusable;  /* null selector loaded in protected mode */
};

struct x86_dtable {
    uint64_t base;
    uint16_t limit;
};

/* x87/SSE state in the FXSAVE layout's fields (the interp FPU of a later
 * issue works on these; kvm copies them into struct kvm_fpu). */
struct x86_fpu {
    uint16_t fcw, fsw;
    uint8_t ftw;            /* abridged tag word, as FXSAVE stores it */
    uint16_t fop;
    uint64_t fip, fdp;
    uint8_t st[8][16];      /* 80-bit registers, padded to 16 bytes */
    uint8_t xmm[16][16];
    uint32_t mxcsr;
};

/* Pending events, the part of kvm_vcpu_events both engines need. */
struct x86_events {
    bool halted;
    uint8_t interrupt_shadow;   /* 1: after STI, 2: after MOV SS/POP SS */
    bool nmi_pending;
};

struct x86_state {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
    struct x86_seg seg[6];      /* indexed by enum x86_sreg */
    struct x86_seg ldt, tr;
    struct x86_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t dr[8];             /* DR4/DR5 alias DR6/DR7 and are unused */
    uint64_t apic_base;
    uint64_t tsc;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    struct x86_fpu fpu;
    struct x86_events ev;
};

/* Architectural state after RESET (SDM vol. 3 9.1.1): CS=F000 base FFFF0000,
 * IP=FFF0, EDX=family/model/stepping signature. */
void x86_state_reset(struct x86_state *s, uint32_t cpuid_signature);

/* A real-mode segment load: base = sel * 16, limit and rights untouched
 * beyond what real mode defines (unreal mode keeps the cached limit). */
void x86_seg_load_real(struct x86_seg *s, uint16_t sel);

#endif
