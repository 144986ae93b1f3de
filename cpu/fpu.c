/* The x87 FPU.  Not implemented yet, and not advertised in CPUID: with
 * CR0.EM or CR0.TS set the escape opcodes raise #NM, as on a CPU without a
 * coprocessor; otherwise #UD (logged with -d unimp). */
#include "cpu/decoder.h"
#include "cpu/exec.h"

static HANDLER(exec_fpu_absent)
{
    if (c->s.cr0 & (CR0_EM | CR0_TS))
        cpu_fault(c, EXC_NM, NO_ERR);
    exec_invalid(c, i);
}

void fpu_decode(struct dec *d, struct insn *i, unsigned op)
{
    (void)d;
    (void)op;
    i->fn = exec_fpu_absent;
}
