/*
 * record.c - runs into rows, shipped schedules into the store, and the
 * export line (see record.h).
 */
#include "config.h"

#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "legacy.h"
#include "schedule.h"
#include "memmodel.h"
#include "record.h"
#include "shipped.h"

char *record_hex(uint64_t h, char *buf)
{
	snprintf(buf, 17, "%016" PRIx64, h);
	return buf;
}

int record_execute(struct kernel_run *run, const struct scenario *scn, enum xip_version version,
		   const struct schedule *sch, char **cause)
{
	if (kernel_run_start(run, scn, version, cause) != 0)
		return -1;
	if (sch)
		return schedule_run(kernel_run_sched(run), sch, cause);
	return sched_run(kernel_run_sched(run), NULL, 0, SCHED_POLICY_ROUND_ROBIN, cause);
}

int record_execute_choices(struct kernel_run *run, const struct scenario *scn, enum xip_version version,
			   const int *choices, size_t n, char **parted, char **cause)
{
	struct sched *s;

	if (parted)
		*parted = NULL;
	if (kernel_run_start(run, scn, version, cause) != 0)
		return -1;
	s = kernel_run_sched(run);
	for (size_t i = 0; i < n && sched_end_reason(s) == SCHED_RUNNING; i++) {
		char *why = NULL;
		if (sched_step(s, choices[i], &why) != 0) {
			if (!parted) {
				*cause = why;
				return -1;
			}
			*parted = why;
			break;
		}
	}
	if (parted && !*parted && sched_end_reason(s) != SCHED_RUNNING && sched_nsteps(s) < n)
		*parted = xasprintf("the run ended (%s) after step %zu, before the %zu recorded choices were used",
				    sched_end_name(sched_end_reason(s)), sched_nsteps(s), n);
	return sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, cause);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void record_fill(struct store_schedule *row, struct kernel_run *run, long scenario_id, const char *origin,
		 const char *name, const char *milestones, const char *description)
{
	struct sched *s = kernel_run_sched(run);
	const struct scenario *scn = kernel_run_scenario(run);
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	int *choices = xcalloc(n ? n : 1, sizeof *choices);
	struct kernel_verdict v;
	char hex[17];

	for (size_t i = 0; i < n; i++)
		choices[i] = sched_step_choice(&tr[i]);
	kernel_run_verdict(run, &v);
	memset(row, 0, sizeof *row);
	row->scenario_id = scenario_id;
	row->scenario = xstrdup(scn->name);
	row->scenario_hash = xstrdup(record_hex(scn->hash, hex));
	row->version = xstrdup(xip_version_name(kernel_run_version(run)));
	row->choices = schedule_format_choices_in(s, choices, n);
	row->length = (long)n;
	row->preemptions = (long)sched_preemptions(s);
	row->verdict = xstrdup(verdict_kind_name(v.kind));
	row->trace_hash = xstrdup(record_hex(sched_trace_hash(s), hex));
	row->trace_format = STORE_TRACE_FORMAT_SITES;
	row->memory_model = xstrdup(memmodel_name((enum memmodel)sched_memory_model(s)));
	row->origin = xstrdup(origin);
	row->name = dup_or_null(name);
	row->milestones = dup_or_null(milestones);
	row->description = dup_or_null(description);
	free(choices);
}

int record_trace_matches(const struct store_schedule *row, struct kernel_run *run, char *hex)
{
	struct sched *s = kernel_run_sched(run);
	uint64_t h;

	if (row->trace_format != STORE_TRACE_FORMAT_LINES && row->trace_format != STORE_TRACE_FORMAT_SITES) {
		snprintf(hex, 64, "(none: the row's trace_format %d is not 1 or 2)", row->trace_format);
		return 0;
	}
	if (row->trace_format == STORE_TRACE_FORMAT_LINES) {
		if (legacy_trace_hash(s, &h) != 0) {
			strcpy(hex, "(none: a step runs code that release did not have)");
			return 0;
		}
	} else {
		h = sched_trace_hash(s);
	}
	record_hex(h, hex);
	return strcmp(hex, row->trace_hash) == 0;
}

static char *sched_path(const struct scenario *scn)
{
	size_t len = strlen(scn->path);

	if (len > 4 && strcmp(scn->path + len - 4, ".scn") == 0)
		return xasprintf("%.*s.sched", (int)(len - 4), scn->path);
	return xasprintf("%s.sched", scn->path);
}

