// The C program user-probe tests trace. Usage: target N [END_MS [STEP_MS]]
// runs N iterations (sleeping STEP_MS after each), then sleeps END_MS.
// Every iteration calls the functions below and fires the USDT probes
// of provider gtrace_test.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sdt.h>

void gated(int i);

long counter = 7;
long table[8] = {10, 20, 30, 40, 50, 60, 70, 80};
volatile long sink;

__attribute__((noinline, noclone)) int add(int a, int b) { return a + b; }
__attribute__((noinline, noclone)) long mul3(long a, long b, long c) { return a * b * c; }
__attribute__((noinline, noclone)) const char *greet(const char *name) { sink += name[0]; return name; }
__attribute__((noinline, noclone)) long many(long a, long b, long c, long d, long e, long f, long g, long h)
{
	sink += a + b + c + d + e + f + g + h;
	return sink;
}

// indexed's arguments are memory at base + index * scale.
__attribute__((noinline, noclone)) void indexed(long *t, int i)
{
	DTRACE_PROBE2(gtrace_test, indexed, t[i], table[i]);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int end = argc > 2 ? atoi(argv[2]) : 0;
	int step = argc > 3 ? atoi(argv[3]) : 0;
	char name[16];
	strcpy(name, "world");
	// Touch the string the loop probe passes, so that its page is mapped
	// when the probe reads it (BPF cannot fault pages in).
	const char *volatile hello = "hello";
	sink += hello[0];
	for (int i = 0; i < n; i++) {
		int s = add(i, 40);
		long m = mul3(2, 3, i);
		greet(name);
		many(1, 2, 3, 4, 5, 6, 7, 8);
		DTRACE_PROBE3(gtrace_test, loop, i, s, hello);
		DTRACE_PROBE2(gtrace_test, neg, -5, (short)-3);
		DTRACE_PROBE1(gtrace_test, global, counter);
		gated(i);
		indexed(table, i % 8);
		if (i == 0)
			DTRACE_PROBE1(gtrace_test, twice, 1);
		else
			DTRACE_PROBE1(gtrace_test, twice, m);
		sink += m;
		counter++;
		if (step)
			usleep(step * 1000);
	}
	if (end)
		usleep(end * 1000);
	return 0;
}
