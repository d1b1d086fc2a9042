/*
 * tap.c - the streaming TAP 12/13/14 reader behind tap.h.  Owns the line
 * assembly (a bounded prefix of each line), the plan and numbering checks and
 * the bounded `detail` text; it knows nothing of processes or exit statuses.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testrig/buf.h"
#include "testrig/tap.h"
#include "testrig/util.h"

/*
 * Bounds that keep memory independent of the output size: a line longer than
 * LINE_KEEP is judged by its first LINE_KEEP bytes, a detail line is cut to
 * DETAIL_LINE_MAX bytes, and at most DETAIL_MAX_LINES lines are kept before
 * the rest is only counted ("... and N more").
 */
#define LINE_KEEP 4096
#define DETAIL_LINE_MAX 512
#define DETAIL_MAX_LINES 50
/* YAML lines quoted under one failing point. */
#define YAML_MAX_LINES 3

struct tap {
	char line[LINE_KEEP + 1];
	size_t line_len;             /* bytes kept of the current line */
	bool line_long;              /* the current line had more than LINE_KEEP bytes */
	bool seen_line;              /* a byte-order mark only counts on the first line */

	bool has_plan;
	unsigned planned;
	bool skip_all;
	bool plan_late;              /* the plan came after some test point */
	bool plan_middle;            /* ... and a test point came after it */
	bool plan_twice;
	size_t plan_twice_at;        /* points before the second plan */
	bool problem;                /* a problem other than a failing point */

	unsigned ran, failed, todo, skipped;
	bool bailed_out;
	struct buf bail;             /* "Bail out! reason" */
	struct buf bail_reason;
	struct buf skip_reason;      /* of a "1..0 # SKIP reason" plan */

	/* Every point (tap_points.c: past a bound, in a temporary file). */
	struct tap_points *points;
	size_t npoints;
	struct buf point_description, point_reason;

	struct buf detail;           /* kept lines, '\n'-separated */
	unsigned detail_lines;
	unsigned long long more;     /* lines counted but not kept */
	struct buf scratch;

	/* YAML diagnostics after a test point (see yaml_line) */
	bool yaml_allowed;           /* the last TAP line was a test point */
	bool in_yaml;
	size_t yaml_indent;          /* indentation of the block's "---" */
	bool yaml_quote;             /* the block belongs to a failing point that was kept */
	unsigned yaml_quoted;
	char yaml_key[16];           /* a key whose value starts on the next line */
};

enum line_kind {
	COUNTED,                     /* a problem: kept or counted in "... and N more" */
	EXTRA,                       /* a YAML quote: kept if there is room, else dropped */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static const char *skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Length of s without trailing white space. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return n;
}

static void bump(unsigned *count)
{
	if (*count < UINT_MAX)
		(*count)++;
}

/*
 * Appends one line of text to `to`, made safe for a terminal and a report
 * (control characters become '?') and cut at DETAIL_LINE_MAX bytes on a UTF-8
 * character boundary, because producers print anything.
 */
