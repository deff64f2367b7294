/**
 * Credentials never reach a log, a record, status or stderr: a URL is shown without its password,
 * and any text from the driver is scrubbed of the password and of the URL itself.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of ['password', 'sslpassword', 'sslkey']) if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '(unparsable fleet URL)';
  }
}

/** Remove every secret of `url` (and the environment's PGPASSWORD) from a message. */
export function redactText(text: string, url: string, env: NodeJS.ProcessEnv = process.env): string {
  const secrets: string[] = [];
  try {
    const u = new URL(url);
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
    for (const key of ['password', 'sslpassword']) {
      const v = u.searchParams.get(key);
      if (v) secrets.push(v);
    }
  } catch {
    // An unparsable URL: hide it whole below.
  }
  if (env.PGPASSWORD) secrets.push(env.PGPASSWORD);
  let out = text.split(url).join(redactUrl(url));
  for (const s of secrets.filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}
