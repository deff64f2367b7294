const SCHEME = /^postgres(ql)?:\/\//;

/**
 * What is wrong with a fleet URL, in words, or undefined when it parses. Never echoes the user
 * name or password (the URL may hold one); the host and port are not secret and are named.
 */
export function postgresUrlProblem(url: string): string | undefined {
  if (!SCHEME.test(url)) return 'not a postgres:// or postgresql:// URL';
  const rest = url.replace(SCHEME, '');
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  // An '@' after the authority: a '/', '?' or '#' in the password ended it early.
  const atLater = end !== -1 && rest.slice(end).includes('@');
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const hostport = authority.slice(at + 1);
  if (!atLater) {
    const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
    const host = m?.[1] ?? '';
    const port = m?.[2];
    if (port !== undefined && port !== '') {
      if (!/^\d+$/.test(port)) return `the port ${JSON.stringify(port)} is not a number`;
      if (Number(port) < 1 || Number(port) > 65535) return `the port ${port} is out of range (1-65535)`;
    }
    if (host === '' && hostport !== '') return 'no host name before the port';
    if (/[\s<>"\\^`{|}%]/.test(host)) return `the host name ${JSON.stringify(host)} is not valid`;
    try {
      decodeURIComponent(userinfo);
    } catch {
      return 'a bad %-escape in the user name or password (write % itself as %25)';
    }
  }
  try {
    new URL(url);
  } catch {
    return "not parsable: percent-encode '/', '?', '#', '@' and ':' in the user name or password";
  }
  return undefined;
}
