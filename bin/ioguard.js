#!/usr/bin/env node
// First thing: without a SIGUSR1 listener Node opens its inspector on 127.0.0.1:9229 (docs/security.md).
process.on('SIGUSR1', () => {});
require('../dist/cli-bundle/load-bundle.cjs').loadBundle('ioguard.cjs').main(process.argv.slice(2));
