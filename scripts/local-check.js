#!/usr/bin/env node
// Waits, for scripts/run.sh (`make run`), until a local part answers, or says in one line why not.
//
//   node local-check.js engine URL SECONDS        the engine answers a DynamoDB ListTables call
//   node local-check.js ready URL SECONDS [PID]   the service's readiness answers 200; gives up at
//                                                 once when process PID has ended
//
// Exit 0 when it answers in time, 1 otherwise (the last answer or error is printed on stderr).
'use strict'

const http = require('node:http')

const [mode, url, seconds, pid] = process.argv.slice(2)
const deadline = Date.now() + Number(seconds) * 1000

// dynalite checks that a request is signed, not the signature itself: a well-formed header will do.
const LIST_TABLES = {
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-amz-json-1.0',
    'X-Amz-Target': 'DynamoDB_20120810.ListTables',
    'X-Amz-Date': '20260101T000000Z',
    Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, '
      + 'SignedHeaders=host;x-amz-date, Signature=00',
  },
  body: '{}',
}
const READY = { method: 'GET', headers: {}, body: '' }

function attempt (request) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: request.method, headers: request.headers, timeout: 2000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ ok: res.statusCode === 200, detail: `${res.statusCode} ${body.trim()}` }))
    })
    req.on('timeout', () => req.destroy(new Error('no answer in 2 s')))
    req.on('error', (err) => resolve({ ok: false, detail: err.code || err.message }))
    req.end(request.body)
  })
}

function alive (processId) {
  try {
    process.kill(Number(processId), 0)
    return true
  } catch {
    return false
  }
}

async function main () {
  const request = mode === 'engine' ? LIST_TABLES : READY
  let last = 'no answer'
  while (Date.now() < deadline) {
    const outcome = await attempt(request)
    if (outcome.ok) {
      return 0
    }
    last = outcome.detail
    if (pid && !alive(pid)) {
      return 1
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  console.error(`${url}: ${last}`)
  return 1
}

if (mode !== 'engine' && mode !== 'ready') {
  console.error('usage: local-check.js engine|ready URL SECONDS [PID]')
  process.exit(2)
}
main().then((code) => process.exit(code))
