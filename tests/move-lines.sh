#!/bin/sh
# move-lines.sh SRCDIR OUTDIR FILE... - copy each simulated-kernel FILE of
# SRCDIR to OUTDIR with every line moved: a comment block on top, and a
# blank line after each line that ends a statement (';'), so lines move by
# more and more through each file.  tests/stable-ids.sh builds the program
# from these copies: what a step is must not depend on where it stands.
set -eu
src=$1 out=$2
shift 2
mkdir -p "$out"
for f in "$@"; do
	{
		printf '/*\n * Moved copy of %s (tests/move-lines.sh):\n * every line below stands lower than in the original.\n */\n' "$f"
		sed -e '/;[[:space:]]*$/G' "$src/$f"
	} > "$out/$f-t"
	mv "$out/$f-t" "$out/$f"
done
