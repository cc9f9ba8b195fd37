#!/bin/bash
# The installed client SDK, as an app sees it: `cmake --install` of the
# client_sdk component into a temporary prefix, then a small consumer
# (tests/client-sdk/consumer) built against that prefix three ways -
# find_package(RehabClient), pkg-config rehab-client (C++) and pkg-config
# rehab-client-c (C) - and each run against a rehabd started here.
# Nothing of the SDK is rebuilt; only the consumer's one file is compiled.
#
#   install_test.sh BUILD_DIR CONSUMER_DIR WORK_DIR REHABD
#
# CXX and CC name the compilers (default c++ and cc).
set -euo pipefail

build_dir=$1
consumer_dir=$2
work=$3
rehabd=$4
cxx=${CXX:-c++}
cc=${CC:-cc}

fail() {
  echo "install_test: $*" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

# --- Install --------------------------------------------------------------------
cmake --install "$build_dir" --prefix "$prefix" --component client_sdk \
  >"$work/install.log" || fail "cmake --install failed: $(cat "$work/install.log")"

for header in rehab/client.h rehab/client_c.h rehab/client/client.h \
  rehab/client/sync.h rehab/v1/patient.pb.h rehab/v1/sync.pb.h \
  google/rpc/status.pb.h; do
  [[ -f $prefix/include/$header ]] || fail "include/$header not installed"
done
[[ -f $prefix/share/rehab/proto/rehab/v1/patient.proto ]] ||
  fail "the .proto files (for apps in other languages) are not installed"
# The SDK's interface is the public headers: no gRPC stubs, nothing private.
if find "$prefix/include" -name '*.grpc.pb.h' -o -path '*/server/*' \
  -o -path '*/src/*' | grep -q .; then
  fail "private headers installed: $(find "$prefix/include" -name '*.grpc.pb.h')"
fi
pc_file=$(find "$prefix" -name rehab-client.pc)
[[ -n $pc_file ]] || fail "rehab-client.pc not installed"
pc_dir=$(dirname "$pc_file")
lib_dir=$(dirname "$pc_dir")
[[ -f $pc_dir/rehab-client-c.pc ]] || fail "rehab-client-c.pc not installed"
[[ -f $lib_dir/cmake/RehabClient/RehabClientConfig.cmake &&
  -f $lib_dir/cmake/RehabClient/RehabClientConfigVersion.cmake ]] ||
  fail "the CMake package is not installed"
library=$(find "$lib_dir" -maxdepth 1 -name 'librehab_client.so.*.*.*')
[[ -n $library && -L $lib_dir/librehab_client.so ]] ||
  fail "librehab_client.so not installed with its links"
# Private parts stay inside: server/common's symbols are not exported.
if nm -D --defined-only "$library" | grep -q ' _ZN5rehab15FieldViolations'; then
  fail "librehab_client.so exports server/common symbols"
fi

# --- A server to log in to ---------------------------------------------------------
password=consumer-admin-1
REHAB_BOOTSTRAP_PASSWORD=$password "$rehabd" --db "$work/server.db" \
  --bootstrap_admin consumer.admin >"$work/bootstrap.log" 2>&1 ||
  fail "bootstrap failed: $(cat "$work/bootstrap.log")"
"$rehabd" --db "$work/server.db" --listen 127.0.0.1:0 \
  --shutdown_grace=200ms >"$work/rehabd.log" 2>&1 &
rehabd_pid=$!
trap 'kill "$rehabd_pid" 2>/dev/null; wait "$rehabd_pid" 2>/dev/null || true' EXIT
port=
for _ in $(seq 200); do
  port=$(grep -o '(port [0-9]*' "$work/rehabd.log" | head -n 1 | cut -d' ' -f2 || true)
  [[ -n $port ]] && break
  kill -0 "$rehabd_pid" 2>/dev/null || fail "rehabd exited: $(cat "$work/rehabd.log")"
  sleep 0.1
done
[[ -n $port ]] || fail "rehabd did not report its port: $(cat "$work/rehabd.log")"
target=127.0.0.1:$port

# Runs a consumer and checks that it queued a patient.
run_consumer() {
  local name=$1
  shift
  local output
  output=$("$@" "$target" consumer.admin "$password" "$work/$name.db" 2>&1) ||
    fail "$name failed: $output"
  [[ $output =~ ^queued\ [0-9a-f-]{36}\ \(1\ pending\)$ ]] ||
    fail "$name printed: $output"
  echo "$name: $output"
}

# --- find_package(RehabClient) ----------------------------------------------------------
cmake -S "$consumer_dir" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
  >"$work/cmake.log" 2>&1 || fail "configure failed: $(cat "$work/cmake.log")"
cmake --build "$work/cmake-build" >>"$work/cmake.log" 2>&1 ||
  fail "build failed: $(cat "$work/cmake.log")"
run_consumer cmake-consumer "$work/cmake-build/consumer"

# --- pkg-config ------------------------------------------------------------------------
export PKG_CONFIG_PATH=$pc_dir
# shellcheck disable=SC2046  # the flags are words
"$cxx" -std=c++17 -Wall -Wextra -Werror "$consumer_dir/main.cc" \
  -o "$work/pc-consumer" $(pkg-config --cflags --libs rehab-client) \
  -Wl,-rpath,"$lib_dir" || fail "pkg-config rehab-client build failed"
run_consumer pc-consumer "$work/pc-consumer"
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic "$consumer_dir/main_c.c" \
  -o "$work/c-consumer" $(pkg-config --cflags --libs rehab-client-c) \
  -Wl,-rpath,"$lib_dir" || fail "pkg-config rehab-client-c build failed"
run_consumer c-consumer "$work/c-consumer"

echo "install_test: ok"
