/*
 * coro_test.c - unit tests for the coroutine layer (coro-*).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coro.h"
#include "tap.h"

static char order[64];
static size_t norder;
static struct coro *a, *b;

static void note(char c)
{
	if (norder < sizeof order - 1)
		order[norder++] = c;
}

static void body_a(void *arg)
{
	int *x = arg;

	note('a');
	*x += 1;
	coro_switch(b);           /* a -> b directly, not through main */
	note('c');
	*x += 10;
	coro_switch(coro_main());
	note('e');
}

static void body_b(void *arg)
{
	(void)arg;
	note('b');
	coro_switch(a);
	note('x');                /* never reached: nobody resumes b again */
}

static void test_switching(void)
{
	int x = 0;
	char *cause = NULL;

	norder = 0;
	memset(order, 0, sizeof order);
	a = coro_create("A", body_a, &x, &cause);
	b = coro_create("B", body_b, NULL, &cause);
	tap_ok(a && b, "coro-1.1", "two coroutines created");
	coro_switch(a);
	note('d');
	tap_is_str(order, "abcd", "coro-1.2", "control moves a -> b -> a -> main in order");
	tap_is_int(x, 11, "coro-1.3", "the argument reached the body through the coroutine");
	tap_ok(!coro_finished(a), "coro-1.4", "a suspended coroutine is not finished");
	coro_switch(a);
	tap_is_str(order, "abcde", "coro-1.5", "resuming a runs it to its end");
	tap_ok(coro_finished(a), "coro-1.6", "a body that returned is finished");
	tap_ok(coro_self() == coro_main(), "coro-1.7", "the return went back to main");
	coro_destroy(a);
	coro_destroy(b);          /* b never finished: destroying it mid-way is allowed */
}

static void body_count(void *arg)
{
	int *n = arg;

	for (;;) {
		(*n)++;
		coro_switch(coro_main());
	}
}

static void test_pool(void)
{
	char *cause = NULL;
	size_t before;
	int n = 0, ok = 1;

	coro_pool_drain();
	before = coro_stacks_mapped();
	for (int i = 0; i < 20000; i++) {
		struct coro *c1 = coro_create("CPU0", body_count, &n, &cause);
		struct coro *c2 = coro_create("CPU1", body_count, &n, &cause);
		if (!c1 || !c2) {
			ok = 0;
			break;
		}
		coro_switch(c1);
		coro_switch(c2);
		coro_switch(c1);
		coro_destroy(c1);     /* abandoned mid-body, like a run stopped at a BUG */
		coro_destroy(c2);
	}
	tap_ok(ok, "coro-2.1", "20000 create/switch/destroy cycles");
	tap_is_int(n, 60000, "coro-2.2", "every coroutine ran exactly its share");
	tap_is_int((long long)(coro_stacks_mapped() - before), 2, "coro-2.3",
		   "the pool reused two stacks instead of mapping 40000");
	coro_pool_drain();
	tap_is_int((long long)coro_stacks_mapped(), 0, "coro-2.4", "drain unmaps every pooled stack");
}

static int depth(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n == 0)
		return pad[0];
	return depth(n - 1) + pad[0];
}

static void body_overflow(void *arg)
{
	(void)arg;
	depth(1 << 20);
}

static void test_overflow(void)
{
	int fds[2];
	pid_t pid;
	int status = 0;
	char buf[512] = "";
	ssize_t got;

	if (pipe(fds) != 0) {
		tap_ok(0, "coro-3.1", "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *cause = NULL;
		struct coro *c;

		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		c = coro_create("CPU7", body_overflow, NULL, &cause);
		if (c)
			coro_switch(c);
		_exit(0);
	}
	close(fds[1]);
	{
		size_t len = 0;
		/* Read to EOF: closing early would kill the child with SIGPIPE. */
		while ((got = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
			len += (size_t)got;
		buf[len] = '\0';
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == XS_EXIT_INTERNAL, "coro-3.1",
	       "a stack overflow exits with status %d, not a crash (status 0x%x)",
	       XS_EXIT_INTERNAL, status);
	tap_has_str(buf, "coroutine CPU7 overflowed its stack", "coro-3.2",
		    "the message names the CPU whose stack overflowed");
}

int main(void)
{
	tap_diag("coroutine backend: %s", coro_backend_name());
	test_switching();
	test_pool();
	test_overflow();
	return tap_done();
}
