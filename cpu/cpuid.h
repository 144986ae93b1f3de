/* The one CPU model that both engines present to the guest. */
#ifndef CPU_CPUID_H
#define CPU_CPUID_H

#include <stdint.h>

struct cpu_model {
    char vendor[13];         /* 12 characters + NUL */
    char brand[49];          /* 48 characters + NUL */
    uint32_t signature;      /* CPUID.1:EAX, also EDX after reset */
    uint32_t leaf1_ecx, leaf1_edx;
    uint32_t ext1_ecx, ext1_edx;   /* CPUID.80000001 */
    uint32_t max_leaf, max_ext_leaf;
};

/* The model tandem presents by default (interp implements all of it). */
const struct cpu_model *cpu_model_default(void);

/* CPUID instruction semantics for the model: fills out[0..3] = eax..edx.
 * Leaves above the maximum return the highest basic leaf, as Intel CPUs do. */
void cpuid_query(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
                 uint32_t out[4]);

/* Leaves the model defines, for engines that need the whole table (kvm):
 * fills up to max entries of {leaf, subleaf=0} and returns the count. */
int cpuid_leaves(const struct cpu_model *m, uint32_t *leaves, int max);

/* CPUID.1:EDX bits */
#define CPUID_FPU   (1u << 0)
#define CPUID_VME   (1u << 1)
#define CPUID_DE    (1u << 2)
#define CPUID_PSE   (1u << 3)
#define CPUID_TSC   (1u << 4)
#define CPUID_MSR   (1u << 5)
#define CPUID_PAE   (1u << 6)
#define CPUID_CX8   (1u << 8)
#define CPUID_APIC  (1u << 9)
#define CPUID_SEP   (1u << 11)
#define CPUID_PGE   (1u << 13)
#define CPUID_CMOV  (1u << 15)
#define CPUID_CLFSH (1u << 19)
#define CPUID_MMX   (1u << 23)
#define CPUID_FXSR  (1u << 24)
#define CPUID_SSE   (1u << 25)
#define CPUID_SSE2  (1u << 26)

/* CPUID.80000001h:EDX bits */
#define CPUID_EXT_NX (1u << 20)

#endif
