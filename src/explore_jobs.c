/*
 * explore_jobs.c - `explore -j N`: the units of a split search (explore.c)
 * searched by N worker processes, forked once each.
 *
 * The parent hands out unit numbers one at a time (the next to whichever
 * worker is idle: units differ a lot in size) and reads back each unit's
 * findings in the bytes explore_unit_encode writes; it stays the only
 * process that touches the database (opt->unit_done runs here).  Which
 * worker ran which unit changes nothing: explore.c folds the units in
 * their order.
 *
 * Messages, worker to parent, on the worker's own pipe: a header
 * (type, unit, value, length) then `length` bytes.  'P' progress: value =
 * executions so far in the unit; 'R' a unit's findings: value = why it
 * stopped early (0: complete); 'E' an error: the bytes are the message.
 * Parent to worker: a unit number and its budget (64 bits each: the most
 * executions it may run, 0 none); end of file means stop.
 *
 * --limit N cuts where one process cuts, whatever the timing: the units in
 * todo order until N executions, the last of them stopped at its share.
 * The parent keeps the front of the units accepted so far in todo order
 * (their executions, cum); a unit is given N - cum - (the executions of
 * the finished units between the front and it), a bound on what it may
 * use.  When the front reaches the unit the limit falls in, the others
 * are stopped and dropped, and that unit is searched again here with its
 * exact share unless the worker already ran it with that share.
 *
 * Stopping: one shared flag (an anonymous shared mapping) is every
 * worker's interrupt.  The parent raises it on Ctrl-C (its own flag), on
 * --stop-at-first's first bad verdict, at the --limit cut and on an error;
 * a worker's own SIGINT, SIGTERM or SIGHUP raise it too.  A stopped worker
 * reports its partial unit and exits.  If the parent dies (a second
 * Ctrl-C) the kernel kills the workers (PR_SET_PDEATHSIG).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "explore-int.h"

struct msg_head {
	char type;
	char pad[3];
	uint32_t unit;
	uint64_t value;
	uint64_t len;
};

/* The page the parent and the workers share. */
struct jobs_shared {
	volatile sig_atomic_t stop;      /* every worker's interrupt */
};

/* A unit to search, parent to worker. */
struct job_cmd {
	uint64_t unit;
	uint64_t budget;   /* at most this many executions (0: no limit) */
};

struct worker {
	pid_t pid;
	int cmd, res;          /* our ends: units to it, messages from it; -1 closed */
	long unit;             /* the unit it is searching, -1 none */
	unsigned long long inflight; /* executions of that unit so far */
	unsigned char *buf;    /* bytes read, not yet a whole message */
	size_t len, cap;
};

/* ---- the worker ------------------------------------------------------------------ */

static volatile sig_atomic_t *worker_stop;
static int worker_out = -1;

