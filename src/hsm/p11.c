/*
 * p11.c - the PKCS#11 calls libp11 0.4.12 does not offer (CPS §6.1.1, §6.2, App. E II):
 * generating a key pair with CKA_EXTRACTABLE set, reading and withdrawing a key's
 * attributes, and C_WrapKey. The module was loaded and initialised by libp11 (hsm.c); we
 * open it again to reach the same function list, never call C_Initialize or C_Finalize,
 * and use short sessions of our own, which share libp11's login (PKCS#11 §5.6: login
 * state is per application).
 */
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>

#include "hsm/hsm.h"
#include "hsm/hsm_int.h"

#define FL(h) ((CK_FUNCTION_LIST_PTR)(h)->funcs)

static gc_result functions(struct gc_hsm *h)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR fl = NULL;

	if (h->funcs != NULL)
		return GC_OK;
	/* RTLD_NOLOAD: the module libp11 loaded, never a second copy */
	h->dl = dlopen(h->module, RTLD_NOW | RTLD_NOLOAD);
	GC_ENSURE(h->dl != NULL, GC_E_HSM, "token: module %s is not loaded", h->module);
	*(void **)&get = dlsym(h->dl, "C_GetFunctionList");
	GC_ENSURE(get != NULL && get(&fl) == CKR_OK && fl != NULL, GC_E_HSM,
	          "token: module %s has no function list", h->module);
	h->funcs = fl;
	return GC_OK;
}

void gc_hsm_p11_close(struct gc_hsm *h)
{
	if (h->dl != NULL)
		dlclose(h->dl);
	h->dl = NULL;
	h->funcs = NULL;
}

static gc_result open_session(struct gc_hsm *h, CK_SESSION_HANDLE *s)
{
	CK_RV rv;

	GC_GUARD(functions(h));
	rv = FL(h)->C_OpenSession(PKCS11_get_slotid_from_slot(h->slot), CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                          NULL, NULL, s);
	GC_ENSURE(rv == CKR_OK, GC_E_HSM, "token: C_OpenSession failed (CKR 0x%lx)", (unsigned long)rv);
	return GC_OK;
}

/* The one private key labelled label. */
static gc_result find_private(struct gc_hsm *h, CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof(cls)},
		{CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if ((rv = FL(h)->C_FindObjectsInit(s, tmpl, 2)) != CKR_OK)
		return gc_fail(GC_E_HSM, "token: C_FindObjectsInit failed (CKR 0x%lx)", (unsigned long)rv);
	rv = FL(h)->C_FindObjects(s, found, 2, &n);
	FL(h)->C_FindObjectsFinal(s);
	GC_ENSURE(rv == CKR_OK, GC_E_HSM, "token: C_FindObjects failed (CKR 0x%lx)", (unsigned long)rv);
	GC_ENSURE(n > 0, GC_E_HSM_KEY_NOT_FOUND, "token: no private key labelled \"%s\"", label);
	GC_ENSURE(n == 1, GC_E_HSM, "token: more than one private key labelled \"%s\"", label);
	*out = found[0];
	return GC_OK;
}

gc_result gc_hsm_generate_rsa_wrappable(struct gc_hsm *h, const char *label, int bits)
{
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG modbits = (CK_ULONG)bits;
	CK_BYTE e[] = {0x01, 0x00, 0x01}; /* 65537: the CA refuses any other (docs/interface.md) */
	CK_BYTE id[16];
	CK_ATTRIBUTE pub[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_ID, id, sizeof(id)},
		{CKA_MODULUS_BITS, &modbits, sizeof(modbits)},
		{CKA_PUBLIC_EXPONENT, e, sizeof(e)},
		{CKA_VERIFY, &yes, sizeof(yes)},
		{CKA_ENCRYPT, &yes, sizeof(yes)},
		{CKA_WRAP, &no, sizeof(no)},
	};
	/* sensitive: never in clear; extractable: only through C_WrapKey (App. E II) */
	CK_ATTRIBUTE priv[] = {
		{CKA_TOKEN, &yes, sizeof(yes)},
		{CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_ID, id, sizeof(id)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},
		{CKA_EXTRACTABLE, &yes, sizeof(yes)},
		{CKA_SIGN, &yes, sizeof(yes)},
		{CKA_DECRYPT, &yes, sizeof(yes)},
		{CKA_UNWRAP, &no, sizeof(no)},
	};
	CK_OBJECT_HANDLE pubh, privh, existing;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	gc_result rc = GC_OK;

	GC_GUARD(open_session(h, &s));
	if ((rc = find_private(h, s, label, &existing)) == GC_OK) {
		rc = gc_fail(GC_E_HSM, "token: a key labelled \"%s\" already exists", label);
		goto out;
	}
	if (rc != GC_E_HSM_KEY_NOT_FOUND)
		goto out;
	gc_err_clear();
	rc = GC_OK;
	rv = FL(h)->C_GenerateRandom(s, id, sizeof(id));
	GC_ENSURE_OUT(rc, rv == CKR_OK, GC_E_HSM, "token: C_GenerateRandom failed (CKR 0x%lx)", (unsigned long)rv);
	rv = FL(h)->C_GenerateKeyPair(s, &mech, pub, sizeof(pub) / sizeof(pub[0]), priv,
	                              sizeof(priv) / sizeof(priv[0]), &pubh, &privh);
	GC_ENSURE_OUT(rc, rv == CKR_OK, GC_E_HSM, "token: key generation for \"%s\" failed (CKR 0x%lx)", label,
	              (unsigned long)rv);