int record_shipped_text(const struct scenario *scn, const char *name, char **text, char **names, char **cause)
{
	char *path = sched_path(scn);
	struct shipped_file *f = NULL;
	size_t o = 0, cap = 256;
	int r = shipped_load(path, &f, cause);

	free(path);
	*text = NULL;
	if (names)
		*names = xcalloc(cap, 1);
	if (r <= 0)
		return r;
	for (int i = 0; i < f->n; i++) {
		if (strcmp(f->s[i].name, name) == 0 && !*text)
			*text = xstrdup(f->s[i].text);
		if (names) {
			size_t need = strlen(f->s[i].name) + 3;
			if (o + need >= cap) {
				cap = (o + need) * 2;
				*names = xrealloc(*names, cap);
			}
			o += (size_t)snprintf(*names + o, cap - o, "%s%s", i ? ", " : "", f->s[i].name);
		}
	}
	shipped_free(f);
	return *text != NULL;
}

/* Expand every shipped schedule on every version it is for. */
static int expand_shipped(const struct scenario *scn, long scenario_id, const struct shipped_file *f,
			  struct store_schedule **rows, size_t *nrows, char **cause)
{
	struct kernel_run *run = kernel_run_new();
	struct store_schedule *out = xcalloc((size_t)f->n * XIP_NVERSIONS + 1, sizeof *out);
	size_t n = 0;

	for (int i = 0; i < f->n; i++) {
		const struct shipped_schedule *sc = &f->s[i];
		struct schedule *sch;
		char *why = NULL;

		if (schedule_parse(sc->text, kernel_symbol_value, &sch, &why) != 0)
			goto bad;
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			/*
			 * Not on final, though schema 7 can store it: shipped rows
			 * are imported once per .sched text, so files made before
			 * would never get final's rows while new files would, and
			 * every later shipped row of a new file would take another
			 * id than the same row has in an old one.  make check
			 * checks final's expected verdicts; `replay --version final`
			 * runs a shipped schedule on final from its buggy row.
			 */
			if (!sc->applies[v] || v == XIP_FINAL)
				continue;
			if (record_execute(run, scn, (enum xip_version)v, sch, &why) != 0) {
				schedule_free(sch);
				goto bad;
			}
			record_fill(&out[n++], run, scenario_id, "shipped", sc->name, sc->text, sc->about);
		}
		schedule_free(sch);
		continue;
bad:
		util_errf(cause, "%s:%d: schedule '%s': %s", f->path, sc->line, sc->name, why);
		free(why);
		for (size_t k = 0; k < n; k++)
			store_schedule_clear(&out[k]);
		free(out);
		kernel_run_free(run);
		return -1;
	}
	kernel_run_free(run);
	*rows = out;
	*nrows = n;
	return 0;
}

/*
 * On every error *out and *changed_from are cleared: callers only clear
 * what a success gave them (B14: the row's strings leaked when the
 * shipped import failed after the scenario row was read).
 */
