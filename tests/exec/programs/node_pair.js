// A Node.js `net` server and client in one process, speaking the article's struct framing (a
// 4-byte little-endian length, then the body). The client writes its three requests in one
// write; the server answers each request it can cut out of what it has read.
'use strict';
const net = require('net');

function frame(text) {
    const body = Buffer.from(text);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length);
    return Buffer.concat([header, body]);
}

// Calls handle(body) for each whole message at the front of pending; returns what is left.
function cut(pending, handle) {
    while (pending.length >= 4) {
        const size = pending.readUInt32LE(0);
        if (pending.length < 4 + size)
            break;
        handle(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
    }
    return pending;
}

const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
        pending = cut(Buffer.concat([pending, data]),
                      (body) => socket.write(frame('echo:' + body.toString())));
    });
});

server.listen(0, '127.0.0.1', () => {
    const client = net.connect(server.address().port, '127.0.0.1', () => {
        client.write(Buffer.concat([frame('one'), frame('two'), frame('three')]));
    });
    let pending = Buffer.alloc(0);
    let answers = 0;
    client.on('data', (data) => {
        pending = cut(Buffer.concat([pending, data]), () => ++answers);
        if (answers === 3) {
            console.log('node: 3 answers');
            client.end();
            server.close();
        }
    });
});
