--
-- Providers as data: the rules and variables shipped for aws, azure and gcp,
-- register_provider, set_target / drop_target, and the views providers,
-- provider_regions and targets (doc/providers.md).
--
-- A provider's rules are a JSON Schema (draft 2020-12) applied to the
-- resolved, rendered configuration of every service resolved for that
-- provider.  A service's configuration has any shape, so the shipped rules
-- are conventions on key names applied at every depth: $defs.node applies
-- each convention to the members whose key matches it and applies itself
-- again to every member value and array item.  Every rule is conditioned on
-- the JSON type it checks (a "region" holding an object is not a region
-- name).  Two $defs have a fixed meaning for cfgmgr:
--   $defs.region  {"enum": [...]}: the provider's region names, the one list
--                 cfgmgr.provider_regions and the rules read;
--   $defs.target  the schema the variables of a target must satisfy
--                 (set_target, register_provider).
-- Regions are as published by each provider in 2025.  Zone patterns are
-- derived from the same list when this script runs (@REGIONS@ below); a
-- region added later with register_provider must be added to them too
-- (doc/providers.md shows how).
--

-- One statement for the three providers: the rules are per provider, the
-- filling of the region placeholders is shared.
UPDATE cfgmgr.provider p
   SET description = r.description,
	   variables = r.variables,
	   rules = pg_catalog.replace(pg_catalog.replace(r.doc,
					'"@REGION_LIST@"', pg_catalog.to_jsonb(r.regions)::text),
					'@REGIONS@', pg_catalog.array_to_string(r.regions, '|'))::jsonb
  FROM (
-- ---------------------------------------------------------------------
-- AWS
-- ---------------------------------------------------------------------
SELECT 'aws'::text AS name, 'Amazon Web Services'::text AS description, '{"partition": "aws", "dns_suffix": "amazonaws.com"}'::jsonb AS variables, $json${
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"title": "AWS conventions",
	"description": "cfgmgr's rules for configurations resolved for provider aws: conventions on key names, applied at every depth (doc/providers.md).",
	"$ref": "#/$defs/node",
	"$defs": {
		"node": {
			"patternProperties": {
				"^(region|Region|.*[_-]region|.*[A-Za-z0-9]Region)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/region"}},
				"^(regions|Regions|.*[_-]regions|.*[A-Za-z0-9]Regions)$":
					{"if": {"type": "array"}, "then": {"items": {"if": {"type": "string"}, "then": {"$ref": "#/$defs/region"}}}},
				"^(availability[_-]zone|availabilityZone|AvailabilityZone|.*[_-]availability[_-]zone|.*[A-Za-z0-9]AvailabilityZone)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/availability_zone"}},
				"^(availability[_-]zones|availabilityZones|AvailabilityZones|.*[_-]availability[_-]zones|.*[A-Za-z0-9]AvailabilityZones)$":
					{"if": {"type": "array"}, "then": {"items": {"if": {"type": "string"}, "then": {"$ref": "#/$defs/availability_zone"}}}},
				"^(bucket|Bucket|bucket[_-]name|bucketName|BucketName|.*[_-]bucket|.*[_-]bucket[_-]name|.*[A-Za-z0-9]Bucket|.*[A-Za-z0-9]BucketName)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/bucket"}},
				"^(instance[_-]type|instanceType|InstanceType|.*[_-]instance[_-]type|.*[A-Za-z0-9]InstanceType)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/instance_type"}},
				"^(instance[_-]class|instanceClass|InstanceClass|.*[_-]instance[_-]class|.*[A-Za-z0-9]InstanceClass)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/instance_class"}},
				"^(tags|Tags|.*[_-]tags|.*[A-Za-z0-9]Tags)$":
					{"$ref": "#/$defs/tags"},
				"^(account[_-]id|accountId|AccountId|.*[_-]account[_-]id|.*[A-Za-z0-9]AccountId)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/account_id"}},
				"^(arn|Arn|.*[_-]arn|.*[A-Za-z0-9]Arn)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/arn"}},
				"^": {"$ref": "#/$defs/node"}
			},
			"items": {"$ref": "#/$defs/node"}
		},
		"region": {
			"x-message": "unrecognized AWS region: regions are written like \"us-east-1\" (SELECT region FROM cfgmgr.provider_regions WHERE provider = 'aws' lists them)",
			"enum": "@REGION_LIST@"
		},
		"availability_zone": {
			"x-message": "AWS availability zones are a region followed by a zone letter (\"us-east-1a\"), a Local Zone (\"us-west-2-lax-1a\"), a Wavelength Zone, or a zone ID (\"use1-az1\")",
			"type": "string",
			"anyOf": [
				{"pattern": "^(@REGIONS@)([a-z]|-[a-z]{3}-[0-9]+[a-z]|-wl[0-9]+-[a-z]{3}-wlz-[0-9]+)$"},
				{"pattern": "^[a-z]{2,5}[0-9]+-([a-z0-9]+-)?az[0-9]+$"}
			]
		},
		"bucket": {
			"x-message": "S3 bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, contain no \"..\", are not IP addresses, do not start with \"xn--\", \"sthree-\" or \"amzn-s3-demo-\" and do not end with \"-s3alias\", \"--ol-s3\", \".mrap\", \"--x-s3\" or \"--table-s3\"",
			"type": "string",
			"minLength": 3,
			"maxLength": 63,
			"pattern": "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
			"not": {"anyOf": [
				{"pattern": "\\.\\."},
				{"pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"},
				{"pattern": "^(xn--|sthree-|amzn-s3-demo-)"},
				{"pattern": "(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$"}
			]}
		},
		"instance_type": {
			"x-message": "EC2 instance types are <family>.<size>, e.g. \"m5.large\", \"t4g.micro\", \"u-6tb1.metal\" or \"m7i.metal-24xl\" (SageMaker \"ml.\", RDS \"db.\", ElastiCache \"cache.\" prefixes and OpenSearch \".search\" suffixes allowed)",
			"type": "string",
			"pattern": "^((ml|db|cache)\\.)?[a-z][a-z0-9]*(-[a-z0-9]+)*\\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)(\\.(search|elasticsearch))?$"
		},
		"instance_class": {
			"x-message": "RDS instance classes are db.<family>.<size>, e.g. \"db.r6g.large\", or \"db.serverless\"",
			"type": "string",
			"pattern": "^db\\.([a-z][a-z0-9]*(-[a-z0-9]+)*\\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)|serverless)$"
		},
		"tag_key": {
			"type": "string",
			"minLength": 1,
			"maxLength": 128,
			"pattern": "^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$",
			"not": {"pattern": "^[Aa][Ww][Ss]:"}
		},
		"tag_value": {
			"if": {"type": "string"},
			"then": {"maxLength": 256, "pattern": "^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$"}
		},
		"tags": {
			"x-message": "AWS tag keys are 1 to 128 characters (letters, digits, spaces and _ . : / = + - @) not starting with \"aws:\", tag values at most 256 such characters, at most 50 tags",
			"if": {"type": "object"},
			"then": {
				"maxProperties": 50,
				"propertyNames": {"$ref": "#/$defs/tag_key"},
				"additionalProperties": {"$ref": "#/$defs/tag_value"}
			},
			"else": {
				"if": {"type": "array"},
				"then": {"items": {
					"if": {"type": "object", "required": ["Key"]},
					"then": {"properties": {
						"Key": {"$ref": "#/$defs/tag_key"},
						"Value": {"$ref": "#/$defs/tag_value"}
					}}
				}}
			}
		},
		"account_id": {
			"x-message": "AWS account IDs are 12 digits, written as a JSON string",
			"type": "string",
			"pattern": "^[0-9]{12}$"
		},
		"arn": {
			"x-message": "AWS ARNs look like \"arn:aws:<service>:<region>:<account>:<resource>\"",
			"type": "string",
			"pattern": "^arn:aws(-cn|-us-gov|-iso(-[a-z])?)?:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}|aws)?:.+$"
		},
		"target": {
			"type": "object",
			"required": ["region", "account_id"],
			"properties": {
				"region": {"$ref": "#/$defs/region"},
				"account_id": {"$ref": "#/$defs/account_id"},
				"partition": {"enum": ["aws", "aws-cn", "aws-us-gov"]}
			}
		}
	}
}$json$ AS doc,
	ARRAY[
		-- commercial partition (aws)
		'af-south-1',
		'ap-east-1', 'ap-east-2',
		'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
		'ap-south-1', 'ap-south-2',
		'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
		'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
		'ca-central-1', 'ca-west-1',
		'eu-central-1', 'eu-central-2',
		'eu-north-1',
		'eu-south-1', 'eu-south-2',
		'eu-west-1', 'eu-west-2', 'eu-west-3',
		'il-central-1',
		'me-central-1', 'me-south-1',
		'mx-central-1',
		'sa-east-1',
		'us-east-1', 'us-east-2',
		'us-west-1', 'us-west-2',
		-- GovCloud (aws-us-gov) and China (aws-cn) partitions
		'us-gov-east-1', 'us-gov-west-1',
		'cn-north-1', 'cn-northwest-1'
	]::text[] AS regions
