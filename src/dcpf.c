/*-------------------------------------------------------------------------
 * dcpf.c
 *    Module magic and _PG_init for the dcpf extension.
 *
 * Kept short on purpose: each concern lives in its own file and exposes an
 * initialisation function that is called from here.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "audit.h"
#include "dcpf.h"
#include "keys.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Register settings, then the identity's callbacks and hook. */
void
_PG_init(void)
{
	dcpf_define_gucs();
	dcpf_identity_init();
	dcpf_policy_init();
	dcpf_keys_init();
	dcpf_audit_init();
	dcpf_auditq_init();
	dcpf_retention_init();
}
