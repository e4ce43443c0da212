#!/bin/sh
# Conformance of vcard with independent PIV clients from Debian: OpenSC and yubico-piv-tool.
# Needs PCSCLITE_CSOCK_NAME pointing at a pcscd whose vpcd reader 0 holds a FRESH vcard
# (vcard init + vcard attach); e2e/conformance_test.go sets that up. Each step is echoed so
# a failure names the command that failed.
#
# Known Debian 12 tool bugs, not ours, so not run: yubico-piv-tool 2.2.0 -a selfsign-certificate
# and -a request-certificate (upstream #388), AES management keys in yubico-piv-tool (3DES only;
# AES is tested through reader/piv), and OpenSC piv-tool -A A:9B:03 (fails client-side).
set -eux
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
Y="yubico-piv-tool -r Virtual"
opensc-tool -n | grep -q 'Personal Identity Verification Card'
$Y -a status
$Y -a verify-pin -P 123456
$Y -a generate -s 9a -A ECCP256 -o $W/9a.pub
$Y -a generate -s 9c -A RSA2048 -o $W/9c.pub
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $W/ca.key -out $W/ca.crt -subj /CN=TestCA -days 30 2>/dev/null
openssl req -new -key $W/ca.key -subj "/CN=123456789012 Alice Smith" -out $W/req.csr
for s in 9a 9c; do
  openssl x509 -req -in $W/req.csr -CA $W/ca.crt -CAkey $W/ca.key -CAcreateserial -force_pubkey $W/$s.pub -days 30 -out $W/$s.crt
  $Y -a import-certificate -s $s -i $W/$s.crt
  $Y -a read-certificate -s $s | openssl x509 -noout -subject
  $Y -a verify-pin -P 123456 -a test-signature -s $s -i $W/$s.crt
done
$Y -a change-pin -P 123456 -N 654321
for i in 1 2 3; do $Y -a verify-pin -P 000000 || true; done
! $Y -a verify-pin -P 654321
$Y -a unblock-pin -P 12345678 -N 123456
$Y -a verify-pin -P 123456
printf 010203040506070801020304050607080102030405060708 > $W/mgm.key
PIV_EXT_AUTH_KEY=$W/mgm.key piv-tool -A M:9B:03
printf 0102030405060708010203040506070801020304050607F0 > $W/bad.key
! PIV_EXT_AUTH_KEY=$W/bad.key piv-tool -A M:9B:03
pkcs15-tool --list-certificates | grep -c 'X.509 Certificate' | grep -qx 2
echo "login challenge" > $W/data
pkcs11-tool --login --pin 123456 --sign --id 01 -m ECDSA-SHA256 --signature-format openssl -i $W/data -o $W/sig9a
openssl dgst -sha256 -verify $W/9a.pub -signature $W/sig9a $W/data
pkcs11-tool --login --pin 123456 --sign --id 02 -m SHA256-RSA-PKCS -i $W/data -o $W/sig9c
openssl dgst -sha256 -verify $W/9c.pub -signature $W/sig9c $W/data
pkcs11-tool --login --pin 123456 --sign --id 02 -m SHA256-RSA-PKCS-PSS -i $W/data -o $W/sig9cpss
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -verify $W/9c.pub -signature $W/sig9cpss $W/data
echo CONFORMANCE OK