static void on_worker_signal(int sig)
{
	(void)sig;
	*worker_stop = 1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_msg(int fd, char type, size_t unit, uint64_t value, const void *bytes, size_t len)
{
	struct msg_head h;

	memset(&h, 0, sizeof h);
	h.type = type;
	h.unit = (uint32_t)unit;
	h.value = value;
	h.len = len;
	if (write_all(fd, &h, sizeof h) != 0)
		return -1;
	return len ? write_all(fd, bytes, len) : 0;
}

static size_t worker_unit;

static void worker_progress(void *ctx, const struct explore_result *so_far, double elapsed)
{
	(void)ctx;
	(void)elapsed;
	if (send_msg(worker_out, 'P', worker_unit, so_far->executions + so_far->blocked, NULL, 0) != 0)
		_exit(1);   /* the parent is gone */
}

static int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static void worker_main(const struct ex_units *eu, const struct explore_options *popt, pid_t parent,
			int cmd, int out, volatile sig_atomic_t *stop)
{
	struct explore_options opt = *popt;
	struct sigaction sa;
	struct job_cmd job;

	worker_stop = stop;
	worker_out = out;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_worker_signal;   /* no SA_RESETHAND: the parent may signal us too */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(1);
	opt.interrupt = stop;
	opt.visit = NULL;
	opt.unit_done = NULL;
	opt.progress = worker_progress;
	opt.ctx = NULL;
	while (read_all(cmd, &job, sizeof job) == 0) {
		struct explore_unit found;
		size_t unit = (size_t)job.unit;
		char *cause = NULL;
		int why = 0;

		worker_unit = unit;
		if (ex_unit_run(eu, &opt, unit, NULL, job.budget, &found, &why, &cause) != 0) {
			send_msg(out, 'E', (size_t)unit, 0, cause, strlen(cause));
			_exit(1);
		} else {
			size_t len;
			unsigned char *bytes = explore_unit_encode(&found, &len);
			int bad = send_msg(out, 'R', (size_t)unit, (uint64_t)why, bytes, len);
			free(bytes);
			explore_unit_clear(&found);
			if (bad)
				_exit(1);
		}
	}
	_exit(0);
}

/* ---- the parent ------------------------------------------------------------------ */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int spawn(struct worker *w, struct worker *all, int nw, const struct ex_units *eu,
		 const struct explore_options *opt, volatile sig_atomic_t *stop, char **cause)
{
	int to[2], from[2];
	pid_t parent = getpid();

	if (pipe(to) != 0)
		return util_errf(cause, "explore -j: cannot make a pipe: %s", strerror(errno));
	if (pipe(from) != 0) {
		close(to[0]);
		close(to[1]);
		return util_errf(cause, "explore -j: cannot make a pipe: %s", strerror(errno));
	}
	fflush(NULL);   /* nothing buffered is written twice */
	w->pid = fork();
	if (w->pid < 0) {
		int e = errno;
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		return util_errf(cause, "explore -j: cannot start a worker process: %s (try fewer jobs)", strerror(e));
	}
	if (w->pid == 0) {
		for (int i = 0; i < nw; i++) {
			close_fd(&all[i].cmd);
			close_fd(&all[i].res);
		}
		close(to[1]);
		close(from[0]);
		worker_main(eu, opt, parent, to[0], from[1], stop);
	}
	close(to[0]);
	close(from[1]);
	w->cmd = to[1];
	w->res = from[0];
	w->unit = -1;
	return 0;
}

static int give(struct worker *w, size_t unit, unsigned long long budget)
{
	struct job_cmd job = { unit, budget };

	if (write_all(w->cmd, &job, sizeof job) != 0)
		return -1;
	w->unit = (long)unit;
	w->inflight = 0;
	return 0;
}

struct jobs {
	const struct explore_options *opt;
	struct explore_unit **results;
	struct explore_result *base;
	int stop;              /* why we stop handing out units (an enum explore_end), 0 none */
	int failed;            /* an error: *cause is set */
	char **cause;
	volatile sig_atomic_t *flag;
	int ncpus;             /* the scenario's: what a unit's counterexamples may name */
	const size_t *todo;
	size_t n, next;        /* todo[0, next) were given out */

	/* --limit (max > 0): the cut one process makes (see the top of the file) */
	unsigned long long max;
	unsigned long long *budget; /* per todo index: the budget its unit was given */
	size_t front;          /* todo[0, front) accepted: they end before the limit */
	unsigned long long cum;     /* executions of base and of the accepted units */
	unsigned long long ahead;   /* ... of the finished units in [front, next) */
	int cut;               /* the limit falls in todo[front] ... */
	int rerun;             /* ... which is searched again here with max - cum */
};

static void stop_all(struct jobs *j, int why)
{
	if (!j->stop)
		j->stop = why;
	*j->flag = 1;
}

/* A finished unit goes into base and to unit_done (the journal). */
static void accept_unit(struct jobs *j, size_t unit)
{
	const struct explore_unit *u = j->results[unit];

	ex_result_add_unit(j->base, u);
	j->base->units_done++;
	/* kept even after another failure: --resume will not search it again */
	if (j->opt->unit_done && j->opt->unit_done(j->opt->ctx, unit, u, j->failed ? NULL : j->cause) != 0) {
		j->failed = 1;
		stop_all(j, EXPLORE_INTERRUPTED);
	}
}

/* --limit: accept the finished units at the front that end before it; find the cut. */
static void advance(struct jobs *j)
{
	while (!j->cut && j->front < j->n && j->results[j->todo[j->front]]) {
		size_t pos = j->front, unit = j->todo[pos];
		const struct explore_unit *u = j->results[unit];
		unsigned long long left = j->max - j->cum;

		if (u->complete && u->executions < left) {
			j->ahead -= u->executions;
			j->cum += u->executions;
			j->front++;
			accept_unit(j, unit);
			continue;
		}
		if (j->stop)
			return;   /* stopped for another reason (a signal, the first bad verdict): no cut */
		/* one process would stop this unit after `left` executions */
		j->cut = 1;
		j->rerun = u->complete || u->executions != left || j->budget[pos] != left;
		stop_all(j, EXPLORE_LIMIT);
	}
}

/* Give w the next unit, with its budget; -1 when there is none to give. */
static int hand_out(struct jobs *j, struct worker *w)
{
	unsigned long long budget = 0;

	if (j->stop || j->next >= j->n)
		return -1;
	if (j->max) {
		if (j->cum + j->ahead >= j->max)
			return -1;   /* every unit from here lies past the limit */
		budget = j->max - j->cum - j->ahead;
		j->budget[j->next] = budget;
	}
	if (give(w, j->todo[j->next], budget) != 0)
		return -1;
	j->next++;
	return 0;
}

/* One whole message from w. */
static void on_message(struct jobs *j, struct worker *w, const struct msg_head *h, const unsigned char *bytes)
{
	if (h->type == 'P') {
		w->inflight = h->value;
		return;
	}
	if (h->type == 'E' || h->type != 'R' || (long)h->unit != w->unit) {
		if (!j->failed) {
			if (h->type == 'E')
				util_errf(j->cause, "%.*s", (int)h->len, (const char *)bytes);
			else
				util_errf(j->cause, "explore -j: worker %ld sent a message out of turn", (long)w->pid);
			j->failed = 1;
		}
		stop_all(j, EXPLORE_INTERRUPTED);
		return;
	}
	{
		struct explore_unit *u = xmalloc(sizeof *u);
		char *why = NULL;
		if (explore_unit_decode(bytes, (size_t)h->len, j->ncpus, u, &why) != 0) {
			if (!j->failed)
				util_errf(j->cause, "explore -j: unit %u from worker %ld: %s", h->unit, (long)w->pid, why);
			j->failed = 1;
			free(why);
			free(u);
			stop_all(j, EXPLORE_INTERRUPTED);
			return;
		}
		j->results[h->unit] = u;
		w->unit = -1;
		w->inflight = 0;
		/* a unit that used up its budget stops nothing: the cut is advance's */
		if (h->value && !(j->max && h->value == EXPLORE_LIMIT))
			stop_all(j, (int)h->value);
		if (!j->max) {
			if (u->complete)
				accept_unit(j, h->unit);
		} else {
			if (u->complete)
				j->ahead += u->executions;
			advance(j);
		}
	}
}

/* Read what w has written; returns 0, or -1 at end of file. */
static int drain(struct jobs *j, struct worker *w)
{
	ssize_t r;

	if (w->cap - w->len < 65536) {
		w->cap = w->cap ? 2 * w->cap : 65536;
		w->buf = xrealloc(w->buf, w->cap);
	}
	do
		r = read(w->res, w->buf + w->len, w->cap - w->len);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	w->len += (size_t)r;
	for (;;) {
		struct msg_head h;
		if (w->len < sizeof h)
			break;
		memcpy(&h, w->buf, sizeof h);
		if (h.len > (uint64_t)1 << 40) {
			w->len = 0;
			return -1;   /* garbage: treat as a dead worker */
		}
		if (w->len - sizeof h < h.len)
			break;
		on_message(j, w, &h, w->buf + sizeof h);
		memmove(w->buf, w->buf + sizeof h + h.len, w->len - sizeof h - (size_t)h.len);
		w->len -= sizeof h + (size_t)h.len;
	}
	return 0;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "status %d", status);
}

