import net from 'node:net';
import { startRespite } from '/work/wt/streams/dist/test/helpers/servers.js';
const server = await startRespite();
const N = 400000;
const s = net.connect(server.port, '127.0.0.1'); await new Promise(r=>s.on('connect',r));
let lines = 0;
s.on('data', d => { for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++; });
const B = 1000;
let req = '';
for (let j = 0; j < B; j++) req += `*5\r\n$4\r\nXADD\r\n$7\r\nbench:x\r\n$1\r\n*\r\n$5\r\nfield\r\n$5\r\nvalue\r\n`;
const t0 = process.cpuUsage();
for (let i = 0; i < N; i += B) {
  s.write(req);
  while (lines < 2 * (i + B)) await new Promise(r => setImmediate(r));
}
const t1 = process.cpuUsage(t0);
console.log('us/op (incl client)', ((t1.user+t1.system)/N).toFixed(2));
s.destroy(); await server.close();
