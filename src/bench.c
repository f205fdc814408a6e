/*
 * bench.c - the engine benchmark behind `xipsandbox bench`.
 *
 * What is timed is exactly what a run or an exploration pays per step: the
 * scheduler's choice (round robin), the trace record, the switch into the
 * CPU, one scheduling point with a noted value, the switch back, the
 * enabledness recomputation.  Runs are 10000 steps long and the scheduler is
 * reset between them, as the explorer does.  The wall clock is used only
 * here, to time; nothing a run computes depends on it.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "bench.h"
#include "coro.h"
#include "sched.h"

#define BENCH_RUN_STEPS 10000u

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pingpong(void *arg)
{
	for (;;)
		coro_switch(coro_main());
}

static double measure_switch(double seconds)
{
	char *cause = NULL;
	struct coro *co = coro_create("bench", pingpong, NULL, &cause);
	unsigned long long rounds = 0;
	double t0, t1;

	if (!co)
		fatal("bench: %s", cause);
	t0 = now_sec();
	do {
		for (int i = 0; i < 100000; i++)
			coro_switch(co);
		rounds += 100000;
		t1 = now_sec();
	} while (t1 - t0 < seconds);
	coro_destroy(co);
	return (t1 - t0) * 1e9 / (double)(2 * rounds); /* two switches per round */
}

static struct {
	struct sched_obj obj;
	long value;
} bench_cell;

static void bench_task(void *arg)
{
	for (;;) {
		sched_point(SCHED_OP_READ, &bench_cell.obj, SCHED_SITE_CALL("read cell"));
		sched_note(bench_cell.value++);
	}
}

static double measure_steps(struct sched *s, int ncpus, double seconds, unsigned long long *steps)
{
	char *cause = NULL;
	unsigned long long total = 0;
	double t0, t1;

	sched_set_step_limit(s, BENCH_RUN_STEPS);
	t0 = now_sec();
	do {
		sched_reset(s);
		sched_obj_init(s, &bench_cell.obj, SCHED_OBJ_MEMORY, "cell", 0, 0);
		for (int i = 0; i < ncpus; i++)
			sched_add_cpu(s, bench_task, NULL, &cause);
		if (sched_start(s, &cause) != 0 ||
		    sched_run(s, NULL, 0, SCHED_POLICY_ROUND_ROBIN, &cause) != 0)
			fatal("bench: %s", cause);
		total += sched_nsteps(s);
		t1 = now_sec();
	} while (t1 - t0 < seconds);
	*steps = total;
	return (t1 - t0) * 1e9 / (double)total;
}

void bench_measure(double seconds, struct bench_result *r)
{
	static const int cpus[4] = { 1, 2, 4, 8 };
	struct sched *s = sched_new();

	r->switch_ns = measure_switch(seconds);
	for (int i = 0; i < 4; i++) {
		r->step_ns[i] = measure_steps(s, cpus[i], seconds, &r->steps[i]);
		r->steps_per_sec[i] = 1e9 / r->step_ns[i];
	}
	sched_free(s);
}

void bench_print(FILE *out, const struct bench_result *r)
{
	static const int cpus[4] = { 1, 2, 4, 8 };

	fprintf(out, "coroutine backend: %s\n", coro_backend_name());
	fprintf(out, "bare switch (coro_switch, main <-> coroutine): %.1f ns per switch\n",
		r->switch_ns);
	fprintf(out, "%-6s %14s %16s %14s %18s\n", "CPUs", "ns per step", "steps per second",
		"steps timed", "step / bare switch");
	for (int i = 0; i < 4; i++)
		fprintf(out, "%-6d %14.1f %16.0f %14llu %18.1f\n", cpus[i], r->step_ns[i],
			r->steps_per_sec[i], r->steps[i], r->step_ns[i] / r->switch_ns);
}
