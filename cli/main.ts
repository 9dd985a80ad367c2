// Placeholder CLI entry; the CLI issue implements `coroscope run|report`.
const pkg = { version: '0.1.0' };
if (process.argv.includes('--version')) console.log(pkg.version);
else console.log('coroscope: usage: coroscope run SCRIPT [ARGS...] | coroscope report TRACE.jsonl');
