/*
 * profile.h - the g-Cert certificate profiles of CPS App. B, as data.
 *
 * The builder (x509/certbuild.c) walks these tables; later the linter checks signed
 * output against them. Nothing about a profile lives in code paths elsewhere.
 */
#ifndef GCERT_CORE_PROFILE_H
#define GCERT_CORE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

enum gc_cert_type {
	GC_CERT_INDIVIDUAL,      /* App. B 1): g-Cert (Individual) */
	GC_CERT_FUNCTIONAL_UNIT, /* App. B 2): g-Cert (Functional Unit) */
};

/* ASN.1 string type of a name attribute (RFC 5280 §4.1.2.4). */
enum gc_strtype {
	GC_STR_PRINTABLE,
	GC_STR_UTF8,
	GC_STR_IA5,
};

enum gc_attr {
	GC_ATTR_C,     /* countryName 2.5.4.6 */
	GC_ATTR_ST,    /* stateOrProvinceName 2.5.4.8 */
	GC_ATTR_L,     /* localityName 2.5.4.7 */
	GC_ATTR_O,     /* organizationName 2.5.4.10 */
	GC_ATTR_OU,    /* organizationalUnitName 2.5.4.11 */
	GC_ATTR_CN,    /* commonName 2.5.4.3 */
	GC_ATTR_EMAIL, /* emailAddress 1.2.840.113549.1.9.1 (PKCS #9) */
};

/* Where an attribute's value comes from. */
enum gc_field {
	GC_F_FIXED,           /* the rule's fixed text */
	GC_F_SUBSCRIBER_REF,  /* App. B note 3: 10-digit subscriber reference number */
	GC_F_BRANCH_ABBR,     /* B/D branch/division abbreviation */
	GC_F_ORGANISATION,    /* B/D name */
	GC_F_BRANCH,          /* B/D branch/division name */
	GC_F_EMAIL,           /* App. B note 2: omitted when there is none */
	GC_F_NAME,            /* App. B note 1: user name, or functional unit name */
	GC_F_ORGANISATION_ZH, /* B/D name in Chinese */
	GC_F_BRANCH_ZH,       /* branch/division name in Chinese */
	GC_F_CATEGORY,        /* App. B note 6: category of user or functional unit */
	GC_F_COUNT
};

/* One RDN (one attribute) of a name, in DER order. */
struct gc_rdn_rule {
	enum gc_attr attr;
	enum gc_strtype type;
	enum gc_field field;
	const char *fixed;  /* for GC_F_FIXED */
	bool optional;      /* omitted when the field is empty */
	unsigned ub;        /* RFC 5280 upper bound, in characters */
};

/* keyUsage bits (RFC 5280 §4.2.1.3) */
#define GC_KU_DIGITAL_SIGNATURE 0x80u
#define GC_KU_NON_REPUDIATION 0x40u
#define GC_KU_KEY_ENCIPHERMENT 0x20u
#define GC_KU_KEY_CERT_SIGN 0x04u
#define GC_KU_CRL_SIGN 0x02u

struct gc_profile {
	enum gc_cert_type type;
	const char *name;  /* "individual", as in requests */
	const char *label; /* "g-Cert (Individual)" */
	const struct gc_rdn_rule *subject;
	size_t subject_len;
	const struct gc_rdn_rule *san_dirname; /* subjectAltName directoryName */
	size_t san_dirname_len;
	bool san_rfc822;        /* rfc822Name = email, when there is one */
	unsigned key_usage;     /* critical */
	const char *const *eku; /* OIDs, NULL-terminated */
};

const struct gc_profile *gc_profile_get(enum gc_cert_type);
/* Looks a profile up by its request name; NULL for an unknown type. */
const struct gc_profile *gc_profile_by_name(const char *name);
/* The dotted OID of an attribute, and its short name for messages ("OU"). */
const char *gc_attr_oid(enum gc_attr);
const char *gc_attr_short(enum gc_attr);
/* The request field name of a field ("subject.branch_zh"), for messages. */
const char *gc_field_name(enum gc_field);

/* A CA name (subject of the root or an issuing CA): C, ST, L, O, CN in DER order. */
extern const struct gc_rdn_rule gc_ca_name_rules[5];

#define GC_OID_EKU_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define GC_OID_EKU_EMAIL_PROTECTION "1.3.6.1.5.5.7.3.4"

#endif
