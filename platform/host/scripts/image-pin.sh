#!/bin/bash
# near-localnet image pinning, sourced by the scripts that start containers (the base and MPC
# bootstraps, run-op). image_pin KEY IMAGE RECORD pulls IMAGE (repository:tag or
# repository[:tag]@sha256:<hex>; no registry port), checks its digest against the RepoDigests docker
# records (short names on Docker Hub: node@sha256:...), and sets REPLY to repository@sha256:<digest>,
# the image to run; a mismatch exits 1 naming KEY. A tag alone is trusted on first use: its digest
# is appended to RECORD ("KEY IMAGE sha256:..."; on the data volume where the host has one), and
# later runs, and a replacement host that finds the volume, pull that digest. The diagnostics
# probe "image-pins" reports RECORD. Messages go to stderr, prefixed "image-pin:".
image_pin() {
  local key=$1 image=$2 record=$3 name repo want='' got recorded target lb='{'
  [[ $image =~ ^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[0-9a-f]{64})?$ ]] ||
    { echo "image-pin: $key: '$image' is not an image reference repository[:tag][@sha256:<64 hex>]" >&2; exit 1; }
  name=${image%@*}
  [[ $image != *@sha256:* ]] || want=${image##*@}
  repo=${name%%:*}
  [[ -n $want || $name == *:* ]] ||
    { echo "image-pin: $key: '$image' names neither a tag nor a digest" >&2; exit 1; }
  if [[ -z $want && -f $record ]]; then
    recorded=$(awk -v k="$key" -v n="$name" '$1 == k && $2 == n { d = $3 } END { print d }' "$record")
    if [[ -n $recorded ]]; then
      want=$recorded
      echo "image-pin: $key: $name was pinned to $want on its first pull here; pulling that digest" >&2
    fi
  fi
  target=$name
  [[ -z $want ]] || target=$repo@$want
  if ! docker image inspect "$target" >/dev/null 2>&1; then
    local i
    for i in 1 2 3 4 5; do
      docker pull -q "$target" >/dev/null && break
      ((i < 5)) || { echo "image-pin: $key: cannot pull $target" >&2; exit 1; }
      sleep $((i * 5))
    done
  fi
  # The Go template is assembled so that this file holds no double brace: the run-op SSM document
  # includes it, and SSM reads those as parameter references.
  got=$(docker image inspect --format "${lb}${lb}range .RepoDigests}}${lb}${lb}println .}}${lb}${lb}end}}" \
    "$target" 2>/dev/null | sed -n "s|^${repo//./\\.}@\(sha256:[0-9a-f]\{64\}\)\$|\1|p") || got=''
  if [[ -n $want ]]; then
    if ! grep -qxF "$want" <<<"$got"; then
      echo "image-pin: $key: $target has digest ${got//$'\n'/, }${got:+ }(RepoDigests), not the pinned $want;" \
        "refusing to run it. If the new image is wanted, pin it on purpose:" \
        "pulumi config set near-localnet:$key '$name@<digest>'" >&2
      exit 1
    fi
  else
    [[ -n $got && $got != *$'\n'* ]] ||
      { echo "image-pin: $key: cannot tell the digest of $name (RepoDigests: '${got//$'\n'/ }')" >&2; exit 1; }
    want=$got
    mkdir -p "${record%/*}"
    echo "$key $name $want" >>"$record"
    echo "image-pin: $key: $name resolved to $want on its first pull (trust on first use); recorded in $record." \
      "Pin it: pulumi config set near-localnet:$key '$name@$want'" >&2
  fi
  REPLY=$repo@$want
}
