/*-------------------------------------------------------------------------
 * email.c
 *    E-mail addresses: dcpf.email_is_valid, dcpf.email_normalize and the
 *    type dcpf.email.
 *
 * Accepted is the common, deliverable subset of RFC 5321/5322: after
 * trimming ASCII whitespace, at most 254 octets, exactly one "@", a local
 * part of 1..64 characters in dot-atom form (no quoted strings, no comments),
 * and a DNS host name of at least two labels (1..63 letters, digits or
 * hyphens, no hyphen at either end) whose top-level domain is two or more
 * letters or a punycode label (xn--...). IP address literals and non-ASCII
 * characters are refused; internationalised domains are written in their
 * punycode form. The normalised form is the whole address in lower case.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "dcpf.h"

#define EMAIL_MAX		254
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

/* What a scan of an e-mail address found, roughly left to right. */
typedef enum EmailProblem
{
	EMAIL_OK,
	EMAIL_EMPTY,
	EMAIL_NON_ASCII,
	EMAIL_TOO_LONG,
	EMAIL_NO_AT,
	EMAIL_MANY_AT,
	EMAIL_LOCAL_EMPTY,
	EMAIL_LOCAL_TOO_LONG,
	EMAIL_LOCAL_CHAR,
	EMAIL_LOCAL_DOT_START,
	EMAIL_LOCAL_DOT_END,
	EMAIL_LOCAL_DOTS,
	EMAIL_DOMAIN_EMPTY,
	EMAIL_IP_LITERAL,
	EMAIL_DOMAIN_CHAR,
	EMAIL_LABEL_EMPTY,
	EMAIL_LABEL_TOO_LONG,
	EMAIL_LABEL_HYPHEN,
	EMAIL_NO_TLD,
	EMAIL_TLD
} EmailProblem;

typedef struct EmailScan
{
	const char *start;			/* the address without surrounding whitespace */
	const char *end;
	const char *at;				/* the first "@" */
	const char *where;			/* offending character or label */
	int			count;			/* a length or count for the detail */
} EmailScan;

