import { redactPingText, redactPingUrl } from './redact-ping-url.ts';
import type { PingAttempts } from './send-ping.ts';

/** One ping as the decision log records it. */
export interface PingReport extends PingAttempts {
  /** `start`, `success`, `exit`, `log` or `fail`. */
  kind: string;
  /** The endpoint, redacted: `https://hc-ping.com/0f3a…/fail`. */
  url: string;
}

export interface PingSink {
  /** One decision-log line per ping, sent or not. */
  log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
  /** A person-facing line on stderr. */
  report: (line: string) => void;
}

/**
 * Says how each ping went: one log line each, and at most one stderr line per run however many
 * pings failed (cron mails stderr; a ping server that is down must not fill the mailbox).
 */
export class PingReporter {
  private told = false;
  constructor(private readonly name: string, private readonly baseUrl: string, private readonly sink: PingSink) {}

  note(kind: string, suffix: string, a: PingAttempts): PingReport {
    const url = `${redactPingUrl(this.baseUrl)}${suffix === '' ? '' : `/${suffix}`}`;
    const error = a.error === null ? null : redactPingText(a.error, this.baseUrl);
    const report: PingReport = { ...a, error, kind, url };
    const tries = `${a.attempts} attempt${a.attempts === 1 ? '' : 's'}, ${a.elapsedMs}ms`;
    if (a.ok) {
      this.sink.log('info', `ping ${kind} sent to ${url} (HTTP ${a.status}, ${tries})`, { ping: report });
    } else {
      const line = `ping ${kind} to ${url} failed: ${error ?? 'unknown'} (${tries})`;
      this.sink.log('warn', line, { ping: report });
      if (!this.told) {
        this.told = true;
        this.sink.report(`ioguard: job "${this.name}": ${line}; the job's run and exit status are unchanged`);
      }
    }
    return report;
  }
}
