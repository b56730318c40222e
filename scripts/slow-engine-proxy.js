#!/usr/bin/env node
// A pass-through HTTP proxy in front of the local engine for scripts/image-test.sh: every DynamoDB
// request goes through unchanged, except those whose body contains --marker, which are answered
// --delay-ms late. The image test uses it to keep chosen requests in flight inside the container
// (a GET of one product, whose GetItem names that product's id) while it sends SIGTERM; every
// other call of the test goes at full speed.
//
// It can also play an unreachable engine (every connection cut), so that the image's HEALTHCHECK
// can be seen to fail.
//
// Usage: node slow-engine-proxy.js --port P --target http://127.0.0.1:ENGINE [--delay-ms 3000]
// Prints "slow-engine-proxy listening on P" once it accepts connections. Controlled at run time:
//   POST /__marker  body: the text to hold (an empty body holds nothing); answers how many were held
//   POST /__down    body: "true" cuts every connection from now on, "false" passes them again
'use strict'

const http = require('node:http')
const { parseArgs } = require('node:util')

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    target: { type: 'string' },
    'delay-ms': { type: 'string', default: '3000' },
  },
})
const target = new URL(values.target)
const delayMs = Number(values['delay-ms'])
let marker = ''
let delayed = 0
let down = false

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    if (req.url === '/__marker') {
      if (req.method === 'POST') marker = body.toString('utf8')
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${delayed}\n`)
      return
    }
    if (req.url === '/__down') {
      down = body.toString('utf8').trim() === 'true'
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${down}\n`)
      return
    }
    if (down) {
      req.socket.destroy()
      return
    }
    const slow = marker !== '' && body.includes(marker)
    if (slow) delayed++
    setTimeout(() => forward(req, body, res), slow ? delayMs : 0)
  })
})

function forward (req, body, res) {
  const upstream = http.request({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
  }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message)
  })
  upstream.end(body)
}

server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`slow-engine-proxy listening on ${server.address().port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
