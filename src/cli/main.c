/*
 * main.c - `gcert`, one binary with subcommands. The table below is the whole list;
 * each entry declares what it needs opened, and answers --help with an example
 * (tests/integration/help.sh walks the table to prove it).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define DIR_USAGE "--dir DIR        the CA directory (or GCERT_DIR)\n"
#define JSON_USAGE "--json           machine-readable output\n"
/* Said by every command that opens the token: how it signs under M-of-N activation. */
#define SHARES_USAGE                                                                    \
	"--activation-shares L, --activation-passphrases L\n"                              \
	"                 a CA under M-of-N activation (CPS §6.4): M custodians' share files\n" \
	"                 and passphrases (env:NAME or file:PATH) to log the token in\n"

const struct cli_command cli_commands[] = {
	{"ca init", cmd_ca_init, 0, "create a CA: token, root and issuing CA keys and certificates",
	 "--dir DIR [options]\n" DIR_USAGE
	 "--module PATH    PKCS#11 module of an existing token instead of a new SoftHSM2 token\n"
	 "--token-label L  label of that token\n"
	 "--pin-file F     file holding that token's user PIN (copied, mode 0600)\n"
	 "--root-cn CN     root CA name (default: Hongkong Post Root CA 2)\n"
	 "--issuing-cn CN  issuing CA name (default: Hongkong Post e-Cert CA 2 - 17)\n"
	 "--root-years N   root validity, at most 25 (default 25)\n"
	 "--issuing-years N issuing CA validity (default 6)\n"
	 "--postgresql URL keep the CA's database in PostgreSQL (an empty database made by its\n"
	 "                 administrator; password in ~/.pgpass) instead of DIR/gcert.db\n"
	 "M-of-N activation (CPS §6.4): the token PIN is split among custodians, never stored\n"
	 "--custodians N   share files made, one per custodian\n"
	 "--threshold M    custodians needed to activate the keys, 2..N\n"
	 "--custodian-names L  comma-separated names (a-z 0-9 -; default custodian-1..N)\n"
	 "--share-dir D    where activation-ID-NAME.share files go (mode 0600)\n"
	 "--passphrases L  per custodian env:NAME or file:PATH (never the passphrase itself)\n" JSON_USAGE,
	 "gcert ca init --dir ./demo-ca\n"
	 "  gcert ca init --dir ./ca-node --postgresql postgresql://gcert@db.example:5432/gcert\n"
	 "  gcert ca init --dir ./ca --custodians 3 --threshold 2 --custodian-names alice,bob,carol \\\n"
	 "      --share-dir shares --passphrases env:PASS_ALICE,env:PASS_BOB,file:/media/carol/pass"},
	{"ca activate", cmd_ca_activate, GC_NEED_DB,
	 "M custodians activate the keys of the running CA service (CPS §6.2.2, §6.4)",
	 "--dir DIR --shares S1,S2,... --passphrases P1,P2,...\n" DIR_USAGE
	 "--shares L       at least M custodians' activation share files\n"
	 "--passphrases L  their passphrases, same order: env:NAME or file:PATH\n" JSON_USAGE
	 "The PIN is rebuilt in memory and handed to `gcert ca serve` over DIR/run/control.sock.\n",
	 "gcert ca activate --dir ./ca --shares alice.share,bob.share --passphrases env:PASS_ALICE,env:PASS_BOB"},
	{"ca deactivate", cmd_ca_deactivate, GC_NEED_DB,
	 "log the running CA service's token out: it stops signing until activated again",
	 "--dir DIR\n" DIR_USAGE JSON_USAGE, "gcert ca deactivate --dir ./ca"},
	{"ca status", cmd_ca_status, GC_NEED_DB,
	 "CA certificate lifetimes (§4.7) and each published CRL's nextUpdate; exit 4 on a warning",
	 "--dir DIR [--json]\n" DIR_USAGE JSON_USAGE,
	 "gcert ca status --dir ./demo-ca"},
	{"ca certs", cmd_ca_certs, GC_NEED_DB, "print the CA certificates in PEM",
	 "--dir DIR [--out-dir D]\n" DIR_USAGE
	 "--out-dir D      write D/root.pem and D/issuing-ca.pem instead (never overwrites), and\n"
	 "                 after a root changeover link-OLD-signs-NEW.pem for each link certificate\n",
	 "gcert ca certs --dir ./demo-ca --out-dir ./trust"},
	{"ca serve", cmd_ca_serve, GC_NEED_DB, "run the CA service: repository over HTTP and LDAP, interface",
	 "--dir DIR --listen HOST:PORT [--ldap URI] [--interface-listen HOST:PORT]\n"
	 "       [--crl-schedule]\n" DIR_USAGE
	 "--listen H:P     serve HTTP on this numeric address; port 0 picks a free port\n"
	 "                 (the first line printed names the port)\n"
	 "--ldap URI       publish to this LDAP directory (default: repository.ldap_uri of\n"
	 "                 gcert.json; none: no LDAP); bind DN and password file from gcert.json\n"
	 "--interface-listen H:P  accept interface files by HTTPS with mutual TLS (opens the token)\n"
	 "--crl-schedule   issue CRLs at crl.schedule (App. C I) and the ARL yearly; a slot\n"
	 "                 missed while down is caught up at start (opens the token)\n",
	 "gcert ca serve --dir ./demo-ca --listen 127.0.0.1:8080 --ldap ldap://127.0.0.1:3389"},
	{"repo republish", cmd_repo_republish, GC_NEED_DB,
	 "queue the whole repository again for LDAP (a directory rebuilt from nothing)",
	 "--dir DIR\n" DIR_USAGE,
	 "gcert repo republish --dir ./demo-ca"},
	{"issue", cmd_issue, GC_NEED_DB | GC_NEED_TOKEN, "issue or renew a g-Cert from a request file",
	 "--dir DIR --request FILE.json [--out cert.pem]\n" DIR_USAGE
	 "--request F      one request object of the interface format (- for stdin)\n"
	 "--out F          write the certificate PEM to F (never overwrites); default stdout\n" JSON_USAGE,
	 "gcert issue --dir ./demo-ca --request req-0001.json --out chan.pem\n"
	 "  (a request of type \"renew\" names the certificate it renews in \"renews\")"},
	{"cert show", cmd_cert_show, GC_NEED_DB, "show one issued certificate",
	 "--dir DIR SERIAL [--pem]\n" DIR_USAGE "--pem            print only the certificate PEM\n" JSON_USAGE,
	 "gcert cert show --dir ./demo-ca 3f0a…(40 hex digits)"},
	{"cert list", cmd_cert_list, GC_NEED_DB, "list issued certificates (operator view)",
	 "--dir DIR [--limit N]\n" DIR_USAGE "--limit N        at most N, newest first (default 100)\n" JSON_USAGE,
	 "gcert cert list --dir ./demo-ca --limit 20"},
	{"revoke", cmd_revoke, GC_NEED_DB, "revoke a g-Cert (permanent; CPS §4.4)",
	 "--dir DIR --serial HEX [--reason CODE] [--requested-at TIME]\n" DIR_USAGE
	 "--serial HEX     the certificate's serial, 40 hex digits\n"
	 "--reason CODE    0..6 or its name (CPS App. C I): 0 unspecified (default), 1 keyCompromise,\n"
	 "                 2 cACompromise, 3 affiliationChanged, 4 superseded,\n"
	 "                 5 cessationOfOperation, 6 certificateHold\n"
	 "--requested-at T when the request was received, YYYY-MM-DDTHH:MM:SSZ (default now);\n"
	 "                 the two-working-day service level (§4.4.3) counts from it\n" JSON_USAGE,
	 "gcert revoke --dir ./demo-ca --serial 3f0a…(40 hex digits) --reason keyCompromise"},
	{"revocations", cmd_revocations, GC_NEED_DB, "list revocations and their service level (§4.4.3)",
	 "--dir DIR [--overdue] [--limit N]\n" DIR_USAGE
	 "--overdue        only those not published within two working days of receipt\n"
	 "--limit N        at most N, newest request first (default 1000)\n" JSON_USAGE,
	 "gcert revocations --dir ./demo-ca --overdue"},
	{"calendar add-warning-day", cmd_calendar_add, GC_NEED_DB,
	 "record a typhoon or rainstorm warning day: not a working day (CPS §4.4.3)",
	 "--dir DIR DATE [--note TEXT]\n" DIR_USAGE
	 "DATE             YYYY-MM-DD, the Hong Kong day the warning was hoisted\n"
	 "--note TEXT      which warning, e.g. \"T8 signal 09:40-16:20\"\n" JSON_USAGE,
	 "gcert calendar add-warning-day --dir ./demo-ca 2026-09-24 --note \"black rainstorm\""},
	{"crl issue", cmd_crl_issue, GC_NEED_DB | GC_NEED_TOKEN,
	 "issue the full and partitioned CRLs now (a supplementary CRL, App. C I)",
	 "--dir DIR\n" DIR_USAGE JSON_USAGE, "gcert crl issue --dir ./demo-ca"},
	{"crl schedule", cmd_crl_schedule, GC_NEED_DB | GC_NEED_TOKEN,
	 "issue CRLs on the CPS schedule (01:15, 06:15, 11:00 UTC) and the ARL yearly",
	 "--dir DIR [--once [--now TIME]]\n" DIR_USAGE
	 "--once           catch up what is due (a run missed while down) and exit\n"
	 "--now TIME       decide as if the clock read TIME (drills, tests)\n" JSON_USAGE,
	 "gcert crl schedule --dir ./demo-ca"},
	{"arl issue", cmd_arl_issue, GC_NEED_DB | GC_NEED_TOKEN,
	 "issue the root's ARL of revoked CA certificates (App. C II)", "--dir DIR\n" DIR_USAGE JSON_USAGE,
	 "gcert arl issue --dir ./demo-ca"},
	{"ca compromise", cmd_ca_compromise, GC_NEED_DB | GC_NEED_TOKEN,
	 "issuing CA key compromised: revoke all, publish CRLs and ARL, announce (§4.8.2)",
	 "--dir DIR --confirm\n" DIR_USAGE "--confirm        required: every certificate of the CA is revoked\n"
	 JSON_USAGE, "gcert ca compromise --dir ./demo-ca --confirm"},
	{"ca changeover", cmd_ca_changeover, GC_NEED_DB | GC_NEED_TOKEN,
	 "issuing CA key changeover: a new issuing CA under the root; the old key keeps signing its CRLs (§4.7)",
	 "--dir DIR --issuing-name CN [--key-label L] [--crl-dp URL] [--full-crl-url URL] [--years N]\n"
	 DIR_USAGE
	 "--issuing-name CN the new issuing CA's name\n"
	 "--key-label L    its token key label (default from the name: ecert-ca-2-23)\n"
	 "--crl-dp URL     its partitioned CRL (default beside the current: eCertCA2-23CRL2.crl)\n"
	 "--full-crl-url U its full CRL (default eCertCA2-23CRL1.crl)\n"
	 "--years N        its validity (default issuing.validity_years); never beyond the root\n"
	 "gcert.json is rewritten with the new name, label and URLs (audited as config.changed).\n"
	 JSON_USAGE,
	 "gcert ca changeover --dir ./demo-ca --issuing-name \"Hongkong Post e-Cert CA 2 - 23\""},
	{"ca new-root", cmd_ca_new_root, GC_NEED_DB | GC_NEED_TOKEN,
	 "root key changeover: new root, link certificates both ways, new issuing CA under it (§4.7)",
	 "--dir DIR --root-name CN --issuing-name CN [options]\n" DIR_USAGE
	 "--root-name CN   the new root's name, e.g. \"Hongkong Post Root CA 3\"\n"
	 "--root-key-label L  its token key label (default from the name: root-ca-3)\n"
	 "--arl-url URL    its ARL (default beside the current: RootCA3ARL.crl)\n"
	 "--root-years N   its validity, at most 25 (default root.validity_years)\n"
	 "--issuing-name CN the issuing CA under it; --issuing-key-label, --crl-dp, --full-crl-url,\n"
	 "                 --issuing-years as for `gcert ca changeover`\n"
	 "The old root signs the new root's key and the new root the old one's (link certificates,\n"
	 "`gcert ca certs --out-dir`); the old keys keep signing the old ARL and CRLs.\n" JSON_USAGE,
	 "gcert ca new-root --dir ./demo-ca --root-name \"Hongkong Post Root CA 3\" \\\n"
	 "      --issuing-name \"Hongkong Post e-Cert CA 3 - 26\""},
	{"ca reissue", cmd_ca_reissue, GC_NEED_DB | GC_NEED_ROOT_KEY,
	 "after a compromise: new issuing CA from gcert.json, subscribers certified again (§4.8.3)",
	 "--dir DIR\n" DIR_USAGE JSON_USAGE, "gcert ca reissue --dir ./demo-ca"},
	{"verify", cmd_verify, 0, "relying-party check: path, CRLs, policy, purpose, time (§2.1.6)",
	 "[--dir DIR | --root root.pem [--untrusted ca.pem] --crl-dir D] [--purpose P] [--at T] cert.pem\n"
	 DIR_USAGE
	 "--root F         trust anchor(s), PEM or DER (instead of --dir)\n"
	 "--untrusted F    issuing CA certificate(s) for the path\n"
	 "--crl-dir D      directory of published CRLs and ARL (*.crl)\n"
	 "--purpose P      sign, encrypt, clientauth or any (default any)\n"
	 "--at TIME        verify as at YYYY-MM-DDTHH:MM:SSZ (default now)\n" JSON_USAGE
	 "exit status 0 valid, 8 must not be relied on (the reason is printed)\n",
	 "gcert verify --root root.pem --untrusted issuing-ca.pem --crl-dir ./crl --purpose sign chan.pem"},
	{"fees", cmd_fees, GC_NEED_DB, "fees charged to an organisation for a year (CPS §2.4)",
	 "--dir DIR --org ORGANISATION --year YYYY\n" DIR_USAGE
	 "--org O          the organisation as named in requests (subject.organisation)\n"
	 "--year YYYY      Hong Kong calendar year of issue\n" JSON_USAGE,
	 "gcert fees --dir ./demo-ca --org \"Office of the Government Chief Information Officer\" --year 2026"},
	{"ca service-cert", cmd_service_cert, GC_NEED_DB | GC_NEED_TOKEN,
	 "the CA service certificate, for the RA to pin (made on first use)",
	 "--dir DIR [--out F] [--tls]\n" DIR_USAGE "--out F          write the PEM to F (never overwrites)\n"
	 "--tls            the interface endpoint's TLS certificate instead (for the RA's client)\n",
	 "gcert ca service-cert --dir ./demo-ca --out ca-service.pem"},
	{"ca pin", cmd_pin, GC_NEED_DB, "pin an RA's service certificate (trust for interface files)",
	 "--dir DIR --ra NAME --cert F\n" DIR_USAGE
	 "--ra NAME        the RA's name: 1..32 of a-z 0-9 - (never reused)\n"
	 "--cert F         its service certificate, PEM or DER\n",
	 "gcert ca pin --dir ./demo-ca --ra cmmp --cert cmmp-service.pem"},
	{"ca unpin", cmd_unpin, GC_NEED_DB, "stop trusting an RA's certificate",
	 "--dir DIR --ra NAME\n" DIR_USAGE, "gcert ca unpin --dir ./demo-ca --ra cmmp"},
	{"interface process", cmd_iface_process, GC_NEED_DB | GC_NEED_TOKEN,
	 "process one request file from a pinned RA into a signed result file",
	 "--dir DIR --in REQUEST.p7 --out RESULT.p7\n" DIR_USAGE
	 "--in F           CMS SignedData (DER) from the RA (docs/interface.md)\n"
	 "--out F          the result file, signed by the CA service key\n" JSON_USAGE,
	 "gcert interface process --dir ./demo-ca --in batch-0001.req --out batch-0001.res"},
	{"interface spool", cmd_iface_spool, GC_NEED_DB | GC_NEED_TOKEN,
	 "batch mode: process *.req files from an inbox into *.res files in an outbox",
	 "--dir DIR --inbox D --outbox D [--once] [--interval S]\n" DIR_USAGE
	 "--inbox D        where the RA renames complete files to NAME.req\n"
	 "--outbox D       where NAME.res appears, atomically\n"
	 "--once           one pass, then exit (default: every --interval seconds, 5)\n",
	 "gcert interface spool --dir ./demo-ca --inbox /srv/cmmp/in --outbox /srv/cmmp/out"},
	{"interface open-result", cmd_iface_open_result, 0,
	 "the RA's check of a result file: verify it with the pinned CA service certificate",
	 "--pin CA-SERVICE.pem --in RESULT.res [--out results.json]\n"
	 "--pin F          the CA service certificate the RA pinned (gcert ca service-cert)\n"
	 "--in F           a result file from the CA (CMS SignedData, DER)\n"
	 "--out F          where the verified JSON goes (default stdout; never overwrites)\n",
	 "gcert interface open-result --pin ca-service.pem --in batch-0001.res --out results.json"},
	{"interface serve", cmd_iface_serve, GC_NEED_DB | GC_NEED_TOKEN,
	 "online mode: accept request files by HTTPS POST with mutual TLS (pinned RAs only)",
	 "--dir DIR --listen ADDRESS:PORT\n" DIR_USAGE
	 "--listen A:P     e.g. 127.0.0.1:8443 ([::1]:8443 for IPv6; port 0 picks one)\n",
	 "gcert interface serve --dir ./demo-ca --listen 127.0.0.1:8443"},
	{"audit verify", cmd_audit_verify, GC_NEED_DB,
	 "check the audit trail: hash chain and signed checkpoints (CPS §4.5.4)",
	 "--dir DIR [--cert AUDIT-KEY.pem] [--json]\n" DIR_USAGE
	 "--cert F         the audit key certificate the auditor holds: the database's must be it\n" JSON_USAGE
	 "Names the first bad record; exit status 7 (GC_E_AUDIT_TAMPERED) when altered.\n",
	 "gcert audit verify --dir ./demo-ca"},
	{"audit checkpoint", cmd_audit_checkpoint, GC_NEED_DB | GC_NEED_TOKEN,
	 "seal the audit trail with a checkpoint signed by the audit key",
	 "--dir DIR\n" DIR_USAGE
	 "(every command that opens the token also does this when it ends)\n",
	 "gcert audit checkpoint --dir ./demo-ca"},
	{"audit report", cmd_audit_report, GC_NEED_DB,
	 "daily audit review of one Hong Kong day (CPS §4.5.2)",
	 "--dir DIR --day YYYY-MM-DD [--json]\n" DIR_USAGE
	 "--day D          the day in Hong Kong time (UTC+8)\n" JSON_USAGE,
	 "gcert audit report --dir ./demo-ca --day 2026-11-25"},
	{"audit purge", cmd_audit_purge, GC_NEED_DB,
	 "remove audit records older than the 7-year retention (CPS §4.5.3)",
	 "--dir DIR --before YYYY-MM-DD\n" DIR_USAGE
	 "--before D       refused unless every record before D is older than 7 years; removes the\n"
	 "                 records sealed by the newest checkpoint signed before D (that record\n"
	 "                 stays and anchors the chain; `audit verify` still passes)\n" JSON_USAGE,
	 "gcert audit purge --dir ./demo-ca --before 2019-01-01"},
	{"audit alerts", cmd_audit_alerts, GC_NEED_DB,
	 "queue and send significant-event alert mails (CPS §4.5.7)",
	 "--dir DIR [--json]\n" DIR_USAGE
	 "Config: \"alerts\": {\"smtp_url\": \"smtp://host:25\", \"from\": ..., \"to\": \"a@x, b@y\"}\n" JSON_USAGE,
	 "gcert audit alerts --dir ./demo-ca"},
	{"archive export", cmd_archive_export, GC_NEED_DB | GC_NEED_TOKEN,
	 "signed, time-stamped archive bundle: certificates, CRLs, CPS, config, audit trail (CPS §4.6, §4.9)",
	 "--dir DIR --out FILE [--cps-dir D]\n" DIR_USAGE
	 "--out F          the bundle, a tar (never overwrites)\n"
	 "--cps-dir D      CPS versions to include besides DIR/data/cps/\n" JSON_USAGE,
	 "gcert archive export --dir ./demo-ca --out archive-2026.tar"},
	{"archive verify", cmd_archive_verify, 0,
	 "check an archive bundle on its own: signature, every hash, the audit chain",
	 "FILE [--cert SIGNER.pem]\n"
	 "--cert F         the audit key certificate to trust (else the one inside the bundle)\n" JSON_USAGE,
	 "gcert archive verify archive-2026.tar --cert audit-key.pem"},
	{"backup", cmd_backup, GC_NEED_DB | GC_NEED_TOKEN,
	 "online encrypted backup of database and token; M of N custodians restore it (CPS §6.2.4)",
	 "--dir DIR --out FILE --custodians N --threshold M --share-dir D --passphrases P1,...,PN\n" DIR_USAGE
	 "--out F          the encrypted backup (never overwrites)\n"
	 "--custodians N   share files made, one per custodian\n"
	 "--threshold M    shares needed to restore, 2..N\n"
	 "--share-dir D    where backup-ID-custodian-I.share files go (mode 0600)\n"
	 "--passphrases L  per custodian env:NAME or file:PATH (never the passphrase itself)\n" JSON_USAGE,
	 "gcert backup --dir ./demo-ca --out ca.bak --custodians 3 --threshold 2 --share-dir shares \\\n"
	 "      --passphrases env:PASS_ALICE,env:PASS_BOB,file:/media/carol/pass"},
	{"dr promote", cmd_dr_promote, 0,
	 "make the recovery site's standby the live database and point this CA or RA at it (CPS §4.8.1)",
	 "--dir DIR --to URL\n" DIR_USAGE
	 "                 (or an RA directory: ra.json's database.postgresql is rewritten)\n"
	 "--to URL         the standby's PostgreSQL connection string (this CA's or RA's database there)\n"
	 "                 Refused while the old primary still answers as a primary. Run it again\n"
	 "                 after any failure, and on every further node: each step is done once\n" JSON_USAGE,
	 "gcert dr promote --dir ./demo-ca --to postgresql://gcert@standby:5432/ca"},
	{"dr drill", cmd_dr_drill, GC_NEED_DB | GC_NEED_TOKEN,
	 "yearly drill: compare the live database with the recovery site; signed report (CPS §4.8.1)",
	 "--dir DIR --standby URL --out FILE [--wait SECONDS]\n" DIR_USAGE
	 "--standby URL    the standby's connection string (this CA's database there)\n"
	 "--out F          the report: CMS SignedData (DER) of JSON, signed by the audit key\n"
	 "--wait S         how long the standby may take to replay up to the live server, 0..20 (10);\n"
	 "                 issuance waits for the drill meanwhile (it holds the write lock)\n"
	 "                 Exit 7 (GC_E_DR_DIFFERS) on any difference, each named\n" JSON_USAGE,
	 "gcert dr drill --dir ./demo-ca --standby postgresql://gcert@standby:5432/ca --out drill-2026.p7m"},
	{"restore", cmd_restore, 0, "bring a CA back from a backup into an empty directory",
	 "--from FILE --shares S1,S2,... --passphrases P1,P2,... --dir NEWDIR\n"
	 "--from F         the backup file\n"
	 "--shares L       at least M custodians' share files\n"
	 "--passphrases L  their passphrases, same order: env:NAME or file:PATH\n"
	 "--dir D          the new CA directory: absent or empty\n"
	 "--postgresql URL for a backup of a CA on PostgreSQL: the empty database it goes into\n" JSON_USAGE,
	 "gcert restore --from ca.bak --shares a.share,b.share --passphrases env:PASS_ALICE,env:PASS_BOB --dir ./ca2"},
	{"lint", cmd_lint, 0, "check certificates and CRLs against the CPS profile (App. B, C, G)",
	 "[--dir DIR] [--json] FILE...\n"
	 "FILE             PEM (one or more blocks) or DER; certificates and CRLs\n"
	 "--dir DIR        lint against this CA: its certificates, names, URLs and keys\n" JSON_USAGE
	 "exit status 0 when every object passes, 1 on findings\n",
	 "gcert lint --dir ./demo-ca chan.pem eCertCA2-17CRL2.crl"},
	{"ra init", cmd_ra_init, 0,
	 "create an RA (CMMP) directory: its token, service key, database and the B/Ds of CPS App. E",
	 "--dir RADIR --name NAME [--ca-url URL --ca-tls-cert F] --ca-service-cert F --ca-repo URL\n"
	 "       --ca-cert F [--batch] [--bds FILE] [--postgresql URL]\n"
	 "--dir RADIR      the new RA directory (absent or empty)\n"
	 "--name NAME      the RA's name at the CA: 1..32 of a-z 0-9 - (gcert ca pin --ra NAME)\n"
	 "--ca-url URL     the CA's interface, https://HOST:PORT/interface (online mode)\n"
	 "--ca-tls-cert F  the interface's TLS certificate (gcert ca service-cert --tls)\n"
	 "--ca-service-cert F  the CA service certificate, pinned (gcert ca service-cert)\n"
	 "--ca-repo URL    the CA repository, http://HOST:PORT/ (CRLs for the use-time check)\n"
	 "--ca-cert F      the issuing CA certificate that signs those CRLs\n"
	 "--batch          send request files through RADIR/outbox and RADIR/inbox instead\n"
	 "--bds FILE       the B/D list (default: data/bds.json of the source tree)\n"
	 "--postgresql URL keep the RA's database in PostgreSQL (an empty database of its own made by\n"
	 "                 its administrator; password in ~/.pgpass) instead of RADIR/ra.db\n" JSON_USAGE,
	 "gcert ra init --dir ./demo-ra --name cmmp --ca-url https://127.0.0.1:8443/interface \\\n"
	 "      --ca-tls-cert tls.pem --ca-service-cert ca-service.pem --ca-repo http://127.0.0.1:8080/ \\\n"
	 "      --ca-cert issuing-ca.pem\n"
	 "  gcert ra init --dir ./ra-node --name cmmp --postgresql postgresql://cmmp@db.example:5432/cmmp \\\n"
	 "      --batch --ca-service-cert ca-service.pem --ca-repo http://127.0.0.1:8080/ --ca-cert issuing-ca.pem"},
	{"ra user add", cmd_ra_user_add, 0, "add an RA user (a B/D administrator to start with)",
	 "--dir RADIR --org CODE --username U --name N --email E --password-file F [--roles R]\n"
	 "--org CODE       the B/D's code (data/bds.json, GET /api/orgs)\n"
	 "--password-file F  a file holding the password (never on the command line)\n"
	 "--roles R        bd_admin (default), requester, business_manager, comma-separated;\n"
	 "                 never both requester and business_manager (CPS §2.1.3 c)\n" JSON_USAGE,
	 "gcert ra user add --dir ./demo-ra --org OGCIO --username admin1 --name \"LEE Siu Ming\" \\\n"
	 "      --email admin1@ogcio.example.gov.hk --password-file admin1.pw"},
	{"ra app-token", cmd_ra_app_token, 0,
	 "a bearer token for a designated application's use-time check (§2.1.3 n); printed once",
	 "--dir RADIR --name APP\n"
	 "--name APP       the designated application (only the token's hash is kept)\n" JSON_USAGE,
	 "gcert ra app-token --dir ./demo-ra --name e-filing"},
	{"ra serve", cmd_ra_serve, 0, "run the RA service: JSON API (docs/ra-api.md), web UI, mail, retries",
	 "--dir RADIR --listen HOST:PORT\n"
	 "--listen H:P     numeric address; port 0 picks a free port (the first line printed names it)\n",
	 "gcert ra serve --dir ./demo-ra --listen 127.0.0.1:8090"},
	{NULL, NULL, 0, NULL, NULL, NULL},
};