int record_sync(struct store *st, const struct scenario *scn, struct store_scenario *out,
		char **changed_from, char **cause)
{
	char hex[17], fhex[17];
	char *path = sched_path(scn);
	struct shipped_file *f = NULL;
	struct store_schedule *rows = NULL;
	size_t nrows = 0;
	int r;

	if (store_scenario_sync(st, scn->name, scn->title, record_hex(scn->hash, hex), scn->text, scn->source,
				out, changed_from, cause) != 0) {
		free(path);
		return -1;
	}
	r = shipped_load(path, &f, cause);
	free(path);
	if (r < 0)
		goto fail;
	if (r == 0)
		return 0;
	/* re-import when the .sched text or the scenario text changed */
	snprintf(fhex, sizeof fhex, "%016" PRIx64, f->hash ^ scn->hash);
	if (out->shipped_hash && strcmp(out->shipped_hash, fhex) == 0) {
		shipped_free(f);
		return 0;
	}
	if (expand_shipped(scn, out->id, f, &rows, &nrows, cause) != 0)
		goto fail;
	/*
	 * A user's own schedule may already carry a shipped name (the .sched
	 * file grew a new one): theirs keeps it, the shipped one comes in
	 * unnamed, and nothing the user saved is renamed.
	 */
	for (size_t i = 0; i < nrows; i++) {
		struct store_schedule mine = { 0 };
		int found = 0;
		if (rows[i].name &&
		    store_schedule_find(st, scn->name, rows[i].name, rows[i].version, &mine, &found, cause) != 0)
			goto fail;
		if (found && strcmp(mine.version, rows[i].version) == 0 && strcmp(mine.origin, "shipped") != 0) {
			fprintf(stderr, "xipsandbox: note: your schedule %ld is named '%s', like a shipped schedule of %s (%s); the shipped one is stored without the name\n",
				mine.id, util_shown(rows[i].name), util_shown(scn->name), rows[i].version);
			free(rows[i].name);
			rows[i].name = NULL;
		}
		store_schedule_clear(&mine);
	}
	if (store_shipped_replace(st, out->id, fhex, rows, nrows, cause) != 0)
		goto fail;
	free(out->shipped_hash);
	out->shipped_hash = xstrdup(fhex);
	for (size_t i = 0; i < nrows; i++)
		store_schedule_clear(&rows[i]);
	free(rows);
	shipped_free(f);
	return 0;
fail:
	for (size_t i = 0; i < nrows; i++)
		store_schedule_clear(&rows[i]);
	free(rows);
	if (f)
		shipped_free(f);
	store_scenario_clear(out);
	if (changed_from) {
		free(*changed_from);
		*changed_from = NULL;
	}
	return -1;
}

int record_row_version(const struct store_schedule *row, enum xip_version *v, char **cause)
{
	int k = xip_version_parse(row->version);

	if (k < 0)
		return util_errf(cause, "schedule %ld has an unknown version '%s' (the database was changed by another program)",
				 row->id, row->version);
	*v = (enum xip_version)k;
	return 0;
}

unsigned record_row_step_limit(const struct store_schedule *row)
{
	int limited = row->verdict && strcmp(row->verdict, verdict_kind_name(VERDICT_STEP_LIMIT)) == 0;
	long choices = 0;

	/*
	 * Its length as its choices count it (one a step, separated by
	 * spaces): a row whose length another program changed asks for no
	 * more than the run it holds.
	 */
	for (const char *p = row->choices ? row->choices : ""; *p; ) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		choices++;
		while (*p && *p != ' ')
			p++;
	}
	if (row->length < 1 || row->length != choices)
		return SCHED_DEFAULT_STEP_LIMIT;
	if (limited || row->length > (long)SCHED_DEFAULT_STEP_LIMIT)
		return (unsigned)row->length;
	return SCHED_DEFAULT_STEP_LIMIT;
}

int record_row_model(const struct store_schedule *row, enum memmodel *m, char **cause)
{
	char *why = NULL;

	if (!row->memory_model) {
		*m = MEMMODEL_SC;
		return 0;
	}
	if (memmodel_parse(row->memory_model, m, &why) == 0)
		return 0;
	free(why);
	return util_errf(cause, "schedule %ld has an unknown memory model '%s' (expected sc, tso or weak; the database "
			 "was changed by another program)", row->id, row->memory_model);
}

int record_row_choices(const struct store_schedule *row, const struct scenario *scn, enum memmodel model,
		       int **choices, size_t *n, char **cause)
{
	struct kernel_run *run;
	struct schedule *sch = NULL;
	enum xip_version v = XIP_BUGGY;
	const struct sched_step *tr;
	int rc = -1;

	if (model == MEMMODEL_SC)
		return record_parse_choices(row->choices, choices, n, cause);
	/* a flush's int names an object of the run: only a run of the row's version knows them */
	if (record_row_version(row, &v, cause) != 0)
		return -1;
	run = kernel_run_new();
	sched_set_memory_model(kernel_run_sched(run), (int)model);
	if (schedule_parse(row->choices, kernel_symbol_value, &sch, cause) == 0 &&
	    record_execute(run, scn, v, sch, cause) == 0) {
		tr = sched_trace(kernel_run_sched(run), n);
		*choices = xcalloc(*n + 1, sizeof **choices);
		for (size_t i = 0; i < *n; i++)
			(*choices)[i] = sched_step_choice(&tr[i]);
		rc = 0;
	}
	schedule_free(sch);
	kernel_run_free(run);
	return rc;
}