static void add_clean(struct buf *to, const char *s, size_t n)
{
	size_t i, keep = n;

	if (n > DETAIL_LINE_MAX) {
		keep = DETAIL_LINE_MAX - 3;
		while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
			keep--;
	}
	buf_grow(to, keep + 4);
	for (i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addc(to, c == '\t' ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
	if (keep < n)
		buf_adds(to, "...");
}

/* Adds t->scratch as a detail line. */
static void keep_line(struct tap *t, enum line_kind kind)
{
	if (t->detail_lines >= DETAIL_MAX_LINES) {
		if (kind == COUNTED)
			t->more++;
		return;
	}
	if (t->detail.len)
		buf_addc(&t->detail, '\n');
	add_clean(&t->detail, t->scratch.data, t->scratch.len);
	t->detail_lines++;
}

static void problem(struct tap *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct tap *t, const char *fmt, ...)
{
	va_list ap;

	t->problem = true;
	buf_reset(&t->scratch);
	va_start(ap, fmt);
	buf_vprintf(&t->scratch, fmt, ap);
	va_end(ap);
	keep_line(t, COUNTED);
}

/*
 * YAML inside a failing point's block: quote the few top-level keys that say
 * what went wrong, indented under the point.  A key whose value starts on the
 * next line (a block scalar, a nested map) is quoted with that line.
 */
static const char *const yaml_keys[] = {
	"message", "got", "expected", "expect", "found", "wanted", "actual",
};

static void yaml_quote(struct tap *t, const char *key, const char *value, size_t n)
{
	buf_reset(&t->scratch);
	buf_printf(&t->scratch, "    %s: ", key);
	buf_add(&t->scratch, value, n);
	keep_line(t, EXTRA);
	t->yaml_quoted++;
}

static void yaml_line(struct tap *t, const char *s)
{
	size_t indent = (size_t)(skip_space(s) - s), n, k, i;
	const char *text = s + indent, *colon, *value;

	n = trimmed_len(text, strlen(text));
	if (n == 3 && !memcmp(text, "...", 3)) {
		t->in_yaml = false;
		return;
	}
	if (!t->yaml_quote || t->yaml_quoted >= YAML_MAX_LINES || n == 0)
		return;
	if (t->yaml_key[0] && indent > t->yaml_indent) {
		yaml_quote(t, t->yaml_key, text, n);
		t->yaml_key[0] = 0;
		return;
	}
	t->yaml_key[0] = 0;
	if (indent != t->yaml_indent || !(colon = memchr(text, ':', n)))
		return;
	k = (size_t)(colon - text);
	for (i = 0; i < ARRAY_SIZE(yaml_keys); i++)
		if (strlen(yaml_keys[i]) == k && !memcmp(text, yaml_keys[i], k))
			break;
	if (i == ARRAY_SIZE(yaml_keys))
		return;
	value = colon + 1;
	while (value < text + n && is_space(*value))
		value++;
	n -= (size_t)(value - text);
	/* "|", ">", "|-", ">+2" ...: the text is on the following lines. */
	if (n == 0 || ((*value == '|' || *value == '>') &&
		       strspn(value + 1, "-+0123456789") == n - 1))
		snprintf(t->yaml_key, sizeof t->yaml_key, "%s", yaml_keys[i]);
	else
		yaml_quote(t, yaml_keys[i], value, n);
}

/* Parses a decimal number, saturating: a huge number is still not ours. */
static const char *parse_number(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX : v * 10 + (unsigned)(*s - '0');
	*out = v;
	return s;
}

/* The name a description gives a point: no leading "- ", "\#" and "\\" unescaped. */
static void add_name(struct buf *b, const char *s, size_t n)
{
	size_t i;

	if (n > 0 && s[0] == '-' && (n == 1 || is_space(s[1]))) {
		i = 1;
		while (i < n && is_space(s[i]))
			i++;
		s += i;
		n -= i;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '#' || s[i + 1] == '\\'))
			i++;
		buf_addc(b, s[i]);
	}
}

/* " - name", as a detail line shows a point's description (nothing for none). */
static void add_description(struct buf *b, const char *s, size_t n)
{
	size_t at = b->len;

	buf_adds(b, " - ");
	add_name(b, s, n);
	if (b->len == at + 3)
		buf_setlen(b, at);
}

void tap_point_name(const struct tap_point *p, struct buf *out)
{
	add_name(out, p->description, strlen(p->description));
}

/* Every point is kept, as the reports show each (SPEC section 3). */
static void keep_point(struct tap *t, unsigned long long number, const char *desc, size_t n,
		       bool ok, enum tap_directive directive, const char *dir)
{
	struct tap_point p;
	const char *r = "";

	memset(&p, 0, sizeof p);
	p.number = number > UINT_MAX ? UINT_MAX : (unsigned)number;
	p.out_of_order = number != t->ran;
	p.after_late_plan = t->plan_late;
	p.ok = ok;
	p.directive = directive;
	buf_reset(&t->point_description);
	add_clean(&t->point_description, desc, trimmed_len(desc, n));
	if (directive != TAP_NO_DIRECTIVE) {
		/* "# SKIP reason" / "# TODO reason": the word itself, then the reason. */
		for (r = dir; *r && !is_space(*r); r++)
			;
		r = skip_space(r);
	}
	buf_reset(&t->point_reason);
	add_clean(&t->point_reason, r, trimmed_len(r, strlen(r)));
	p.description = t->point_description.data;
	p.reason = t->point_reason.data;
	tap_points_add(t->points, &p);
	t->npoints++;
}

/*
 * "ok" / "not ok", an optional number, a description up to the first
 * unescaped '#', and after it maybe a directive: "# SKIP..." (any word
 * starting with skip) or "# TODO" (the word itself), in any case.
 */
