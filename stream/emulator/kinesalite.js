// Starts kinesalite (a Kinesis-API emulator, in memory) on 127.0.0.1 only and prints
// "listening <port>" once it accepts connections. Port from argv[2]; 0 picks a free one.
const kinesalite = require('kinesalite')
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 })
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening ' + server.address().port)
})
// Stop with the process that started us: it holds our stdin open.
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
