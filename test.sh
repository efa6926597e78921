#!/usr/bin/env bash
# Runs every test tier of Eddy (unit, server, client compatibility) and ends with one line "N passed, N failed".
#
# Works on a fresh Debian machine that has only the .NET 10 SDK: when Debian's AWS CLI (v2, /usr/bin/aws), boto3,
# Node.js/npm or PostgreSQL (its binaries; the tests start their own servers) are missing it installs them from Debian's packages, then installs the JS SDK of the compatibility tier (npm ci).
# Exit status: 0 only if the build succeeded, the formatting matches .editorconfig, at least one test ran and none failed.
#
# Environment: TEST_FILTER   passed to `dotnet test --filter` (e.g. FullyQualifiedName~Compatibility)
#              TEST_RESULTS  directory for the TRX files (default: a new temporary directory)
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "test.sh: $*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- client tools for the compatibility tier -----------------------------------------------------------
# Debian's awscli package (AWS CLI v2) is wanted even beside another `aws` on PATH (the machine image's v1): the
# README quick start is tested with every CLI version found.
missing=()
[ -x /usr/bin/aws ] || missing+=(aws)
python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(boto3)
command -v node >/dev/null 2>&1 || missing+=(node)
command -v npm >/dev/null 2>&1 || missing+=(npm)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)   # the Firehose Redshift tests start their own server
if ((${#missing[@]})); then
  say "installing the client tools (missing: ${missing[*]})"
  packages=()
  [ -x /usr/bin/aws ] || packages+=(awscli)
  python3 -c 'import boto3' >/dev/null 2>&1 || packages+=(python3-boto3)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; }; then
    say "could not install ${packages[*]}; the tests that need them will fail"
  fi
fi

js="$root/tests/Eddy.Compatibility.Tests/clients/js"
if command -v npm >/dev/null 2>&1; then
  if [ -f "$js/node_modules/@aws-sdk/client-kinesis/package.json" ] && [ -f "$js/node_modules/@aws-sdk/client-firehose/package.json" ] \
     && [ -f "$js/node_modules/@smithy/node-http-handler/package.json" ] && [ -f "$js/node_modules/aws-kinesis-agg/package.json" ] \
     && [ "$js/node_modules/.package-lock.json" -nt "$js/package-lock.json" ]; then
    :
  elif ! (cd "$js" && npm ci --no-audit --no-fund --loglevel=error); then
    say "npm ci in ${js#"$root"/} failed; the JS SDK tests will fail"
  fi
fi

s3rver="$root/tests/Eddy.Objects.Tests/s3rver"
if command -v npm >/dev/null 2>&1; then
  if [ -f "$s3rver/node_modules/s3rver/package.json" ] && [ "$s3rver/node_modules/.package-lock.json" -nt "$s3rver/package-lock.json" ]; then
    :
  elif ! (cd "$s3rver" && npm ci --no-audit --no-fund --loglevel=error); then
    say "npm ci in ${s3rver#"$root"/} failed; the S3ObjectStore contract tests will fail"
  fi
fi

# --- build once ------------------------------------------------------------------------------------------
start=$SECONDS
if ! dotnet build Eddy.slnx -c Release -nologo -v:q -clp:ErrorsOnly; then
  say "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
say "built in $((SECONDS - start)) s"

# --- format ----------------------------------------------------------------------------------------------
# The build enforces the .editorconfig style rules (EnforceCodeStyleInBuild); this checks whitespace and layout, in
# folder mode (no compilation: seconds, where the whole `dotnet format` takes minutes on two cores).
# A difference counts as one failure; the tests still run.
start=$SECONDS
format_failed=0
if dotnet format whitespace . --folder --verify-no-changes -v:q; then
  say "format checked in $((SECONDS - start)) s"
else
  say "FORMAT: the files above differ from .editorconfig; fix with: dotnet format Eddy.slnx --no-restore"
  format_failed=1
fi

# --- run the test assemblies (two at a time: the machine has two cores) ----------------------------------
results=${TEST_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/eddy-tests.XXXXXX")}
mkdir -p "$results"
log="$results/dotnet-test.log"
args=(test Eddy.slnx -c Release --no-build --nologo -maxcpucount:2
      --results-directory "$results" --logger "trx;LogFilePrefix=eddy" --logger "console;verbosity=minimal"
      --blame-hang-timeout 15m --blame-hang-dump-type none)
if [ -n "${TEST_FILTER:-}" ]; then args+=(--filter "$TEST_FILTER"); fi
start=$SECONDS
noise='^(Test run for |A total of [0-9]+ test files? matched|Data collector .Blame. message|Results File: |No test matches the given testcase filter|\[xUnit\.net [0-9:.]+\] +(xUnit\.net VSTest|Discover|Start|Finish))'
dotnet "${args[@]}" 2>&1 | tee "$log" | grep -v -E "$noise"
status=${PIPESTATUS[0]}
say "tests ran in $((SECONDS - start)) s; TRX files and the full log are in $results"

# One summary line per test assembly: "Passed!  - Failed:     0, Passed:    35, Skipped: ..., Total: ..."
passed=0
failed=0
assemblies=0
while read -r f p; do
  passed=$((passed + p))
  failed=$((failed + f))
  assemblies=$((assemblies + 1))
done < <(sed -n -E 's/^\s*(Passed|Failed)!\s+-\s+Failed:\s+([0-9]+),\s+Passed:\s+([0-9]+),.*/\2 \3/p' "$log")
# A test host that crashed or hung prints no summary for its assembly.
aborted=$(grep -c -E 'Test Run Aborted|The active test run was aborted' "$log" || true)
failed=$((failed + aborted + format_failed))

if [ "$assemblies" -eq 0 ] || [ "$passed" -eq 0 ]; then
  say "no test ran"
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  say "dotnet test exited with status $status"
  failed=1
fi
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
exit 0
