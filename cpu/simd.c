/* MMX, SSE and SSE2.  Not implemented yet, and not advertised in CPUID:
 * every opcode of their space raises #UD (logged with -d unimp). */
#include "cpu/decoder.h"
#include "cpu/exec.h"

void simd_decode(struct dec *d, struct insn *i, unsigned op)
{
    (void)d;
    (void)op;
    i->fn = exec_invalid;
    i->ends = 1;
}
