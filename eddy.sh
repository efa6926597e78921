#!/usr/bin/env bash
# ./eddy.sh serve [options]   builds the server (Release, quietly, only when needed) and runs it.
# With no arguments it runs `serve` (127.0.0.1:4567, data under ./data). See README.md for the options.
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
dll="$root/src/Eddy.Host/bin/Release/net10.0/eddy.dll"

stale() {
  [ ! -f "$dll" ] && return 0
  [ -n "$(find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" "$root/global.json" \
            -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.resx' \) \
            -not -path '*/bin/*' -not -path '*/obj/*' -newer "$dll" -print -quit)" ]
}

if stale; then
  echo "eddy.sh: building src/Eddy.Host (Release)..." >&2
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
    dotnet build "$root/src/Eddy.Host/Eddy.Host.csproj" -c Release -nologo -v:q -clp:ErrorsOnly >&2
  touch "$dll" # an up-to-date build may leave it untouched; do not rebuild next time
fi

if [ $# -eq 0 ]; then
  set -- serve
fi
exec dotnet "$dll" "$@"