static const struct cli_command *current;

const struct cli_command *cli_current(void)
{
	return current;
}

/* Commands that log the token in take the custodians' shares (restore checks the token). */
static bool opens_token(const struct cli_command *c)
{
	return (c->needs & (GC_NEED_TOKEN | GC_NEED_ROOT_KEY)) != 0 || strcmp(c->name, "restore") == 0;
}

static void print_help(const struct cli_command *c)
{
	printf("gcert %s - %s\n\nusage: gcert %s %s%s\nExample:\n  %s\n", c->name, c->summary, c->name,
	       c->usage, opens_token(c) ? SHARES_USAGE : "", c->example);
}

static void print_overview(void)
{
	const struct cli_command *c;

	printf("gcert - certification authority for Hongkong Post g-Cert (CPS OID "
	       "1.3.6.1.4.1.16030.1.8.2)\n\nusage: gcert COMMAND [options]\n\ncommands:\n");
	for (c = cli_commands; c->name != NULL; c++)
		printf("  %-18s %s\n", c->name, c->summary);
	printf("\nEvery command answers --help with an example; `gcert help --errors` lists the\n"
	       "error codes with their exit statuses.\n");
}

/* Matches "ca init" (or "ra user add") against argv[1..]; returns the words consumed. */
static int match(const struct cli_command *c, int argc, char **argv)
{
	const char *w = c->name;
	int i;

	for (i = 1; *w != '\0'; i++) {
		const char *sp = strchr(w, ' ');
		size_t n = sp ? (size_t)(sp - w) : strlen(w);
		if (i >= argc || strlen(argv[i]) != n || strncmp(argv[i], w, n) != 0)
			return 0;
		w += n + (sp != NULL);
	}
	return i - 1;
}

