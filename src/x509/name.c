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

/* The rules a value must meet, whichever form the name is built in: the same errors.
 * *skip: an optional attribute without a value. */
static gc_result check_value(const struct gc_rdn_rule *r, const char *v, bool *skip)
{
	*skip = v == NULL || v[0] == '\0';
	if (*skip) {
		GC_ENSURE(r->optional, GC_E_INTERNAL, "name: required attribute %s has no value",
		          gc_attr_short(r->attr));
		return GC_OK;
	}
	GC_ENSURE(r->type != GC_STR_PRINTABLE || gc_is_printable_string(v, strlen(v)),
	          GC_E_REQUEST_FIELD, "name: %s \"%.64s\" has characters outside PrintableString",
	          gc_attr_short(r->attr), v);
	GC_ENSURE(r->type != GC_STR_IA5 || gc_utf8_chars(v, strlen(v)) == (long)strlen(v),
	          GC_E_REQUEST_FIELD, "name: %s has characters outside IA5String", gc_attr_short(r->attr));
	return GC_OK;
}

gc_result gc_name_build(const struct gc_rdn_rule *rules, size_t n, const char *const *values,
                        X509_NAME **out)
{
	X509_NAME *name;
	size_t i;
	bool skip;
	gc_result rc = GC_OK;

	GC_ENSURE((name = X509_NAME_new()) != NULL, GC_E_NOMEM, "name: out of memory");
	for (i = 0; i < n; i++) {
		const char *v = values[i];
		GC_GUARD_OUT(rc, check_value(&rules[i], v, &skip));
		if (skip)
			continue;
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

/*
 * The DER gc_name_build's name encodes to (RDNSequence, one attribute per RDN: SET {
 * SEQUENCE { type, value } }), written without an X509_NAME, whose encoding OpenSSL
 * follows with a canonical copy for comparisons that issuance never makes.
 */
gc_result gc_name_der(const struct gc_rdn_rule *rules, size_t n, const char *const *values,
                      struct gc_derbuf *b)
{
	size_t i, name = gc_derbuf_open(b), rdn, atv;
	bool skip;

	for (i = 0; i < n; i++) {
		const char *v = values[i];
		GC_GUARD(check_value(&rules[i], v, &skip));
		if (skip)
			continue;
		rdn = gc_derbuf_open(b);
		atv = gc_derbuf_open(b);
		gc_derbuf_oid(b, OBJ_nid2obj(gc_attr_nid(rules[i].attr)));
		gc_derbuf_tlv(b, (uint8_t)asn1_type(rules[i].type), v, strlen(v));
		gc_derbuf_close(b, atv, 0x30);
		gc_derbuf_close(b, rdn, 0x31);
	}
	gc_derbuf_close(b, name, 0x30);
	GC_ENSURE(!b->failed, GC_E_NOMEM, "name: out of memory");
	return GC_OK;
}