int record_parse_choices(const char *text, int **choices, size_t *n, char **cause)
{
	size_t len = strlen(text), k = 0;
	int *c = xcalloc(len + 1, sizeof *c);

	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == ',' || text[i] == '.')
			continue;
		if (text[i] < '0' || text[i] > '7') {
			free(c);
			return util_errf(cause, "choice %zu is '%c': choices are CPU numbers 0 to 7", k + 1, text[i]);
		}
		c[k++] = text[i] - '0';
	}
	if (k == 0) {
		free(c);
		return util_errf(cause, "no choices: a schedule needs at least one step");
	}
	*choices = c;
	*n = k;
	return 0;
}

#define XS2_FIELDS 8   /* xs2:SCENARIO:VERSION:NAME:SCENARIO-HASH:LENGTH:CHOICES:CHECK */
#define XS1_FIELDS 6   /* xs1:SCENARIO:VERSION:NAME:SCENARIO-HASH:CHOICES */
#define AGAIN "copy the whole line again ('xipsandbox export ID' prints it)"

/*
 * A scenario name in an xs2 line: ':' separates the fields and a line is
 * copied by hand, so ':', '%', spaces and bytes outside printable ASCII
 * travel as %XX (a file named "my:race.scn" exports, and imports back).
 */
static char *name_encode(const char *name)
{
	char *out = xmalloc(strlen(name) * 3 + 1), *o = out;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c == ':' || *c == '%' || *c <= ' ' || *c >= 0x7f)
			o += sprintf(o, "%%%02X", *c);
		else
			*o++ = (char)*c;
	*o = '\0';
	return out;
}

/* Undo name_encode in place; -1 on a bad %XX. */
static int name_decode(char *name)
{
	char *o = name;

	for (const char *c = name; *c; c++) {
		unsigned v;
		if (*c != '%') {
			*o++ = *c;
			continue;
		}
		if (!c[1] || !c[2] || sscanf(c + 1, "%2x", &v) != 1 || !isxdigit((unsigned char)c[1]) ||
		    !isxdigit((unsigned char)c[2]) || v == 0)
			return -1;
		*o++ = (char)v;
		c += 2;
	}
	*o = '\0';
	return 0;
}

/*
 * A row's choices ("0 0 flush0:x 1 1") as an export line's CHOICES: CPU
 * digits run together, a memory choice set off by ',' ("00,flush0:x,11");
 * *steps gets the number of steps.
 */
static char *line_choices(const char *choices, size_t *steps)
{
	size_t len = strlen(choices), k = 0;
	char *out = xmalloc(2 * len + 1);
	const char *p = choices;

	*steps = 0;
	while (*p) {
		size_t w;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w = strcspn(p, " ");
		if (w == 1 && *p >= '0' && *p <= '9') {
			if (k && out[k - 1] != ',' && !isdigit((unsigned char)out[k - 1]))
				out[k++] = ',';
		} else if (k) {
			out[k++] = ',';
		}
		memcpy(out + k, p, w);
		k += w;
		p += w;
		(*steps)++;
	}
	out[k] = '\0';
	return out;
}

char *record_export_line(const struct store_schedule *s)
{
	size_t k;
	char *digits = line_choices(s->choices, &k), *body, *line, *scenario, hex[17];
	const char *model = s->memory_model ? s->memory_model : "sc";

	scenario = name_encode(s->scenario);
	if (strcmp(model, "sc") == 0)
		body = xasprintf("xs2:%s:%s:%s:%s:%zu:%s", scenario, s->version, s->name ? s->name : "-",
				 s->scenario_hash, k, digits);
	else
		body = xasprintf("xs3:%s:%s:%s:%s:%s:%zu:%s", scenario, s->version, model, s->name ? s->name : "-",
				 s->scenario_hash, k, digits);
	line = xasprintf("%s:%s", body, record_hex(util_fnv1a(UTIL_FNV1A_INIT, body, strlen(body)), hex));
	free(scenario);
	free(body);
	free(digits);
	return line;
}

