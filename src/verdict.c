/*
 * verdict.c - names of versions and verdicts (see verdict.h).
 */
#include "config.h"

#include <string.h>

#include "verdict.h"

static const char *const version_names[XIP_NVERSIONS] = { "buggy", "fixed", "later", "final" };
static const char *const verdict_names[VERDICT_NKINDS] = {
	"ok", "corruption", "bug", "deadlock", "leak", "step-limit",
};

const char *xip_version_name(enum xip_version v)
{
	return (unsigned)v < XIP_NVERSIONS ? version_names[v] : "?";
}

const char *verdict_kind_name(enum verdict_kind v)
{
	return (unsigned)v < VERDICT_NKINDS ? verdict_names[v] : "?";
}

static int lookup(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int xip_version_parse(const char *name)
{
	return lookup(version_names, XIP_NVERSIONS, name);
}

int verdict_kind_parse(const char *name)
{
	return lookup(verdict_names, VERDICT_NKINDS, name);
}

int verdict_exit_status(enum verdict_kind v)
{
	return v == VERDICT_OK ? 0 : 10 + (int)v;
}