static void drop(struct explore_unit **u)
{
	if (*u) {
		explore_unit_clear(*u);
		free(*u);
		*u = NULL;
	}
}

/*
 * --limit, the workers gone: past a cut nothing counts, and the unit it
 * falls in is searched again with its exact share when the worker's run
 * was not that; without a cut (a signal, the first bad verdict, an
 * error) every finished unit is kept, as one process keeps them.
 */
static void finish_limit(struct jobs *j, const struct ex_units *eu)
{
	if (!j->cut) {
		for (size_t k = j->front; k < j->n; k++)
			if (j->results[j->todo[k]] && j->results[j->todo[k]]->complete)
				accept_unit(j, j->todo[k]);
		return;
	}
	for (size_t k = j->front + 1; k < j->n; k++)
		drop(&j->results[j->todo[k]]);
	if (j->rerun && !j->failed) {
		size_t unit = j->todo[j->front];
		struct explore_unit **r = &j->results[unit];
		int why = 0;

		drop(r);
		*r = xmalloc(sizeof **r);
		if (ex_unit_run(eu, j->opt, unit, j->base, j->max - j->cum, *r, &why, j->cause) != 0) {
			free(*r);
			*r = NULL;
			j->failed = 1;
		} else if (why && why != EXPLORE_LIMIT) {
			j->stop = why;   /* a signal during it */
		}
	}
}

int ex_jobs_run(const struct ex_units *eu, const struct explore_options *opt, const size_t *todo, size_t n,
		struct explore_unit **results, struct explore_result *base, int *stop, char **cause)
{
	int nw = opt->jobs < (int)n ? opt->jobs : (int)n, alive = 0;
	struct worker *w = xcalloc((size_t)nw, sizeof *w);
	struct pollfd *pfd = xcalloc((size_t)nw, sizeof *pfd);
	struct sigaction ign, old_pipe;
	struct jobs j;
	double next_progress = ex_now() + (opt->progress_interval > 0 ? opt->progress_interval : 0.25);
	volatile sig_atomic_t *flag;
	struct jobs_shared *shared;

