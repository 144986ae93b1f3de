/* The CPU model: what CPUID reports on both engines.
 *
 * The feature bits are exactly what the interpreter implements; grow them
 * as the interpreter grows.  A family 6 (P6-class) model with x87, MMX,
 * SSE and SSE2, so that firmware and Linux choose code paths we run. */
#include "cpu/cpuid.h"

#include <string.h>

static const struct cpu_model default_model = {
    .vendor = "GenuineIntel",
    .brand = "tandem virtual CPU",
    .signature = 0x00000633,   /* family 6, model 3, stepping 3 */
    .leaf1_edx = CPUID_FPU | CPUID_TSC | CPUID_CX8 | CPUID_CMOV |
                 CPUID_MMX | CPUID_FXSR | CPUID_SSE | CPUID_SSE2 |
                 CPUID_CLFSH |   /* CLFLUSH, 64-byte lines (cpu/simd.c) */
                 /* protection, paging and debug (cpu/mmu.c, task.c, v86.c) */
                 CPUID_VME | CPUID_DE | CPUID_PSE | CPUID_PAE | CPUID_PGE |
                 CPUID_SEP,
    .leaf1_ecx = 0,
    .ext1_edx = CPUID_EXT_NX,   /* EFER.NXE with PAE paging */
    .ext1_ecx = 0,
    .max_leaf = 1,
    .max_ext_leaf = 0x80000004,
};

const struct cpu_model *cpu_model_default(void)
{
    return &default_model;
}

static uint32_t str4(const char *s)
{
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

void cpuid_query(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
                 uint32_t out[4])
{
    (void)subleaf;
    out[0] = out[1] = out[2] = out[3] = 0;
    if (leaf >= 0x80000000u) {
        if (leaf > m->max_ext_leaf)
            leaf = m->max_leaf;   /* Intel: out-of-range returns top basic leaf */
    } else if (leaf > m->max_leaf) {
        leaf = m->max_leaf;
    }
    switch (leaf) {
    case 0:
        out[0] = m->max_leaf;
        out[1] = str4(m->vendor);
        out[3] = str4(m->vendor + 4);
        out[2] = str4(m->vendor + 8);
        break;
    case 1:
        out[0] = m->signature;
        /* brand index 0, CLFLUSH line 8 x 8 bytes, 1 logical CPU, APIC id 0 */
        out[1] = (m->leaf1_edx & CPUID_CLFSH) ? 8u << 8 : 0;
        out[2] = m->leaf1_ecx;
        out[3] = m->leaf1_edx;
        break;
    case 0x80000000u:
        out[0] = m->max_ext_leaf;
        break;
    case 0x80000001u:
        out[2] = m->ext1_ecx;
        out[3] = m->ext1_edx;
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u: {
        char brand[48];
        memset(brand, 0, sizeof brand);
        memcpy(brand, m->brand, strnlen(m->brand, sizeof brand));
        memcpy(out, brand + (leaf - 0x80000002u) * 16, 16);
        break;
    }
    default:
        break;
    }
}

int cpuid_leaves(const struct cpu_model *m, uint32_t *leaves, int max)
{
    int n = 0;
    for (uint32_t l = 0; l <= m->max_leaf && n < max; l++)
        leaves[n++] = l;
    for (uint32_t l = 0x80000000u; l <= m->max_ext_leaf && n < max; l++)
        leaves[n++] = l;
    return n;
}