out:
	FL(h)->C_CloseSession(s);
	return rc;
}

gc_result gc_hsm_key_flags(struct gc_hsm *h, const char *label, struct gc_hsm_key_flags *out)
{
	CK_BBOOL sensitive = CK_FALSE, extractable = CK_FALSE, sign = CK_FALSE;
	CK_ATTRIBUTE a[] = {
		{CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
		{CKA_EXTRACTABLE, &extractable, sizeof(extractable)},
		{CKA_SIGN, &sign, sizeof(sign)},
	};
	CK_OBJECT_HANDLE k;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	gc_result rc;

	GC_GUARD(open_session(h, &s));
	GC_GUARD_OUT(rc, find_private(h, s, label, &k));
	rv = FL(h)->C_GetAttributeValue(s, k, a, sizeof(a) / sizeof(a[0]));
	GC_ENSURE_OUT(rc, rv == CKR_OK, GC_E_HSM, "token: key \"%s\": attributes unreadable (CKR 0x%lx)", label,
	              (unsigned long)rv);
	out->sensitive = sensitive == CK_TRUE;
	out->extractable = extractable == CK_TRUE;
	out->can_sign = sign == CK_TRUE;
out:
	FL(h)->C_CloseSession(s);
	return rc;
}

gc_result gc_hsm_key_withdraw(struct gc_hsm *h, const char *label)
{
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE a[] = {
		{CKA_SIGN, &no, sizeof(no)},
		{CKA_DECRYPT, &no, sizeof(no)},
		{CKA_UNWRAP, &no, sizeof(no)},
		{CKA_EXTRACTABLE, &no, sizeof(no)},
	};
	CK_OBJECT_HANDLE k;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	gc_result rc;

	GC_GUARD(open_session(h, &s));
	GC_GUARD_OUT(rc, find_private(h, s, label, &k));
	rv = FL(h)->C_SetAttributeValue(s, k, a, sizeof(a) / sizeof(a[0]));
	GC_ENSURE_OUT(rc, rv == CKR_OK, GC_E_HSM, "token: key \"%s\": uses cannot be withdrawn (CKR 0x%lx)", label,
	              (unsigned long)rv);
out:
	FL(h)->C_CloseSession(s);
	return rc;
}

/* kek as an AES session object that may only wrap, gone when the session closes. */
static gc_result import_kek(struct gc_hsm *h, CK_SESSION_HANDLE s, const unsigned char kek[32], CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE a[] = {
		{CKA_CLASS, &cls, sizeof(cls)},
		{CKA_KEY_TYPE, &type, sizeof(type)},
		{CKA_TOKEN, &no, sizeof(no)},
		{CKA_PRIVATE, &yes, sizeof(yes)},
		{CKA_SENSITIVE, &yes, sizeof(yes)},
		{CKA_EXTRACTABLE, &no, sizeof(no)},
		{CKA_WRAP, &yes, sizeof(yes)},
		{CKA_UNWRAP, &no, sizeof(no)},
		{CKA_ENCRYPT, &no, sizeof(no)},
		{CKA_DECRYPT, &no, sizeof(no)},
		{CKA_VALUE, (void *)kek, 32},
	};
	CK_RV rv = FL(h)->C_CreateObject(s, a, sizeof(a) / sizeof(a[0]), out);

	GC_ENSURE(rv == CKR_OK, GC_E_HSM, "token: the one-time wrapping key was refused (CKR 0x%lx)", (unsigned long)rv);
	return GC_OK;
}

gc_result gc_hsm_wrap_private(struct gc_hsm *h, const char *label, const unsigned char kek[32],
                              unsigned char **out, size_t *outlen)
{
	CK_MECHANISM mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
	CK_OBJECT_HANDLE k, w = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0;
	unsigned char *buf = NULL;
	CK_RV rv;
	gc_result rc;

	GC_GUARD(open_session(h, &s));
	GC_GUARD_OUT(rc, find_private(h, s, label, &k));
	GC_GUARD_OUT(rc, import_kek(h, s, kek, &w));
	rv = FL(h)->C_WrapKey(s, &mech, w, k, NULL, &n);
	GC_ENSURE_OUT(rc, rv == CKR_OK && n > 0, GC_E_HSM, "token: key \"%s\" cannot be wrapped (CKR 0x%lx)", label,
	              (unsigned long)rv);
	GC_NOMEM_OUT(rc, buf = malloc(n));
	rv = FL(h)->C_WrapKey(s, &mech, w, k, buf, &n);
	GC_ENSURE_OUT(rc, rv == CKR_OK, GC_E_HSM, "token: key \"%s\" cannot be wrapped (CKR 0x%lx)", label,
	              (unsigned long)rv);
	*out = buf;
	*outlen = n;
	buf = NULL;
out:
	free(buf);
	if (w != CK_INVALID_HANDLE)
		FL(h)->C_DestroyObject(s, w);
	FL(h)->C_CloseSession(s);
	return rc;
}
