import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { normalizeJitter } from '../../src/jitter/jitter-options.ts';
import { jitterDelayMs, machineKey, waitJitter } from '../../src/jitter/start-jitter.ts';

describe('--jitter', () => {
  it('20 random draws spread over the window: all inside it, not bunched in one part', () => {
    const o = { windowMs: 60_000, seed: 'random' as const };
    const draws = Array.from({ length: 20 }, () => jitterDelayMs(o, 'backup'));
    assert.ok(draws.every((d) => d >= 0 && d < 60_000), String(draws));
    const quarters = new Set(draws.map((d) => Math.floor(d / 15_000)));
    // Twenty uniform draws miss a whole quarter with probability 4 × 0.75^20 ≈ 0.01: require 3 of 4.
    assert.ok(quarters.size >= 3, `quarters hit: ${[...quarters]}`);
    assert.ok(new Set(draws).size >= 18, 'draws differ');
  });

  it('seeded by the host, it repeats for the same host and job, and differs across hosts and jobs', () => {
    const o = { windowMs: 3_600_000, seed: 'host' as const };
    const a = jitterDelayMs(o, 'backup', () => 'host-a');
    assert.equal(jitterDelayMs(o, 'backup', () => 'host-a'), a);
    assert.ok(a >= 0 && a < 3_600_000);
    const hosts = Array.from({ length: 20 }, (_, i) => jitterDelayMs(o, 'backup', () => `host-${i}`));
    assert.ok(new Set(hosts).size === 20, 'twenty hosts, twenty offsets');
    assert.ok(new Set(hosts.map((d) => Math.floor(d / 900_000))).size >= 3, 'hosts spread over the window');
    assert.notEqual(jitterDelayMs(o, 'rotate', () => 'host-a'), a);
    // On this machine, the real key: the same twice.
    assert.equal(jitterDelayMs(o, 'backup'), jitterDelayMs(o, 'backup'));
    assert.ok(machineKey().length > 0);
  });

  it('a signal ends the wait at once', async () => {
    const ac = new AbortController();
    const child = spawn('sleep', ['0.2']);
    child.on('exit', () => ac.abort());
    const waited = await waitJitter(30_000, ac.signal);
    assert.ok(waited < 5_000, `waited ${waited} ms`);
  });

  it('the window is checked, and zero means none', () => {
    assert.equal(normalizeJitter(0, undefined), undefined);
    assert.deepEqual(normalizeJitter(1000, 'host'), { windowMs: 1000, seed: 'host' });
    assert.throws(() => normalizeJitter(1000, 'daily'), /jitterSeed: "daily" is not one of random, host/);
    assert.throws(() => normalizeJitter(-1, undefined), /jitterMs/);
  });
});
