#!/usr/bin/env node
import('../dist/cli.bundle.js').then((cli) => cli.main(process.argv.slice(2)));