	if (opt->max_executions && base->executions >= opt->max_executions) {
		/* the units done before reach the limit: one process would search none */
		free(w);
		free(pfd);
		*stop = EXPLORE_LIMIT;
		return 0;
	}
	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		free(w);
		free(pfd);
		return util_errf(cause, "explore -j: cannot share memory with the workers: %s", strerror(errno));
	}
	flag = &shared->stop;
	*flag = 0;
	memset(&j, 0, sizeof j);
	j.opt = opt;
	j.results = results;
	j.base = base;
	j.cause = cause;
	j.flag = flag;
	j.ncpus = eu->scn->ncpus;
	j.todo = todo;
	j.n = n;
	j.max = opt->max_executions;
	j.cum = base->executions;
	j.budget = j.max ? xcalloc(n, sizeof *j.budget) : NULL;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;   /* a dead worker's pipe gives EPIPE, not death */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	for (int i = 0; i < nw; i++)
		w[i].cmd = w[i].res = -1;
	for (int i = 0; i < nw; i++) {
		if (spawn(&w[i], w, i, eu, opt, flag, cause) != 0) {
			j.failed = 1;
			stop_all(&j, EXPLORE_INTERRUPTED);
			break;
		}
		alive++;
		if (hand_out(&j, &w[i]) != 0)
			close_fd(&w[i].cmd);
	}
	while (alive > 0) {
		int np = 0;

		if (opt->interrupt && *opt->interrupt)
			stop_all(&j, EXPLORE_INTERRUPTED);
		for (int i = 0; i < nw; i++) {
			if (w[i].res < 0)
				continue;
			pfd[np].fd = w[i].res;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (poll(pfd, (nfds_t)np, 100) < 0 && errno != EINTR) {
			/* cannot wait for the workers any more: end them, reap them, report */
			if (!j.failed)
				util_errf(cause, "explore -j: poll: %s", strerror(errno));
			j.failed = 1;
			stop_all(&j, EXPLORE_INTERRUPTED);
			for (int i = 0; i < nw; i++) {
				if (w[i].pid <= 0)
					continue;
				kill(w[i].pid, SIGKILL);
				while (waitpid(w[i].pid, NULL, 0) < 0 && errno == EINTR)
					;
				close_fd(&w[i].res);
				close_fd(&w[i].cmd);
				w[i].pid = 0;
			}
			break;
		}
		for (int i = 0, k = 0; i < nw; i++) {
			if (w[i].res < 0)
				continue;
			if (pfd[k++].revents == 0)
				continue;
			if (drain(&j, &w[i]) != 0) {
				int status = 0;
				close_fd(&w[i].res);
				close_fd(&w[i].cmd);
				while (waitpid(w[i].pid, &status, 0) < 0 && errno == EINTR)
					;
				w[i].pid = 0;
				alive--;
				if ((w[i].unit >= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) && !j.failed) {
					char how[64], what[64] = "";
					describe_status(status, how, sizeof how);
					if (w[i].unit >= 0)
						snprintf(what, sizeof what, " while searching unit %ld", w[i].unit);
					util_errf(cause, "explore -j: a worker process died (%s)%s; a recorded search "
						  "keeps the units finished before: --resume continues it", how, what);
					j.failed = 1;
					stop_all(&j, EXPLORE_INTERRUPTED);
				}
				continue;
			}
			if (w[i].unit < 0 && w[i].cmd >= 0 && hand_out(&j, &w[i]) != 0)
				close_fd(&w[i].cmd);   /* end of file: the worker exits */
		}
		if (opt->progress) {
			double t = ex_now();
			if (t >= next_progress) {
				struct explore_result sum = *base;
				next_progress = t + (opt->progress_interval > 0 ? opt->progress_interval : 0.25);
				for (int i = 0; i < nw; i++)
					sum.executions += w[i].inflight;
				opt->progress(opt->ctx, &sum, t - eu->t0);
			}
		}
	}
	sigaction(SIGPIPE, &old_pipe, NULL);
	for (int i = 0; i < nw; i++)
		free(w[i].buf);
	free(w);
	free(pfd);
	munmap(shared, sizeof *shared);
	if (j.max)
		finish_limit(&j, eu);
	free(j.budget);
	if (!j.stop && j.next < n)
		j.stop = EXPLORE_INTERRUPTED;
	*stop = j.stop;
	return j.failed ? -1 : 0;
}
