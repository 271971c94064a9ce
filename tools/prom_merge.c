/* prom_merge.c - see prom_merge.h. A family is what the HELP and TYPE
 * comments name: the samples after them, up to the next family's
 * comments, are its own, whatever their names (a histogram's _bucket and
 * _sum would be). The pid label goes first, so that the rest of the line
 * is copied as it came and label values are never parsed. */
#include "prom_merge.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cb_prom_family {
	char *name;
	int first;              /* the input that named it first: its comments are kept */
	struct cb_buf comments; /* HELP, TYPE */
	struct cb_buf samples;  /* every input's, each with its pid */
};

/* The family called name (len bytes), added when new; NULL without memory. */
static struct cb_prom_family *family(struct cb_prom_merge *m, const char *name, size_t len)
{
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->fam[i].name) == len && memcmp(m->fam[i].name, name, len) == 0)
			return &m->fam[i];
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct cb_prom_family *more = realloc(m->fam, cap * sizeof(*more));
		if (!more)
			return NULL;
		m->fam = more;
		m->cap = cap;
	}
	struct cb_prom_family *f = &m->fam[m->n];
	memset(f, 0, sizeof(*f));
	f->name = strndup(name, len);
	if (!f->name)
		return NULL;
	f->first = m->inputs;
	m->n++;
	return f;
}

/* A sample line with pid="N" as its first label. */
static void add_sample(struct cb_buf *b, const char *line, size_t len, int pid)
{
	size_t name = strcspn(line, "{ \t");
	if (name > len)
		name = len;
	cb_buf_add(b, line, name);
	const char *rest = line + name;
	size_t left = len - name;
	if (left && *rest == '{') {
		rest++;
		left--;
		/* An empty label set stays one: {pid="N"}, not {pid="N",}. */
		bool empty = left && *rest == '}';
		cb_buf_printf(b, "{pid=\"%d\"%s", pid, empty ? "" : ",");
	} else {
		cb_buf_printf(b, "{pid=\"%d\"}", pid);
	}
	cb_buf_add(b, rest, left);
	cb_buf_puts(b, "\n");
}

void cb_prom_merge_add(struct cb_prom_merge *m, const char *text, int pid)
{
	struct cb_prom_family *cur = NULL;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len && line[0] == '#') {
			/* "# HELP NAME ..." and "# TYPE NAME ..." start a family;
			 * other comments belong to the one before them. */
			if (len > 7 &&
			    (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)))
				cur = family(m, line + 7, strcspn(line + 7, " \t\n"));
			if (!cur)
				m->failed = 1;
			else if (cur->first == m->inputs) {
				cb_buf_add(&cur->comments, line, len);
				cb_buf_puts(&cur->comments, "\n");
			}
		} else if (len) {
			if (!cur) /* a sample before any comment: its own family */
				cur = family(m, line, strcspn(line, "{ \t\n"));
			if (cur)
				add_sample(&cur->samples, line, len, pid);
			else
				m->failed = 1;
		}
		line = nl ? nl + 1 : NULL;
	}
	m->inputs++;
}

void cb_prom_merge_finish(struct cb_prom_merge *m, struct cb_buf *out)
{
	for (size_t i = 0; i < m->n; i++) {
		struct cb_prom_family *f = &m->fam[i];
		if (f->comments.data)
			cb_buf_puts(out, f->comments.data);
		if (f->samples.data)
			cb_buf_puts(out, f->samples.data);
		m->failed |= f->comments.failed || f->samples.failed;
		cb_buf_free(&f->comments);
		cb_buf_free(&f->samples);
		free(f->name);
	}
	out->failed |= m->failed != 0;
	free(m->fam);
	memset(m, 0, sizeof(*m));
}
