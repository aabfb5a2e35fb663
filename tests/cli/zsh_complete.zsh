# Drives completions/_sniff in a real interactive zsh on a pseudo-terminal (zsh/zpty): types
# WORDS and Tab, and appends every candidate the completion adds to OUT, one a line. What the
# terminal showed goes to OUT.screen, for the test to print when the candidates are wrong.
# Usage: zsh -f zsh_complete.zsh BIN_DIR COMPLETIONS_DIR OUT WORDS
zmodload zsh/zpty
local bin_dir=$1 completions=$2 out=$3 words=$4

# Waits up to 60 s for a file the shell writes.
wait_for() {
  local i
  for i in {1..600}; do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  return 1
}

save_screen() {
  local chunk
  while zpty -rt shell chunk 2>/dev/null; do
    print -rn -- "$chunk" >> $out.screen
  done
}

zpty shell zsh -f -i
# A sanitized sniff run by the completion as a job of this interactive shell sometimes never ends:
# LeakSanitizer's tracer waits for a stop of the process that does not come (seen as a tracee
# spinning in sched_yield under its tracer's wait4). Leaks are checked where sniff runs as a
# plain child, in every other test.
zpty -w shell "export ASAN_OPTIONS=\"\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0\""
zpty -w shell "PATH=$bin_dir:\$PATH; fpath=($completions \$fpath); autoload -Uz compinit; compinit -u -D"
# Every candidate passes through compadd: record it, then add it as usual.
zpty -w shell "compadd() { local -a hits; builtin compadd -O hits \"\$@\"; print -r -l -- \$hits >> $out; builtin compadd \"\$@\"; }"
# Keys typed during a completion wait until it returns, so a key bound to a widget that writes a
# file marks its end however slow the sniff it runs is (a sanitized build on a loaded machine).
# A Ctrl-C would not wait: the terminal turns it into a signal at once.
zpty -w shell "mark_done() { print done > $out.done }; zle -N mark_done; bindkey '^Xd' mark_done"
zpty -w shell "print ready > $out.ready"
wait_for $out.ready
zpty -w -n shell "$words"$'\t\x18d'
wait_for $out.done
save_screen
zpty -d shell
rm -f $out.ready $out.done
