# svg.sh - the pictures for a slide (svg-*, dot-*): the race's sequence
# diagram (export --format svg) on buggy and fixed, rendered by rsvg-convert,
# with no text outside its box; what it marks (band, cause, damage, save) by
# step; and the --dot tree's milestone labels, which replay every leaf.
#
# The overflow check.  svg.c puts every <text> in a <g class="tb"> whose
# first child is the invisible box it must stay inside.  For each such group
# the test fills the box and renders that group alone (rsvg-convert -i): the
# PNG is the ink of the box and the text together, so it is exactly as large
# as the box when the text stays inside and larger when any glyph sticks out
# on any side.  svg-0.* checks the checker on a fixture with one text that
# fits and one that does not.
#
# Skips only when rsvg-convert is missing (librsvg2-bin; ./bootstrap installs
# it) and XS_REQUIRE_RSVG is not set: CI sets it, so there it fails instead.
. "${XS_SRCDIR:-.}/tests/lib.sh"
export XS_SCENARIO_DIR="$XS_SRCDIR/scenarios"
work=$(mktemp -d "${TMPDIR:-/tmp}/xs-svg.XXXXXX")
trap 'rm -rf "$work"' EXIT
db="$work/a.db"
X() { "$XS_BIN" "$@" --db "$db"; }

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk
png_size() {
	od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

# overflows SVG: one line "N WxH-box RENDERED-size text" per text box whose
# text the renderer draws outside it; nothing when every text fits.
overflows() {
	awk -v list="$work/boxes" '
		/<g class="tb">/ {
			k++
			s = $0
			sub(/<g class="tb">/, "<g class=\"tb\" id=\"tb-" k "\">", s)
			t = $0; sub(/.*<rect class="tb" /, "", t)
			w = t; sub(/.*width="/, "", w); sub(/".*/, "", w)
			h = t; sub(/.*height="/, "", h); sub(/".*/, "", h)
			txt = $0; gsub(/<[^>]*>/, "", txt)
			print k, w, h, substr(txt, 1, 60) > list
			gsub(/fill="none"\/><text/, "fill=\"black\"/><text", s)
			print s; next
		}
		{ print }' "$1" > "$work/filled.svg"
	while read -r k w h txt; do
		rsvg-convert -i "tb-$k" "$work/filled.svg" -o "$work/one.png" 2>/dev/null || { echo "$k render-failed $txt"; continue; }
		got=$(png_size "$work/one.png")
		[ "$got" = "$w $h" ] || echo "$k box ${w}x$h rendered $(echo "$got" | tr ' ' x): $txt"
	done < "$work/boxes"
}

race_b=$(X list classic | awk '$3 == "race" && $4 == "buggy" { print $1 }')
race_f=$(X list classic | awk '$3 == "race" && $4 == "fixed" { print $1 }')
X export "$race_b" --format svg > "$work/buggy.svg"; rc=$?
is svg-1.1 "export --format svg of the buggy race" "$rc" 0
X export "$race_f" --format svg > "$work/fixed.svg"; rc=$?
is svg-1.2 "... and of the fixed race" "$rc" 0
for v in buggy fixed; do
	f="$work/$v.svg"
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$f" 2>"$work/xmllint.err"; ok $? "svg-1.3.$v" "the $v SVG is well-formed XML"
	else
		echo "ok $((tap_n = tap_n + 1)) - svg-1.3.$v # SKIP xmllint is not installed"
	fi
	is "svg-1.4.$v" "every text of the $v SVG is in a box (class tb)" \
		"$(grep -o '<text ' "$f" | wc -l)" "$(grep -o '<g class="tb">' "$f" | wc -l)"
	case $(cat "$f") in *'...'*) ok 1 "svg-1.5.$v" "no text of the $v SVG is cut ('...')" ;;
	*) ok 0 "svg-1.5.$v" "no text of the $v SVG is cut ('...')" ;; esac
done

# step FILE N: the text of step N's group, tags removed
step() {
	awk -v id="id=\"step-$2\"" 'index($0, id) { on = 1 } on { print } on && /^<\/g>$/ { exit }' "$1" |
		sed -e 's/<title>.*<\/title>//' -e 's/<[^>]*>/ /g' | tr -s ' \n' '  '
}
b=$(cat "$work/buggy.svg"); f=$(cat "$work/fixed.svg")
has svg-2.1 "buggy: the race window is a band with its label (steps 5 to 28)" "$b" \
	"RACE WINDOW, steps 5 to 28: CPU0's fault has found a hole"
has svg-2.2 "... step 14, __xip_unmap's scan, is the cause" "$(step "$work/buggy.svg" 14)" "CAUSE __xip_unmap mm/filemap_xip.c:178"
has svg-2.3 "... step 28, the set_pte of the sparse page, is the damage, said to its end" "$(step "$work/buggy.svg" 28)" \
	"DAMAGE __do_fault CPU0 installs page#1 (the sparse page) ro in process A's page table at page 1. But the page has a flash block now and its writer already looked for sparse pages: this mapping stays. The damage is done."
