/* name.c - names from profile rules; string types are set, never guessed by OpenSSL. */
#include "x509/name.h"

#include <string.h>

#include "core/text.h"

int gc_attr_nid(enum gc_attr a)
{
	switch (a) {
	case GC_ATTR_C: return NID_countryName;
	case GC_ATTR_ST: return NID_stateOrProvinceName;
	case GC_ATTR_L: return NID_localityName;
	case GC_ATTR_O: return NID_organizationName;
	case GC_ATTR_OU: return NID_organizationalUnitName;
	case GC_ATTR_CN: return NID_commonName;
	case GC_ATTR_EMAIL: return NID_pkcs9_emailAddress;
	}
	return NID_undef;
}

static int asn1_type(enum gc_strtype t)
{
	switch (t) {
	case GC_STR_PRINTABLE: return V_ASN1_PRINTABLESTRING;
	case GC_STR_UTF8: return V_ASN1_UTF8STRING;
	case GC_STR_IA5: return V_ASN1_IA5STRING;
	}
	return V_ASN1_UTF8STRING;
}

gc_result gc_name_build(const struct gc_rdn_rule *rules, size_t n, const char *const *values,
                        X509_NAME **out)
{
	X509_NAME *name;
	size_t i;
	gc_result rc = GC_OK;

	GC_ENSURE((name = X509_NAME_new()) != NULL, GC_E_NOMEM, "name: out of memory");
	for (i = 0; i < n; i++) {
		const char *v = values[i];
		if (v == NULL || v[0] == '\0') {
			GC_ENSURE_OUT(rc, rules[i].optional, GC_E_INTERNAL,
			              "name: required attribute %s has no value",
			              gc_attr_short(rules[i].attr));
			continue;
		}
		GC_ENSURE_OUT(rc, rules[i].type != GC_STR_PRINTABLE ||
		                      gc_is_printable_string(v, strlen(v)),
		              GC_E_REQUEST_FIELD, "name: %s \"%.64s\" has characters outside PrintableString",
		              gc_attr_short(rules[i].attr), v);
		GC_ENSURE_OUT(rc, rules[i].type != GC_STR_IA5 || gc_utf8_chars(v, strlen(v)) == (long)strlen(v),
		              GC_E_REQUEST_FIELD, "name: %s has characters outside IA5String",
		              gc_attr_short(rules[i].attr));
		/* A non-MBSTRING type stores the bytes as they are with that tag. */
		GC_SSL_OUT(rc, X509_NAME_add_entry_by_NID(name, gc_attr_nid(rules[i].attr),
		                                          asn1_type(rules[i].type),
		                                          (const unsigned char *)v, (int)strlen(v), -1, 0),
		           GC_E_INTERNAL, "name: cannot add %s", gc_attr_short(rules[i].attr));
	}
	*out = name;
	return GC_OK;
out:
	X509_NAME_free(name);
	return rc;
}
