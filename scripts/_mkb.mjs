// usage: node mkb.mjs <repo> <out>
import { build } from 'esbuild';
const [repo, out] = process.argv.slice(2);
await build({ stdin: { contents: "export { compileRc } from './src/compile/compile.ts'; export { enableLinearRegexFallback } from './src/regex-engine.ts'; export { parseRc } from './src/syntax/parse.ts'; export { RcLexer } from './src/syntax/lexer.ts';", resolveDir: repo, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'warning' });
