// A USDT probe behind a semaphore: it fires only while a tracer has it
// enabled (the kernel counts attached probes in the semaphore).
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short gtrace_test_gated_semaphore __attribute__((unused)) __attribute__((section(".probes")));

__attribute__((noinline, noclone)) void gated(int i)
{
	if (__builtin_expect(gtrace_test_gated_semaphore, 0))
		DTRACE_PROBE1(gtrace_test, gated, i);
}
