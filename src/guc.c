/*-------------------------------------------------------------------------
 * guc.c
 *    The dcpf.* settings.
 *
 * Every setting is declared here with the narrowest context that works, so
 * the full list of what a DBA can configure is in one place.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "dcpf.h"

int			dcpf_big_check_digit_mode = DCPF_CHECK_DIGIT_ERROR;
int			dcpf_token_cache_seconds = 30;

static const struct config_enum_entry check_digit_options[] = {
	{"error", DCPF_CHECK_DIGIT_ERROR, false},
	{"warning", DCPF_CHECK_DIGIT_WARNING, false},
	{NULL, 0, false}
};

/* Define every dcpf.* setting and reserve the prefix. */
void
dcpf_define_gucs(void)
{
	DefineCustomEnumVariable("dcpf.big_check_digit",
							 "What a BIG number whose check digit does not match does.",
							 "The BIG register does not publish its check-digit algorithm; "
							 "'error' refuses such numbers, 'warning' accepts them with a warning. "
							 "The 11-digit format is always enforced.",
							 &dcpf_big_check_digit_mode,
							 DCPF_CHECK_DIGIT_ERROR,
							 check_digit_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.token_cache_seconds",
							"How long a backend reuses a verified token without checking it again.",
							"A token seen again within this many seconds (and before it expires) skips "
							"signature, claim and role-gate checks. Changes to issuers, keys, links, "
							"memberships, licences, agreements or account status empty every backend's "
							"cache at commit. 0 turns the cache off.",
							&dcpf_token_cache_seconds,
							30, 0, 300,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("dcpf");
}
