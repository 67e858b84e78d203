#!/bin/bash
# near-localnet log redaction, included in the SSM documents that hand container output back
# (run-op, diagnostics): SSM keeps command output in its history. It defines one filter:
#
#   redact   stdin to stdout, with anything shaped like a secret replaced by a [redacted...] marker:
#            - NEAR secret keys: "ed25519:" + base58 of 60+ characters (a 64-byte secret key is ~88;
#              a public key ~44), and "secp256k1:" + base58 of 40+ characters (secret keys are 32
#              bytes, ~44 characters; the 64-byte public keys are masked as well, as the format alone
#              cannot tell them apart);
#            - hex secrets: runs of 128 or more hex digits (64-byte keys as the MPC node prints its
#              key material) and runs of exactly 32 (the MPC secret-store key); 64-digit runs stay,
#              as they are the sha256 digests the logs need (genesis, bundle, image);
#            - AWS credentials: access key ids (AKIA/ASIA + 16), and the value after a secret access
#              key or session token label.
redact() {
  local hex='[0-9A-Fa-f]' b58='[1-9A-HJ-NP-Za-km-z]' b64='[A-Za-z0-9/+=]'
  local label="(\"?(aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey|secretAccessKey|aws_session_token"
  label+="|AWS_SESSION_TOKEN|SessionToken|sessionToken)\"?[[:space:]]*[:=][[:space:]]*\"?)"
  # The 32-digit rule runs twice: one pass cannot match two runs that share a separator.
  sed -E \
    -e "s/ed25519:${b58}{60,}/ed25519:[redacted]/g" \
    -e "s/secp256k1:${b58}{40,}/secp256k1:[redacted]/g" \
    -e "s/${hex}{128,}/[redacted-hex]/g" \
    -e "s/(^|[^0-9A-Fa-f])${hex}{32}([^0-9A-Fa-f]|$)/\\1[redacted-hex]\\2/g" \
    -e "s/(^|[^0-9A-Fa-f])${hex}{32}([^0-9A-Fa-f]|$)/\\1[redacted-hex]\\2/g" \
    -e "s/(AKIA|ASIA)[A-Z0-9]{16}/[redacted-aws-key-id]/g" \
    -e "s#${label}${b64}{16,}#\\1[redacted]#g"
}
