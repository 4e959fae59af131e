// Starts dynalite (a DynamoDB emulator, in memory) on 127.0.0.1 only and prints
// "listening <port>" once it accepts connections. Port from argv[2]; 0 picks a free one.
const dynalite = require('dynalite')
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening ' + server.address().port)
})
// Stop with the process that started us: it holds our stdin open.
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
