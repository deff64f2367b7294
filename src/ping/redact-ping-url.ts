/**
 * A ping URL is a bearer secret: whoever knows `https://hc-ping.com/<uuid>` (or the project's ping
 * key in `/<key>/<slug>`) can report for the job. Shown anywhere, it keeps its scheme, host and
 * port and the first 4 characters of its path; userinfo, the rest of the path and the query go.
 */
export function redactPingUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname.replace(/^\/+/, '');
    const shown = path.length > 4 ? `${path.slice(0, 4)}…` : path === '' ? '' : '…';
    return `${u.protocol}//${u.host}/${shown}`;
  } catch {
    return '(unparsable ping URL)';
  }
}

/** Remove every secret part of `url` from a message (an error text may quote the URL or its parts). */
export function redactPingText(text: string, url: string): string {
  const secrets = [url];
  try {
    const u = new URL(url);
    secrets.push(u.href);
    if (u.username) secrets.push(u.username, decodeURIComponent(u.username));
    if (u.password) secrets.push(u.password, decodeURIComponent(u.password));
    for (const part of u.pathname.split('/')) if (part.length >= 4) secrets.push(part, decodeURIComponent(part));
    for (const [k, v] of u.searchParams) if (k !== 'rid' && v.length > 0) secrets.push(v);
  } catch {
    // An unparsable URL: only its whole text is hidden.
  }
  let out = text;
  for (const s of [...new Set(secrets)].filter((x) => x.length > 0).sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}
