/*
 * bench.h - measure the engine: the bare coroutine switch, and whole
 * scheduler steps (choose -> switch to the CPU -> scheduling point ->
 * switch back, with the trace and enabledness bookkeeping).
 */
#ifndef XS_BENCH_H
#define XS_BENCH_H

#include <stdio.h>

struct bench_result {
	double switch_ns;         /* one coro_switch, averaged over round trips */
	double step_ns[4];        /* one scheduler step with 1, 2, 4, 8 CPUs */
	double steps_per_sec[4];
	unsigned long long steps[4];
};

/* Run the measurements, spending about `seconds` on each; fills *r. */
void bench_measure(double seconds, struct bench_result *r);

/* Print a result as the table docs/performance.md quotes. */
void bench_print(FILE *out, const struct bench_result *r);

#endif
