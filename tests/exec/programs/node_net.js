// A Node.js `net` server and client in one process, for sniff exec (issue 17): the client writes
// two lines in two writes, the server answers each line in capitals, then sends 3000 bytes and
// ends; the client ends once it has everything. Exit status 0 when the client got it all.
'use strict';
const net = require('net');

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let pending = '';
  let lines = 0;
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      socket.write(pending.slice(0, newline + 1).toUpperCase());
      pending = pending.slice(newline + 1);
      if (++lines === 2)
        socket.end('x'.repeat(3000));
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const expected = 'HELLO\nWORLD\n' + 'x'.repeat(3000);
  let received = '';
  const client = net.connect(server.address().port, '127.0.0.1', () => {
    client.setNoDelay(true);
    client.write('hello\n', () => setTimeout(() => client.write('world\n'), 50));
  });
  client.on('data', (chunk) => { received += chunk.toString('latin1'); });
  client.on('end', () => {
    client.end();
    server.close();
    process.exitCode = received === expected ? 0 : 1;
  });
});
