/*-------------------------------------------------------------------------
 *
 * cfg_errcodes.h
 *	  cfgmgr's SQLSTATEs, class CM (SPEC.md section 5).
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_errcodes.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CFG_ERRCODES_H
#define CFG_ERRCODES_H

#include "utils/elog.h"

#define ERRCODE_CFGMGR_INVALID_PARAMETER_TYPE		MAKE_SQLSTATE('C','M','0','0','1')
#define ERRCODE_CFGMGR_CONSTRAINT_VIOLATION			MAKE_SQLSTATE('C','M','0','0','2')
#define ERRCODE_CFGMGR_MISSING_REQUIRED_PARAMETER	MAKE_SQLSTATE('C','M','0','0','3')
#define ERRCODE_CFGMGR_CIRCULAR_DEPENDENCY			MAKE_SQLSTATE('C','M','0','0','4')
#define ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND		MAKE_SQLSTATE('C','M','0','0','5')
#define ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND		MAKE_SQLSTATE('C','M','0','0','6')
#define ERRCODE_CFGMGR_SERVICE_NOT_FOUND			MAKE_SQLSTATE('C','M','0','0','7')
#define ERRCODE_CFGMGR_ACCESS_DENIED				MAKE_SQLSTATE('C','M','0','0','8')
#define ERRCODE_CFGMGR_APPROVAL_REQUIRED			MAKE_SQLSTATE('C','M','0','0','9')
#define ERRCODE_CFGMGR_INSUFFICIENT_APPROVERS		MAKE_SQLSTATE('C','M','0','1','0')
#define ERRCODE_CFGMGR_CONFLICTING_CHANGE			MAKE_SQLSTATE('C','M','0','1','1')
#define ERRCODE_CFGMGR_INVALID_TEMPLATE				MAKE_SQLSTATE('C','M','0','1','2')
#define ERRCODE_CFGMGR_INVALID_DOCUMENT				MAKE_SQLSTATE('C','M','0','1','3')
#define ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE		MAKE_SQLSTATE('C','M','0','1','4')
#define ERRCODE_CFGMGR_AUDIT_TAMPERED				MAKE_SQLSTATE('C','M','0','1','5')

#endif							/* CFG_ERRCODES_H */
