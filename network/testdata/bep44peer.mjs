// A BEP 44 peer made of the npm bittorrent-dht package (the DHT webtorrent
// uses), for Swarmtone's interop test. Usage:
//   node bep44peer.mjs MODULE_DIR BOOTSTRAP get PUBHEX SALTHEX
//   node bep44peer.mjs MODULE_DIR BOOTSTRAP put SEEDHEX SALTHEX IHHEX SEQ
// BOOTSTRAP is host:port[,host:port...]. Prints one JSON line.
import crypto from 'node:crypto'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [moduleDir, bootstrap, mode, ...args] = process.argv.slice(2)
const { default: DHT } = await import(pathToFileURL(path.join(moduleDir, 'bittorrent-dht', 'index.js')).href)

const spki = Buffer.from('302a300506032b6570032100', 'hex')
const pkcs8 = Buffer.from('302e020100300506032b657004220420', 'hex')
const verify = (sig, msg, pub) => crypto.verify(null, msg, crypto.createPublicKey({ key: Buffer.concat([spki, pub]), format: 'der', type: 'spki' }), sig)

const dht = new DHT({ bootstrap: bootstrap.split(','), verify, host: false })
const fail = (err) => { console.log(JSON.stringify({ error: String(err) })); process.exit(1) }
setTimeout(() => fail('timed out'), 30000).unref()
dht.on('error', fail)
dht.on('ready', () => {
  if (mode === 'get') {
    const [pubHex, saltHex] = args
    const pub = Buffer.from(pubHex, 'hex')
    const salt = Buffer.from(saltHex, 'hex')
    const target = crypto.createHash('sha1').update(Buffer.concat([pub, salt])).digest()
    dht.get(target, { salt }, (err, res) => {
      if (err) fail(err)
      if (!res) fail('not found')
      console.log(JSON.stringify({ seq: res.seq, ih: Buffer.from(res.v.ih).toString('hex') }))
      dht.destroy(() => process.exit(0))
    })
  } else if (mode === 'put') {
    const [seedHex, saltHex, ihHex, seq] = args
    const priv = crypto.createPrivateKey({ key: Buffer.concat([pkcs8, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' })
    const pub = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(12)
    dht.put({
      k: pub, salt: Buffer.from(saltHex, 'hex'), seq: Number(seq), v: { ih: Buffer.from(ihHex, 'hex') },
      sign: (buf) => crypto.sign(null, buf, priv)
    }, (err, _hash, n) => {
      if (err) fail(err)
      console.log(JSON.stringify({ stored: n }))
      dht.destroy(() => process.exit(0))
    })
  } else {
    fail('unknown mode ' + mode)
  }
})
