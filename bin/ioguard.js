#!/usr/bin/env node
import('../dist/cli-bundle/ioguard.js').then((cli) => cli.main(process.argv.slice(2)));
