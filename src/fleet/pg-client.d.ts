// pg exports its lib files ("./lib/*" in its package.json); @types/pg describes only the index.
declare module 'pg/lib/client.js' {
  import type { Client } from 'pg';
  const PgClient: typeof Client;
  export default PgClient;
}
