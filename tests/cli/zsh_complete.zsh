# Drives completions/_sniff in a real interactive zsh on a pseudo-terminal (zsh/zpty): types
# WORDS and Tab, and appends every candidate the completion adds to OUT, one a line.
# Usage: zsh -f zsh_complete.zsh BIN_DIR COMPLETIONS_DIR OUT WORDS
zmodload zsh/zpty
local bin_dir=$1 completions=$2 out=$3 words=$4

# Waits up to 10 s for a file the shell writes.
wait_for() {
  local i
  for i in {1..100}; do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  return 1
}

zpty shell zsh -f -i
zpty -w shell "PATH=$bin_dir:\$PATH; fpath=($completions \$fpath); autoload -Uz compinit; compinit -u -D"
# Every candidate passes through compadd: record it, then add it as usual.
zpty -w shell "compadd() { local -a hits; builtin compadd -O hits \"\$@\"; print -r -l -- \$hits >> $out; builtin compadd \"\$@\"; }"
zpty -w shell "print ready > $out.ready"
wait_for $out.ready
zpty -w -n shell "$words"$'\t'
# The first candidate shows the completion ran; the rest of it comes in the same call, which may
# run sniff (a sanitized build on a loaded machine is slow): wait until OUT stops growing.
wait_for $out
local size=-1 i
for i in {1..40}; do
  sleep 0.5
  (( $(wc -c < $out) == size )) && break
  size=$(wc -c < $out)
done
zpty -w shell $'\x03'
zpty -w shell "print done > $out.done"
wait_for $out.done
zpty -d shell
rm -f $out.ready $out.done
