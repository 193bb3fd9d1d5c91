/*
 * profile.c - CPS App. B certificate profiles as tables.
 *
 * String types: country is PrintableString (RFC 5280 App. A), emailAddress IA5String
 * (PKCS #9); fixed CPS text and the digits of the reference number PrintableString, as
 * in Hongkong Post's own certificates; every value that comes from a request is
 * UTF8String (RFC 5280 §4.1.2.4), and the Chinese names must be.
 */
#include "core/profile.h"

#include <string.h>

#include "core/cps.h"
#include "core/limits.h"

/* App. B 1) subject, DER order (the CPS lists it most specific first). */
static const struct gc_rdn_rule individual_subject[] = {
	{GC_ATTR_C, GC_STR_PRINTABLE, GC_F_FIXED, "HK", false, 2},
	{GC_ATTR_O, GC_STR_PRINTABLE, GC_F_FIXED, CPS_O_INDIVIDUAL, false, UB_ORGANIZATION_NAME},
	{GC_ATTR_OU, GC_STR_PRINTABLE, GC_F_SUBSCRIBER_REF, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_BRANCH_ABBR, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_ORGANISATION, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_BRANCH, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_EMAIL, GC_STR_IA5, GC_F_EMAIL, NULL, true, UB_EMAILADDRESS_LENGTH},
	{GC_ATTR_CN, GC_STR_UTF8, GC_F_NAME, NULL, false, UB_COMMON_NAME},
};

/* App. B 2) is App. B 1) with the Functional Unit organisation. */
static const struct gc_rdn_rule functional_unit_subject[] = {
	{GC_ATTR_C, GC_STR_PRINTABLE, GC_F_FIXED, "HK", false, 2},
	{GC_ATTR_O, GC_STR_PRINTABLE, GC_F_FIXED, CPS_O_FUNCTIONAL_UNIT, false, UB_ORGANIZATION_NAME},
	{GC_ATTR_OU, GC_STR_PRINTABLE, GC_F_SUBSCRIBER_REF, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_BRANCH_ABBR, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_ORGANISATION, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_BRANCH, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_EMAIL, GC_STR_IA5, GC_F_EMAIL, NULL, true, UB_EMAILADDRESS_LENGTH},
	{GC_ATTR_CN, GC_STR_UTF8, GC_F_NAME, NULL, false, UB_COMMON_NAME},
};

/* App. B subjectAltName 1st Directory Name, DER order (the CPS lists category first). */
static const struct gc_rdn_rule san_dirname[] = {
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_ORGANISATION_ZH, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_BRANCH_ZH, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
	{GC_ATTR_OU, GC_STR_UTF8, GC_F_CATEGORY, NULL, false, UB_ORGANIZATIONAL_UNIT_NAME},
};

/* App. B extKeyUsage: "SSL Client, S/MIME". */
static const char *const eku[] = {GC_OID_EKU_CLIENT_AUTH, GC_OID_EKU_EMAIL_PROTECTION, NULL};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct gc_profile profiles[] = {
	[GC_CERT_INDIVIDUAL] = {
		.type = GC_CERT_INDIVIDUAL,
		.name = "individual",
		.label = "g-Cert (Individual)",
		.subject = individual_subject,
		.subject_len = COUNT(individual_subject),
		.san_dirname = san_dirname,
		.san_dirname_len = COUNT(san_dirname),
		.san_rfc822 = true,
		/* App. B 1): 不可否認，數碼簽署，密碼匙加密 (critical) */
		.key_usage = GC_KU_NON_REPUDIATION | GC_KU_DIGITAL_SIGNATURE | GC_KU_KEY_ENCIPHERMENT,
		.eku = eku,
	},
	[GC_CERT_FUNCTIONAL_UNIT] = {
		.type = GC_CERT_FUNCTIONAL_UNIT,
		.name = "functional_unit",
		.label = "g-Cert (Functional Unit)",
		.subject = functional_unit_subject,
		.subject_len = COUNT(functional_unit_subject),
		.san_dirname = san_dirname,
		.san_dirname_len = COUNT(san_dirname),
		.san_rfc822 = true,
		/* App. B 2): 數碼簽署，密碼匙加密 (critical) */
		.key_usage = GC_KU_DIGITAL_SIGNATURE | GC_KU_KEY_ENCIPHERMENT,
		.eku = eku,
	},
};

/* App. B issuer and authorityCertIssuer; App. G root. Values come from config. */
const struct gc_rdn_rule gc_ca_name_rules[5] = {
	{GC_ATTR_C, GC_STR_PRINTABLE, GC_F_FIXED, NULL, false, 2},
	{GC_ATTR_ST, GC_STR_PRINTABLE, GC_F_FIXED, NULL, false, 128},
	{GC_ATTR_L, GC_STR_PRINTABLE, GC_F_FIXED, NULL, false, 128},
	{GC_ATTR_O, GC_STR_PRINTABLE, GC_F_FIXED, NULL, false, UB_ORGANIZATION_NAME},
	{GC_ATTR_CN, GC_STR_PRINTABLE, GC_F_FIXED, NULL, false, UB_COMMON_NAME},
};

const struct gc_profile *gc_profile_get(enum gc_cert_type type)
{
	return (unsigned)type < COUNT(profiles) ? &profiles[type] : NULL;
}

const struct gc_profile *gc_profile_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < COUNT(profiles); i++) {
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	}
	return NULL;
}

const char *gc_attr_oid(enum gc_attr a)
{
	switch (a) {
	case GC_ATTR_C: return "2.5.4.6";
	case GC_ATTR_ST: return "2.5.4.8";
	case GC_ATTR_L: return "2.5.4.7";
	case GC_ATTR_O: return "2.5.4.10";
	case GC_ATTR_OU: return "2.5.4.11";
	case GC_ATTR_CN: return "2.5.4.3";
	case GC_ATTR_EMAIL: return "1.2.840.113549.1.9.1";
	}
	return "";
}

const char *gc_attr_short(enum gc_attr a)
{
	switch (a) {
	case GC_ATTR_C: return "C";
	case GC_ATTR_ST: return "ST";
	case GC_ATTR_L: return "L";
	case GC_ATTR_O: return "O";
	case GC_ATTR_OU: return "OU";
	case GC_ATTR_CN: return "CN";
	case GC_ATTR_EMAIL: return "emailAddress";
	}
	return "";
}

const char *gc_field_name(enum gc_field f)
{
	static const char *const names[GC_F_COUNT] = {
		[GC_F_FIXED] = "(fixed)",
		[GC_F_SUBSCRIBER_REF] = "subscriber_ref",
		[GC_F_BRANCH_ABBR] = "subject.branch_abbr",
		[GC_F_ORGANISATION] = "subject.organisation",
		[GC_F_BRANCH] = "subject.branch",
		[GC_F_EMAIL] = "subject.email",
		[GC_F_NAME] = "subject.name",
		[GC_F_ORGANISATION_ZH] = "subject.organisation_zh",
		[GC_F_BRANCH_ZH] = "subject.branch_zh",
		[GC_F_CATEGORY] = "subject.category",
	};
	return (unsigned)f < GC_F_COUNT ? names[f] : "";
}