static void set_actor(struct cli_ctx *ctx)
{
	struct passwd *pw = getpwuid(geteuid());

	snprintf(ctx->actor, sizeof(ctx->actor), "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
}

/* Takes the options every command shares out of argv. */
static int common_options(struct cli_ctx *ctx, int *argc, char **argv, bool *help)
{
	int i, out = 1;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			*help = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(argv[i], "--dir") == 0) {
			if (i + 1 >= *argc)
				return -1;
			ctx->dir = argv[++i];
		} else if (strncmp(argv[i], "--dir=", 6) == 0) {
			ctx->dir = argv[i] + 6;
		} else if (strcmp(argv[i], "--activation-shares") == 0 ||
		           strcmp(argv[i], "--activation-passphrases") == 0) {
			if (i + 1 >= *argc)
				return -1;
			if (argv[i][13] == 's')
				ctx->act_shares = argv[++i];
			else
				ctx->act_passes = argv[++i];
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

struct activation_opts {
	char *shares[GC_MAX_CUSTODIANS], *passes[GC_MAX_CUSTODIANS];
	struct gc_activation_input in;
};

/* CPS §6.4: a standalone command signs with the shares of M custodians. */
static int use_shares(const struct cli_command *c, struct cli_ctx *ctx, struct activation_opts *a)
{
	unsigned ns = 0, np = 0;

	if (!opens_token(c))
		return cli_usage_error(c, "--activation-shares: this command does not use the token");
	if (ctx->act_shares == NULL || ctx->act_passes == NULL ||
	    !cli_split_list(ctx->act_shares, a->shares, GC_MAX_CUSTODIANS, &ns) ||
	    !cli_split_list(ctx->act_passes, a->passes, GC_MAX_CUSTODIANS, &np) || ns != np)
		return cli_usage_error(c, "--activation-shares and --activation-passphrases: comma-separated "
		                       "lists of equal length, one passphrase per share file");
	a->in = (struct gc_activation_input){ns, (const char *const *)a->shares, (const char *const *)a->passes};
	gc_ca_use_shares(&a->in);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cli_command *c;
	struct cli_ctx ctx = {0};
	struct activation_opts act;
	bool help = false;
	int words = 0, rc;
	gc_result r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc >= 3 && strcmp(argv[2], "--commands") == 0) {
			for (c = cli_commands; c->name != NULL; c++)
				printf("%s\n", c->name);
			return 0;
		}
		if (argc >= 3 && strcmp(argv[2], "--errors") == 0) {
			for (int e = 0; e < GC_CODE_COUNT; e++)
				printf("%s\t%d\t%s\n", gc_code_name(e), gc_category_exit(gc_code_category(e)),
				       gc_code_message(e));
			return 0;
		}
		print_overview();
		return argc < 2 ? 2 : 0;
	}
	for (c = cli_commands; c->name != NULL && (words = match(c, argc, argv)) == 0; c++)
		;
	if (c->name == NULL) {
		fprintf(stderr, "gcert: unknown command \"%s\" (see gcert --help)\n", argv[1]);
		return 2;
	}
	current = c;
	argc -= words;
	argv += words;
	if (common_options(&ctx, &argc, argv, &help) != 0)
		return cli_usage_error(c, "--dir, --activation-shares and --activation-passphrases need a value");
	if (help) {
		print_help(c);
		return 0;
	}
	if (ctx.dir == NULL)
		ctx.dir = getenv("GCERT_DIR");
	set_actor(&ctx);
	if ((ctx.act_shares || ctx.act_passes) && (rc = use_shares(c, &ctx, &act)) != 0)
		return rc;
	if (c->needs != 0) {
		if (ctx.dir == NULL)
			return cli_usage_error(c, "--dir is required");
		if ((r = gc_ca_open(ctx.dir, c->needs, ctx.actor, &ctx.ca)) != GC_OK)
			return cli_fail(&ctx, r);
	}
	rc = c->run(&ctx, argc, argv);
	cli_after_command(&ctx);
	gc_ca_close(ctx.ca);
	return rc;
}
