# bash -c reads this only when it takes itself for an rshd command: stdin a
# socket and no SHLVL. procmail's children get pipes, so it never is.
: > "$HOME/bashrc-was-sourced"
echo "X-Bashrc: sourced"
