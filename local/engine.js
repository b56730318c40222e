#!/usr/bin/env node
// Starts dynalite (the local DynamoDB-compatible engine) for `make run`, the tests and the benchmarks.
//
// Why not dynalite's own CLI: it ignores `--port 0`, and a test run needs a free port chosen by
// the OS (no race, no collision with a running `make run`). It also has no way to die with its
// parent; with --exit-with-stdin the engine stops as soon as the process that started it goes
// away, even if that process was killed with SIGKILL, so no engine is ever left behind.
//
// Usage: node engine.js [--port 8000] [--host 127.0.0.1] [--path DIR] [--exit-with-stdin]
// Prints exactly one line "dynalite listening on <port>" once it accepts connections.
'use strict'

const { parseArgs } = require('node:util')
const dynalite = require('dynalite')

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    path: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
})

// Tables become ACTIVE at once: nothing in this project waits on CREATING/DELETING states.
const server = dynalite({ path: values.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })

// dynalite throws from a request's 'error' event (a client that resets its connection mid-request,
// as the fault and hostile-connection tests do), which would end the whole engine: such a request
// is dropped here instead, since nobody is left to answer.
server.prependListener('request', (req) => {
  const emit = req.emit
  req.emit = function (event, ...args) {
    if (event === 'error') {
      req.destroy()
      return true
    }
    return emit.call(this, event, ...args)
  }
})

server.on('error', (err) => {
  console.error(`dynalite could not listen on ${values.host}:${values.port}: ${err.message}`)
  process.exit(1)
})

server.listen(Number(values.port), values.host, () => {
  console.log(`dynalite listening on ${server.address().port}`)
})

function stop () {
  server.close(() => process.exit(0))
  // LevelDB flushes on close; give it a moment, never hang.
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

if (values['exit-with-stdin']) {
  process.stdin.on('end', stop)
  process.stdin.on('error', stop)
  process.stdin.resume()
}
