// pg's crypto helpers (pg/lib/crypto/utils.js) on node:crypto, for the CLI bundle only.
// pg uses WebCrypto, whose first use loads Node's webcrypto internals and runs each step as an
// async job: ~15 ms of a SCRAM login here. These are the same functions on the synchronous
// primitives (what pg itself shipped as utils-legacy.js until 8.11). Same names and contracts;
// scripts/bundle-cli.mjs refuses to build if pg's module exports another set of names.
'use strict'
const nodeCrypto = require('crypto')

const md5 = async (string) => nodeCrypto.createHash('md5').update(string, 'utf-8').digest('hex')

module.exports = {
  async postgresMd5PasswordHash(user, password, salt) {
    const inner = await md5(password + user)
    const outer = await md5(Buffer.concat([Buffer.from(inner), salt]))
    return 'md5' + outer
  },
  randomBytes: (length) => nodeCrypto.randomBytes(length),
  deriveKey: async (password, salt, iterations) => nodeCrypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256'),
  sha256: async (text) => nodeCrypto.createHash('sha256').update(Buffer.from(text)).digest(),
  // WebCrypto names ('SHA-256') to OpenSSL names ('sha256').
  hashByName: async (hashName, text) => nodeCrypto.createHash(hashName.replace('-', '').toLowerCase()).update(text).digest(),
  hmacSha256: async (keyBuffer, msg) => nodeCrypto.createHmac('sha256', Buffer.from(keyBuffer)).update(msg).digest(),
  md5,
}
