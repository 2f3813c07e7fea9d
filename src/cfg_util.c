/*-------------------------------------------------------------------------
 *
 * cfg_util.c
 *	  Small helpers shared by cfgmgr's SQL-callable functions.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "cfgmgr.h"

/*
 * Argument n as a C string; a NULL argument is refused with 22004 naming
 * what it is ("environment", "service", ...).
 */
char *
CfgArgText(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * The prepared plan kept in *slot, preparing and keeping it (for the life
 * of the backend) on first use.  The caller must be connected to SPI.
 */
SPIPlanPtr
CfgKeepPlan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	return CfgKeepPlanOpts(slot, sql, nargs, types, 0);
}

/*
 * The same with cursor options, e.g. CURSOR_OPT_CUSTOM_PLAN for a query
 * whose best plan depends on the parameter values.
 */
SPIPlanPtr
CfgKeepPlanOpts(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types, int options)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, options);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}
