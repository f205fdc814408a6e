/*
 * failmalloc.c - an LD_PRELOAD shim that makes memory allocation fail on
 * purpose, so tests/hardening.sh can check what xipsandbox does when
 * malloc returns NULL: a clear "out of memory" (fatal(), exit 70) or a
 * clear message from SQLite's own out-of-memory handling (exit 3); never a
 * crash, and never a damaged database.  It can also kill the process just
 * before its Nth write to a file (XS_FAILMALLOC_KILL_WRITE), to stop it at
 * every point of a database transaction in turn, deterministically.
 *
 * Build (hardening.sh does it; not part of the program):
 *     cc -shared -fPIC -o failmalloc.so tests/failmalloc.c
 * Use:
 *     XS_FAILMALLOC_AFTER=N LD_PRELOAD=./failmalloc.so xipsandbox ...
 *         the first N allocations succeed; every later one fails
 *     XS_FAILMALLOC_ONCE=1 as well (empty or 0: off): only allocation N + 1 fails (so the
 *         program's recovery path runs, not only its fatal path)
 *     XS_FAILMALLOC_COUNT=FILE: at exit, write the number of allocations
 *         made to FILE (to choose N), and on a second line the number of
 *         changes to files (see XS_FAILMALLOC_KILL_WRITE)
 *     XS_FAILMALLOC_KILL_WRITE=N: raise SIGKILL just before change number
 *         N + 1 to a file (write, pwrite, pwrite64, ftruncate, fsync,
 *         fdatasync on a descriptor above 2, or unlink): the process dies
 *         as under kill -9 with that change not done
 * Without XS_FAILMALLOC_AFTER nothing fails.  Counting starts at the first
 * allocation after the dynamic loader: malloc, calloc and realloc (with a
 * non-zero size) count; free never fails.  Not for sanitizer builds (ASan
 * and valgrind replace malloc themselves); hardening.sh skips it there.
 *
 * glibc exports its allocator as __libc_malloc and friends, so the shim
 * needs no dlsym (which itself allocates).
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);

void *malloc(size_t n);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off);
int unlink(const char *path);
int ftruncate(int fd, off_t len);
int ftruncate64(int fd, off_t len);
int fsync(int fd);
int fdatasync(int fd);

static long fail_after = -1; /* -1: not yet read; -2: never fail */
static int fail_once;
static long count;
static const char *count_file;
static long kill_write = -1;  /* -1: never */
static long writes;

static void report_count(void)
{
	char buf[32];
	int fd, len;

	if (!count_file)
		return;
	fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	len = snprintf(buf, sizeof buf, "%ld\n%ld\n", count, writes);
	if (write(fd, buf, (size_t)len) < 0)
		len = 0;
	close(fd);
}

__attribute__((constructor)) static void failmalloc_init(void)
{
	const char *after = getenv("XS_FAILMALLOC_AFTER"), *once = getenv("XS_FAILMALLOC_ONCE");
	const char *kw = getenv("XS_FAILMALLOC_KILL_WRITE");

	fail_once = once && *once && strcmp(once, "0") != 0;
	count_file = getenv("XS_FAILMALLOC_COUNT");
	if (count_file)
		atexit(report_count);
	fail_after = after && *after ? strtol(after, NULL, 10) : -2;
	kill_write = kw && *kw ? strtol(kw, NULL, 10) : -1;
	count = 0;
}

/* Count a change to a file; die before it when it is the chosen one. */
static void before_write(int fd)
{
	if (fd <= 2)
		return;
	if (kill_write >= 0 && writes == kill_write)
		raise(SIGKILL);
	writes++;
}

/* Deleting a journal and syncing are points where a kill matters too. */
int unlink(const char *path)
{
	before_write(3);
	return (int)syscall(SYS_unlink, path);
}

int ftruncate(int fd, off_t len)
{
	before_write(fd);
	return (int)syscall(SYS_ftruncate, fd, len);
}

int ftruncate64(int fd, off_t len)
{
	before_write(fd);
	return (int)syscall(SYS_ftruncate, fd, len);
}

int fsync(int fd)
{
	before_write(fd);
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	before_write(fd);
	return (int)syscall(SYS_fdatasync, fd);
}

/* The writes themselves go straight to the kernel: no libc symbol to look up. */
ssize_t write(int fd, const void *buf, size_t n)
{
	before_write(fd);
	return syscall(SYS_write, fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	before_write(fd);
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	before_write(fd);
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

/* Should this allocation fail? */
static int should_fail(void)
{
	long k;

	if (fail_after == -1) /* before our constructor: the loader's own */
		return 0;
	k = count++;
	if (fail_after < 0)
		return 0;
	return fail_once ? k == fail_after : k >= fail_after;
}

void *malloc(size_t n)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	if (n != 0 && should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