UNION ALL
-- ---------------------------------------------------------------------
-- Azure
-- ---------------------------------------------------------------------
SELECT 'azure', 'Microsoft Azure', '{"cloud": "AzureCloud", "storage_suffix": "core.windows.net"}', $json${
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"title": "Azure conventions",
	"description": "cfgmgr's rules for configurations resolved for provider azure: conventions on key names, applied at every depth (doc/providers.md).",
	"$ref": "#/$defs/node",
	"$defs": {
		"node": {
			"patternProperties": {
				"^(location|Location|region|Region|.*[_-]region|.*[A-Za-z0-9]Region|azure[_-]location|azureLocation)$":
					{"if": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9 -]*$"}, "then": {"$ref": "#/$defs/location"}},
				"^(locations|Locations|regions|Regions|.*[_-]regions|.*[A-Za-z0-9]Regions)$":
					{"if": {"type": "array"}, "then": {"items": {"if": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9 -]*$"}, "then": {"$ref": "#/$defs/location"}}}},
				"^(storage[_-]account|storage[_-]account[_-]name|storageAccount|StorageAccount|storageAccountName|StorageAccountName|.*[_-]storage[_-]account|.*[_-]storage[_-]account[_-]name|.*[A-Za-z0-9]StorageAccount|.*[A-Za-z0-9]StorageAccountName)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/storage_account"}},
				"^(vm[_-]size|vmSize|VmSize|VMSize|.*[_-]vm[_-]size|.*[A-Za-z0-9]VmSize|.*[A-Za-z0-9]VMSize)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/vm_size"}},
				"^(tags|Tags|.*[_-]tags|.*[A-Za-z0-9]Tags)$":
					{"$ref": "#/$defs/tags"},
				"^(subscription[_-]id|subscriptionId|SubscriptionId|.*[_-]subscription[_-]id|.*[A-Za-z0-9]SubscriptionId|tenant[_-]id|tenantId|TenantId|.*[_-]tenant[_-]id|.*[A-Za-z0-9]TenantId)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/uuid"}},
				"^(resource[_-]group|resource[_-]group[_-]name|resourceGroup|ResourceGroup|resourceGroupName|ResourceGroupName|.*[_-]resource[_-]group|.*[_-]resource[_-]group[_-]name|.*[A-Za-z0-9]ResourceGroup|.*[A-Za-z0-9]ResourceGroupName)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/resource_group"}},
				"^": {"$ref": "#/$defs/node"}
			},
			"items": {"$ref": "#/$defs/node"}
		},
		"region": {
			"x-message": "unrecognized Azure location: locations are written in their short form, like \"westeurope\" (SELECT region FROM cfgmgr.provider_regions WHERE provider = 'azure' lists them)",
			"enum": "@REGION_LIST@"
		},
		"location": {
			"x-message": "unrecognized Azure location: locations are written in their short form, like \"westeurope\", or \"global\" (SELECT region FROM cfgmgr.provider_regions WHERE provider = 'azure' lists them)",
			"anyOf": [{"$ref": "#/$defs/region"}, {"const": "global"}]
		},
		"storage_account": {
			"x-message": "Azure storage account names are 3 to 24 lowercase letters and digits",
			"type": "string",
			"pattern": "^[a-z0-9]{3,24}$"
		},
		"vm_size": {
			"x-message": "Azure VM sizes look like \"Standard_D2s_v3\", \"Standard_E64-32s_v3\" or \"Basic_A1\"",
			"type": "string",
			"pattern": "^(Standard|Basic)_[A-Z]+[0-9]+(-[0-9]+)?[a-z]*(_[A-Za-z0-9]+)*$"
		},
		"tags": {
			"x-message": "Azure tag names are 1 to 512 characters without < > % & \\ ? /, tag values at most 256 characters, at most 50 tags",
			"if": {"type": "object"},
			"then": {
				"maxProperties": 50,
				"propertyNames": {"minLength": 1, "maxLength": 512, "pattern": "^[^<>%&\\\\?/]*$"},
				"additionalProperties": {"if": {"type": "string"}, "then": {"maxLength": 256}}
			}
		},
		"uuid": {
			"x-message": "Azure subscription and tenant IDs are UUIDs, like \"00000000-0000-0000-0000-000000000000\"",
			"type": "string",
			"pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
		},
		"resource_group": {
			"x-message": "Azure resource group names are 1 to 90 letters, digits, \"_\", \"-\", \".\", \"(\" and \")\", not ending with \".\"",
			"type": "string",
			"pattern": "^[\\p{L}\\p{N}_.()-]{0,89}[\\p{L}\\p{N}_()-]$"
		},
		"target": {
			"type": "object",
			"required": ["location", "subscription_id"],
			"properties": {
				"location": {"$ref": "#/$defs/region"},
				"subscription_id": {"$ref": "#/$defs/uuid"},
				"tenant_id": {"$ref": "#/$defs/uuid"},
				"resource_group": {"$ref": "#/$defs/resource_group"}
			}
		}
	}
}$json$,
	ARRAY[
		-- Azure public cloud
		'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast',
		'brazilsouth', 'brazilsoutheast',
		'canadacentral', 'canadaeast',
		'centralindia', 'southindia', 'westindia', 'jioindiacentral', 'jioindiawest',
		'centralus', 'eastus', 'eastus2', 'northcentralus', 'southcentralus',
		'westcentralus', 'westus', 'westus2', 'westus3',
		'chilecentral',
		'eastasia', 'southeastasia',
		'francecentral', 'francesouth',
		'germanynorth', 'germanywestcentral',
		'indonesiacentral',
		'israelcentral',
		'italynorth',
		'japaneast', 'japanwest',
		'koreacentral', 'koreasouth',
		'malaysiawest',
		'mexicocentral',
		'newzealandnorth',
		'northeurope', 'westeurope',
		'norwayeast', 'norwaywest',
		'polandcentral',
		'qatarcentral',
		'southafricanorth', 'southafricawest',
		'spaincentral',
		'swedencentral', 'swedensouth',
		'switzerlandnorth', 'switzerlandwest',
		'uaecentral', 'uaenorth',
		'uksouth', 'ukwest',
		-- Azure Government and Azure operated by 21Vianet (China)
		'usgovarizona', 'usgovtexas', 'usgovvirginia', 'usdodcentral', 'usdodeast',
		'chinaeast', 'chinaeast2', 'chinaeast3', 'chinanorth', 'chinanorth2', 'chinanorth3'
	]::text[]
