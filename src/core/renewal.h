/*
 * renewal.h - the validity of a renewed g-Cert (CPS §3.2.2, SPEC §2.2) and the fee of a
 * certificate (CPS §2.4).
 */
#ifndef GCERT_CORE_RENEWAL_H
#define GCERT_CORE_RENEWAL_H

#include <stdint.h>

#include "core/error.h"

/*
 * The new certificate is valid from now; it expires at the old certificate's notAfter
 * plus the chosen years, but its whole validity never exceeds the chosen years plus one
 * month (§3.2.2): notAfter = min(old_not_after + years, now + years + 1 month).
 * An expired old certificate (old_not_after <= now) is never renewed (§3.2.1):
 * GC_E_RENEW_EXPIRED.
 */
gc_result gc_renewal_not_after(int64_t now, int64_t old_not_after, int years,
                               int64_t *not_after) GC_MUST_CHECK;

/* §2.4: HK$20 per certificate per year of validity, for new applications and renewals. */
int gc_fee_hkd(int years);

#endif
