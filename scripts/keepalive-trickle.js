#!/usr/bin/env node
// The keep-alive trickle of `make hostile` (scripts/hostile-load.sh): CONNECTIONS kept-alive
// connections, each sending one small GET every INTERVAL seconds and reading its answer, for
// DURATION seconds. Such connections are never idle for long, so a server that counts only idle
// ones for reclaim keeps them all and turns legitimate clients away at its connection cap. A slot
// the server closes is opened again after INTERVAL.
// Usage: node scripts/keepalive-trickle.js HOST PORT CONNECTIONS INTERVAL DURATION
'use strict';
const net = require('net');

const [host, port, connections, interval, duration] = process.argv.slice(2);
const count = Number(connections), everyMs = 1000 * Number(interval), endAt = Date.now() + 1000 * Number(duration);
const request = `GET /products?limit=1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
let open = 0, sent = 0, closedByServer = 0, failed = 0;

function connect(i) {
  const socket = net.connect({ host, port: Number(port) });
  let timer;
  socket.setNoDelay(true);
  socket.on('connect', () => {
    open++;
    const send = () => { if (Date.now() < endAt && !socket.destroyed) { socket.write(request); sent++; } };
    // Spread the first requests over one interval, as independent clients would.
    setTimeout(() => { send(); timer = setInterval(send, everyMs); }, (i * everyMs) / count);
  });
  socket.on('data', () => {});
  socket.on('error', () => { failed++; });
  socket.on('close', () => {
    clearInterval(timer);
    // A closed slot comes back at the attacker's own pace: one request per slot every INTERVAL.
    if (Date.now() < endAt) { closedByServer++; open--; setTimeout(() => connect(i), everyMs); }
  });
}

for (let i = 0; i < count; i++) setTimeout(() => connect(i), i);
setTimeout(() => {
  console.log(`trickle: ${count} connections, ${sent} requests sent, ${closedByServer} closed by the server, ` +
              `${failed} socket errors`);
  process.exit(0);
}, 1000 * Number(duration));
