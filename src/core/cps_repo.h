/*
 * cps_repo.h - facts of the public repository (CPS §2.5, App. C), named once.
 *
 * File names are the last path segment of the CPS URLs
 * (http://crl1.eCert.gov.hk/crl/eCertCA2-17CRL1.crl ...); the LDAP names follow
 * App. C I ("cn=Hongkong Post e-Cert CA 2 - 17 CRL1, o=Hongkong Post, c=HK").
 * docs/repository.md describes the whole scheme.
 */
#ifndef GCERT_CORE_CPS_REPO_H
#define GCERT_CORE_CPS_REPO_H

/* §2.5: ldap://ldap1.eCert.gov.hk; every entry of the repository sits under this suffix. */
#define CPS_LDAP_BASE "o=Hongkong Post,c=HK"
/* Our choice: subscriber certificates live under one container, one entry each. */
#define CPS_LDAP_SUBSCRIBERS_OU "g-Cert"

/* App. C I: the full CRL (HTTP and LDAP) and the partitioned CRL (HTTP). */
#define CPS_FULL_CRL_FILE "eCertCA2-17CRL1.crl"
#define CPS_PARTITION_CRL_FILE "eCertCA2-17CRL2.crl"
/* App. C I: the LDAP entry of the full CRL is "cn=<issuing CA name> CRL1". */
#define CPS_FULL_CRL_LDAP_SUFFIX " CRL1"
/* App. C II: the root's ARL (the CPS gives no URL; named like the CRLs). */
#define CPS_ARL_FILE "RootCA2ARL.crl"

#endif