UNION ALL
-- ---------------------------------------------------------------------
-- Google Cloud
-- ---------------------------------------------------------------------
SELECT 'gcp', 'Google Cloud Platform', '{"api_domain": "googleapis.com"}', $json${
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"title": "Google Cloud conventions",
	"description": "cfgmgr's rules for configurations resolved for provider gcp: conventions on key names, applied at every depth (doc/providers.md).",
	"$ref": "#/$defs/node",
	"$defs": {
		"node": {
			"patternProperties": {
				"^(region|Region|.*[_-]region|.*[A-Za-z0-9]Region)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/region"}},
				"^(regions|Regions|.*[_-]regions|.*[A-Za-z0-9]Regions)$":
					{"if": {"type": "array"}, "then": {"items": {"if": {"type": "string"}, "then": {"$ref": "#/$defs/region"}}}},
				"^(zone|default[_-]zone|compute[_-]zone|gcp[_-]zone)$":
					{"if": {"type": "string", "pattern": "^[^./]*$"}, "then": {"$ref": "#/$defs/zone"}},
				"^(zones|node[_-]zones)$":
					{"if": {"type": "array"}, "then": {"items": {"if": {"type": "string", "pattern": "^[^./]*$"}, "then": {"$ref": "#/$defs/zone"}}}},
				"^(bucket|Bucket|bucket[_-]name|bucketName|BucketName|.*[_-]bucket|.*[_-]bucket[_-]name|.*[A-Za-z0-9]Bucket|.*[A-Za-z0-9]BucketName)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/bucket"}},
				"^(machine[_-]type|machineType|MachineType|.*[_-]machine[_-]type|.*[A-Za-z0-9]MachineType)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/machine_type"}},
				"^(labels|Labels|.*[_-]labels|.*[A-Za-z0-9]Labels)$":
					{"$ref": "#/$defs/labels"},
				"^(project|project[_-]id|projectId|ProjectId|gcp[_-]project|google[_-]project|.*[_-]project[_-]id|.*[A-Za-z0-9]ProjectId)$":
					{"if": {"type": "string"}, "then": {"$ref": "#/$defs/project_id"}},
				"^": {"$ref": "#/$defs/node"}
			},
			"items": {"$ref": "#/$defs/node"}
		},
		"region": {
			"x-message": "unrecognized GCP region: regions are written like \"us-central1\" (SELECT region FROM cfgmgr.provider_regions WHERE provider = 'gcp' lists them)",
			"enum": "@REGION_LIST@"
		},
		"zone": {
			"x-message": "GCP zones are a region followed by a zone letter, like \"us-central1-a\"",
			"type": "string",
			"pattern": "^(@REGIONS@)-[a-z]$"
		},
		"bucket": {
			"x-message": "GCS bucket names are 3 to 63 characters (up to 222 with dots, each dot-separated part at most 63) of lowercase letters, digits, \"-\", \"_\" and \".\", start and end with a letter or digit, are not IP addresses, do not start with \"goog\" and do not contain \"google\"",
			"type": "string",
			"minLength": 3,
			"maxLength": 222,
			"pattern": "^[a-z0-9][a-z0-9_.-]*[a-z0-9]$",
			"not": {"anyOf": [
				{"pattern": "[^.]{64}"},
				{"pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"},
				{"pattern": "^goog"},
				{"pattern": "g[o0][o0]gle"}
			]}
		},
		"machine_type": {
			"x-message": "GCE machine types are <series>-<type>[-<size>], e.g. \"n2-standard-4\", \"e2-micro\", \"n1-custom-2-4096\" or \"a3-highgpu-8g\"",
			"type": "string",
			"pattern": "^([a-z][a-z0-9]*-)?(standard|highmem|highcpu|megamem|ultramem|hypermem|highgpu|megagpu|ultragpu|edgegpu|hightpu|highlssd|micro|small|medium|custom)(-[a-z0-9]+)*$"
		},
		"labels": {
			"x-message": "GCP label keys are 1 to 63 lowercase letters, digits, \"_\" and \"-\", starting with a lowercase letter; values are at most 63 of the same characters; at most 64 labels (international lowercase letters are allowed)",
			"if": {"type": "object"},
			"then": {
				"maxProperties": 64,
				"propertyNames": {"pattern": "^[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{N}_-]{0,62}$"},
				"additionalProperties": {"if": {"type": "string"}, "then": {"pattern": "^[\\p{Ll}\\p{Lo}\\p{N}_-]{0,63}$"}}
			}
		},
		"project_id": {
			"x-message": "GCP project IDs are 6 to 30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
			"type": "string",
			"pattern": "^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
		},
		"target": {
			"type": "object",
			"required": ["project", "region"],
			"properties": {
				"project": {"$ref": "#/$defs/project_id"},
				"region": {"$ref": "#/$defs/region"},
				"zone": {"$ref": "#/$defs/zone"}
			}
		}
	}
}$json$,
	ARRAY[
		'africa-south1',
		'asia-east1', 'asia-east2',
		'asia-northeast1', 'asia-northeast2', 'asia-northeast3',
		'asia-south1', 'asia-south2',
		'asia-southeast1', 'asia-southeast2',
		'australia-southeast1', 'australia-southeast2',
		'europe-central2',
		'europe-north1', 'europe-north2',
		'europe-southwest1',
		'europe-west1', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west6',
		'europe-west8', 'europe-west9', 'europe-west10', 'europe-west12',
		'me-central1', 'me-central2', 'me-west1',
		'northamerica-northeast1', 'northamerica-northeast2', 'northamerica-south1',
		'southamerica-east1', 'southamerica-west1',
		'us-central1',
		'us-east1', 'us-east4', 'us-east5',
		'us-south1',
		'us-west1', 'us-west2', 'us-west3', 'us-west4'
	]::text[]
) r
 WHERE p.name OPERATOR(pg_catalog.=) r.name;