/* True for the ASCII whitespace that is trimmed. */
static inline bool
email_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* True for an ASCII letter or digit. */
static inline bool
email_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* True for an RFC 5322 atext character. */
static inline bool
email_atext(char c)
{
	return email_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* Check the local part [start, at); never raises. */
static EmailProblem
email_scan_local(EmailScan *scan)
{
	const char *p;
	int			len = (int) (scan->at - scan->start);

	if (len == 0)
		return EMAIL_LOCAL_EMPTY;
	if (len > EMAIL_LOCAL_MAX)
	{
		scan->count = len;
		return EMAIL_LOCAL_TOO_LONG;
	}
	for (p = scan->start; p < scan->at; p++)
	{
		scan->where = p;
		if (*p == '.')
		{
			if (p == scan->start)
				return EMAIL_LOCAL_DOT_START;
			if (p + 1 == scan->at)
				return EMAIL_LOCAL_DOT_END;
			if (p[1] == '.')
				return EMAIL_LOCAL_DOTS;
		}
		else if (!email_atext(*p))
			return EMAIL_LOCAL_CHAR;
	}
	return EMAIL_OK;
}

/* Check one domain label [label, stop); never raises. */
static EmailProblem
email_scan_label(EmailScan *scan, const char *label, const char *stop)
{
	int			len = (int) (stop - label);

	scan->where = label;
	scan->count = len;
	if (len == 0)
		return EMAIL_LABEL_EMPTY;
	if (len > EMAIL_LABEL_MAX)
		return EMAIL_LABEL_TOO_LONG;
	if (label[0] == '-' || stop[-1] == '-')
		return EMAIL_LABEL_HYPHEN;
	return EMAIL_OK;
}

/* True when [label, stop) may be a top-level domain. */
static bool
email_tld_ok(const char *label, const char *stop)
{
	const char *p;

	if (stop - label > 4 && pg_strncasecmp(label, "xn--", 4) == 0)
		return true;			/* punycode; characters were checked already */
	if (stop - label < 2)
		return false;
	for (p = label; p < stop; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

/* Check the domain (at, end); never raises. */
static EmailProblem
email_scan_domain(EmailScan *scan)
{
	const char *domain = scan->at + 1;
	const char *label = domain;
	const char *p;
	int			nlabels = 0;
	EmailProblem problem;

	if (domain == scan->end)
		return EMAIL_DOMAIN_EMPTY;
	if (*domain == '[')
		return EMAIL_IP_LITERAL;
	for (p = domain; p <= scan->end; p++)
	{
		if (p == scan->end || *p == '.')
		{
			problem = email_scan_label(scan, label, p);
			if (problem != EMAIL_OK)
				return problem;
			nlabels++;
			label = p + 1;
		}
		else if (!email_alnum(*p) && *p != '-')
		{
			scan->where = p;
			return EMAIL_DOMAIN_CHAR;
		}
	}
	scan->where = domain;
	if (nlabels < 2)
		return EMAIL_NO_TLD;
	for (p = scan->end; p[-1] != '.'; p--)
		;
	scan->where = p;
	if (!email_tld_ok(p, scan->end))
		return EMAIL_TLD;
	return EMAIL_OK;
}

/* Trim and check [s, end) as an e-mail address; never raises. */
static EmailProblem
email_scan(const char *s, const char *end, EmailScan *scan)
{
	const char *p;
	int			nat = 0;
	EmailProblem problem;

	while (s < end && email_space(*s))
		s++;
	while (end > s && email_space(end[-1]))
		end--;
	scan->start = s;
	scan->end = end;
	scan->at = NULL;
	scan->where = NULL;
	scan->count = 0;

	if (s == end)
		return EMAIL_EMPTY;
	for (p = s; p < end; p++)
	{
		if (IS_HIGHBIT_SET(*p))
		{
			scan->where = p;
			return EMAIL_NON_ASCII;
		}
		if (*p == '@')
		{
			if (nat == 0)
				scan->at = p;
			nat++;
		}
	}
	if (end - s > EMAIL_MAX)
	{
		scan->count = (int) (end - s);
		return EMAIL_TOO_LONG;
	}
	if (nat == 0)
		return EMAIL_NO_AT;
	if (nat > 1)
	{
		scan->count = nat;
		return EMAIL_MANY_AT;
	}
	problem = email_scan_local(scan);
	if (problem != EMAIL_OK)
		return problem;
	return email_scan_domain(scan);
}

/*
 * Raise the error for an address whose scan found a problem. input is the
 * value as given; everything before scan->where is ASCII, so a byte offset
 * plus one is the character position.
 */
static void
email_report(const char *input, const char *end, EmailProblem problem,
			 const EmailScan *scan)
{
	const char *domain = scan->at ? scan->at + 1 : NULL;
	int			pos = scan->where ? (int) (scan->where - input) + 1 : 0;
	int			count = scan->count;
	const char *where = scan->where;

#define EMAIL_ERROR(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
			 errmsg("invalid e-mail address: \"%s\"", input), \
			 __VA_ARGS__))

	switch (problem)
	{
		case EMAIL_OK:
			break;
		case EMAIL_EMPTY:
			EMAIL_ERROR(errdetail("The value is empty."));
			break;
		case EMAIL_NON_ASCII:
			EMAIL_ERROR(errdetail("Character \"%s\" at position %d is not ASCII.",
								  dcpf_char_at(where, end), pos),
						errhint("Write an internationalised domain name in its punycode form "
								"(labels starting with xn--); the part before the \"@\" must be ASCII."));
			break;
		case EMAIL_TOO_LONG:
			EMAIL_ERROR(errdetail("The address has %d characters; at most 254 are allowed.", count));
			break;
		case EMAIL_NO_AT:
			EMAIL_ERROR(errdetail("The address has no \"@\"."));
			break;
		case EMAIL_MANY_AT:
			EMAIL_ERROR(errdetail("The address has %d \"@\" characters; it must have exactly one.", count),
						errhint("Quoted local parts, such as \"a@b\"@example.com, are not accepted."));
			break;
		case EMAIL_LOCAL_EMPTY:
			EMAIL_ERROR(errdetail("The part before the \"@\" is empty."));
			break;
		case EMAIL_LOCAL_TOO_LONG:
			EMAIL_ERROR(errdetail("The part before the \"@\" has %d characters; at most 64 are allowed.", count));
			break;
		case EMAIL_LOCAL_CHAR:
			EMAIL_ERROR(errdetail("Character \"%c\" at position %d is not allowed before the \"@\".",
								  *where, pos),
						errhint("Before the \"@\" an address holds letters, digits, single dots "
								"and the characters !#$%%&'*+/=?^_`{|}~-."));
			break;
		case EMAIL_LOCAL_DOT_START:
			EMAIL_ERROR(errdetail("The part before the \"@\" starts with a dot."));
			break;
		case EMAIL_LOCAL_DOT_END:
			EMAIL_ERROR(errdetail("The part before the \"@\" ends with a dot."));
			break;
		case EMAIL_LOCAL_DOTS:
			EMAIL_ERROR(errdetail("The part before the \"@\" has two consecutive dots at position %d.", pos));
			break;
		case EMAIL_DOMAIN_EMPTY:
			EMAIL_ERROR(errdetail("The domain after the \"@\" is empty."));
			break;
		case EMAIL_IP_LITERAL:
			EMAIL_ERROR(errdetail("The domain is an IP address literal; only host names are accepted."));
			break;
		case EMAIL_DOMAIN_CHAR:
			EMAIL_ERROR(errdetail("Character \"%c\" at position %d is not allowed in a domain name.",
								  *where, pos),
						errhint("A domain name holds letters, digits, hyphens and dots."));
			break;
		case EMAIL_LABEL_EMPTY:
			if (where == domain)
				EMAIL_ERROR(errdetail("The domain starts with a dot."));
			else if (where == scan->end)
				EMAIL_ERROR(errdetail("The domain ends with a dot."));
			else
				EMAIL_ERROR(errdetail("The domain has two consecutive dots at position %d.", pos - 1));
			break;
		case EMAIL_LABEL_TOO_LONG:
			EMAIL_ERROR(errdetail("The domain label starting at position %d has %d characters; at most 63 are allowed.",
								  pos, count));
			break;
		case EMAIL_LABEL_HYPHEN:
			EMAIL_ERROR(errdetail("The domain label \"%.*s\" starts or ends with a hyphen.", count, where));
			break;
		case EMAIL_NO_TLD:
			EMAIL_ERROR(errdetail("The domain \"%.*s\" has no top-level domain.",
								  (int) (scan->end - domain), domain));
			break;
		case EMAIL_TLD:
			EMAIL_ERROR(errdetail("The top-level domain \"%.*s\" is not two or more letters.",
								  (int) (scan->end - where), where));
			break;
	}
#undef EMAIL_ERROR
}

/* Validate an address (len bytes, NUL-terminated) and return its normal form. */
static text *
email_accept(const char *input, int len)
{
	const char *end = input + len;
	EmailScan	scan;
	EmailProblem problem = email_scan(input, end, &scan);
	text	   *result;
	char	   *out;
	int			i;

	if (problem != EMAIL_OK)
		email_report(input, end, problem, &scan);

	result = cstring_to_text_with_len(scan.start, (int) (scan.end - scan.start));
	out = VARDATA(result);
	for (i = 0; i < scan.end - scan.start; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] += 'a' - 'A';
	return result;
}

/* dcpf.email_is_valid(text): never raises. */
PG_FUNCTION_INFO_V1(dcpf_email_is_valid);
Datum
dcpf_email_is_valid(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	EmailScan	scan;

	PG_RETURN_BOOL(email_scan(s, s + VARSIZE_ANY_EXHDR(value), &scan) == EMAIL_OK);
}

/* dcpf.email_normalize(text): the normal form, or 22P02. */
PG_FUNCTION_INFO_V1(dcpf_email_normalize);
Datum
dcpf_email_normalize(PG_FUNCTION_ARGS)
{
	char	   *str = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(email_accept(str, strlen(str)));
}

/* Input function of dcpf.email. */
PG_FUNCTION_INFO_V1(dcpf_email_in);
Datum
dcpf_email_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TEXT_P(email_accept(str, strlen(str)));
}

/* Binary input of dcpf.email: the text form, validated like the input. */
PG_FUNCTION_INFO_V1(dcpf_email_recv);
Datum
dcpf_email_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_TEXT_P(email_accept(str, nbytes));
}