static void test_point(struct tap *t, const char *s, bool ok)
{
	unsigned long long number = 0;
	bool has_number, skip = false, todo = false;
	const char *desc, *end, *dir = NULL;

	s = skip_space(s);
	has_number = *s >= '0' && *s <= '9';
	if (has_number)
		s = skip_space(parse_number(s, &number));
	desc = s;
	for (end = desc; *end && *end != '#'; end++)
		if (*end == '\\' && end[1])
			end++;
	if (*end == '#') {
		dir = skip_space(end + 1);
		skip = !strncasecmp(dir, "skip", 4);
		todo = !strncasecmp(dir, "todo", 4) && !is_word(dir[4]);
	}

	bump(&t->ran);
	/* A point keeps a comment that is no directive in its description (as tap-driver). */
	keep_point(t, has_number ? number : t->ran, desc,
		   skip || todo ? (size_t)(end - desc) : strlen(desc), ok,
		   skip ? TAP_SKIP : todo ? TAP_TODO : TAP_NO_DIRECTIVE, dir);
	if (t->plan_late && !t->plan_middle) {
		t->plan_middle = true;
		problem(t, "plan 1..%u in the middle of the test points", t->planned);
	}
	/* prove counts a point out of sequence as a failure, and so do we. */
	if (has_number && number != t->ran)
		problem(t, "test number %llu out of sequence, expected %u", number, t->ran);

	t->yaml_allowed = true;
	t->yaml_quote = false;
	if (ok) {
		if (skip)
			bump(&t->skipped);
		return;
	}
	if (todo) {
		bump(&t->todo);
		return;
	}
	bump(&t->failed);
	buf_reset(&t->scratch);
	buf_printf(&t->scratch, "not ok %llu", has_number ? number : t->ran);
	add_description(&t->scratch, desc, trimmed_len(desc, (size_t)(end - desc)));
	if (skip) {
		/* Why a failing skip still fails deserves to be seen. */
		buf_adds(&t->scratch, " # ");
		buf_add(&t->scratch, dir, trimmed_len(dir, strlen(dir)));
	}
	t->yaml_quote = t->detail_lines < DETAIL_MAX_LINES;
	t->yaml_quoted = 0;
	keep_line(t, COUNTED);
}

/* "1..N", then nothing or a "# reason" (1..0 # SKIP why). */
static bool plan_line(struct tap *t, const char *s)
{
	unsigned long long n;
	const char *p;

	if (strncmp(s, "1..", 3) || !(s[3] >= '0' && s[3] <= '9'))
		return false;
	p = skip_space(parse_number(s + 3, &n));
	if (*p && *p != '#')
		return false;
	if (t->has_plan) {
		if (!t->plan_twice) {
			problem(t, "more than one plan");
			t->plan_twice_at = t->npoints;
		}
		t->plan_twice = true;
		return true;
	}
	t->has_plan = true;
	t->planned = n > UINT_MAX ? UINT_MAX : (unsigned)n;
	t->skip_all = n == 0;
	t->plan_late = t->ran > 0;
	if (t->skip_all && *p == '#') {
		/* "1..0 # SKIP no database": the reason is what follows SKIP. */
		p = skip_space(p + 1);
		if (!strncasecmp(p, "skip", 4)) {
			while (*p && !is_space(*p))
				p++;
			p = skip_space(p);
		}
		add_clean(&t->skip_reason, p, trimmed_len(p, strlen(p)));
	}
	return true;
}

static void bail_out(struct tap *t, const char *reason)
{
	reason = skip_space(reason);
	t->bailed_out = true;
	add_clean(&t->bail_reason, reason, trimmed_len(reason, strlen(reason)));
	buf_reset(&t->scratch);
	buf_adds(&t->scratch, "Bail out!");
	if (*reason) {
		buf_addc(&t->scratch, ' ');
		buf_add(&t->scratch, reason, trimmed_len(reason, strlen(reason)));
	}
	add_clean(&t->bail, t->scratch.data, t->scratch.len);
}

/*
 * One whole line (NUL-terminated, without its newline).  Only lines at the
 * top level count: indented ones are YAML or a subtest's own TAP, which its
 * parent's "ok"/"not ok" line sums up.  Version and pragma lines, comments
 * and anything unrecognised change nothing, as TAP says.
 */
