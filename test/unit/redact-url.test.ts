import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/queue/connection.js';

describe('redactUrl', () => {
  it('hides a plain user and password', () => {
    expect(redactUrl('redis://vnpipe:hunter2hunter2@10.0.0.5:6379/0')).toBe('redis://***@10.0.0.5:6379/0');
  });

  it('hides every part of a password that holds @, / or :', () => {
    for (const password of ['Qz7@Kx9@Wm4', 'Jv1/Hq8@Rt5', 'Zk3:Yw6@Xu2/Tn0', '@@@', 'Fb9-Lc2@']) {
      const url = `rediss://default:${password}@cache.example.vn:6380/2`;
      const shown = redactUrl(url);
      expect(shown).toBe('rediss://***@cache.example.vn:6380/2');
      for (const piece of password.split(/[@/:]/).filter((p) => p.length > 0)) expect(shown).not.toContain(piece);
    }
  });

  it('leaves a URL without credentials as it is', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