-- ---------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------

-- Every (live environment, provider) that is a target: the environment or
-- an ancestor has a cfgmgr.target row for the provider.  effective_variables
-- are what ${provider.<var>} reads: the provider's variables, then the
-- chain's rows from the root down (a deeper row's top-level variable
-- replaces an upper one's).
CREATE VIEW cfgmgr.targets WITH (security_invoker = true) AS
WITH RECURSIVE walk(env_id, environment, provider, own, merged, sources, depth) AS (
	SELECT e.id, e.name, p.name, t.variables, t.variables,
		   CASE WHEN t.env_id IS NULL THEN '{}'::text[] ELSE ARRAY[e.name::text] END, 1
	  FROM cfgmgr.environment e
	 CROSS JOIN cfgmgr.provider p
	  LEFT JOIN cfgmgr.target t
		ON t.env_id OPERATOR(pg_catalog.=) e.id AND t.provider OPERATOR(pg_catalog.=) p.name
	 WHERE e.parent_id IS NULL AND e.dropped_at IS NULL
	UNION ALL
	SELECT c.id, c.name, w.provider, t.variables,
		   CASE WHEN t.env_id IS NULL THEN w.merged
				ELSE COALESCE(w.merged, '{}'::jsonb) OPERATOR(pg_catalog.||) t.variables END,
		   CASE WHEN t.env_id IS NULL THEN w.sources
				ELSE w.sources OPERATOR(pg_catalog.||) c.name::text END,
		   w.depth OPERATOR(pg_catalog.+) 1
	  FROM walk w
	  JOIN cfgmgr.environment c
		ON c.parent_id OPERATOR(pg_catalog.=) w.env_id AND c.dropped_at IS NULL
	  LEFT JOIN cfgmgr.target t
		ON t.env_id OPERATOR(pg_catalog.=) c.id AND t.provider OPERATOR(pg_catalog.=) w.provider
	 WHERE w.depth OPERATOR(pg_catalog.<) 1000
)
SELECT w.environment,
	   w.provider,
	   w.own AS variables,
	   p.variables OPERATOR(pg_catalog.||) w.merged AS effective_variables,
	   w.own IS NULL AS inherited,
	   CASE WHEN w.own IS NULL THEN w.sources[pg_catalog.array_upper(w.sources, 1)] END AS inherited_from,
	   w.sources,
	   t.changeset,
	   t.updated_at,
	   t.updated_by
  FROM walk w
  JOIN cfgmgr.provider p ON p.name OPERATOR(pg_catalog.=) w.provider
  LEFT JOIN cfgmgr.target t
	ON t.env_id OPERATOR(pg_catalog.=) w.env_id AND t.provider OPERATOR(pg_catalog.=) w.provider
 WHERE w.merged IS NOT NULL;
