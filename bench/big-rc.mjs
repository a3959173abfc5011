// The big rc file the parsing benchmarks check (bench/parse.mjs, bench/front-end-ab.mjs).

/**
 * An rc file of `n` recipes of four kinds in turn (a locked folder, a block,
 * a filter with a weighted condition, an expansion and a size test).
 * `tag` makes the regex patterns of one text distinct from another's, so no
 * check is helped by the regex translation cache an earlier one filled.
 */
export function bigRc(n, tag) {
  const out = ['MAILDIR=$HOME/Mail', 'LOGFILE=$MAILDIR/log', ''];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(`:0:`, `* ^From:.*user${i}${tag}@example\\.com`, `* !^X-Loop: me`, `inbox${i}`, '');
        break;
      case 1:
        out.push(`:0`, `* ^Subject:.*(report|digest) ${i}${tag}`, `{`, `  LOG="matched ${i}\n"`, `  :0 c`, `  ! fwd${i}@example.org`, `  :0`, `  lists/l${i}/`, `}`, '');
        break;
      case 2:
        out.push(`:0 fw`, `* 5^0 ^X-Spam-Level: \\*\\*\\*`, `* B ?? token${i}${tag}`, `| formail -A "X-Seen: ${i}"`, '');
        break;
      default:
        out.push(`# recipe ${i}`, `V${i}=\${V${i}:-default} W=$HOME`, `:0 E`, `* > ${i}`, `big/.`, '');
    }
  }
  return out.join('\n');
}