/* An xs2 line's field count and check: whole is the line, field[] its fields cut out of a copy. */
static int check_xs2(const char *whole, char *const *field, int nf, char **cause)
{
	char hex[17];

	if (nf < XS2_FIELDS)
		return util_errf(cause, "the schedule line is cut short (it has %d of the %d fields of "
				 "xs2:SCENARIO:VERSION:NAME:HASH:LENGTH:CHOICES:CHECK); " AGAIN, nf, XS2_FIELDS);
	if (nf > XS2_FIELDS)
		return util_errf(cause, "not a schedule line: more than the %d fields of "
				 "xs2:SCENARIO:VERSION:NAME:HASH:LENGTH:CHOICES:CHECK", XS2_FIELDS);
	record_hex(util_fnv1a(UTIL_FNV1A_INIT, whole, (size_t)(field[7] - 1 - field[0])), hex);
	if (strcmp(field[7], hex) != 0)
		return util_errf(cause, "the schedule line was changed or cut short: its check '%s' does not "
				 "match its text; " AGAIN, field[7]);
	return 0;
}

int record_scenario_name_ok(const char *name)
{
	return *name && strlen(name) < 128 && !strchr(name, '/') && name[0] != '.';
}

/* The fields every version has: scenario, version, name, scenario hash. */
static int parse_fields(char *const *field, struct record_import *out, char **cause)
{
	if (!record_scenario_name_ok(field[1]))
		return util_errf(cause, "bad scenario name '%s' in the schedule line (a shipped name such as "
				 "classic, not a path)", field[1]);
	if (xip_version_parse(field[2]) < 0)
		return util_errf(cause, "unknown version '%s' in the schedule line (expected buggy, fixed, later or final)",
				 field[2]);
	if (strlen(field[3]) > 64 || strlen(field[4]) != 16)
		return util_errf(cause, "bad name or scenario hash in the schedule line");
	snprintf(out->scenario, sizeof out->scenario, "%s", field[1]);
	snprintf(out->version, sizeof out->version, "%s", field[2]);
	snprintf(out->name, sizeof out->name, "%s", strcmp(field[3], "-") ? field[3] : "");
	snprintf(out->scenario_hash, sizeof out->scenario_hash, "%s", field[4]);
	return 0;
}

/*
 * xs3 CHOICES ("00,flush0:x,11") as a schedule's text ("0 0 flush0:x 1 1")
 * into out->text, its steps into out->n.
 */
static int xs3_choices(const char *field, struct record_import *out, char **cause)
{
	size_t len = strlen(field), k = 0, n = 0;
	char *text = xmalloc(2 * len + 2);
	const char *p = field;

	for (;;) {
		size_t w = strcspn(p, ",");
		if (w == 0) {
			free(text);
			return util_errf(cause, "an empty choice at column %zu of the schedule line's choices; " AGAIN,
					 (size_t)(p - field) + 1);
		}
		if (strncmp(p, "flush", 5) == 0 || strncmp(p, "drain", 5) == 0) {
			/* a memory choice, checked against the run's objects when it runs */
			if (w < 8 || p[5] < '0' || p[5] > '7' || p[6] != ':') {
				free(text);
				return util_errf(cause, "bad memory choice '%.*s' in the schedule line (flushN:OBJECT or "
						 "drainN:OBJECT); " AGAIN, (int)(w > 60 ? 60 : w), p);
			}
			k += (size_t)sprintf(text + k, "%s%.*s", k ? " " : "", (int)w, p);
			n++;
		} else {
			for (size_t i = 0; i < w; i++) {
				if (p[i] < '0' || p[i] > '7') {
					free(text);
					return util_errf(cause, "choice %zu is '%c': choices are CPU numbers 0 to 7, "
							 "flushN:OBJECT or drainN:OBJECT", n + 1, p[i]);
				}
				k += (size_t)sprintf(text + k, "%s%c", k ? " " : "", p[i]);
				n++;
			}
		}
		p += w;
		if (!*p)
			break;
		p++;
	}
	out->text = text;
	out->n = n;
	return 0;
}

#define XS3_HEAD 7   /* xs3:SCENARIO:VERSION:MODEL:NAME:SCENARIO-HASH:LENGTH, then CHOICES:CHECK */
#define XS3_FORM "xs3:SCENARIO:VERSION:MODEL:NAME:HASH:LENGTH:CHOICES:CHECK"

