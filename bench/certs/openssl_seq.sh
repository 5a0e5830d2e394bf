#!/usr/bin/env bash
# Baseline: the openssl sequence once per service (genrsa or EC genpkey, req, x509 -req).
# Usage: openssl_seq.sh CA_DIR OUT_DIR N ec|rsa   (CA_DIR holds ca.key and ca.pem)
set -euo pipefail
ca=$1 out=$2 n=$3 kt=$4
mkdir -p "$out"
for ((i = 0; i < n; i++)); do
  name=$(printf 'svc%03d' "$i")
  d="$out/$name"
  mkdir -p "$d"
  if [[ $kt == rsa ]]; then
    openssl genrsa -out "$d/key.pem" 2048 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null
  fi
  openssl req -new -key "$d/key.pem" -subj "/CN=$name.internal" -out "$d/req.csr"
  printf 'subjectAltName=DNS:%s.internal\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' "$name" >"$d/ext.cnf"
  openssl x509 -req -in "$d/req.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial \
    -days 30 -sha256 -extfile "$d/ext.cnf" -out "$d/cert.pem" 2>/dev/null
  cat "$d/cert.pem" "$ca/ca.pem" >"$d/fullchain.pem"
done
