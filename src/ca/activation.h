/*
 * activation.h - M-of-N activation of the CA keys (CPS §6.2.2 multi-person control of
 * the keys, §6.4 activation data). In this mode the token's user PIN is never stored:
 * at the key ceremony it is split into N Shamir shares (custody.c), each sealed under
 * its custodian's own passphrase into a file of its own; M custodians together rebuild
 * it, and only in memory, to log the token in. The shares are bound to the CA by the
 * random activation.id of gcert.json, so a share of another CA or of a backup is refused.
 */
#ifndef GCERT_CA_ACTIVATION_H
#define GCERT_CA_ACTIVATION_H

#include <stddef.h>

#include "core/config.h"
#include "core/error.h"

/* What `gcert ca init --custodians N --threshold M ...` asks for. */
struct gc_activation_setup {
	unsigned custodians, threshold;
	const char *const *names;       /* N names: 1..32 of a-z 0-9 - */
	const char *const *passphrases; /* N specs: env:NAME or file:PATH */
	const char *share_dir;          /* where activation-ID-NAME.share files go */
};

/* What M custodians bring: their share files and passphrase specs, same order. */
struct gc_activation_input {
	unsigned n;
	const char *const *shares;
	const char *const *passphrases;
};

#define GC_ACTIVATION_PURPOSE "activation"
/* The longest PIN that can be split (custody.h's secret bound). */
#define GC_ACTIVATION_PIN_MAX 64

/*
 * Checks a setup before anything is made: names, counts, every passphrase readable and
 * long enough, no share file already there. Fills cfg's activation section (a new random
 * id) and empties its pin_file.
 */
gc_result gc_activation_prepare(const struct gc_activation_setup *, struct gc_config *cfg) GC_MUST_CHECK;
/* Splits pin and writes one sealed share file per custodian (mode 0600). On failure the
 * files written are removed again. */
gc_result gc_activation_write_shares(const struct gc_activation_setup *, const struct gc_config *,
                                     const char *pin) GC_MUST_CHECK;
/* Removes the share files of a setup (a ceremony that failed after writing them). */
void gc_activation_remove_shares(const struct gc_activation_setup *, const struct gc_config *);
/*
 * Rebuilds the PIN from M shares: fewer than M, a wrong passphrase, a share of another
 * CA or purpose, or one custodian's share twice each fail with GC_E_SHARES or
 * GC_E_PASSPHRASE. who receives the custodians' names ("alice, bob"), also on failure
 * (those whose shares opened). Wipe pin after use.
 */
gc_result gc_activation_combine(const struct gc_config *, const struct gc_activation_input *,
                                char *pin, size_t pinsz, char *who, size_t whosz) GC_MUST_CHECK;
/* The message every refusal to sign carries while the keys are not activated. */
void gc_activation_refusal(const struct gc_config *, char *buf, size_t bufsz);

#endif
