import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, copySamples, exitOf, freePort, ROOT, runCli, tempDir, testEnv, waitFor } from '../support/cli.js';
// Their enqueues say --no-learn on purpose: these tests are about the cleaning walk, often with
// no worker running yet, and a learning enqueue (the default) first waits for workers to
// count; learning itself is tested in learn*.test.ts and by the cases here that name it.

const redisUrl = inject('redisUrl');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
}

interface Panel {
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(read('monitoring/grafana/dashboards/vnpipe.json')) as { uid: string; panels: Panel[] };
const expressions = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

/** Words of PromQL that are not metric names. */
const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'rate', 'increase', 'irate', 'histogram_quantile', 'on', 'ignoring',
  'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'topk', 'bottomk', 'abs', 'clamp_min', 'clamp_max',
]);

/** The metric names a PromQL expression reads: label matchers, groupings, ranges, strings and numbers left out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  return [...bare.matchAll(/[A-Za-z_:][\w:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
}

/** Series names in a Prometheus text scrape (histograms give their _bucket, _sum and _count). */
function scrapedNames(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[A-Za-z_:][\w:]*/.exec(l)![0]));
}

describe('monitoring: Prometheus and Grafana under a compose profile', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const prometheus = parse(read('monitoring/prometheus.yml')) as {
    scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; type: string; port: number }[] }[];
  };

  it('keeps `docker compose up` as it was and adds Prometheus and Grafana under --profile monitoring', () => {
    const { services } = compose;
    const byDefault = Object.entries(services).filter(([, s]) => !s.profiles).map(([name]) => name);
    expect(byDefault.sort()).toEqual(['enqueue', 'redis', 'worker']);
    expect(services.prometheus!.profiles).toEqual(['monitoring']);
    expect(services.grafana!.profiles).toEqual(['monitoring']);
    // Pinned images, published on loopback only.
    for (const name of ['prometheus', 'grafana']) {
      expect(services[name]!.image).toMatch(/:v?\d+\.\d+\.\d+$/);
      for (const port of services[name]!.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
    // Every file mounted from the repository exists, and every named volume is declared.
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const [from] = volume.split(':');
        if (from!.startsWith('./')) expect(existsSync(join(ROOT, from!)), from).toBe(true);
        else if (!from!.startsWith('$')) expect(Object.keys(compose.volumes)).toContain(from);
      }
    }
  });

  it('points Prometheus at every worker replica on the port the workers serve, and Grafana at Prometheus', () => {
    const worker = compose.services.worker!.command!;
    const port = Number(worker[worker.indexOf('--metrics-port') + 1]);
    expect(worker[worker.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    const [job] = prometheus.scrape_configs;
    expect(job!.dns_sd_configs).toEqual([expect.objectContaining({ names: ['worker'], type: 'A', port })]);
    expect(compose.services.prometheus!.volumes).toContain('./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro');

    const source = parse(read('monitoring/grafana/provisioning/datasources/prometheus.yml')).datasources[0];
    expect(source).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(compose.services.prometheus!.ports).toContain('127.0.0.1:9090:9090');
    // Every panel reads that data source, and the provider reads the folder the dashboard is mounted in.
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe(source.uid);
    const provider = parse(read('monitoring/grafana/provisioning/dashboards/vnpipe.yml')).providers[0];
    expect(compose.services.grafana!.volumes).toContain(`./monitoring/grafana/dashboards:${provider.options.path}:ro`);
  });

  it("queries only metrics a real worker exports (scraped after a batch)", async () => {
    const env = testEnv(redisUrl);
    const input = copySamples();
    writeFileSync(join(input, 'zero.txt'), '');
    const batch = (await runCli(['enqueue', '--no-learn', input, '--out', tempDir('out')], env)).stdout.trim();
    const port = await freePort();
    const worker = spawn(process.execPath, [CLI, 'worker', '--concurrency', '1', '--metrics-port', String(port)], { env: { ...process.env, ...env }, stdio: 'ignore' });
    children.push(worker);
    await waitFor(async () => {
      const s = await runCli(['status', batch, '--json'], env);
      return s.code === 0 && JSON.parse(s.stdout).batch.finishedAt;
    });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const scraped = scrapedNames(text);
    worker.kill('SIGTERM');
    await exitOf(worker);

    expect(expressions.length).toBeGreaterThan(15);
    const names = new Set(expressions.flatMap(metricNames));
    // The parser finds names (a check that finds none would pass anything).
    expect(names).toContain('vnpipe_documents_total');
    expect(names).toContain('vnpipe_document_duration_seconds_bucket');
    const missing = [...names].filter((n) => !scraped.has(n));
    expect(missing).toEqual([]);
    // And every label a query selects on: an exact value exists in a series, a pattern's label at least.
    const unmatched: string[] = [];
    for (const expr of expressions) {
      for (const [, metric, matchers] of expr.matchAll(/([A-Za-z_:][\w:]*)\{([^}]*)\}/g)) {
        const series = text.split('\n').filter((l) => l.startsWith(`${metric}{`));
        for (const [, label, op, value] of matchers!.matchAll(/(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)) {
          const found = op === '=' ? series.some((l) => l.includes(`${label}="${value}"`)) : series.some((l) => l.includes(`${label}="`));
          if (!found) unmatched.push(`${metric}{${label}${op}"${value}"}`);
        }
      }
    }
    expect(unmatched).toEqual([]);
  });
});