is svg-2.4 "... one arrow joins them" "$(grep -c 'class="arrow".*arrow-red' "$work/buggy.svg")" 1
has svg-2.5 "... the legend says which step made it permanent" "$b" "DAMAGE (step 28, red): the step that made it permanent."
has svg-2.6 "fixed: the band ends with the re-check (steps 5 to 19)" "$f" "RACE WINDOW, steps 5 to 19"
has svg-2.7 "... step 15, the same scan, is the miss" "$(step "$work/fixed.svg" 15)" "MISS __xip_unmap mm/filemap_xip.c:180"
has svg-2.8 "... step 20, get_xip_mem under the mutex, is the save" "$(step "$work/fixed.svg" 20)" \
	"SAVED get_xip_mem CPU0 asks the file system for page 1's flash block: it is block 1. This is the re-check under xip_sparse_mutex"
is svg-2.9 "... an arrow joins the miss to the save" "$(grep -c 'class="arrow".*arrow-green' "$work/fixed.svg")" 1
case $b$f in *user_access:[0-9]*|*filemap_xip_buggy.c*|*filemap_xip_fixed.c*) ok 1 svg-2.10 "no sandbox file or line in the pictures" ;;
*) ok 0 svg-2.10 "no sandbox file or line in the pictures" ;; esac

if ! command -v rsvg-convert >/dev/null 2>&1; then
	if [ -n "${XS_REQUIRE_RSVG:-}" ]; then
		ok 1 svg-3 "rsvg-convert is installed (XS_REQUIRE_RSVG is set: apt-get install librsvg2-bin)"
	else
		echo "ok $((tap_n = tap_n + 1)) - svg-3 # SKIP rsvg-convert is not installed (apt-get install librsvg2-bin)"
	fi
else
	command -v fc-match >/dev/null 2>&1 && echo "# font: $(fc-match 'DejaVu Sans Mono')"
	out=$(overflows "$XS_SRCDIR/tests/fixtures/svg-overflow.svg")
	has svg-0.1 "the checker sees the fixture's text that sticks out of its box" "$out" "2 box 60x25"
	case $out in *"1 box"*) ok 1 svg-0.2 "... and not the one that fits" ;; *) ok 0 svg-0.2 "... and not the one that fits" ;; esac
	for v in buggy fixed; do
		rsvg-convert "$work/$v.svg" -o "$work/$v.png"; ok $? "svg-3.1.$v" "rsvg-convert renders the $v SVG"
		out=$(overflows "$work/$v.svg")
		n=$(wc -l < "$work/boxes")
		[ "$n" -gt 60 ]; ok $? "svg-3.2.$v" "... $n text boxes measured"
		is "svg-3.3.$v" "... and every text stays inside its box" "$out" ""
	done
fi

# ---- the --dot tree: edges are milestones, and a path's milestones replay its leaf --------
# leaves DOT: one line per leaf, "VERDICT<TAB>SCHEDULE" (its path's items joined with ';')
leaves() {
	awk '
		/ -> / {
			from = $1; to = $3
			l = $0; sub(/.*label="/, "", l); sub(/"\];$/, "", l)
			n = split(l, part, /\\l/); s = ""
			for (i = 1; i <= n; i++) {
				p = part[i]; sub(/;$/, "", p)
				if (p == "" || p ~ /^  \(/) continue
				s = s (s == "" ? "" : "; ") p
			}
			parent[to] = from; items[to] = s
		}
		/shape=box/ { v = $0; sub(/.*label="/, "", v); sub(/".*/, "", v); leaf[$1] = v }
		END {
			for (x in leaf) {
				s = ""
				for (y = x; y in parent; y = parent[y]) s = items[y] (s == "" ? "" : "; ") s
				print leaf[x] "\t" s
			}
		}' "$1"
}
for v in buggy fixed; do
	"$XS_BIN" explore classic --version $v --no-record --dot "$work/$v.dot" > /dev/null
	d=$(cat "$work/$v.dot")
	case $d in *"CPU0 x"*|*"CPU1 x"*) ok 1 "dot-1.$v" "$v tree: no edge says 'CPUn xK'" ;;
	*) ok 0 "dot-1.$v" "$v tree: no edge says 'CPUn xK'" ;; esac
	has "dot-2.$v" "... the first edge is a milestone" "$d" 'n0 -> n4 [label="cpu0 to get_xip_mem\l"]'
	leaves "$work/$v.dot" > "$work/$v.leaves"
	bad=0 nl=0
	while IFS="$(printf '\t')" read -r verdict sched; do
		nl=$((nl + 1))
		out=$("$XS_BIN" run classic --version $v --schedule "$sched" -q --no-record 2>&1)
		case $out in *"verdict: $verdict"*) ;; *) bad=$((bad + 1)); echo "# $verdict: $sched"; echo "$out" | sed 's/^/#   /' | tail -3 ;; esac
	done < "$work/$v.leaves"
	is "dot-3.$v" "... each of the $nl leaves: its path's milestones, run, give its verdict" "$bad" 0
done
has dot-4 "buggy: the race's leaf is reached by 'cpu0 to get_xip_mem; cpu0 4 steps; cpu1 to end; cpu0 to end'" \
	"$(cat "$work/buggy.leaves")" "corruption	cpu0 to get_xip_mem; cpu0 4 steps; cpu1 to end; cpu0 to end"
done_testing
