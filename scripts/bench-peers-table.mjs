#!/usr/bin/env node
// Renders scripts/bench-peers' JSON lines as a markdown table: per workload, the median over
// rounds of each engine's median time, and Stepflow's lead over the fastest peer whose output
// was correct in every round. Usage: node scripts/bench-peers-table.mjs results.jsonl
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (workload, peer) => {
  const rs = rows.filter((r) => r.workload === workload && r.peer === peer);
  if (rs.length === 0 || rs.some((r) => r.error)) return null;
  const ms = rs.map((r) => (peer === 'stepflow' ? r.median_ms : r.medianMs));
  const ok = rs.every((r) => (peer === 'stepflow' ? r.output_matched : r.outputMatched) === true);
  return { ms: median(ms), ok, rounds: rs.length };
};
const peers = [...new Set(rows.map((r) => r.peer))].filter((p) => p !== 'stepflow');
const workloads = [...new Set(rows.map((r) => r.workload))];
const fmt = (s) => (s ? `${s.ms.toFixed(2)}${s.ok ? '' : ' ✗'}` : 'cannot run');
console.log(`| workload | Stepflow ms | ${peers.map((p) => `${p} ms`).join(' | ')} | lead over the fastest correct peer |`);
console.log(`|---|---:|${peers.map(() => '---:|').join('')}---:|`);
for (const w of workloads) {
  const sf = summary(w, 'stepflow');
  const ps = peers.map((p) => summary(w, p));
  const best = ps.filter((s) => s && s.ok).reduce((a, s) => (a && a.ms <= s.ms ? a : s), null);
  const lead = sf && sf.ok && best ? `${(best.ms / sf.ms).toFixed(0)}×` : '—';
  console.log(`| ${w} | ${fmt(sf)} | ${ps.map(fmt).join(' | ')} | ${lead} |`);
}
console.log('\n✗ = output differs from expected-output.json in some run (not a valid result).');
