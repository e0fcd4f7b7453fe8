#!/usr/bin/env bash
# Packs what a GPU machine without Node needs for scripts/gpu-check.sh into .gpu/ (ignored
# by git, carried to the device): this machine's node binary and node_modules without
# TypeScript's compiler and the type packages (vitest and tsx run the .ts files without
# them), both xz-compressed. Prints the sizes; the device tool carries 64 MiB at most,
# the working tree included.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
xz -T0 -6 -c "$(command -v node)" >.gpu/node.xz
tar -cf - --exclude=node_modules/typescript --exclude=node_modules/@types --exclude=node_modules/.cache node_modules | xz -T0 -6 >.gpu/node_modules.tar.xz
du -b .gpu/* | awk '{ printf "%-28s %6.1f MiB\n", $2, $1 / 1048576; s += $1 } END { printf "%-28s %6.1f MiB\n", "carried in all", s / 1048576 }'
tree=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
printf '%-28s %6.1f MiB\n' "working tree (travels anyway)" "$(echo "$tree / 1048576" | bc -l)"
