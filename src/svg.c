/*
 * svg.c - the sequence diagram (svg.h).  Plain SVG 1.1 with inline styles,
 * every text escaped, so any browser, Inkscape or LibreOffice opens it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "svg.h"

#define ROW 18
#define TOP 90
#define LANE 420
#define LEFT 60

static void esc(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
				fputc(*s, out);
		}
	}
}

/* Colour of a step's box by what it did. */
static const char *step_fill(const struct sched_step *st)
{
	switch ((enum sched_op)st->op) {
	case SCHED_OP_ACQUIRE: return "#fde68a";
	case SCHED_OP_RELEASE: return "#fef3c7";
	case SCHED_OP_SEQ_READ_BEGIN:
	case SCHED_OP_SEQ_READ_RETRY:
	case SCHED_OP_SEQ_WRITE_BEGIN:
	case SCHED_OP_SEQ_WRITE_END: return "#c7d2fe";
	case SCHED_OP_WRITE: return "#bbf7d0";
	default: return "#f3f4f6";
	}
}

void svg_write(FILE *out, struct kernel_run *run, const struct kernel_verdict *v)
{
	const struct scenario *scn = kernel_run_scenario(run);
	struct sched *s = kernel_run_sched(run);
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	int ncpu = scn->ncpus;
	int width = LEFT + ncpu * LANE + 20 < 900 ? 900 : LEFT + ncpu * LANE + 20;
	int height = TOP + (int)n * ROW + 130;
	long fatal = v->damage_step;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n",
		width, height, width, height);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
	fprintf(out, "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">");
	esc(out, scn->title);
	fprintf(out, "</text>\n<text x=\"10\" y=\"42\" font-size=\"12\">scenario %s, version %s, %zu steps, %u preemption%s</text>\n",
		scn->name, xip_version_name(kernel_run_version(run)), n, sched_preemptions(s),
		sched_preemptions(s) == 1 ? "" : "s");
	for (int c = 0; c < ncpu; c++) {
		int x = LEFT + c * LANE;
		char op[96];
		fprintf(out, "<text x=\"%d\" y=\"64\" font-weight=\"bold\">CPU%d</text>\n", x, c);
		fprintf(out, "<text x=\"%d\" y=\"78\" fill=\"#374151\">", x);
		for (int i = 0; i < scn->cpus[c].nops; i++) {
			esc(out, scenario_op_text(scn, &scn->cpus[c].ops[i], op, sizeof op));
			if (i + 1 < scn->cpus[c].nops)
				fputs("; ", out);
		}
		fputs("</text>\n", out);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\" stroke-dasharray=\"3,3\"/>\n",
			x - 4, TOP - 4, x - 4, TOP + (int)n * ROW);
	}
	for (size_t i = 0; i < n; i++) {
		const struct sched_step *st = &tr[i];
		int x = LEFT + st->cpu * LANE, y = TOP + (int)i * ROW;
		int is_fatal = fatal > 0 && (long)i + 1 == fatal;
		char what[400], where[96];

		kernel_step_text(run, st, what, sizeof what);
		kernel_site_where(st->site, where, sizeof where);
		fprintf(out, "<g class=\"step\" id=\"step-%zu\">\n", i + 1);
		fprintf(out, "<text x=\"6\" y=\"%d\" fill=\"#6b7280\">%zu</text>\n", y + 13, i + 1);
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
			x, y + 1, LANE - 14, ROW - 2, is_fatal ? "#fecaca" : step_fill(st),
			is_fatal ? "#dc2626" : "#d1d5db", is_fatal ? "2.5" : "1");
		fprintf(out, "<text x=\"%d\" y=\"%d\"><tspan font-weight=\"bold\">", x + 4, y + 13);
		esc(out, where);
		fputs("</tspan> ", out);
		{
			/* keep the row in its lane (about 6.7 px a character); the whole text is in <title> */
			char cut[64];
			size_t room = (size_t)(LANE - 24) / 7 - strlen(where) - 1, len = strlen(what);
			if (room >= sizeof cut)
				room = sizeof cut - 1;
			if (room < 8)
				room = 8;
			memcpy(cut, what, len < room ? len + 1 : room);
			if (len >= room)
				memcpy(cut + room - 4, "...", 4);
			esc(out, cut);
		}
		fputs("<title>", out);
		esc(out, what);
		fputs("</title></text>\n</g>\n", out);
	}
	{
		int y = TOP + (int)n * ROW + 30;
		size_t per_line = (size_t)(width - 20) / 8, len = strlen(v->headline);
		fprintf(out, "<text x=\"10\" y=\"%d\" font-size=\"13\" font-weight=\"bold\" fill=\"%s\">verdict: %s</text>\n",
			y, v->kind == VERDICT_OK ? "#15803d" : "#b91c1c", verdict_kind_name(v->kind));
		/* the headline, wrapped at spaces */
		for (size_t o = 0, line = 0; o < len && line < 3; line++) {
			char part[256];
			size_t cut = len - o;
			if (cut > per_line) {
				cut = per_line;
				while (cut > 0 && v->headline[o + cut] != ' ')
					cut--;
				if (cut == 0)
					cut = per_line;
			}
			if (cut >= sizeof part)
				cut = sizeof part - 1;
			memcpy(part, v->headline + o, cut);
			part[cut] = '\0';
			fprintf(out, "<text x=\"10\" y=\"%d\" font-size=\"12\">", y + 18 + 16 * (int)line);
			esc(out, part);
			fputs("</text>\n", out);
			o += cut;
			while (o < len && v->headline[o] == ' ')
				o++;
		}
		y += 18 + 16 * 2;
		if (fatal > 0)
			fprintf(out, "<text x=\"10\" y=\"%d\" fill=\"#b91c1c\">the red step (%ld) made it permanent</text>\n",
				y + 18, fatal);
		fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#6b7280\">yellow: locks; blue: seqcount; green: writes</text>\n",
			width / 2, y + 18);
	}
	fputs("</svg>\n", out);
}
