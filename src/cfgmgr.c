/*-------------------------------------------------------------------------
 *
 * cfgmgr.c
 *	  Module entry point of cfgmgr: magic block, _PG_init and GUCs.
 *
 * Vocabulary used throughout the C sources:
 *	environment	a node of the environment tree (base -> prod -> prod-eu);
 *				resolution walks the chain from the root down.
 *	service		a configuration namespace (billing, api).
 *	entry		one stored value at (environment, service, path, provider);
 *				provider '' is the provider-neutral value.
 *	tombstone	an entry that removes an inherited path at its level and
 *				below (cfgmgr.unset(..., block => true)).
 *	changeset	the one id every configuration-changing transaction gets;
 *				history, tags, audit and notifications refer to it.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfgmgr.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "cfg_jsonschema.h"
#include "cfgmgr.h"

PG_MODULE_MAGIC;

int			cfgmgr_cache_size = 16384;	/* kB */
bool		cfgmgr_cache_enabled = true;

void		_PG_init(void);

static void
CfgGucInit(void)
{
	DefineCustomIntVariable("cfgmgr.cache_size",
							gettext_noop("Maximum memory of the per-backend cache of resolved configuration."),
							gettext_noop("When the cache grows past this size it is emptied and refilled on demand."),
							&cfgmgr_cache_size,
							16384, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("cfgmgr.cache",
							 gettext_noop("Caches resolved configuration per backend."),
							 gettext_noop("The cache is invalidated on every committed change, so it is never stale; turning it off only costs speed."),
							 &cfgmgr_cache_enabled,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	CfgSchemaGucInit();			/* before the prefix is reserved */
	CfgImportGucInit();
	CfgSecretInit();
	CfgAuditGucInit();
	MarkGUCPrefixReserved("cfgmgr");
}

void
_PG_init(void)
{
	CfgGucInit();
	CfgCacheInit();
	CfgWriteInit();
	CfgAuditInit();
	CfgTemplateInit();
}