static void handle_line(struct tap *t, char *s)
{
	if (!t->seen_line && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	t->seen_line = true;

	if (t->in_yaml) {
		/* A top-level line also ends a block whose "..." never came. */
		if (is_space(*s) || !*s) {
			yaml_line(t, s);
			return;
		}
		t->in_yaml = false;
	}
	if (is_space(*s)) {
		const char *text = skip_space(s);

		if (t->yaml_allowed && !strncmp(text, "---", 3) &&
		    (!text[3] || is_space(text[3]))) {
			t->in_yaml = true;
			t->yaml_allowed = false;
			t->yaml_indent = (size_t)(text - s);
			t->yaml_key[0] = 0;
		} else if (*text && *text != '#') {
			t->yaml_allowed = false;
		}
		return;
	}
	/* Comments and blank lines may stand between a point and its YAML. */
	if (!*s || *s == '#')
		return;
	t->yaml_allowed = false;
	if (!strncmp(s, "ok", 2) && !is_word(s[2]))
		test_point(t, s + 2, true);
	else if (!strncmp(s, "not ok", 6) && !is_word(s[6]))
		test_point(t, s + 6, false);
	else if (!strncasecmp(s, "Bail out!", 9))
		bail_out(t, s + 9);
	else
		(void)plan_line(t, s);
}

static void end_line(struct tap *t)
{
	size_t n = t->line_len;

	/*
	 * A "\r" is only the end of a "\r\n" when the line was kept whole;
	 * deciding on the kept bytes alone keeps every chunking equivalent.
	 */
	if (!t->line_long && n > 0 && t->line[n - 1] == '\r')
		n--;
	t->line[n] = 0;
	t->line_len = 0;
	t->line_long = false;
	if (!t->bailed_out)
		handle_line(t, t->line);
}

struct tap *tap_new(void)
{
	struct tap *t = xcalloc(1, sizeof *t);

	buf_init(&t->bail);
	buf_init(&t->bail_reason);
	buf_init(&t->skip_reason);
	t->points = tap_points_new();
	buf_init(&t->point_description);
	buf_init(&t->point_reason);
	buf_init(&t->detail);
	buf_init(&t->scratch);
	return t;
}

void tap_feed(struct tap *t, const char *data, size_t len)
{
	/* After "Bail out!" nothing counts: the stream is only drained. */
	while (len > 0 && !t->bailed_out) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len, take = n;

		if (take > LINE_KEEP - t->line_len) {
			take = LINE_KEEP - t->line_len;
			t->line_long = true;
		}
		memcpy(t->line + t->line_len, data, take);
		t->line_len += take;
		if (!nl)
			return;
		end_line(t);
		data += n + 1;
		len -= n + 1;
	}
}

static void add_detail(struct buf *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_detail(struct buf *d, const char *fmt, ...)
{
	va_list ap;

	if (d->len)
		buf_addc(d, '\n');
	va_start(ap, fmt);
	buf_vprintf(d, fmt, ap);
	va_end(ap);
}

void tap_finish(struct tap *t, struct tap_summary *out)
{
	struct buf d = BUF_INIT;
	bool plan_kept;

	if (t->line_len > 0 || t->line_long)
		end_line(t);
	t->in_yaml = false;

	if (t->detail.len)
		buf_add(&d, t->detail.data, t->detail.len);
	if (t->more)
		add_detail(&d, "... and %llu more", t->more);
	plan_kept = t->has_plan && t->planned == t->ran;
	/* After a bail out, a short count is expected and would only be noise. */
	if (t->bailed_out)
		add_detail(&d, "%s", t->bail.data);
	else if (!t->has_plan)
		add_detail(&d, "no plan");
	else if (!plan_kept)
		add_detail(&d, "planned %u tests but %u ran", t->planned, t->ran);

	memset(out, 0, sizeof *out);
	out->has_plan = t->has_plan;
	out->planned = t->planned;
	out->skip_all = t->skip_all;
	out->ran = t->ran;
	out->failed = t->failed;
	out->todo = t->todo;
	out->skipped = t->skipped;
	out->bailed_out = t->bailed_out;
	out->stream_ok = !t->bailed_out && !t->failed && !t->problem && plan_kept;
	out->detail = d.len ? buf_detach(&d, NULL) : NULL;
	buf_free(&d);
	/* The points go with the summary. */
	out->points = t->points;
	out->npoints = t->npoints;
	t->points = NULL;
	t->npoints = 0;
	out->skip_reason = t->skip_all ? buf_detach(&t->skip_reason, NULL) : NULL;
	out->bail_reason = t->bailed_out ? buf_detach(&t->bail_reason, NULL) : NULL;
	out->plan_late = t->plan_late;
	out->plan_twice = t->plan_twice;
	out->plan_twice_at = t->plan_twice_at;
}

void tap_free(struct tap *t)
{
	if (!t)
		return;
	tap_points_free(t->points);
	buf_free(&t->point_description);
	buf_free(&t->point_reason);
	buf_free(&t->bail_reason);
	buf_free(&t->skip_reason);
	buf_free(&t->bail);
	buf_free(&t->detail);
	buf_free(&t->scratch);
	free(t);
}

void tap_summary_free(struct tap_summary *s)
{
	free(s->detail);
	tap_points_free(s->points);
	free(s->skip_reason);
	free(s->bail_reason);
	s->detail = s->skip_reason = s->bail_reason = NULL;
	s->points = NULL;
	s->npoints = 0;
}
