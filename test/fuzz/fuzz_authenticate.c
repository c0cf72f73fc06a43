/*-------------------------------------------------------------------------
 * fuzz_authenticate.c
 *    src/authenticate.c compiled for the harnesses, with its static
 *    peek_issuer (the issuer named by a token that is not verified yet)
 *    made reachable for fuzz_jose.c.
 *-------------------------------------------------------------------------
 */
#include "../../src/authenticate.c"

#include "fuzz.h"

char *
dcpf_fuzz_peek_issuer(const char *token, int len)
{
	return peek_issuer(token, len);
}