COMMENT ON VIEW cfgmgr.targets IS 'every environment deployed to a provider (own target row or inherited), with its own and effective variables';

CREATE VIEW cfgmgr.providers WITH (security_invoker = true) AS
SELECT p.name, p.description, p.builtin, p.variables,
	   p.rules IS NOT NULL AS has_rules,
	   CASE WHEN pg_catalog.jsonb_typeof(p.rules #> '{$defs,region,enum}') OPERATOR(pg_catalog.=) 'array'
			THEN pg_catalog.jsonb_array_length(p.rules #> '{$defs,region,enum}') END AS regions,
	   (SELECT pg_catalog.count(*) FROM cfgmgr.target t
		  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) t.env_id AND e.dropped_at IS NULL
		 WHERE t.provider OPERATOR(pg_catalog.=) p.name)::int AS targets,
	   p.rules
  FROM cfgmgr.provider p;
COMMENT ON VIEW cfgmgr.providers IS 'providers: variables, whether they have rules, how many regions the rules know and how many environments have a target row';

CREATE VIEW cfgmgr.provider_regions WITH (security_invoker = true) AS
SELECT p.name AS provider, r.value #>> '{}' AS region
  FROM cfgmgr.provider p
 CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
		CASE WHEN pg_catalog.jsonb_typeof(p.rules #> '{$defs,region,enum}') OPERATOR(pg_catalog.=) 'array'
			 THEN p.rules #> '{$defs,region,enum}' ELSE '[]'::jsonb END) AS r(value)
 WHERE pg_catalog.jsonb_typeof(r.value) OPERATOR(pg_catalog.=) 'string';
COMMENT ON VIEW cfgmgr.provider_regions IS 'the region names of each provider, read from its rules ($defs.region.enum)';

-- ---------------------------------------------------------------------
-- Internal: the $defs.target check
-- ---------------------------------------------------------------------

-- The schema target variables must satisfy: the rules' $defs.target, with
-- the rules' $defs around it so its references resolve; NULL when the rules
-- define none.
CREATE FUNCTION cfgmgr.target_schema(rules jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN pg_catalog.jsonb_typeof(rules) OPERATOR(pg_catalog.=) 'object'
			 AND rules #> '{$defs,target}' IS NOT NULL
		THEN pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
				'$schema', rules -> '$schema',
				'$id', rules -> '$id',
				'$defs', rules -> '$defs',
				'$ref', '#/$defs/target'))
		END
$$;
COMMENT ON FUNCTION cfgmgr.target_schema(jsonb) IS 'internal: the schema of target variables ($defs.target) of provider rules';

-- Raise CM002 when the effective variables of a target row of provider
-- (only the rows of environments in envs, when given) violate
-- $defs.target of rules.
CREATE FUNCTION cfgmgr.check_targets(provider text, rules jsonb, envs text[] DEFAULT NULL,
									 hint text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	tschema jsonb := cfgmgr.target_schema(rules);
	bad record;
	detail text;
BEGIN
	IF tschema IS NULL THEN
		RETURN;
	END IF;
	FOR bad IN
		SELECT t.environment, t.effective_variables
		  FROM cfgmgr.targets t
		 WHERE t.provider OPERATOR(pg_catalog.=) check_targets.provider
		   AND NOT t.inherited
		   AND (envs IS NULL OR t.environment OPERATOR(pg_catalog.=) ANY (envs))
		   AND NOT cfgmgr.is_valid(tschema, t.effective_variables)
		 ORDER BY t.environment
		 LIMIT 1
	LOOP
		SELECT string_agg(format('At "%s" (%s): %s.', CASE WHEN v.path = '' THEN '/' ELSE v.path END,
								 v.keyword, v.message), E'\n')
		  INTO detail
		  FROM cfgmgr.validate_document(tschema, bad.effective_variables) v;
		RAISE EXCEPTION 'target variables of environment "%" for provider "%" are invalid: %',
			bad.environment, provider,
			(SELECT format('%s at "%s"', v.message, CASE WHEN v.path = '' THEN '/' ELSE v.path END)
			   FROM cfgmgr.validate_document(tschema, bad.effective_variables) v LIMIT 1)
			USING ERRCODE = 'CM002',
				  DETAIL = detail,
				  HINT = coalesce(hint, format('The effective variables (the provider''s, then the target rows from the root down) must satisfy $defs.target of the rules of provider "%s".', provider));
	END LOOP;
END
$$;
COMMENT ON FUNCTION cfgmgr.check_targets(text, jsonb, text[], text) IS 'internal: raises CM002 when target variables violate $defs.target of the provider rules';

-- ---------------------------------------------------------------------
-- register_provider, set_target, drop_target
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.register_provider(name text, variables jsonb DEFAULT '{}', rules jsonb DEFAULT NULL,
										 description text DEFAULT NULL, force bool DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	old cfgmgr.provider;
	meta jsonb;
	problems text;
	bad record;
	n int := 0;
	known bool;
BEGIN
	PERFORM cfgmgr.require('admin', NULL, NULL);
	IF name IS NULL THEN
		RAISE EXCEPTION 'provider name must not be null' USING ERRCODE = '22004';
	END IF;
	IF name !~ '^[a-z][a-z0-9_-]*$' OR octet_length(name) > 63 THEN
		RAISE EXCEPTION 'invalid provider name: "%"', name
			USING ERRCODE = '22023',
				  DETAIL = 'Provider names are 1 to 63 lowercase letters, digits, "_" and "-", starting with a letter.';
	END IF;
	IF variables IS NULL OR jsonb_typeof(variables) <> 'object' THEN
		RAISE EXCEPTION 'variables of provider "%" must be a JSON object', name USING ERRCODE = '22023';
	END IF;
	IF rules IS NOT NULL THEN
		IF jsonb_typeof(rules) NOT IN ('object', 'boolean') THEN
			RAISE EXCEPTION 'invalid JSON Schema'
				USING ERRCODE = '22023',
					  DETAIL = format('The rules of provider "%s" are neither a JSON object nor a boolean.', name);
		END IF;
		-- compiles (a malformed schema raises 22023 "invalid JSON Schema") ...
		PERFORM cfgmgr.is_valid(rules, 'null');
		-- ... and is valid against its meta-schema
		meta := CASE WHEN rules ->> '$schema' LIKE 'http://json-schema.org/draft-07/schema%'
					 THEN '{"$ref": "http://json-schema.org/draft-07/schema#"}'
					 ELSE '{"$ref": "https://json-schema.org/draft/2020-12/schema"}' END;
		SELECT string_agg(format('At "%s" (%s): %s.', CASE WHEN v.path = '' THEN '/' ELSE v.path END,
								 v.keyword, v.message), E'\n')
		  INTO problems
		  FROM cfgmgr.validate_document(meta, rules) v;
		IF problems IS NOT NULL THEN
			RAISE EXCEPTION 'invalid JSON Schema'
				USING ERRCODE = '22023',
					  DETAIL = format('The rules of provider "%s" do not satisfy the meta-schema.', name)
							   || E'\n' || problems;
		END IF;
	END IF;

	PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('cfgmgr.provider'),
											 pg_catalog.hashtext(register_provider.name));
	SELECT * INTO old FROM cfgmgr.provider p WHERE p.name OPERATOR(pg_catalog.=) register_provider.name FOR UPDATE;
	known := FOUND;
	PERFORM cfgmgr.current_changeset();
	IF NOT known THEN
		INSERT INTO cfgmgr.provider (name, description, variables, rules)
		VALUES (name, description, variables, rules);
		RETURN;				-- a new provider has no targets yet
	END IF;
	UPDATE cfgmgr.provider p
	   SET variables = register_provider.variables,
		   rules = register_provider.rules,
		   description = coalesce(register_provider.description, p.description)
	 WHERE p.name OPERATOR(pg_catalog.=) register_provider.name;
	IF coalesce(force, false)
	   OR (old.rules IS NOT DISTINCT FROM rules AND old.variables OPERATOR(pg_catalog.=) variables) THEN
		RETURN;
	END IF;

	-- existing targets must satisfy $defs.target ...
	PERFORM cfgmgr.check_targets(name, rules, NULL,
		'Existing targets violate the new definition: fix them with cfgmgr.set_target() first, or pass force => true.');
	-- ... and every configuration of an environment that is a target must
	-- satisfy the new rules (cfgmgr.validate applies them)
	IF rules IS NULL THEN
		RETURN;
	END IF;
	FOR bad IN
		SELECT t.environment, s.name AS service, v.path, v.keyword, v.message
		  FROM cfgmgr.targets t
		 CROSS JOIN cfgmgr.service s
		 CROSS JOIN LATERAL cfgmgr.validate(t.environment, s.name, t.provider) v
		 WHERE t.provider OPERATOR(pg_catalog.=) register_provider.name
		 ORDER BY t.environment, s.name
	LOOP
		n := n + 1;
		IF n = 1 THEN
			problems := '';
		END IF;
		IF n <= 20 THEN
			problems := problems || CASE WHEN n > 1 THEN E'\n' ELSE '' END
						|| format('Environment "%s", service "%s", at "%s" (%s): %s.', bad.environment, bad.service,
								  CASE WHEN bad.path = '' THEN '/' ELSE bad.path END, bad.keyword, bad.message);
		END IF;
	END LOOP;
	IF n > 0 THEN
		IF n > 20 THEN
			problems := problems || format(E'\n... and %s more.', n - 20);
		END IF;
		RAISE EXCEPTION 'existing configurations violate the new rules of provider "%"', name
			USING ERRCODE = 'CM002',
				  DETAIL = problems,
				  HINT = 'Fix them first, or pass force => true.';
	END IF;
END
$$;
COMMENT ON FUNCTION cfgmgr.register_provider(text, jsonb, jsonb, text, bool) IS 'creates or redefines a provider (variables and rules replace the old ones); refuses rules or variables that existing targets or configurations violate unless force';
-- it changes what every configuration resolved for the provider must satisfy: administrators only
REVOKE ALL ON FUNCTION cfgmgr.register_provider(text, jsonb, jsonb, text, bool) FROM PUBLIC;

-- Look up a live environment by name (CM006) and a provider (42704).
CREATE FUNCTION cfgmgr.target_lookup(env text, provider text, OUT env_id int, OUT rules jsonb)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF env IS NULL THEN
		RAISE EXCEPTION 'environment name must not be null' USING ERRCODE = '22004';
	END IF;
	IF provider IS NULL THEN
		RAISE EXCEPTION 'provider name must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT e.id INTO env_id FROM cfgmgr.environment e
	 WHERE e.name OPERATOR(pg_catalog.=) env AND e.dropped_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'environment "%" does not exist', env USING ERRCODE = 'CM006';
	END IF;
	-- changes of one provider's targets and definition are serialized (an
	-- advisory lock, as register_provider takes it: an administrator of an
	-- environment may not lock the provider's row), so their checks see
	-- each other
	PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('cfgmgr.provider'),
											 pg_catalog.hashtext(provider));
	SELECT p.rules INTO rules FROM cfgmgr.provider p
	 WHERE p.name OPERATOR(pg_catalog.=) target_lookup.provider;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'provider "%" does not exist', provider
			USING ERRCODE = '42704',
				  HINT = 'The known providers are listed in table cfgmgr.provider.';
	END IF;
END
$$;
COMMENT ON FUNCTION cfgmgr.target_lookup(text, text) IS 'internal: checks and locks the environment and provider of a target';

-- The live environments of env's subtree (env included).
CREATE FUNCTION cfgmgr.target_subtree(env_id int) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
WITH RECURSIVE sub(id, name, depth) AS (
	SELECT e.id, e.name, 1 FROM cfgmgr.environment e WHERE e.id OPERATOR(pg_catalog.=) env_id
	UNION ALL
	SELECT c.id, c.name, sub.depth + 1 FROM cfgmgr.environment c
	  JOIN sub ON c.parent_id OPERATOR(pg_catalog.=) sub.id
	 WHERE c.dropped_at IS NULL AND sub.depth < 1000)
SELECT pg_catalog.array_agg(sub.name::text) FROM sub
$$;
COMMENT ON FUNCTION cfgmgr.target_subtree(int) IS 'internal: names of the live environments of a subtree';

CREATE FUNCTION cfgmgr.set_target(env text, provider text, variables jsonb)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	l record;
	cs bigint;
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	SELECT * INTO l FROM cfgmgr.target_lookup(env, provider);
	IF variables IS NULL OR jsonb_typeof(variables) <> 'object' THEN
		RAISE EXCEPTION 'variables of the target of environment "%" for provider "%" must be a JSON object', env, provider
			USING ERRCODE = '22023';
	END IF;
	cs := cfgmgr.current_changeset();
	INSERT INTO cfgmgr.target AS t (env_id, provider, variables, changeset, updated_at, updated_by)
	VALUES (l.env_id, provider, variables, cs, now(), current_user)
	ON CONFLICT ON CONSTRAINT target_pkey DO UPDATE
	   SET variables = excluded.variables, changeset = excluded.changeset,
		   updated_at = excluded.updated_at, updated_by = excluded.updated_by;
	-- this environment and every descendant with a row of its own
	PERFORM cfgmgr.check_targets(provider, l.rules, cfgmgr.target_subtree(l.env_id));
END
$$;
COMMENT ON FUNCTION cfgmgr.set_target(text, text, jsonb) IS 'deploys an environment (and its descendants) to a provider with these variables, or replaces its variables';

CREATE FUNCTION cfgmgr.drop_target(env text, provider text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	l record;
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	SELECT * INTO l FROM cfgmgr.target_lookup(env, provider);
	PERFORM cfgmgr.current_changeset();
	DELETE FROM cfgmgr.target t
	 WHERE t.env_id OPERATOR(pg_catalog.=) l.env_id AND t.provider OPERATOR(pg_catalog.=) drop_target.provider;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'environment "%" has no target for provider "%"', env, provider
			USING ERRCODE = '42704',
				  HINT = 'cfgmgr.targets lists the targets; an inherited target is dropped where it is defined.';
	END IF;
	-- descendants with rows of their own lose what they inherited
	PERFORM cfgmgr.check_targets(provider, l.rules, cfgmgr.target_subtree(l.env_id),
		'Descendant targets relied on the dropped variables: give them their own first.');
END
$$;
COMMENT ON FUNCTION cfgmgr.drop_target(text, text) IS 'removes the target row of an environment for a provider';
