import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { jobMix } from './spread-work.js';
const child = spawn(process.execPath, [...process.execArgv, 'src/pool/spread-strand-server.ts', '8'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((r) => child.once('message', (m: any) => r(m.port)));
const mix = jobMix(8, 10, Number(process.argv[2] ?? 3_000_000));
const t0 = performance.now();
const log: string[] = [];
for (let rep = 0; rep < 2; rep++) {
  log.length = 0;
  await Promise.all(mix.jobs.map(async (sizes, k) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const units of sizes) {
      const s = performance.now() - t0;
      const a: any = await new Promise((resolve) => { const req = request({ host: '127.0.0.1', port, path: `/work?units=${units}`, agent }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(JSON.parse(b))); }); req.end(); });
      log.push(`${s.toFixed(0).padStart(6)} c${k} u=${String(units).padStart(7)} -> s${a.worker} (${(performance.now() - t0 - s).toFixed(0)} ms)`);
    }
    agent.destroy();
  }));
}
log.sort((a, b) => parseFloat(a) - parseFloat(b));
console.log(log.join('\n'));
child.send('stop');