/* An xs3 line (whole, trimmed): the fields of xs2 and the model; its choices may hold ':'. */
static int parse_xs3(const char *whole, struct record_import *out, char **cause)
{
	char *copy = xstrdup(whole), *head[XS3_HEAD + 1], *p = copy, *last, *end, *why = NULL, hex[17];
	char *f[5];
	int nf = 0, r = -1;
	unsigned long long length;
	enum memmodel m;

	while (nf < XS3_HEAD) {
		head[nf++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	last = p ? strrchr(p, ':') : NULL;
	if (nf < XS3_HEAD || !last) {
		util_errf(cause, "the schedule line is cut short (it has fewer than the fields of " XS3_FORM "); " AGAIN);
		goto out;
	}
	*last = '\0';
	record_hex(util_fnv1a(UTIL_FNV1A_INIT, whole, (size_t)(last - copy)), hex);
	if (strcmp(last + 1, hex) != 0) {
		util_errf(cause, "the schedule line was changed or cut short: its check '%s' does not match its text; "
			  AGAIN, last + 1);
		goto out;
	}
	if (name_decode(head[1]) != 0) {
		util_errf(cause, "bad scenario name '%s' in the schedule line (a %%XX that is not a byte)", head[1]);
		goto out;
	}
	if (memmodel_parse(head[3], &m, &why) != 0) {
		util_errf(cause, "unknown memory model '%s' in the schedule line (expected sc, tso or weak)", head[3]);
		free(why);
		goto out;
	}
	/* parse_fields reads xs2's places: SCENARIO, VERSION, NAME, HASH */
	f[0] = head[0], f[1] = head[1], f[2] = head[2], f[3] = head[4], f[4] = head[5];
	if (parse_fields(f, out, cause) != 0)
		goto out;
	snprintf(out->model, sizeof out->model, "%s", memmodel_name(m));
	errno = 0;
	length = strtoull(head[6], &end, 10);
	if (*head[6] < '0' || *head[6] > '9' || *end || errno) {
		util_errf(cause, "bad length '%s' in the schedule line (the number of steps)", head[6]);
		goto out;
	}
	if (xs3_choices(p, out, cause) != 0)
		goto out;
	if (length != out->n) {
		util_errf(cause, "the schedule line says it has %llu steps, but it has %zu; " AGAIN, length, out->n);
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		record_import_clear(out);
	free(copy);
	return r;
}

void record_import_clear(struct record_import *im)
{
	free(im->choices);
	free(im->text);
	im->choices = NULL;
	im->text = NULL;
}

int record_parse_export(const char *line, struct record_import *out, char **cause)
{
	char *copy = xstrdup(line), *field[XS2_FIELDS + 1], *p = copy, *whole, *end;
	int nf = 0, xs2, r = -1;
	unsigned long long length = 0;

	memset(out, 0, sizeof *out);
	snprintf(out->model, sizeof out->model, "sc");
	while (*p == ' ' || *p == '\t')
		p++;
	for (char *e = p + strlen(p); e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '); )
		*--e = '\0';
	whole = xstrdup(p);   /* the check reads the line as it was */
	if (strncmp(whole, "xs3:", 4) == 0) {
		r = parse_xs3(whole, out, cause);
		free(whole);
		free(copy);
		return r;
	}
	while (nf < XS2_FIELDS + 1) {
		field[nf++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	xs2 = strcmp(field[0], "xs2") == 0;
	if (xs2 ? check_xs2(whole, field, nf, cause) != 0
		: nf != XS1_FIELDS || p || strcmp(field[0], "xs1") != 0) {
		if (!xs2)
			util_errf(cause, "not a schedule line: expected xs2:SCENARIO:VERSION:NAME:HASH:LENGTH:"
				  "CHOICES:CHECK, as 'xipsandbox export' prints");
		goto out;
	}
	if (xs2 && name_decode(field[1]) != 0) {
		util_errf(cause, "bad scenario name '%s' in the schedule line (a %%XX that is not a byte)", field[1]);
		goto out;
	}
	if (parse_fields(field, out, cause) != 0)
		goto out;
	if (xs2) {
		errno = 0;
		length = strtoull(field[5], &end, 10);
		if (*field[5] < '0' || *field[5] > '9' || *end || errno) {
			util_errf(cause, "bad length '%s' in the schedule line (the number of choices)", field[5]);
			goto out;
		}
	}
	if (record_parse_choices(field[xs2 ? 6 : 5], &out->choices, &out->n, cause) != 0)
		goto out;
	if (xs2 && length != out->n) {
		util_errf(cause, "the schedule line says it has %llu choices, but it has %zu; " AGAIN, length, out->n);
		free(out->choices);
		out->choices = NULL;
		goto out;
	}
	out->xs1 = !xs2;
	r = 0;
out:
	free(whole);
	free(copy);
	return r;
}
