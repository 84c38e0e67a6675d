#!/bin/sh
# Make a git repository whose history is the regress guest's eight versions:
# commit k (k = 1 ... 8, oldest first) holds regress-v<k>.elf as kernel.elf,
# with the message "regress v<k>" and the lightweight tag v<k>. For an
# end-to-end `git bisect run` test:
#
#   guests/regress/make-git-history.sh "$tmp/repo"
#   cd "$tmp/repo" && git bisect start v8 v1 &&
#     git bisect run node /path/to/dist/cli/kreplay.js run kernel.elf
#   # -> "<sha of v6> is the first bad commit" (kreplay exits 1 on a panic, 0 on exit(0))
#
# usage: make-git-history.sh DIR [IMAGES_DIR]
#   DIR         created if missing; must not already hold anything
#   IMAGES_DIR  where regress-v1.elf ... regress-v8.elf are (default: this
#               script's directory)
# Prints one line per commit on stdout: "v<k> <full sha>".
#
# Needs nothing from the user's git setup: identity, dates, branch name and
# signing are set per command, and the global and system config files are
# ignored, so the commit ids are the same on every machine (for the same
# images and git's object format).
set -eu
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '12,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
dir=$1
images=${2:-$(dirname "$0")}
for k in 1 2 3 4 5 6 7 8; do
	[ -f "$images/regress-v$k.elf" ] || { echo "make-git-history: no $images/regress-v$k.elf" >&2; exit 1; }
done
images=$(cd "$images" && pwd)
mkdir -p "$dir"
[ -z "$(ls -A "$dir")" ] || { echo "make-git-history: $dir is not empty" >&2; exit 1; }

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=kreplay GIT_AUTHOR_EMAIL=kreplay@example.invalid
export GIT_COMMITTER_NAME=kreplay GIT_COMMITTER_EMAIL=kreplay@example.invalid
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE 2>/dev/null || true
g() { git -C "$dir" -c user.name=kreplay -c user.email=kreplay@example.invalid \
	-c commit.gpgsign=false -c tag.gpgsign=false -c core.autocrlf=false "$@"; }

git -c init.defaultBranch=main init -q "$dir"
for k in 1 2 3 4 5 6 7 8; do
	cp "$images/regress-v$k.elf" "$dir/kernel.elf"
	# one commit a day from 2024-01-01, so the ids do not depend on the clock
	export GIT_AUTHOR_DATE="2024-01-0${k}T12:00:00Z" GIT_COMMITTER_DATE="2024-01-0${k}T12:00:00Z"
	g add kernel.elf
	g commit -q -m "regress v$k"
	g tag "v$k"
	echo "v$k $(g rev-parse HEAD)"
done
